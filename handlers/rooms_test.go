package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"meetingbot/internal/secret"
	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// The meeting held in a room, of the tests of issue 12 ("meetings as people
// name them").
const (
	roomConf    = meeting.ID("914555001") // its conferenceID
	roomID      = meeting.ID("9800123456")
	roomShown   = "room 980 012 3456"
	roomSubject = "Board meeting"
)

// newFakeHuaweiWith is newFakeHuawei with the fake's configuration cfg
// (its credentials are filled in).
func newFakeHuaweiWith(t *testing.T, cfg meetingtest.Config) (*meetingtest.Server, *meeting.Client) {
	t.Helper()
	cfg.AppID, cfg.AppKey = huaweiAppID, huaweiAppKey
	srv := meetingtest.NewServer(cfg)
	t.Cleanup(srv.Close)
	srv.AddUser(meetingtest.User{ID: "alice", Name: "Alice"})
	srv.AddUser(meetingtest.User{ID: "carol", Name: "Carol"})
	client, err := meeting.New(meeting.Config{Endpoint: srv.URL(), AppID: huaweiAppID, AppKey: secret.Secret(huaweiAppKey),
		Retry: meeting.Retry{Deadline: time.Second, Base: time.Millisecond, Max: 10 * time.Millisecond, Throttle: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, client
}

// addRoomMeeting adds the meeting alice holds in her room, carol invited.
func addRoomMeeting(srv *meetingtest.Server) {
	m := hostedMeeting(srv, string(roomConf), "alice", 5, "carol")
	m.Subject, m.RoomID = roomSubject, string(roomID)
	srv.AddMeeting(m)
}

// counts returns the fake's request count per endpoint, leaving out the
// endpoints it had none for.
func counts(srv *meetingtest.Server) map[meetingtest.Endpoint]int {
	out := map[meetingtest.Endpoint]int{}
	for _, r := range srv.Requests() {
		out[r.Endpoint]++
	}
	return out
}

// TestRoomIDWithFakeHuawei types a room's ID, as the admin and as its host:
// the prompt, the result and the announcement name the room, and every call
// takes the conferenceID.
func TestRoomIDWithFakeHuawei(t *testing.T) {
	for _, tt := range []struct {
		name, user, rule string
		policy           Policy
	}{
		{"admin", otherUser, RuleAdminUser, hostPolicy},
		{"host", testUser, RuleHost, hostPolicy},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, client := newFakeHuaweiWith(t, meetingtest.Config{})
			addRoomMeeting(srv)
			srv.AddMeeting(hostedMeeting(srv, "914555002", "carol", 50)) // listed first
			hs := newHuaweiHarness(t, tt.policy, nil, client)
			cmd := command("980 012 3456")
			cmd.UserID = tt.user
			out := &recordingReplier{}
			hs.h.Command(context.Background(), cmd, out)
			rs := out.all()
			if len(rs) != 1 || rs[0].Prompt == nil {
				t.Fatalf("replies = %q, want a prompt", texts(rs))
			}
			p := rs[0].Prompt
			if p.Meeting.ID != roomConf || p.Meeting.RoomID != roomID {
				t.Errorf("prompt meeting = %+v, want conferenceID %s in room %s", p.Meeting, roomConf, roomID)
			}
			want := "End meeting *" + roomSubject + "* (" + roomShown + ")?"
			if !strings.HasPrefix(rs[0].Text.String(), want) || strings.Contains(rs[0].Text.String(), string(roomConf)) {
				t.Errorf("prompt = %q, want it to start %q and not to show the conferenceID", rs[0].Text, want)
			}
			tk, err := testSigner.decode(p.Actions[0].Value)
			if err != nil || tk.Meeting != roomConf || tk.Room != roomID || tk.Subject != roomSubject {
				t.Errorf("ticket = %+v, %v; want conferenceID %s, room %s and the subject", tk, err, roomConf, roomID)
			}
			wantCounts := map[meetingtest.Endpoint]int{
				meetingtest.EndpointAppAuth: 1, meetingtest.EndpointConfDetail: 2, // the ID as a conferenceID, then the room's meeting
				meetingtest.EndpointOnline: 1, meetingtest.EndpointControlToken: 1,
			}
			if got := counts(srv); !mapsEqual(got, wantCounts) {
				t.Errorf("requests for the command = %v, want %v", got, wantCounts)
			}
			srv.ResetLog()

			c := click(ActionEnd, p.Actions[0].Value)
			c.UserID = tt.user
			checkReplies(t, hs.click(t, c), []wantReply{
				{"Ending meeting *" + roomSubject + "* (" + roomShown + ")…", true, false},
				{"Meeting *" + roomSubject + "* (" + roomShown + ") has ended. Its reservation is kept", true, false},
				{"@" + tt.user + " ended meeting *" + roomSubject + "* (" + roomShown + ").", false, true},
			})
			rq := srv.Requests()
			if len(rq) != 1 || rq[0].Endpoint != meetingtest.EndpointStop || rq[0].Query.Get("conferenceID") != string(roomConf) {
				t.Errorf("requests for the click = %v, want one stop of %s", rq, roomConf)
			}
			if m, _ := srv.Meeting(string(roomConf)); m.State != meetingtest.StateEnded {
				t.Errorf("meeting state = %v, want ended", m.State)
			}
			checkAudits(t, hs.log, []map[string]string{
				{"kind": "command", "rule": tt.rule, "outcome": "prompted", "meeting_id": string(roomConf), "room_id": string(roomID)},
				{"kind": "click", "rule": tt.rule, "outcome": "ended", "meeting_id": string(roomConf), "room_id": string(roomID)},
			})
		})
	}
}

func mapsEqual[K comparable](a, b map[K]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRoomNotFound types the ID of a room with nothing in progress, and of
// a room alice is invited to: not found, worded under the host rule as any
// meeting that is not the caller's.
func TestRoomNotFound(t *testing.T) {
	srv, client := newFakeHuaweiWith(t, meetingtest.Config{})
	addRoomMeeting(srv)
	hs := newHuaweiHarness(t, Policy{AdminUsers: []string{otherUser}, HostRule: true,
		HostMap: map[string]string{testUser: testHuaweiUser, "U0CAROL": "carol"}}, nil, client)
	for _, tt := range []struct{ user, id, want string }{
		{otherUser, "9800999999", "Meeting 9800999999 was not found: it does not exist"},
		{testUser, "9800999999", "Meeting 9800999999 was not found, or you are not its host."},
		{"U0CAROL", string(roomID), "Meeting " + string(roomID) + " was not found, or you are not its host."}, // invited only
	} {
		cmd := command(tt.id)
		cmd.UserID = tt.user
		out := &recordingReplier{}
		hs.h.Command(context.Background(), cmd, out)
		rs := out.all()
		if len(rs) != 1 || rs[0].Prompt != nil {
			t.Fatalf("%s %s: replies = %q, want one message", tt.user, tt.id, texts(rs))
		}
		checkFailureText(t, rs[0].Text.String(), tt.want)
		if strings.Contains(rs[0].Text.String(), "first") {
			t.Errorf("%s %s: reply = %q says the search was cut short", tt.user, tt.id, rs[0].Text)
		}
	}
	if n := srv.Count(meetingtest.EndpointControlToken) + srv.Count(meetingtest.EndpointStop); n != 0 {
		t.Errorf("control-token and stop requests = %d, want none", n)
	}
}

// TestRoomSearchIncomplete: a room search that did not see every meeting
// says so, under every rule.
func TestRoomSearchIncomplete(t *testing.T) {
	incomplete := &meeting.Error{Op: "online", Kind: meeting.ErrNotFound,
		Err: fmt.Errorf("%w: looked through 500 of 731", meeting.ErrSearchIncomplete)}
	for _, tt := range []struct{ name, user, want string }{
		{"admin", otherUser, "Meeting 9800999999 was not found: it does not exist"},
		{"host", testUser, "Meeting 9800999999 was not found, or you are not its host."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fail := func() *fakeMeetings {
				return &fakeMeetings{PrepareFn: func(context.Context, meeting.ID) (meeting.Conference, error) {
					return meeting.Conference{}, incomplete
				}}
			}
			hs := newHostHarness(t, hostPolicy, nil, fail(), &fakeAsUser{NewFn: func(string) *fakeMeetings { return fail() }})
			cmd := command("9800999999")
			cmd.UserID = tt.user
			out := &recordingReplier{}
			hs.h.Command(context.Background(), cmd, out)
			rs := out.all()
			if len(rs) != 1 {
				t.Fatalf("replies = %q, want one", texts(rs))
			}
			checkFailureText(t, rs[0].Text.String(), tt.want)
			checkFailureText(t, rs[0].Text.String(), fmt.Sprintf("among the first %d meetings in progress only", meeting.RoomSearchLimit))
		})
	}
}

// joinToken is the token of the join links in these tests: whoever holds
// it may join the meeting, so it must go nowhere.
const joinToken = "Zk3qT9wXbLm2Vn8Rp5Hs7Jd1Fg4Cy6Ae"

func TestJoinLinks(t *testing.T) {
	for _, text := range []string{
		"https://meeting.huaweicloud.com/#/j/914044873/" + joinToken,
		"  https://c.meeting.huaweicloud.com/#/j/914044873/" + joinToken + " ",
		"<https://meeting.huaweicloud.com/#/j/914044873/" + joinToken + ">",
		"<https://intl.meeting.huaweicloud.com/#/j/914044873/" + joinToken + "|Join Weekly sync>",
		"HTTPS://MEETING.HUAWEICLOUD.COM/#/j/914044873/" + joinToken,
	} {
		t.Run(text, func(t *testing.T) {
			hs := newHarness(t, adminPolicy, nil, nil)
			if r, ok, _ := begin(t, hs, command(text)); ok {
				t.Fatalf("Begin answered %q at once; want the work", r.Text)
			}
			out := &recordingReplier{}
			hs.h.Command(context.Background(), command(text), out)
			if got := hs.meetings.prepares(); !slices.Equal(got, []meeting.ID{testID}) {
				t.Errorf("Prepare calls = %v, want [%s]", got, testID)
			}
			rs := out.all()
			if len(rs) != 1 || rs[0].Prompt == nil {
				t.Fatalf("replies = %q, want a prompt", texts(rs))
			}
			checkNoToken(t, rs, hs.log)
		})
	}
}

// joinLookAlikes look like join links and are none: each is the usage
// error, with no call.
var joinLookAlikes = []string{
	"https://meeting.huaweicloud.com.evil.example/#/j/914044873/" + joinToken,
	"https://evil.example/meeting.huaweicloud.com/#/j/914044873/" + joinToken,
	"https://meeting.huaweicloud.com@evil.example/#/j/914044873/" + joinToken,
	"https://evil.example@meeting.huaweicloud.com/#/j/914044873/" + joinToken,
	"https://meeting.huaweicloud.com:8443/#/j/914044873/" + joinToken,
	"https://xmeeting.huaweicloud.com/#/j/914044873/" + joinToken,
	"http://meeting.huaweicloud.com/#/j/914044873/" + joinToken,
	"https://meeting.huaweicloud.com/#/k/914044873/" + joinToken,
	"https://meeting.huaweicloud.com/j/914044873/" + joinToken,
	"https://meeting.huaweicloud.com/#/j/914044873",
	"https://meeting.huaweicloud.com/#/j/914044873/" + joinToken + "/stop",
	"https://meeting.huaweicloud.com/#/j/914044873/" + joinToken + "?conferenceID=914083136",
	"https://meeting.huaweicloud.com/?next=/#/j/914044873/" + joinToken,
	"https://meeting.huaweicloud.com/#/j/914%20044%20873/" + joinToken,
	"https://meeting.huaweicloud.com/#/j/914044873/%2e%2e",
	"https://meeting.huaweicloud.com/#/j/914044873/" + joinToken + "#x",
	"<https://meeting.huaweicloud.com.evil.example/#/j/914044873/" + joinToken + "|https://meeting.huaweicloud.com/#/j/914044873/x>",
	"<https://meeting.huaweicloud.com/#/j/914044873/" + joinToken,
	"<https://evil.example|https://meeting.huaweicloud.com/#/j/914044873/" + joinToken + ">",
	"914044873 https://meeting.huaweicloud.com/#/j/914044873/" + joinToken,
	"ftp://meeting.huaweicloud.com/#/j/914044873/" + joinToken,
}

func TestJoinLinkLookAlikes(t *testing.T) {
	for _, text := range joinLookAlikes {
		t.Run(text, func(t *testing.T) {
			checkNotAnID(t, text)
			hs := newHarness(t, adminPolicy, nil, nil)
			r, _, _ := begin(t, hs, command(text))
			checkNoToken(t, []Reply{r}, hs.log)
		})
	}
}

// checkNoToken checks that joinToken is in none of the replies and
// nowhere in the log.
func checkNoToken(t *testing.T, rs []Reply, log *logBuffer) {
	t.Helper()
	for _, r := range rs {
		all := r.Text.String() + r.Footer.String()
		if r.Prompt != nil {
			for _, a := range r.Prompt.Actions {
				all += a.Label + a.Value
				if a.Confirm != nil {
					all += a.Confirm.Text
				}
			}
		}
		if strings.Contains(all, joinToken) {
			t.Errorf("reply %q has the join link's token", r.Text)
		}
	}
	if strings.Contains(log.String(), joinToken) {
		t.Errorf("the log has the join link's token:\n%s", log)
	}
}

// forGoodPrompt clicks End for good… on a prompt whose End button's value
// is v, and returns the prompt it leads to.
func forGoodPrompt(t *testing.T, hs *harness, v string) *Prompt {
	t.Helper()
	rs := hs.click(t, click(ActionAskForGood, as(t, v, ActionAskForGood)))
	if len(rs) != 1 || rs[0].Prompt == nil || !rs[0].Replace || rs[0].Public {
		t.Fatalf("End for good… replies = %q, want a prompt replacing the first", texts(rs))
	}
	if want := "End meeting *Weekly sync* (914044873) for good?"; !strings.HasPrefix(rs[0].Text.String(), want) {
		t.Errorf("prompt = %q, want it to start %q", rs[0].Text, want)
	}
	p := rs[0].Prompt
	if len(p.Actions) != 2 {
		t.Fatalf("actions = %+v, want End for good and Cancel", p.Actions)
	}
	end, cancel := p.Actions[0], p.Actions[1]
	if end.ID != ActionEndForGood || !end.Danger || end.Confirm == nil || !strings.Contains(end.Confirm.Text, "cancels its reservation") {
		t.Errorf("first button = %+v, want End for good, danger, with a dialog that says it cancels the reservation", end)
	}
	if cancel.ID != ActionCancel || cancel.Danger || as(t, end.Value, ActionCancel) != cancel.Value {
		t.Errorf("second button = %+v, want Cancel of the same ticket", cancel)
	}
	first, _ := testSigner.decode(v)
	second, _ := testSigner.decode(end.Value)
	if first.Nonce == second.Nonce || second.Meeting != first.Meeting || second.Subject != first.Subject {
		t.Errorf("ticket %+v after %+v, want the same meeting with a nonce of its own", second, first)
	}
	return p
}

func TestEndForGood(t *testing.T) {
	hs := newHarness(t, adminPolicy, nil, nil)
	v := hs.prompt(t)
	p := forGoodPrompt(t, hs, v)
	if c, s := hs.meetings.cancels(), hs.meetings.stops(); len(c)+len(s) != 0 {
		t.Errorf("after End for good…: Cancel %v, Stop %v; want no call", c, s)
	}
	// The first prompt is answered: its End button does nothing now.
	checkReplies(t, hs.click(t, click(ActionEnd, v)), []wantReply{duplicateReply})
	checkReplies(t, hs.click(t, click(ActionEndForGood, p.Actions[0].Value)), []wantReply{
		{"Ending meeting *Weekly sync* (914044873) for good…", true, false},
		{"Meeting *Weekly sync* (914044873) has ended and its reservation is cancelled: nobody can rejoin it.", true, false},
		{"@" + testUser + " ended meeting *Weekly sync* (914044873) for good: its reservation is cancelled.", false, true},
	})
	checkReplies(t, hs.click(t, click(ActionEndForGood, p.Actions[0].Value)), []wantReply{duplicateReply})
	if c, s := hs.meetings.cancels(), hs.meetings.stops(); !slices.Equal(c, []meeting.ID{testID}) || len(s) != 0 {
		t.Errorf("Cancel %v, Stop %v; want one cancel of %s and no stop", c, s, testID)
	}
	checkAudits(t, hs.log, []map[string]string{
		{"kind": "command", "outcome": "prompted"},
		{"kind": "click", "decision": "allowed", "outcome": "prompted"},
		{"kind": "click", "decision": "duplicate", "outcome": "none"},
		{"kind": "click", "decision": "allowed", "outcome": "cancelled_for_good", "huawei_request_id": "req-cancel-1"},
		{"kind": "click", "decision": "duplicate", "outcome": "none"},
	})
}

// TestEndForGoodChoices: the second prompt can be cancelled, End for good…
// is answered once, and a click on it is checked like any other.
func TestEndForGoodChoices(t *testing.T) {
	t.Run("cancel", func(t *testing.T) {
		hs := newHarness(t, adminPolicy, nil, nil)
		p := forGoodPrompt(t, hs, hs.prompt(t))
		checkReplies(t, hs.click(t, click(ActionCancel, p.Actions[1].Value)), []wantReply{{"Cancelled. Meeting 914044873 was not ended.", true, false}})
		checkReplies(t, hs.click(t, click(ActionEndForGood, p.Actions[0].Value)), []wantReply{duplicateReply})
		if c := hs.meetings.cancels(); len(c) != 0 {
			t.Errorf("Cancel calls = %v, want none", c)
		}
	})
	t.Run("asked twice", func(t *testing.T) {
		hs := newHarness(t, adminPolicy, nil, nil)
		v := as(t, hs.prompt(t), ActionAskForGood)
		hs.click(t, click(ActionAskForGood, v))
		checkReplies(t, hs.click(t, click(ActionAskForGood, v)), []wantReply{duplicateReply})
	})
	t.Run("another user", func(t *testing.T) {
		hs := newHarness(t, adminPolicy, nil, nil)
		c := click(ActionAskForGood, as(t, hs.prompt(t), ActionAskForGood))
		c.UserID = otherUser
		checkReplies(t, hs.click(t, c), []wantReply{{msgNotRequester(testUser).String(), false, false}})
	})
	t.Run("replayed as End for good", func(t *testing.T) {
		// The first prompt's value, clicked as the second prompt's danger
		// button, skips no confirmation: it is not valid.
		hs := newHarness(t, adminPolicy, nil, nil)
		v := as(t, hs.prompt(t), ActionAskForGood)
		checkReplies(t, hs.click(t, click(ActionEndForGood, v)), []wantReply{{msgBadButton.String(), true, false}})
		if c := hs.meetings.cancels(); len(c) != 0 {
			t.Errorf("Cancel calls = %v, want none", c)
		}
	})
	t.Run("permission revoked", func(t *testing.T) {
		hs := newHarness(t, Policy{AdminUsers: []string{testUser}}, nil, nil)
		p := forGoodPrompt(t, hs, hs.prompt(t))
		hs.h.auth.policy.AdminUsers = nil
		checkReplies(t, hs.click(t, click(ActionEndForGood, p.Actions[0].Value)), []wantReply{{"not allowed", true, false}})
		if c := hs.meetings.cancels(); len(c) != 0 {
			t.Errorf("Cancel calls = %v, want none", c)
		}
	})
}

// TestEndForGoodRefused: Huawei refuses the cancel (403). The user is told
// who may, and nothing else is tried: no stop instead.
func TestEndForGoodRefused(t *testing.T) {
	refused := huaweiError("cancel", meeting.ErrNotPermitted)
	for _, tt := range []struct{ name, user, want string }{
		{"host", testUser, "did not let you cancel the reservation of meeting 914044873: only the meeting's creator or an enterprise administrator can. Nothing was done"},
		{"admin", otherUser, "did not let the bot cancel the reservation of meeting 914044873: its Huawei account needs to be an enterprise administrator. Nothing was done"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := func() *fakeMeetings {
				return &fakeMeetings{CancelFn: func(context.Context, meeting.ID) (meeting.CancelResult, error) {
					return meeting.CancelResult{}, refused
				}}
			}
			bot := m()
			as := &fakeAsUser{NewFn: func(string) *fakeMeetings { return m() }}
			hs := newHostHarness(t, hostPolicy, nil, bot, as)
			cmd := command(string(testID))
			cmd.UserID = tt.user
			out := &recordingReplier{}
			hs.h.Command(context.Background(), cmd, out)
			v := out.all()[0].Prompt.Actions[1].Value
			c := click(ActionAskForGood, v)
			c.UserID = tt.user
			second := hs.click(t, c)[0].Prompt.Actions[0].Value
			c = click(ActionEndForGood, second)
			c.UserID = tt.user
			rs := hs.click(t, c)
			if len(rs) != 2 || !rs[1].Replace {
				t.Fatalf("replies = %q, want Ending… and the refusal", texts(rs))
			}
			checkFailureText(t, rs[1].Text.String(), tt.want)
			all := append(bot.stops(), as.of(testHuaweiUser).stops()...)
			if len(all) != 0 {
				t.Errorf("Stop calls = %v, want none: nothing is tried behind the user's back", all)
			}
			checkAudits(t, hs.log, []map[string]string{
				{"kind": "command"}, {"kind": "click", "outcome": "prompted"},
				{"kind": "click", "outcome": "failed", "error_class": "not_permitted"},
			})
		})
	}
}

