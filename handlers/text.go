package handlers

import (
	"fmt"
	"strings"
)

// Text is a message as the handlers write it: spans of words, each of a
// kind, with no markup of any transport. Package bot renders it as Slack
// mrkdwn, escaping what must be escaped there; the console prints String.
type Text []Span

// Span is a run of text of one kind.
type Span struct {
	Kind SpanKind
	Text string
}

// SpanKind says how a span is meant to be read.
type SpanKind int

// The kinds of span.
const (
	// Plain is the bot's own words.
	Plain SpanKind = iota
	// Value is text from outside (a Huawei user ID, …), shown as it is:
	// a transport must keep it from being read as markup.
	Value
	// Strong is a value shown in bold: a meeting's subject.
	Strong
	// Code is something to type, or a reference to quote.
	Code
	// Mention names a user by their Slack user ID.
	Mention
)

// String is the text as plain-text mail writes it: *strong*, `code` and
// @mention, for the console, logs and tests.
func (t Text) String() string {
	var b strings.Builder
	for _, s := range t {
		switch s.Kind {
		case Strong:
			b.WriteString("*" + s.Text + "*")
		case Code:
			b.WriteString("`" + s.Text + "`")
		case Mention:
			b.WriteString("@" + s.Text)
		default:
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

// plain, value, strong, code and mention make a span of their kind.
func plain(s string) Span   { return Span{Plain, s} }
func value(s string) Span   { return Span{Value, s} }
func strong(s string) Span  { return Span{Strong, s} }
func code(s string) Span    { return Span{Code, s} }
func mention(s string) Span { return Span{Mention, s} }

// textf formats a Text as fmt.Sprintf would a string: each %s or %v whose
// argument is a Span or a Text takes its spans; any other argument, and %d,
// is formatted into plain words. %% is a percent sign.
func textf(format string, args ...any) Text {
	var t Text
	add := func(s Span) {
		if s.Text == "" {
			return
		}
		if n := len(t); n > 0 && t[n-1].Kind == s.Kind && s.Kind == Plain {
			t[n-1].Text += s.Text
			return
		}
		t = append(t, s)
	}
	for len(format) > 0 {
		i := strings.IndexByte(format, '%')
		if i < 0 || i == len(format)-1 {
			add(plain(format))
			break
		}
		add(plain(format[:i]))
		verb := format[i+1]
		format = format[i+2:]
		if verb == '%' {
			add(plain("%"))
			continue
		}
		if len(args) == 0 {
			add(plain("%!" + string(verb) + "(MISSING)"))
			continue
		}
		arg := args[0]
		args = args[1:]
		switch a := arg.(type) {
		case Span:
			add(a)
		case Text:
			for _, s := range a {
				add(s)
			}
		default:
			add(plain(fmt.Sprintf("%"+string(verb), a)))
		}
	}
	return t
}
