package meeting_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"meetingbot/meeting"
)

// linkToken is a join link's token: it must never come back.
const linkToken = "EWmHgcyGmDYDQEamd0oT9TcSwzMUxZlLA"

// link is a join link for id on Huawei's main host.
func link(id string) string { return "https://meeting.huaweicloud.com/#/j/" + id + "/" + linkToken }

// acceptedLinks are join links people paste, and what they name.
var acceptedLinks = []struct {
	name string
	text string
	want meeting.ID
}{
	{"bare", link("914044873"), "914044873"},
	{"subdomain, hex token (Huawei's example)", "https://c.meeting.huaweicloud.com/#/j/914083136/6a30b8b5a325105da031442627828e496f91021ece36405f", "914083136"},
	{"international site", "https://intl.meeting.huaweicloud.com/#/j/289229034/6401c55f8d3c90b5b727fd58c9e19e571f4bae832fc60e0c", "289229034"},
	{"deeper subdomain", "https://a-1.b.meeting.huaweicloud.com/#/j/914044873/" + linkToken, "914044873"},
	{"Slack markup", "<" + link("914044873") + ">", "914044873"},
	{"Slack markup with a label", "<" + link("914044873") + "|Join my meeting>", "914044873"},
	{"Slack markup labelled with the link", "<" + link("914044873") + "|" + link("914044873") + ">", "914044873"},
	{"Slack markup, empty label", "<" + link("914044873") + "|>", "914044873"},
	{"surrounding whitespace", "  " + link("914044873") + "\n", "914044873"},
	{"upper-case scheme and host", "HTTPS://Meeting.HuaweiCloud.COM/#/j/914044873/" + linkToken, "914044873"},
	{"token with - and _", "https://meeting.huaweicloud.com/#/j/914044873/a-b_c", "914044873"},
	{"6 digits", link("123456"), "123456"},
	{"20 digits", link("12345678901234567890"), "12345678901234567890"},
}

