package meeting_test

import (
	"errors"
	"strings"
	"testing"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// hostileIDs are texts that must never become a meeting ID.
var hostileIDs = []struct {
	name string
	text string
}{
	{"query injection", "914044873&x=1"},
	{"encoded query injection", "914044873%26x=1"},
	{"fragment", "914044873#x"},
	{"path traversal", "../1"},
	{"two IDs", "914044873 914083136"},
	{"two IDs with a dash", "914044873-914083136"},
	{"path", "914044873/../stop"},
	{"Arabic-Indic digits", "٩١٤٠٤٤٨٧٣"},
	{"Devanagari digits", "९१४०४४८७३"},
	{"mathematical digits", "𝟗𝟏𝟒𝟎𝟒𝟒𝟖𝟕𝟑"},
	{"superscript digits", "⁹¹⁴⁰⁴⁴⁸⁷³"},
	{"NUL inside", "914\x00044873"},
	{"NUL after", "914044873\x00"},
	{"escape sequence", "\x1b[2J914044873"},
	{"tab inside", "914\t044873"},
	{"newline inside", "914\n044873"},
	{"CRLF header injection", "914044873\r\nX-Evil: 1"},
	{"DEL", "914044873\x7f"},
	{"right-to-left override", "914\u202e044873"},
	{"zero-width space", "914\u200b044873"},
	{"invalid UTF-8", "914\xff044873"},
	{"10 000 digits", strings.Repeat("9", 10000)},
	{"10 000 separated digits", strings.Repeat("9 ", 5000) + "9"},
	{"empty", ""},
	{"spaces only", "   "},
	{"Slack tel link", "<tel:914044873|914044873>"},
	{"Slack link", "<https://meeting.huaweicloud.com/#/j/914044873>"},
	{"5 digits", "12345"},
	{"5 full-width digits", "１２３４５"},
	{"21 digits", "123456789012345678901"},
	{"21 grouped digits", "1234567-8901234-5678901"},
	{"leading dash", "-914044873"},
	{"trailing dash", "914044873-"},
	{"leading dash after a space", " -914044873"},
	{"double space", "914  044873"},
	{"double dash", "914--044-873"},
	{"space and dash", "914 -044873"},
	{"plus sign", "+914044873"},
	{"negative", "-1"},
	{"dots", "914.044.873"},
	{"underscore", "914_044_873"},
	{"hex", "0x36846C89"},
	{"exponent", "9e10000"},
	{"letters", "meeting914044873"},
	{"two IDs", "914044873,914044874"},
	{"full-width dash", "914－044－873"},
	{"full-width ampersand", "９１４０４４８７３＆x=1"},
	{"percent-encoded digits", "%39%31%34%30%34%34%38%37%33"},
}

// acceptedIDs are texts people type for a meeting ID, and what they mean.
var acceptedIDs = []struct {
	name string
	text string
	want meeting.ID
}{
	{"digits", "914044873", "914044873"},
	{"full-width digits", "９１４０４４８７３", "914044873"},
	{"grouped with spaces", "914 044 873", "914044873"},
	{"grouped with dashes", "914-044-873", "914044873"},
	{"mixed separators", "914 044-873", "914044873"},
	{"ideographic space", "９１４\u3000０４４\u3000８７３", "914044873"},
	{"mixed widths", "９14-０44 8７3", "914044873"},
	{"surrounding whitespace", "  914044873\n", "914044873"},
	{"6 digits", "123456", "123456"},
	{"20 digits", "12345678901234567890", "12345678901234567890"},
	{"20 grouped full-width digits", "１２３４５-６７８９０-１２３４５-６７８９０", "12345678901234567890"},
	{"leading zeros", "000000", "000000"},
}

func TestParseID(t *testing.T) {
	for _, tt := range acceptedIDs {
		t.Run("accept "+tt.name, func(t *testing.T) {
			got, err := meeting.ParseID(tt.text)
			if err != nil || got != tt.want {
				t.Fatalf("ParseID(%q): got %q, %v, want %q, nil", tt.text, got, err, tt.want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate(%q): got %v, want nil", got, err)
			}
			if got.String() != string(tt.want) {
				t.Errorf("String: got %q, want %q", got.String(), tt.want)
			}
		})
	}
	for _, tt := range hostileIDs {
		t.Run("reject "+tt.name, func(t *testing.T) {
			got, err := meeting.ParseID(tt.text)
			if err == nil {
				t.Fatalf("ParseID(%.40q): got %q, want an error", tt.text, got)
			}
			if got != "" {
				t.Errorf("ParseID(%.40q): got ID %q with the error, want none", tt.text, got)
			}
			if !errors.Is(err, meeting.ErrInvalidID) {
				t.Errorf("ParseID(%.40q): got error %v, want one matching ErrInvalidID", tt.text, err)
			}
			var ie *meeting.IDError
			if !errors.As(err, &ie) || ie.Reason == "" {
				t.Errorf("ParseID(%.40q): got error %T, want an *IDError with a reason", tt.text, err)
			}
			// The reason may be shown to the user: it must not echo the text.
			if msg := err.Error(); len(msg) > 100 || (len(tt.text) > 3 && strings.Contains(msg, tt.text)) {
				t.Errorf("ParseID(%.40q): error %q echoes the input or is long", tt.text, msg)
			}
		})
	}
}

// TestHostileIDsMakeNoRequest: neither a rejected text nor an ID that is
// not in ParseID's form reaches Huawei, whichever method gets it.
func TestHostileIDsMakeNoRequest(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	ids := []string{"1&x=2", "914044873 ", " 914044873", "９１４０４４８７３", "914-044-873", "12345", "123456789012345678901"}
	for _, tt := range hostileIDs {
		ids = append(ids, tt.text)
	}
	for _, text := range ids {
		if id, err := meeting.ParseID(text); err == nil {
			// Only the accepted forms above parse; their canonical ID is
			// fine, the raw text is not.
			if id == meeting.ID(text) {
				t.Fatalf("test bug: %q is canonical", text)
			}
		}
		id := meeting.ID(text)
		if err := id.Validate(); err == nil {
			t.Errorf("ID(%.40q).Validate: got nil, want an error", text)
		}
		ctx := testCtx(t)
		_, errMeeting := c.Meeting(ctx, id)
		_, errPrepare := c.Prepare(ctx, id)
		_, errStop := c.Stop(ctx, id)
		_, errCancel := c.Cancel(ctx, id)
		_, errTyped := c.PrepareTyped(ctx, id)
		_, errRoom := c.FindRoom(ctx, id)
		for name, err := range map[string]error{"Meeting": errMeeting, "Prepare": errPrepare, "Stop": errStop,
			"Cancel": errCancel, "PrepareTyped": errTyped, "FindRoom": errRoom} {
			if !errors.Is(err, meeting.ErrInvalidID) {
				t.Errorf("%s(%.40q): got error %v, want ErrInvalidID", name, text, err)
			}
		}
	}
	if rs := srv.Requests(); len(rs) != 0 {
		t.Errorf("the fake got %d requests, want none; first: %s %s?%s", len(rs), rs[0].Method, rs[0].Path, rs[0].Query.Encode())
	}
}

// TestQueryIsTheDigits: an ID as people type it reaches Huawei as exactly
// its digits, in one conferenceID parameter.
func TestQueryIsTheDigits(t *testing.T) {
	for _, tt := range acceptedIDs {
		if tt.want != liveID {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			id, err := meeting.ParseID(tt.text)
			if err != nil {
				t.Fatalf("ParseID(%q): got error %v", tt.text, err)
			}
			mustPrepare(t, c, id)
			srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Status: 401, Code: "MMC.118000001"})
			if _, err := c.Stop(testCtx(t), id); err != nil {
				t.Fatalf("Stop: got error %v, want none", err)
			}
			n := 0
			for _, r := range srv.Requests() {
				switch r.Endpoint {
				case meetingtest.EndpointConfDetail, meetingtest.EndpointControlToken, meetingtest.EndpointStop:
					n++
					if len(r.Query) != 1 || len(r.Query["conferenceID"]) != 1 || r.Query.Get("conferenceID") != liveID {
						t.Errorf("%s query: got %q, want conferenceID=%s only", r.Endpoint, r.Query.Encode(), liveID)
					}
				case meetingtest.EndpointAppAuth:
					if len(r.Query) != 0 {
						t.Errorf("log-in query: got %q, want none", r.Query.Encode())
					}
				default:
					t.Errorf("unexpected request %s %s", r.Method, r.Path)
				}
			}
			if n != 5 { // details, control token, stop (401), control token, stop
				t.Errorf("meeting requests: got %d, want 5", n)
			}
		})
	}
}

