package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"meetingbot/meeting"
)

func TestCommandDenied(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		dir    *fakeDirectory
		want   string // in the reply
	}{
		{"no rule", Policy{AdminUsers: []string{otherUser}}, nil, "not allowed"},
		{"group member of another group", Policy{AdminGroups: []string{"S1"}},
			staticDirectory(nil, map[string][]string{"S1": {otherUser}}), "not allowed"},
		{"channel", Policy{AdminUsers: []string{testUser}, Channels: []string{"C0OTHER"}}, nil, "not enabled in this channel"},
		{"look-up failed", Policy{AdminGroups: []string{"S1"}}, &fakeDirectory{}, "could not check your permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, tt.policy, tt.dir, nil)
			out := &recordingReplier{}
			hs.h.Command(context.Background(), command(string(testID)), out)
			rs := out.all()
			if len(rs) != 1 {
				t.Fatalf("replies = %q, want one", texts(rs))
			}
			r := rs[0]
			if !strings.Contains(r.Text.String(), tt.want) {
				t.Errorf("reply = %q, want it to say %q", r.Text, tt.want)
			}
			if refOf(r.Text.String()) == "" {
				t.Errorf("reply = %q, want a ref", r.Text)
			}
			if r.Prompt != nil || r.Replace || r.Public {
				t.Errorf("reply = %+v, want ephemeral text only", r)
			}
			if p := hs.meetings.prepares(); len(p) != 0 {
				t.Errorf("Prepare calls = %v, want none", p)
			}
			if strings.Contains(r.Text.String(), errLookup.Error()) {
				t.Errorf("reply = %q shows the look-up error", r.Text)
			}
		})
	}
}

// upstream is text from Huawei or the network that must never reach chat.
var upstream = []string{"MMC.111070005", "CONF_DATA_NOT_FOUND", "req-7d1c9e", "<html>", "Bad Gateway", "http", "xoxb-", "secret"}

// huaweiError is a failure of kind with everything Huawei may say in it.
func huaweiError(op string, kind error) error {
	return &meeting.Error{
		Op: op, Kind: kind, Status: 404, Code: "MMC.111070005", Msg: "CONF_DATA_NOT_FOUND", RequestID: "req-7d1c9e",
		Err: errors.New("<html><body>502 Bad Gateway https://gw.example/x?token=xoxb-secret</body></html>"),
	}
}

// failureCases are the meeting errors and what the user is told of each.
var failureCases = []struct {
	class string
	err   error
	want  string
}{
	{"not_found", huaweiError("confDetail", meeting.ErrNotFound), "was not found"},
	{"already_ended", huaweiError("confDetail", meeting.ErrAlreadyEnded), "has already ended"},
	{"not_started", huaweiError("confDetail", meeting.ErrNotStarted), "has not started yet"},
	{"not_permitted", huaweiError("controlToken", meeting.ErrNotPermitted), "may not control meeting"},
	{"locked", huaweiError("controlToken", meeting.ErrLocked), "locked control"},
	{"credentials", huaweiError("auth", meeting.ErrCredentials), "rejected the bot's credentials"},
	{"throttled", huaweiError("confDetail", meeting.ErrThrottled), "busy or unreachable"},
	{"unavailable", huaweiError("confDetail", meeting.ErrUnavailable), "busy or unreachable"},
	{"internal", huaweiError("confDetail", meeting.ErrUnexpected), "Something went wrong"},
	{"internal", errors.New("<html>CONF_DATA_NOT_FOUND req-7d1c9e</html>"), "Something went wrong"},
	{"internal", fmt.Errorf("wrapped: %w", huaweiError("stop", errors.New("unknown kind"))), "Something went wrong"},
	{"canceled", context.DeadlineExceeded, "Something went wrong"},
	{"canceled", context.Canceled, "The bot was shutting down, so meeting 914044873 may not have ended"},
}

// checkFailureText checks a failure message: its own text, a ref, nothing
// from upstream and no live markup.
func checkFailureText(t *testing.T, text, want string) {
	t.Helper()
	if !strings.Contains(text, want) {
		t.Errorf("reply = %q, want it to say %q", text, want)
	}
	if refOf(text) == "" {
		t.Errorf("reply = %q, want a ref", text)
	}
	for _, s := range upstream {
		if strings.Contains(text, s) {
			t.Errorf("reply = %q has upstream text %q", text, s)
		}
	}
	if strings.ContainsAny(text, "<>") {
		t.Errorf("reply = %q has a raw < or >", text)
	}
}