// rejectedLinks look like links and must not name a meeting.
var rejectedLinks = []struct {
	name string
	text string
}{
	{"http", "http://meeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"dotted capital I that lowers to i", "https://meet\u0130ng.huaweicloud.com/#/j/914044873/" + linkToken},
	{"dotted capital I in a subdomain", "https://x.meet\u0130ng.huaweicloud.com/#/j/914044873/" + linkToken},
	{"no scheme", "meeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"protocol-relative", "//meeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"javascript", "javascript:alert(1)//meeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"look-alike suffix", "https://meeting.huaweicloud.com.evil.example/#/j/914044873/" + linkToken},
	{"look-alike prefix", "https://evilmeeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"look-alike dash", "https://meeting-huaweicloud.com/#/j/914044873/" + linkToken},
	{"other TLD", "https://meeting.huaweicloud.co/#/j/914044873/" + linkToken},
	{"parent domain", "https://huaweicloud.com/#/j/914044873/" + linkToken},
	{"other subdomain of the parent", "https://api.huaweicloud.com/#/j/914044873/" + linkToken},
	{"user info before an evil host", "https://meeting.huaweicloud.com@evil.example/#/j/914044873/" + linkToken},
	{"user info before the host", "https://evil.example@meeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"user and password", "https://a:b@meeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"port 443", "https://meeting.huaweicloud.com:443/#/j/914044873/" + linkToken},
	{"port 8443", "https://meeting.huaweicloud.com:8443/#/j/914044873/" + linkToken},
	{"empty port", "https://meeting.huaweicloud.com:/#/j/914044873/" + linkToken},
	{"trailing dot", "https://meeting.huaweicloud.com./#/j/914044873/" + linkToken},
	{"empty label", "https://a..meeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"leading dot", "https://.meeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"label with a leading hyphen", "https://-a.meeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"label with an underscore", "https://a_b.meeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"ideographic full stop", "https://meeting.huaweicloud\u3002com/#/j/914044873/" + linkToken},
	{"full-width host", "https://ｍeeting.huaweicloud.com/#/j/914044873/" + linkToken},
	{"percent-encoded host", "https://meeting%2ehuaweicloud.com/#/j/914044873/" + linkToken},
	{"IP literal", "https://[::1]/#/j/914044873/" + linkToken},
	{"backslashes", `https:\\meeting.huaweicloud.com\#\j\914044873\` + linkToken},
	{"backslash before an evil host", `https://evil.example\.meeting.huaweicloud.com/#/j/914044873/` + linkToken},
	{"host only", "https://meeting.huaweicloud.com"},
	{"root", "https://meeting.huaweicloud.com/"},
	{"other fragment", "https://meeting.huaweicloud.com/#/home"},
	{"path, not fragment", "https://meeting.huaweicloud.com/j/914044873/" + linkToken},
	{"path before the fragment", "https://meeting.huaweicloud.com/x/#/j/914044873/" + linkToken},
	{"no slash before the fragment", "https://meeting.huaweicloud.com#/j/914044873/" + linkToken},
	{"double slash", "https://meeting.huaweicloud.com//#/j/914044873/" + linkToken},
	{"upper-case route", "https://meeting.huaweicloud.com/#/J/914044873/" + linkToken},
	{"other route", "https://meeting.huaweicloud.com/#/x/914044873/" + linkToken},
	{"percent-encoded fragment", "https://meeting.huaweicloud.com/%23/j/914044873/" + linkToken},
	{"query before the fragment", "https://meeting.huaweicloud.com/?next=https://evil.example#/j/914044873/" + linkToken},
	{"query after the token", link("914044873") + "?x=1"},
	{"query after the ID", "https://meeting.huaweicloud.com/#/j/914044873?x=/" + linkToken},
	{"query instead of the token", "https://meeting.huaweicloud.com/#/j/914044873/?conferenceID=1"},
	{"no token", "https://meeting.huaweicloud.com/#/j/914044873"},
	{"empty token", "https://meeting.huaweicloud.com/#/j/914044873/"},
	{"extra segment", link("914044873") + "/more"},
	{"trailing slash", link("914044873") + "/"},
	{"dot segment token", "https://meeting.huaweicloud.com/#/j/914044873/.."},
	{"space in the token", "https://meeting.huaweicloud.com/#/j/914044873/ab cd"},
	{"two links", link("914044873") + " " + link("914083136")},
	{"NUL in the token", link("914044873") + "\x00"},
	{"newline in the token", "https://meeting.huaweicloud.com/#/j/914044873/ab\ncd"},
	{"percent in the token", "https://meeting.huaweicloud.com/#/j/914044873/ab%2Fcd"},
	{"token too long", link("914044873") + strings.Repeat("a", 300)},
	{"5-digit ID", link("12345")},
	{"21-digit ID", link("123456789012345678901")},
	{"grouped ID", link("914-044-873")},
	{"full-width ID", link("９１４０４４８７３")},
	{"ID with a letter", link("914044873x")},
	{"ID with an ampersand", link("914044873&x=1")},
	{"empty ID", link("")},
	{"unclosed markup", "<" + link("914044873")},
	{"doubled markup", "<<" + link("914044873") + ">>"},
	{"markup closed twice", "<" + link("914044873") + ">>"},
	{"evil link, Huawei's label", "<https://evil.example/#/j/914044873/" + linkToken + "|" + link("914044873") + ">"},
	{"tel markup", "<tel:914044873|914044873>"},
	{"mailto markup", "<mailto:a@meeting.huaweicloud.com|914044873>"},
	{"user mention", "<@U012AB3CD>"},
	{"text before the link", "join: " + link("914044873")},
	{"markup with text after", "<" + link("914044873") + "> please"},
	{"10 000 characters", link("914044873") + strings.Repeat("a", 10000)},
	{"empty", ""},
	{"empty markup", "<>"},
}

func TestParseJoinLink(t *testing.T) {
	for _, tt := range acceptedLinks {
		t.Run("accept "+tt.name, func(t *testing.T) {
			got, err := meeting.ParseJoinLink(tt.text)
			if err != nil || got != tt.want {
				t.Fatalf("ParseJoinLink(%q): got %q, %v, want %q, nil", tt.text, got, err, tt.want)
			}
			if got, err := meeting.ParseIDOrLink(tt.text); err != nil || got != tt.want {
				t.Errorf("ParseIDOrLink(%q): got %q, %v, want %q, nil", tt.text, got, err, tt.want)
			}
		})
	}
	for _, tt := range rejectedLinks {
		t.Run("reject "+tt.name, func(t *testing.T) {
			got, err := meeting.ParseJoinLink(tt.text)
			if err == nil || got != "" {
				t.Fatalf("ParseJoinLink(%.80q): got %q, %v, want an error and no ID", tt.text, got, err)
			}
			wantSafeIDError(t, tt.text, err)
			if got, err := meeting.ParseIDOrLink(tt.text); err == nil || got != "" {
				t.Errorf("ParseIDOrLink(%.80q): got %q, %v, want an error", tt.text, got, err)
			}
		})
	}
}

// linkReasons are the reasons ParseJoinLink gives: fixed texts, so that
// none can echo a link or its token.
var linkReasons = []string{
	"it is empty",
	"the link is too long",
	"the link's markup is not closed",
	"the link's markup is malformed",
	"a Huawei Cloud Meeting link starts with https://",
	"it is not a Huawei Cloud Meeting link",
	"it is not a Huawei Cloud Meeting join link",
	"the link's meeting ID must be 6 to 20 digits",
}

// wantSafeIDError fails the test unless err is an *IDError matching
// ErrInvalidID with one of linkReasons.
func wantSafeIDError(tb testing.TB, text string, err error) {
	tb.Helper()
	if !errors.Is(err, meeting.ErrInvalidID) {
		tb.Fatalf("ParseJoinLink(%.80q): got error %v, want one matching ErrInvalidID", text, err)
	}
	var ie *meeting.IDError
	if !errors.As(err, &ie) || !slices.Contains(linkReasons, ie.Reason) || err.Error() != "invalid meeting ID: "+ie.Reason {
		tb.Fatalf("ParseJoinLink(%.80q): got error %T %q, want an *IDError with a fixed reason", text, err, err)
	}
}

// TestParseIDOrLink: typed IDs still go through ParseID, with its reasons;
// only what looks like a link goes through ParseJoinLink.
func TestParseIDOrLink(t *testing.T) {
	for _, tt := range acceptedIDs {
		if got, err := meeting.ParseIDOrLink(tt.text); err != nil || got != tt.want {
			t.Errorf("ParseIDOrLink(%q): got %q, %v, want %q, nil", tt.text, got, err, tt.want)
		}
	}
	for _, tt := range hostileIDs {
		_, want := meeting.ParseID(tt.text)
		got, err := meeting.ParseIDOrLink(tt.text)
		if err == nil || got != "" {
			t.Errorf("ParseIDOrLink(%.40q): got %q, %v, want an error", tt.text, got, err)
			continue
		}
		looksLikeLink := strings.HasPrefix(strings.TrimSpace(tt.text), "<") || strings.Contains(tt.text, "://")
		if !looksLikeLink && err.Error() != want.Error() {
			t.Errorf("ParseIDOrLink(%.40q): got %v, want ParseID's %v", tt.text, err, want)
		}
	}
	_, err := meeting.ParseIDOrLink("91404487x")
	if err == nil || !strings.Contains(err.Error(), "only digits, spaces and dashes") {
		t.Errorf("ParseIDOrLink(91404487x): got %v, want ParseID's reason", err)
	}
	_, err = meeting.ParseIDOrLink("http://meeting.huaweicloud.com/#/j/914044873/" + linkToken)
	if err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("ParseIDOrLink(http link): got %v, want the link's reason", err)
	}
}

func BenchmarkParseJoinLink(b *testing.B) {
	inputs := []string{link("914044873"), "<" + link("914044873") + "|Join>", "https://meeting.huaweicloud.com.evil.example/#/j/914044873/x", strings.Repeat("a", 3000)}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range inputs {
			_, _ = meeting.ParseJoinLink(s)
		}
	}
}

// FuzzParseJoinLink: whatever the text, ParseJoinLink either names a
// meeting with a canonical ID, from a link that net/url also reads as an
// https join link on Huawei's host with no user info, port or query, or
// fails with an ErrInvalidID whose reason is a fixed text.
func FuzzParseJoinLink(f *testing.F) {
	for _, tt := range acceptedLinks {
		f.Add(tt.text)
	}
	for _, tt := range rejectedLinks {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := meeting.ParseJoinLink(s)
		if err != nil {
			if id != "" {
				t.Fatalf("ParseJoinLink(%q): got ID %q with the error %v", s, id, err)
			}
			wantSafeIDError(t, s, err)
			return
		}
		if err := id.Validate(); err != nil {
			t.Fatalf("ParseJoinLink(%q) = %q fails Validate: %v", s, id, err)
		}
		raw := strings.TrimSpace(s)
		if inner, ok := strings.CutPrefix(raw, "<"); ok {
			raw, _, _ = strings.Cut(strings.TrimSuffix(inner, ">"), "|")
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("ParseJoinLink(%q) = %q, but net/url cannot parse %q: %v", s, id, raw, err)
		}
		host := strings.ToLower(u.Hostname())
		if !strings.EqualFold(u.Scheme, "https") || u.User != nil || u.Port() != "" || u.Opaque != "" ||
			u.RawQuery != "" || u.ForceQuery || u.Path != "/" ||
			(host != "meeting.huaweicloud.com" && !strings.HasSuffix(host, ".meeting.huaweicloud.com")) ||
			!strings.HasPrefix(u.Fragment, "/j/"+string(id)+"/") {
			t.Fatalf("ParseJoinLink(%q) = %q, but net/url reads scheme %q user %v host %q port %q path %q query %q fragment %q",
				s, id, u.Scheme, u.User, u.Hostname(), u.Port(), u.Path, u.RawQuery, u.Fragment)
		}
		if again, err := meeting.ParseIDOrLink(s); err != nil || again != id {
			t.Fatalf("ParseIDOrLink(%q): got %q, %v, want %q", s, again, err, id)
		}
		if again, err := meeting.ParseJoinLink(link(string(id))); err != nil || again != id {
			t.Fatalf("ParseJoinLink(link(%q)): got %q, %v", id, again, err)
		}
	})
}
