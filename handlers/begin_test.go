package handlers

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestBeginHelp(t *testing.T) {
	for _, text := range []string{"help", "HELP", " Help "} {
		t.Run(text, func(t *testing.T) {
			hs := newHarness(t, adminPolicy, nil, nil)
			r, ok, _ := begin(t, hs, command(text))
			if !ok {
				t.Fatalf("Begin(%q) did not answer at once", text)
			}
			if n := len(hs.log.audits(t)); n != 0 {
				t.Errorf("help wrote %d audit records, want 0", n)
			}
			if r.Text.String() != usageText.String() || r.Prompt != nil || r.Replace || r.Public {
				t.Errorf("Begin(%q) = %+v, want the usage text alone, ephemeral", text, r)
			}
		})
	}
}

func TestBeginLeavesMeetingIDsToTheWork(t *testing.T) {
	tests := []struct {
		text string
		want string // the ID Command asks Meetings for
	}{
		{"914044873", "914044873"},
		{"  914044873\t", "914044873"},
		{"914 044 873", "914044873"},
		{"914-044-873", "914044873"},
		{"914-044 873", "914044873"},
		{"９１４０４４８７３", "914044873"},
		{"９１４　０４４　８７３", "914044873"},
		{"123456", "123456"},
		{"12345678901234567890", "12345678901234567890"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			hs := newHarness(t, adminPolicy, nil, nil)
			if r, ok, _ := begin(t, hs, command(tt.text)); ok {
				t.Fatalf("Begin(%q) answered %+v at once; want the work", tt.text, r)
			}
			if n := len(hs.log.audits(t)); n != 0 {
				t.Errorf("Begin wrote %d audit records for a meeting ID, want 0 (its work writes it)", n)
			}
			hs.h.Command(context.Background(), command(tt.text), &recordingReplier{})
			if got := hs.meetings.prepares(); len(got) != 1 || string(got[0]) != tt.want {
				t.Errorf("Prepare calls = %v, want [%s]", got, tt.want)
			}
		})
	}
}

// checkBadIDReply checks the answer to text that is not a meeting ID: the
// usage error, ephemeral, with nothing of the text in it.
func checkBadIDReply(t *testing.T, text string, r Reply) {
	t.Helper()
	const prefix = "That is not a meeting ID: "
	if r.Prompt != nil || r.Replace || r.Public {
		t.Errorf("reply = %+v, want an ephemeral new message without buttons", r)
	}
	if !strings.HasPrefix(r.Text.String(), prefix) || !strings.HasSuffix(r.Text.String(), ".\n"+usageText.String()) {
		t.Fatalf("reply = %q, want %q, a reason and the usage text", r.Text, prefix)
	}
	reason := strings.TrimSuffix(strings.TrimPrefix(r.Text.String(), prefix), ".\n"+usageText.String())
	for _, c := range reason {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) || strings.ContainsRune("<>&*`@!|", c) {
			t.Errorf("reason %q has %q: it must be plain text of its own", reason, c)
		}
	}
	if strings.TrimSpace(text) != "" && strings.Contains(reason, strings.TrimSpace(text)) {
		t.Errorf("reason %q repeats the input", reason)
	}
	// The input never reaches the reply, so it cannot bring markup: the
	// reason is checked above, the rest is the bot's own words.
	for _, c := range r.Text.String() {
		if c != '\n' && unicode.IsControl(c) || c == '\u202e' || c == utf8.RuneError {
			t.Errorf("reply %q has control character %U", r.Text, c)
		}
	}
}

func TestQuickBadIDs(t *testing.T) {
	for _, text := range []string{
		"12345",                 // too few digits
		"123456789012345678901", // too many
		"abc",
		"914  044873",       // two spaces
		"914--044873",       // two dashes
		"914044873-",        // trailing dash
		"-914044873",        // leading dash
		"meeting 914044873", // words
		"914044873 please",
		"914_044_873",
		"914.044.873",
	} {
		t.Run(text, func(t *testing.T) { checkNotAnID(t, text) })
	}
}

