package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"meetingbot/meeting"
)

// ticket is what a prompt's buttons carry, so that any replica, or this one
// after a restart, can serve the click without memory of the command.
// Everything in it is checked again on the click; Slack alone can send it
// back, over the app's authenticated connection.
type ticket struct {
	Meeting meeting.ID `json:"m"`
	Team    string     `json:"t,omitempty"`
	User    string     `json:"u"`
	Issued  int64      `json:"i"` // Unix milliseconds
	Nonce   string     `json:"n"`
	Subject string     `json:"s,omitempty"`
}

const (
	ticketPrefix     = "1."
	maxTicketValue   = 2000 // Slack's limit for a button value
	maxTicketSubject = 150  // bytes of the subject kept for the result message
	nonceLen         = 32
)

var errBadTicket = errors.New("malformed button value")

func newNonce() string {
	var b [nonceLen / 2]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// encode returns the button value.
func (t ticket) encode() string {
	// json.Marshal would turn each invalid byte into a 3-byte U+FFFD and
	// push a truncated subject past what decodeTicket accepts.
	t.Subject = truncate(strings.ToValidUTF8(t.Subject, "\uFFFD"), maxTicketSubject)
	b, _ := json.Marshal(t) // a struct of strings and ints cannot fail
	return ticketPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// decodeTicket reads and checks a button value. It accepts only what encode
// writes.
func decodeTicket(v string) (ticket, error) {
	if len(v) > maxTicketValue || !strings.HasPrefix(v, ticketPrefix) {
		return ticket{}, errBadTicket
	}
	raw, err := base64.RawURLEncoding.DecodeString(v[len(ticketPrefix):])
	if err != nil {
		return ticket{}, errBadTicket
	}
	var t ticket
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil || dec.More() {
		return ticket{}, errBadTicket
	}
	if t.Meeting.Validate() != nil || !slackID(t.User, "UW") || (t.Team != "" && !slackID(t.Team, "TE")) ||
		t.Issued <= 0 || len(t.Nonce) != nonceLen || !isHex(t.Nonce) ||
		len(t.Subject) > maxTicketSubject || !utf8.ValidString(t.Subject) {
		return ticket{}, errBadTicket
	}
	// Base64 and JSON have other spellings of the same ticket (line breaks,
	// key case, spacing, trailing bytes); only encode's own is accepted.
	if t.encode() != v {
		return ticket{}, errBadTicket
	}
	return t, nil
}

func (t ticket) issued() time.Time { return time.UnixMilli(t.Issued) }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