func TestCommandMeetingErrors(t *testing.T) {
	seen := map[string]string{} // message without ref, by class
	for _, tt := range failureCases {
		t.Run(tt.class+"/"+tt.err.Error()[:min(20, len(tt.err.Error()))], func(t *testing.T) {
			hs := newHarness(t, adminPolicy, nil, &fakeMeetings{
				PrepareFn: func(context.Context, meeting.ID) (meeting.Conference, error) {
					return meeting.Conference{}, tt.err
				},
			})
			out := &recordingReplier{}
			hs.h.Command(context.Background(), command(string(testID)), out)
			rs := out.all()
			if len(rs) != 1 {
				t.Fatalf("replies = %q, want one", texts(rs))
			}
			r := rs[0]
			if r.Prompt != nil || r.Replace || r.Public {
				t.Errorf("reply = %+v, want ephemeral text without buttons", r)
			}
			checkFailureText(t, r.Text.String(), tt.want)
			if s := hs.meetings.stops(); len(s) != 0 {
				t.Errorf("Stop calls = %v, want none", s)
			}
			msg := strings.TrimSuffix(r.Text.String(), refRE.FindString(r.Text.String()))
			for class, other := range seen {
				if other == msg && class != tt.class && !(isBusy(class) && isBusy(tt.class)) && !(isInternal(class) && isInternal(tt.class)) {
					t.Errorf("classes %s and %s have the same message %q", class, tt.class, msg)
				}
			}
			seen[tt.class] = msg
		})
	}
}

func isBusy(class string) bool     { return class == "throttled" || class == "unavailable" }
func isInternal(class string) bool { return class == "internal" || class == "canceled" }

func TestCommandPrompt(t *testing.T) {
	start := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	hs := newHarness(t, adminPolicy, nil, &fakeMeetings{
		PrepareFn: func(_ context.Context, id meeting.ID) (meeting.Conference, error) {
			return meeting.Conference{ID: id, Subject: testSubject, State: meeting.StateInProgress,
				Start: start, End: start.Add(time.Hour), RequestID: "req-1"}, nil
		},
	})
	out := &recordingReplier{}
	hs.h.Command(context.Background(), command("914 044 873"), out)
	rs := out.all()
	if len(rs) != 1 {
		t.Fatalf("replies = %q, want one", texts(rs))
	}
	r := rs[0]
	if r.Replace || r.Public {
		t.Errorf("prompt Replace %v Public %v, want a new ephemeral message", r.Replace, r.Public)
	}
	for _, s := range []string{"*Weekly sync* (914044873)", "Scheduled 2025-03-14 09:00–10:00 UTC"} {
		if !strings.Contains(r.Text.String(), s) {
			t.Errorf("prompt text = %q, want %q in it", r.Text, s)
		}
	}
	p := r.Prompt
	if p == nil {
		t.Fatal("no prompt")
	}
	if p.Meeting.ID != testID || p.Meeting.Subject != testSubject || !p.Meeting.Start.Equal(start) {
		t.Errorf("prompt meeting = %+v", p.Meeting)
	}
	if len(p.Actions) != 3 {
		t.Fatalf("actions = %+v, want End, End for good… and Cancel", p.Actions)
	}
	end, forGood, cancel := p.Actions[0], p.Actions[1], p.Actions[2]
	if end.ID != ActionEnd || !end.Danger || end.Confirm == nil {
		t.Errorf("first button = %+v, want End, danger, with a confirm dialog", end)
	}
	if forGood.ID != ActionAskForGood || forGood.Danger || forGood.Confirm != nil {
		t.Errorf("second button = %+v, want End for good…, no style, no dialog: it leads to a prompt", forGood)
	}
	if cancel.ID != ActionCancel || cancel.Danger || cancel.Confirm != nil {
		t.Errorf("third button = %+v, want Cancel, no style, no dialog", cancel)
	}
	if as(t, end.Value, ActionCancel) != cancel.Value || as(t, end.Value, ActionAskForGood) != forGood.Value {
		t.Errorf("button values %q, %q and %q are not one ticket signed for each button", end.Value, forGood.Value, cancel.Value)
	}
	for _, a := range p.Actions {
		if a.Label == "" || utf8.RuneCountInString(a.Label) > 75 {
			t.Errorf("label %q: want 1 to 75 characters", a.Label)
		}
		if utf8.RuneCountInString(a.Value) > maxTicketValue {
			t.Errorf("value has %d characters, decode reads %d", utf8.RuneCountInString(a.Value), maxTicketValue)
		}
	}
	if c := end.Confirm; c != nil {
		if c.Title == "" || utf8.RuneCountInString(c.Title) > 100 || c.Text == "" || utf8.RuneCountInString(c.Text) > 300 ||
			c.Yes == "" || utf8.RuneCountInString(c.Yes) > 30 || c.No == "" || utf8.RuneCountInString(c.No) > 30 {
			t.Errorf("confirm dialog = %+v, outside Slack's limits", c)
		}
		if !strings.Contains(c.Text, testSubject) {
			t.Errorf("confirm text = %q, want the subject", c.Text)
		}
	}
	tk, err := testSigner.decode(end.Value)
	if err != nil {
		t.Fatalf("testSigner.decode(button value): %v", err)
	}
	want := ticket{Action: ActionEnd, Meeting: testID, Team: testTeam, User: testUser, Issued: hs.clock.Now().UnixMilli(), Nonce: tk.Nonce, Subject: testSubject}
	if tk != want {
		t.Errorf("ticket = %+v, want %+v", tk, want)
	}
	if got := hs.meetings.prepares(); len(got) != 1 || got[0] != testID {
		t.Errorf("Prepare calls = %v, want [%s]", got, testID)
	}
	if s := hs.meetings.stops(); len(s) != 0 {
		t.Errorf("Stop calls = %v, want none before the click", s)
	}

	// Each prompt has its own nonce.
	if v := hs.prompt(t); v == end.Value {
		t.Error("two prompts have the same button value")
	} else if tk2, _ := testSigner.decode(v); tk2.Nonce == tk.Nonce {
		t.Error("two prompts have the same nonce")
	}
}