// TestRecurringMeetingIsNotOfferedForGood: a recurring meeting's prompt
// offers no End for good…, and says why.
func TestRecurringMeetingIsNotOfferedForGood(t *testing.T) {
	hs := newHarness(t, adminPolicy, nil, &fakeMeetings{PrepareFn: func(_ context.Context, id meeting.ID) (meeting.Conference, error) {
		return meeting.Conference{ID: id, Subject: testSubject, State: meeting.StateInProgress, Recurring: true}, nil
	}})
	rs := hs.runCommand(t, string(testID))
	if len(rs) != 1 || rs[0].Prompt == nil {
		t.Fatalf("replies = %q, want a prompt", texts(rs))
	}
	var ids []string
	for _, a := range rs[0].Prompt.Actions {
		ids = append(ids, a.ID)
	}
	if !slices.Equal(ids, []string{ActionEnd, ActionCancel}) {
		t.Errorf("buttons = %v, want End and Cancel only", ids)
	}
	if !strings.Contains(rs[0].Text.String(), "recurring series, whose reservation the bot cannot cancel") {
		t.Errorf("prompt = %q, want it to say why it cannot end for good", rs[0].Text)
	}
}

// TestEndForGoodWithFakeHuawei ends for good against the real client: the
// admin any meeting, the creator under the host rule their own; a host who
// did not create the meeting is refused by Huawei, and nothing else is
// tried. Each end for good is one request, the cancel.
func TestEndForGoodWithFakeHuawei(t *testing.T) {
	for _, tt := range []struct {
		name, user, want string
		cancelled        bool
	}{
		{"admin", otherUser, "has ended and its reservation is cancelled", true},
		{"creator", testUser, "has ended and its reservation is cancelled", true},
		{"chair who did not create it", "U0CAROL", "did not let you cancel the reservation", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, client := newFakeHuaweiWith(t, meetingtest.Config{})
			m := hostedMeeting(srv, string(testID), "alice", 5)
			m.Subject, m.Chairs = testSubject, []string{"carol"}
			srv.AddMeeting(m)
			hs := newHuaweiHarness(t, Policy{AdminUsers: []string{otherUser}, HostRule: true,
				HostMap: map[string]string{testUser: testHuaweiUser, "U0CAROL": "carol"}}, nil, client)
			cmd := command(string(testID))
			cmd.UserID = tt.user
			out := &recordingReplier{}
			hs.h.Command(context.Background(), cmd, out)
			rs := out.all()
			if len(rs) != 1 || rs[0].Prompt == nil || len(rs[0].Prompt.Actions) != 3 {
				t.Fatalf("replies = %q, want a prompt with End for good…", texts(rs))
			}
			c := click(ActionAskForGood, rs[0].Prompt.Actions[1].Value)
			c.UserID = tt.user
			srv.ResetLog()
			second := hs.click(t, c)
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("requests for End for good… = %d, want none", n)
			}
			c = click(ActionEndForGood, second[0].Prompt.Actions[0].Value)
			c.UserID = tt.user
			rs = hs.click(t, c)
			if len(rs) < 2 || !strings.Contains(rs[1].Text.String(), tt.want) {
				t.Fatalf("replies = %q, want %q", texts(rs), tt.want)
			}
			rq := srv.Requests()
			if len(rq) != 1 || rq[0].Endpoint != meetingtest.EndpointCancel || rq[0].Query.Get("conferenceID") != string(testID) || rq[0].Query.Get("type") != "1" {
				t.Errorf("requests for the click = %v, want one cancel with type 1", rq)
			}
			got, ok := srv.Meeting(string(testID))
			if tt.cancelled == ok || (!tt.cancelled && got.State != meetingtest.StateInProgress) {
				t.Errorf("meeting after the click: %+v, %v; want cancelled %v", got.State, ok, tt.cancelled)
			}
		})
	}
}

