package handlers

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"meetingbot/meeting"
)

// ticket is what a prompt's buttons carry, so that any replica, or this one
// after a restart, can serve the click without memory of the command. It is
// signed (see signer): a click is served only for a value the bot wrote, and
// only as the action it was written for. The requester, the team and the
// permission are checked again on the click all the same.
type ticket struct {
	Action  string     `json:"a"` // the action ID of the button the value is on
	Meeting meeting.ID `json:"m"` // the conferenceID, which the calls take
	// Room is the ID of the room that holds the meeting, which the prompt
	// showed: the click shows it again without asking Huawei.
	Room    meeting.ID `json:"r,omitempty"`
	Team    string     `json:"t,omitempty"`
	User    string     `json:"u"`
	Issued  int64      `json:"i"` // Unix milliseconds
	Nonce   string     `json:"n"`
	Subject string     `json:"s,omitempty"`
}

const (
	// ticketPrefix names the format: "2." + base64url(JSON) + "." +
	// base64url(HMAC-SHA256). Format 1 was unsigned; its values, in prompts
	// shown before an upgrade, are refused.
	ticketPrefix = "2."
	// maxTicketValue bounds what decode reads: more than the longest value
	// encode writes (about 1,530 bytes, with a subject of 150 bytes that
	// JSON escapes and a room ID of 20 digits).
	maxTicketValue   = 2000
	maxTicketSubject = 150 // bytes of the subject kept for the result message
	nonceLen         = 32
	macLen           = sha256.Size
)

var (
	errBadTicket    = errors.New("malformed button value")
	errBadSignature = fmt.Errorf("%w: the signature does not verify", errBadTicket)
)

// MinButtonKey is the least length in bytes of a key that signs button values.
const MinButtonKey = 32

// signer signs and verifies button values with HMAC-SHA256. Every replica
// that may serve a click must have the same key.
type signer struct{ key []byte }

// newSigner returns a signer for key, or for a random key (good for this
// process only) when key is empty. A non-empty key shorter than
// MinButtonKey is a programming error: the configuration refuses it.
func newSigner(key []byte) signer {
	if len(key) == 0 {
		key = make([]byte, MinButtonKey)
		_, _ = rand.Read(key)
	}
	if len(key) < MinButtonKey {
		panic("handlers: button key shorter than MinButtonKey")
	}
	return signer{key: bytes.Clone(key)}
}

func (s signer) mac(body string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

func newNonce() string {
	var b [nonceLen / 2]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// encode returns the signed button value of t.
func (s signer) encode(t ticket) string {
	body := t.body()
	return body + "." + base64.RawURLEncoding.EncodeToString(s.mac(body))
}

// body is the part of t's value that the signature covers.
func (t ticket) body() string {
	// json.Marshal would turn each invalid byte into a 3-byte U+FFFD and
	// push a truncated subject past what decode accepts.
	t.Subject = truncate(strings.ToValidUTF8(t.Subject, "\uFFFD"), maxTicketSubject)
	b, _ := json.Marshal(t) // a struct of strings and ints cannot fail
	return ticketPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// decode verifies a button value's signature, in constant time and before
// it reads anything else of it, then reads and checks the ticket. It
// accepts only what encode writes with the same key.
func (s signer) decode(v string) (ticket, error) {
	if len(v) > maxTicketValue || !strings.HasPrefix(v, ticketPrefix) {
		return ticket{}, errBadTicket
	}
	dot := strings.LastIndexByte(v, '.')
	if dot < len(ticketPrefix) {
		return ticket{}, errBadTicket
	}
	body, sig := v[:dot], v[dot+1:]
	// Strict: the last character of a signature carries unused bits, and a
	// lenient decoder would accept four spellings of one signature. Strict
	// still skips line breaks, so the signature must also be the one
	// spelling encode writes.
	mac, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || len(mac) != macLen || base64.RawURLEncoding.EncodeToString(mac) != sig || !hmac.Equal(mac, s.mac(body)) {
		return ticket{}, errBadSignature
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(body[len(ticketPrefix):])
	if err != nil {
		return ticket{}, errBadTicket
	}
	var t ticket
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil || dec.More() {
		return ticket{}, errBadTicket
	}
	if !KnownAction(t.Action) || t.Meeting.Validate() != nil || (t.Room != "" && t.Room.Validate() != nil) || !slackID(t.User, "UW") || (t.Team != "" && !slackID(t.Team, "TE")) ||
		t.Issued <= 0 || len(t.Nonce) != nonceLen || !isHex(t.Nonce) ||
		len(t.Subject) > maxTicketSubject || !utf8.ValidString(t.Subject) {
		return ticket{}, errBadTicket
	}
	// Base64 and JSON have other spellings of the same ticket (line breaks,
	// key case, spacing, trailing bytes); only encode's own is accepted.
	if t.body() != body {
		return ticket{}, errBadTicket
	}
	return t, nil
}

func (t ticket) issued() time.Time { return time.UnixMilli(t.Issued) }

// view is what the ticket's prompt showed of its meeting.
func (t ticket) view() MeetingView {
	return MeetingView{ID: t.Meeting, RoomID: t.Room, Subject: t.Subject}
}

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