// TestCommandSubjectIsAValue: a subject from Huawei reaches every reply as
// one Strong span, as it is, and never as the bot's own words: the
// transports escape such spans (bot's TestMrkdwnEscapesValues).
func TestCommandSubjectIsAValue(t *testing.T) {
	for _, subject := range []string{
		"<!channel> *x* & y",
		"@U0BOB <!here> <https://evil.example|click>",
		"line one\nline two\r",
		"&lt;!channel&gt;",
		"**",
	} {
		t.Run(subject, func(t *testing.T) {
			hs := newHarness(t, adminPolicy, nil, &fakeMeetings{
				PrepareFn: func(_ context.Context, id meeting.ID) (meeting.Conference, error) {
					return meeting.Conference{ID: id, Subject: subject, State: meeting.StateInProgress}, nil
				},
			})
			out := &recordingReplier{}
			hs.h.Command(context.Background(), command(string(testID)), out)
			rs := out.all()
			if len(rs) != 1 || rs[0].Prompt == nil {
				t.Fatalf("replies = %q, want a prompt", texts(rs))
			}
			rs = append(rs, hs.click(t, click(ActionEnd, rs[0].Prompt.Actions[0].Value))...)
			if len(rs) != 4 {
				t.Fatalf("replies = %q, want prompt, ending, ended, announcement", texts(rs))
			}
			for i, r := range rs {
				strongs := 0
				for _, sp := range r.Text {
					switch {
					case sp.Kind == Strong && sp.Text == subject:
						strongs++
					case sp.Kind == Plain && strings.ContainsAny(sp.Text, "<>&*"):
						t.Errorf("reply %d: the bot's own words %q have markup characters", i, sp.Text)
					}
				}
				if strongs != 1 {
					t.Errorf("reply %d = %#v: want the subject once, as a Strong span", i, r.Text)
				}
				if r.Public && (len(r.Text) == 0 || r.Text[0] != (Span{Mention, testUser})) {
					t.Errorf("announcement = %#v, want it to start with a mention of the user", r.Text)
				}
			}
		})
	}
}

func TestCommandLongSubject(t *testing.T) {
	for _, subject := range []string{
		strings.Repeat("<", 5000),
		strings.Repeat("\x01", 5000),
		strings.Repeat("\u2028", 2000),
		strings.Repeat("語", 2000),
		strings.Repeat("\"\\", 2000),
	} {
		t.Run(subject[:3], func(t *testing.T) {
			hs := newHarness(t, adminPolicy, nil, &fakeMeetings{
				PrepareFn: func(_ context.Context, id meeting.ID) (meeting.Conference, error) {
					return meeting.Conference{ID: id, Subject: subject, State: meeting.StateInProgress}, nil
				},
			})
			value := hs.prompt(t)
			if n := utf8.RuneCountInString(value); n > maxTicketValue {
				t.Errorf("button value has %d characters, decode reads %d", n, maxTicketValue)
			}
			tk, err := testSigner.decode(value)
			if err != nil {
				t.Fatalf("decodeTicket: %v", err)
			}
			if len(tk.Subject) > maxTicketSubject || !strings.HasSuffix(tk.Subject, "…") {
				t.Errorf("ticket subject has %d bytes (%q), want at most %d ending with …", len(tk.Subject), tk.Subject, maxTicketSubject)
			}
		})
	}
}

func TestCommandReplyFailureIsLogged(t *testing.T) {
	hs := newHarness(t, adminPolicy, nil, nil)
	hs.h.Command(context.Background(), command(string(testID)), &recordingReplier{Err: errors.New("response_url expired")})
	if n := len(hs.log.records(t, "reply failed")); n != 1 {
		t.Errorf("reply failed records = %d, want 1", n)
	}
	if n := len(hs.log.audits(t)); n != 1 {
		t.Errorf("audit records = %d, want 1", n)
	}
}
