package handlers

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"meetingbot/meeting"
)

func TestTicketRoundTrip(t *testing.T) {
	base := ticket{Action: ActionEnd, Meeting: testID, Team: testTeam, User: testUser, Issued: 1741944413000, Nonce: validNonce, Subject: testSubject}
	tests := []struct {
		name string
		edit func(*ticket)
	}{
		{"typical", func(*ticket) {}},
		{"no team", func(t *ticket) { t.Team = "" }},
		{"cancel", func(t *ticket) { t.Action = ActionCancel }},
		{"pick", func(t *ticket) { t.Action = ActionPick }},
		{"end for good…", func(t *ticket) { t.Action = ActionAskForGood }},
		{"end for good", func(t *ticket) { t.Action = ActionEndForGood }},
		{"in a room", func(t *ticket) { t.Room = "9800123456" }},
		{"no subject", func(t *ticket) { t.Subject = "" }},
		{"Enterprise Grid IDs", func(t *ticket) { t.Team, t.User = "E0ORG", "W012ABCDEF" }},
		{"longest IDs", func(t *ticket) {
			t.Meeting = "12345678901234567890"
			t.Room = "98765432109876543210"
			t.Team = "T" + strings.Repeat("Z", 20)
			t.User = "U" + strings.Repeat("9", 20)
		}},
		{"shortest meeting", func(t *ticket) { t.Meeting = "123456" }},
		{"markup and quotes in subject", func(t *ticket) { t.Subject = `<!channel> *x* & "y" \ ` + "`z`" }},
		{"non-ASCII subject", func(t *ticket) { t.Subject = "周会 🎉 Ünïcödé" }},
		{"line separators in subject", func(t *ticket) { t.Subject = "a\u2028b\u2029c\nd\x00e" }},
		{"subject of exactly 150 bytes", func(t *ticket) { t.Subject = strings.Repeat("x", maxTicketSubject) }},
		{"issued far ahead", func(t *ticket) { t.Issued = 1<<53 - 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := base
			tt.edit(&want)
			v := testSigner.encode(want)
			if !strings.HasPrefix(v, ticketPrefix) || len(v) > maxTicketValue {
				t.Errorf("encode() = %q: want the prefix and at most %d bytes", v, maxTicketValue)
			}
			got, err := testSigner.decode(v)
			if err != nil {
				t.Fatalf("testSigner.decode(encode()) = %v", err)
			}
			if got != want {
				t.Errorf("round trip = %+v, want %+v", got, want)
			}
		})
	}
}

func TestTicketSubjectTruncated(t *testing.T) {
	tests := []struct {
		name    string
		subject string
		want    string // "" when it is the subject unchanged
	}{
		{"150 bytes kept", strings.Repeat("a", 150), ""},
		{"151 bytes cut", strings.Repeat("a", 151), strings.Repeat("a", 147) + "…"},
		{"long ASCII", strings.Repeat("a", 1000), strings.Repeat("a", 147) + "…"},
		{"2-byte runes", strings.Repeat("é", 100), strings.Repeat("é", 73) + "…"},
		{"3-byte runes", strings.Repeat("語", 100), strings.Repeat("語", 49) + "…"},
		{"4-byte runes", strings.Repeat("🎉", 100), strings.Repeat("🎉", 36) + "…"},
		{"a rune across the cut", strings.Repeat("a", 146) + "語語", strings.Repeat("a", 146) + "…"},
		{"invalid UTF-8", strings.Repeat("\xff", 200), "\uFFFD"},
		{"long with invalid UTF-8", strings.Repeat("a\xff", 100), strings.Repeat("a\uFFFD", 36) + "a…"},
		{"short invalid UTF-8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == "" {
				want = tt.subject
			}
			v := testSigner.encode(ticket{Action: ActionEnd, Meeting: testID, User: testUser, Issued: 1, Nonce: validNonce, Subject: tt.subject})
			got, err := testSigner.decode(v)
			if err != nil {
				t.Fatalf("testSigner.decode(encode()) = %v: a prompt whose buttons never work", err)
			}
			if got.Subject != want {
				t.Errorf("subject = %q (%d bytes), want %q", got.Subject, len(got.Subject), want)
			}
			if len(got.Subject) > maxTicketSubject || !utf8.ValidString(got.Subject) {
				t.Errorf("subject has %d bytes, valid UTF-8 %v", len(got.Subject), utf8.ValidString(got.Subject))
			}
		})
	}
}