// TestListWithoutPasswords lists a host's meetings where the online list
// carries no passwords: each listed meeting's details, as the host, say
// whether they host it. The invitation is left out; a room is shown.
func TestListWithoutPasswords(t *testing.T) {
	for _, withPasswords := range []bool{true, false} {
		t.Run(fmt.Sprintf("passwords=%v", withPasswords), func(t *testing.T) {
			srv, client := newFakeHuaweiWith(t, meetingtest.Config{OnlineWithoutPasswords: !withPasswords})
			srv.AddMeeting(hostedMeeting(srv, "914000001", "alice", 20))
			srv.AddMeeting(hostedMeeting(srv, "914000003", "carol", 30, "alice")) // invited only
			addRoomMeeting(srv)
			hs := newHuaweiHarness(t, hostPolicy, nil, client)
			rs := hs.runCommand(t, "")
			checkChoices(t, hs, rs, "Meetings in progress that you host:", []meeting.ID{"914000001", roomConf}, "")
			if got := rs[0].Choices[1].Text.String(); !strings.HasPrefix(got, "*"+roomSubject+"* ("+roomShown+")") {
				t.Errorf("room choice = %q, want the room's ID", got)
			}
			tk, _ := testSigner.decode(rs[0].Choices[1].Action.Value)
			if tk.Meeting != roomConf || tk.Room != roomID {
				t.Errorf("room choice's ticket = %+v, want conferenceID and room", tk)
			}
			details := 0
			if !withPasswords {
				details = 3
			}
			if n := srv.Count(meetingtest.EndpointConfDetail); n != details {
				t.Errorf("details requests = %d, want %d", n, details)
			}
			if n := srv.Count(meetingtest.EndpointOnline); n != 1 {
				t.Errorf("online requests = %d, want 1", n)
			}
			// The listed meetings are endable, from the list.
			pick := hs.click(t, click(ActionPick, rs[0].Choices[1].Action.Value))
			if len(pick) != 1 || pick[0].Prompt == nil || pick[0].Prompt.Meeting.RoomID != roomID {
				t.Fatalf("pick replies = %q, want a prompt for the room's meeting", texts(pick))
			}
			checkReplies(t, hs.click(t, click(ActionEnd, pick[0].Prompt.Actions[0].Value)), []wantReply{
				{"Ending meeting", true, false}, {"(" + roomShown + ") has ended", true, false}, {"ended meeting", false, true},
			})
		})
	}
}