func BenchmarkParseID(b *testing.B) {
	inputs := []string{"914044873", "９１４ ０４４ ８７３", "914-044-873", "914044873&x=1", strings.Repeat("9", 10000)}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range inputs {
			_, _ = meeting.ParseID(s)
		}
	}
}

func FuzzParseID(f *testing.F) {
	for _, tt := range acceptedIDs {
		f.Add(tt.text)
	}
	for _, tt := range hostileIDs {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := meeting.ParseID(s)
		if err != nil {
			if id != "" || !errors.Is(err, meeting.ErrInvalidID) {
				t.Fatalf("ParseID(%q): got %q, %v, want \"\" and an ErrInvalidID", s, id, err)
			}
			return
		}
		if n := len(id); n < 6 || n > 20 {
			t.Fatalf("ParseID(%q): got %q, %d digits, want 6 to 20", s, id, n)
		}
		for i := 0; i < len(id); i++ {
			if id[i] < '0' || id[i] > '9' {
				t.Fatalf("ParseID(%q): got %q, want ASCII digits only", s, id)
			}
		}
		if err := id.Validate(); err != nil {
			t.Fatalf("ParseID(%q) = %q fails Validate: %v", s, id, err)
		}
		again, err := meeting.ParseID(string(id))
		if err != nil || again != id {
			t.Fatalf("ParseID(ParseID(%q)): got %q, %v, want %q, nil", s, again, err, id)
		}
	})
}