func TestDecodeTicketRejects(t *testing.T) {
	issued := int64(1741944413000)
	if _, err := testSigner.decode(tamper(goodJSON(issued))); err != nil {
		t.Fatalf("testSigner.decode(untampered) = %v", err)
	}
	for _, tt := range tamperedValues(issued) {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := testSigner.decode(tt.value); err == nil {
				t.Errorf("testSigner.decode(%q) = %+v, want an error", tt.value, got)
			} else if !errors.Is(err, errBadTicket) {
				t.Errorf("decodeTicket error = %v, want errBadTicket", err)
			}
		})
	}
}

func TestTicketFieldsValidated(t *testing.T) {
	// What encode writes from bad fields is refused, so that a ticket made
	// from a bad command cannot be served either.
	base := ticket{Action: ActionEnd, Meeting: testID, Team: testTeam, User: testUser, Issued: 1, Nonce: validNonce}
	tests := []struct {
		name string
		edit func(*ticket)
	}{
		{"action unknown", func(t *ticket) { t.Action = "endmeeting_confirm_all" }},
		{"action empty", func(t *ticket) { t.Action = "" }},
		{"meeting not canonical", func(t *ticket) { t.Meeting = "914-044-873" }},
		{"meeting empty", func(t *ticket) { t.Meeting = "" }},
		{"meeting 21 digits", func(t *ticket) { t.Meeting = meeting.ID(strings.Repeat("1", 21)) }},
		{"room not canonical", func(t *ticket) { t.Room = "980 012 3456" }},
		{"room too short", func(t *ticket) { t.Room = "12345" }},
		{"user empty", func(t *ticket) { t.User = "" }},
		{"user is a team", func(t *ticket) { t.User = testTeam }},
		{"team is a user", func(t *ticket) { t.Team = testUser }},
		{"issued zero", func(t *ticket) { t.Issued = 0 }},
		{"nonce short", func(t *ticket) { t.Nonce = "abc" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := base
			tt.edit(&tk)
			if got, err := testSigner.decode(testSigner.encode(tk)); err == nil {
				t.Errorf("decodeTicket accepted %+v", got)
			}
		})
	}
}

func TestNewNonce(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n := newNonce()
		if len(n) != nonceLen || !isHex(n) {
			t.Fatalf("newNonce() = %q, want %d lower-case hex digits", n, nonceLen)
		}
		if seen[n] {
			t.Fatalf("newNonce() repeated %q", n)
		}
		seen[n] = true
	}
}

func FuzzDecodeTicket(f *testing.F) {
	good := ticket{Action: ActionEnd, Meeting: testID, Team: testTeam, User: testUser, Issued: 1741944413000, Nonce: validNonce, Subject: testSubject}
	f.Add(testSigner.encode(good))
	f.Add(testSigner.encode(ticket{Action: ActionEnd, Meeting: "123456", User: "W1234", Issued: 1, Nonce: validNonce}))
	f.Add(testSigner.encode(ticket{Action: ActionEnd, Meeting: testID, User: testUser, Issued: 1, Nonce: validNonce, Subject: strings.Repeat("語", 100)}))
	for _, tt := range tamperedValues(good.Issued) {
		f.Add(tt.value)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := testSigner.decode(v)
		if err != nil {
			if got != (ticket{}) {
				t.Errorf("testSigner.decode(%q) = %+v with error %v, want the zero ticket", v, got, err)
			}
			return
		}
		again := testSigner.encode(got)
		if again != v {
			t.Errorf("decodeTicket accepted %q, which encode writes as %q", v, again)
		}
		back, err := testSigner.decode(again)
		if err != nil || back != got {
			t.Errorf("re-encoded %+v decodes to %+v, %v", got, back, err)
		}
		if got.Meeting.Validate() != nil || len(got.Nonce) != nonceLen || len(got.Subject) > maxTicketSubject {
			t.Errorf("decodeTicket accepted a bad ticket %+v", got)
		}
	})
}