// TestListWithoutPasswordsAsksAboutTenAtMost: the host of 12 meetings, not
// said by the list, is asked about the first 10, which are shown, and told
// of the others.
func TestListWithoutPasswordsAsksAboutTenAtMost(t *testing.T) {
	srv, client := newFakeHuaweiWith(t, meetingtest.Config{OnlineWithoutPasswords: true})
	var want []meeting.ID
	for i := range 12 {
		id := fmt.Sprintf("9143000%02d", i)
		srv.AddMeeting(hostedMeeting(srv, id, "alice", 50-i))
		if i < listShow {
			want = append(want, meeting.ID(id))
		}
	}
	hs := newHuaweiHarness(t, hostPolicy, nil, client)
	checkChoices(t, hs, hs.runCommand(t, ""), "Meetings in progress that you host:", want,
		"2 more meetings you take part in were not checked; type `/endmeeting <meeting-id>` to end one you host.")
	if n := srv.Count(meetingtest.EndpointConfDetail); n != listShow {
		t.Errorf("details requests = %d, want %d", n, listShow)
	}
}

// TestListHostedFailure: a details call that fails fails the list.
func TestListHostedFailure(t *testing.T) {
	on := &onlineRecorder{confs: conferences(3), count: 3}
	as := &fakeAsUser{NewFn: func(string) *fakeMeetings {
		return &fakeMeetings{OnlineFn: on.Online, HostedFn: func(context.Context, []meeting.Conference, int) ([]meeting.Conference, error) {
			return nil, huaweiError("confDetail", meeting.ErrUnavailable)
		}}
	}}
	hs := newHostHarness(t, hostPolicy, nil, nil, as)
	rs := hs.runCommand(t, "")
	checkReplies(t, rs, []wantReply{{"busy or unreachable, so the meetings could not be listed", false, false}})
	if got := as.of(testHuaweiUser).hostedAsk; len(got) != 1 || len(got[0]) != 3 {
		t.Errorf("Hosted calls = %v, want one about the 3 listed", got)
	}
	checkAudits(t, hs.log, []map[string]string{{"kind": "command", "outcome": "failed", "error_class": "unavailable"}})
}

// TestGroupDigits: room IDs are shown in groups that ParseID reads back.
func TestGroupDigits(t *testing.T) {
	for in, want := range map[string]string{
		"123456": "123 456", "1234567": "123 4567", "98001234": "980 012 34", "914044873": "914 044 873",
		"9800123456": "980 012 3456", "12345678901234567890": "123 456 789 012 345 678 90",
	} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%s) = %q, want %q", in, got, want)
		}
		if id, err := meeting.ParseID(want); err != nil || string(id) != in {
			t.Errorf("ParseID(%q) = %q, %v; want %s", want, id, err, in)
		}
	}
}