// checkNotAnID checks that text gets the usage error from Begin, and from
// Command, with no look-up and no Meetings call.
func checkNotAnID(t *testing.T, text string) {
	t.Helper()
	hs := newHarness(t, adminPolicy, nil, nil)
	r, ok, before := begin(t, hs, command(text))
	if !ok {
		t.Fatalf("Begin(%q) did not answer at once: taken for a meeting ID", text)
	}
	checkBadIDReply(t, text, r)
	// The record follows the answer, which the bot puts in the ack.
	if before != 0 {
		t.Errorf("Begin wrote %d audit records before the answer, want 0", before)
	}
	if n := len(hs.log.audits(t)); n != 1 {
		t.Errorf("Begin wrote %d audit records, want 1", n)
	}

	out := &recordingReplier{}
	hs.h.Command(context.Background(), command(text), out)
	if rs := out.all(); len(rs) != 1 || !reflect.DeepEqual(rs[0], r) {
		t.Errorf("Command replies = %q, want only %q", texts(rs), r.Text)
	}
	if p, s := hs.meetings.prepares(), hs.meetings.stops(); len(p)+len(s) != 0 {
		t.Errorf("Meetings calls: Prepare %v, Stop %v; want none", p, s)
	}
	if n := hs.dir.calls(); n != 0 {
		t.Errorf("Directory calls = %d, want 0", n)
	}
}

// hostileTexts are what a careless or malicious user may type after
// /endmeeting. None is a meeting ID.
var hostileTexts = []struct{ name, text string }{
	{"query injection", "914044873&x=1"},
	{"query", "914044873?x"},
	{"fragment", "914044873#stop"},
	{"path up", "../1"},
	{"path up to an ID", "../../914044873"},
	{"path after ID", "914044873/../stop"},
	{"encoded dots", "%2e%2e/914044873"},
	{"encoded NUL", "914044873%00"},
	{"Arabic-Indic digits", "٩١٤٠٤٤٨٧٣"},
	{"Extended Arabic-Indic digits", "۹۱۴۰۴۴۸۷۳"},
	{"Devanagari digits", "९१४०४४८७३"},
	{"mathematical bold digits", "𝟗𝟏𝟒𝟎𝟒𝟒𝟖𝟕𝟑"},
	{"superscript digits", "⁹¹⁴⁰⁴⁴⁸⁷³"},
	{"NUL at end", "914044873\x00"},
	{"NUL inside", "914\x00044873"},
	{"ANSI escape", "914044873\x1b[31m"},
	{"bell and backspace", "914\a\b044873"},
	{"RTL override", "914\u202e044873"},
	{"zero-width space", "\u200b914044873"},
	{"no-break space inside", "914\u00a0044873"},
	{"line separator inside", "914\u2028044873"},
	{"invalid UTF-8", "\xff\xfe914044873"},
	{"Slack tel link", "<tel:914044873|914044873>"},
	{"Slack channel mention", "<!channel>"},
	{"Slack here mention and ID", "<!here> 914044873"},
	{"Slack user mention", "<@U123>"},
	{"Slack user mention and ID", "<@U123> 914044873"},
	{"Slack URL", "<https://meeting.huaweicloud.com/#/j/914044873>"},
	{"bold", "*914044873*"},
	{"code", "`914044873`"},
	{"escaped mention", "&lt;!channel&gt;"},
	{"very long digits", strings.Repeat("9", 10000)},
	{"very long groups", strings.Repeat("12 ", 100) + "12"},
	{"very long text", strings.Repeat("A", 100000)},
	{"emoji after ID", "914044873 🎉"},
	{"emoji", "🔥"},
	{"SQL quote", "914044873' OR '1'='1"},
	{"SQL drop", "914044873; DROP TABLE meetings;--"},
	{"two IDs on two lines", "914044873\n914083136"},
	{"two IDs CRLF", "914044873\r\n914083136"},
	{"two IDs tab", "914044873\t914083136"},
	{"two IDs comma", "914044873,914083136"},
	{"negative", "-1"},
	{"plus sign", "+914044873"},
	{"hex", "0x36846A49"},
	{"float", "9.14044873e8"},
	{"JNDI", "${jndi:ldap://x/a}"},
	{"template", "{{.Password}}"},
	{"script", "<script>alert(1)</script>"},
	{"flag", "914044873 --force"},
	{"full-width x", "０ｘ１２３４５６"},
	{"shell", "$(reboot)"},
}

func TestHostileTexts(t *testing.T) {
	if len(hostileTexts) < 30 {
		t.Fatalf("only %d hostile texts", len(hostileTexts))
	}
	for _, tt := range hostileTexts {
		t.Run(tt.name, func(t *testing.T) { checkNotAnID(t, tt.text) })
	}
}
