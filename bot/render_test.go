package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"meetingbot/handlers"
	"meetingbot/meeting"
)

// span builds a Text for the tests.
func span(kind handlers.SpanKind, s string) handlers.Span { return handlers.Span{Kind: kind, Text: s} }

func TestMrkdwnEscapesValues(t *testing.T) {
	tests := []struct {
		subject string
		want    string // how a prompt's "*subject* (ID)" reads in mrkdwn
	}{
		{"<!channel> *x* & y", "*&lt;!channel&gt; ∗x∗ &amp; y* (914044873)"},
		{"<@U0BOB> <!here> <https://evil.example|click>", "*&lt;@U0BOB&gt; &lt;!here&gt; &lt;https://evil.example|click&gt;* (914044873)"},
		{"line one\nline two\r", "*line one line two * (914044873)"},
		{"&lt;!channel&gt;", "*&amp;lt;!channel&amp;gt;* (914044873)"},
		{"**", "*∗∗* (914044873)"},
		{"_it_ ~strike~ `code`", "*＿it＿ ∼strike∼ 'code'* (914044873)"},
	}
	for _, tt := range tests {
		t.Run(tt.subject, func(t *testing.T) {
			text := handlers.Text{
				span(handlers.Mention, "U0ALICE"), span(handlers.Plain, " ended meeting "),
				span(handlers.Strong, tt.subject), span(handlers.Plain, " (914044873)."),
			}
			got := mrkdwn(text)
			if !strings.Contains(got, tt.want) {
				t.Errorf("mrkdwn = %q, want %q in it", got, tt.want)
			}
			// The only markup: the mention and the bold around the subject.
			if !strings.HasPrefix(got, "<@U0ALICE> ") || strings.Count(got, "<") != 1 {
				t.Errorf("mrkdwn = %q, want the mention as its only <", got)
			}
			if n := strings.Count(got, "*"); n != 2 {
				t.Errorf("mrkdwn = %q has %d '*', want 2", got, n)
			}
			if strings.ContainsAny(got, "\r\n") {
				t.Errorf("mrkdwn = %q has a line break from the subject", got)
			}
		})
	}
}

func TestMrkdwnKinds(t *testing.T) {
	text := handlers.Text{
		span(handlers.Plain, "Usage: "), span(handlers.Code, "/endmeeting <meeting-id>"),
		span(handlers.Plain, " & more\n"), span(handlers.Value, "a*b_c"), span(handlers.Plain, " (ref "), span(handlers.Code, "ABC"), span(handlers.Plain, ")"),
	}
	want := "Usage: `/endmeeting &lt;meeting-id&gt;` &amp; more\na∗b＿c (ref `ABC`)"
	if got := mrkdwn(text); got != want {
		t.Errorf("mrkdwn = %q, want %q", got, want)
	}
	// The console's form has no escapes to undo.
	if got, want := text.String(), "Usage: `/endmeeting <meeting-id>` & more\na*b_c (ref `ABC`)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

// maxButtonValue is Block Kit's limit for a button's value.
const maxButtonValue = 2000

// longMeetings finds every meeting in progress, with the longest subject a
// value must carry (characters that JSON escapes) in the room with the
// longest ID.
type longMeetings struct{}

func (longMeetings) PrepareTyped(_ context.Context, id meeting.ID) (meeting.Conference, error) {
	return meeting.Conference{ID: id, RoomID: "12345678901234567890", Subject: strings.Repeat("<語&\x01", 400), State: meeting.StateInProgress}, nil
}
func (longMeetings) Stop(context.Context, meeting.ID) (meeting.StopResult, error) {
	return meeting.StopResult{}, nil
}
func (longMeetings) Cancel(context.Context, meeting.ID) (meeting.CancelResult, error) {
	return meeting.CancelResult{}, nil
}
func (longMeetings) Online(context.Context, bool, int) ([]meeting.Conference, int, error) {
	return nil, 0, nil
}
func (longMeetings) Hosted(_ context.Context, confs []meeting.Conference, _ int) ([]meeting.Conference, error) {
	return confs, nil
}

// replies records what a command sends.
type replies []handlers.Reply

func (r *replies) Reply(_ context.Context, rep handlers.Reply) error {
	*r = append(*r, rep)
	return nil
}

// TestPromptWithinBlockKitLimits renders the prompt the handlers write for
// a meeting with the longest subject, and checks Block Kit's limits, which
// only package bot knows.
func TestPromptWithinBlockKitLimits(t *testing.T) {
	h := handlers.New(handlers.Config{
		Meetings:   longMeetings{},
		Authorizer: handlers.NewAuthorizer(handlers.Policy{Org: handlers.Org{TeamID: "T0ONE"}, AdminUsers: []string{"U0ONE"}}, ConsoleDirectory{}),
	})
	var out replies
	h.Command(context.Background(), handlers.Command{TeamID: "T0ONE", ChannelID: "C0ONE", UserID: "U0ONE", Text: "914044873"}, &out)
	if len(out) != 1 || out[0].Prompt == nil || len(out[0].Prompt.Actions) != 3 {
		t.Fatalf("replies = %+v, want a prompt with three buttons", out)
	}
	checkPromptLimits(t, out[0], 3, true)
	// End for good… leads to a prompt of its own, with two buttons.
	ask := out[0].Prompt.Actions[1]
	var second replies
	h.Click(context.Background(), handlers.Click{TeamID: "T0ONE", ChannelID: "C0ONE", UserID: "U0ONE", ActionID: ask.ID, Value: ask.Value}, &second)
	if len(second) != 1 || second[0].Prompt == nil {
		t.Fatalf("End for good… replies = %+v, want a prompt", second)
	}
	checkPromptLimits(t, second[0], 2, false) // its subject is the ticket's, already cut
}

// checkPromptLimits renders a prompt of n buttons, the first with a dialog
// whose text cut says is too long for Slack, and checks Block Kit's limits.
func checkPromptLimits(t *testing.T, r handlers.Reply, n int, cut bool) {
	t.Helper()
	b, err := json.Marshal(render(r))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Blocks []struct {
			Elements []struct {
				Value   string `json:"value"`
				Confirm *struct {
					Text struct {
						Text string `json:"text"`
					} `json:"text"`
				} `json:"confirm"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	buttons := m.Blocks[1].Elements
	if len(buttons) != n || buttons[0].Confirm == nil {
		t.Fatalf("buttons = %+v, want %d, the first with a dialog", buttons, n)
	}
	if c := buttons[0].Confirm.Text.Text; utf8.RuneCountInString(c) > maxConfirmText || strings.HasSuffix(c, "…") != cut {
		t.Errorf("confirm text %q has %d characters, want at most %d, cut with … %v", c, utf8.RuneCountInString(c), maxConfirmText, cut)
	}
	for _, e := range buttons {
		if n := utf8.RuneCountInString(e.Value); n > maxButtonValue {
			t.Errorf("button value has %d characters, Slack takes %d", n, maxButtonValue)
		}
	}
}
