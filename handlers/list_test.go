package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// onlineCall is one call of Meetings.Online.
type onlineCall struct {
	all   bool
	limit int
}

// onlineRecorder is an OnlineFn that records its calls and answers confs
// and count, or err.
type onlineRecorder struct {
	confs []meeting.Conference
	count int
	err   error

	mu    sync.Mutex
	calls []onlineCall
}

func (o *onlineRecorder) Online(_ context.Context, all bool, limit int) ([]meeting.Conference, int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, onlineCall{all, limit})
	return slices.Clone(o.confs), o.count, o.err
}

func (o *onlineRecorder) recorded() []onlineCall {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.calls)
}

// conferences returns n meetings in progress, with IDs from 914100000, as
// Online returns them; without a host password, so CanControl is false.
func conferences(n int) []meeting.Conference {
	start := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	var out []meeting.Conference
	for i := range n {
		out = append(out, meeting.Conference{ID: meeting.ID(fmt.Sprintf("9141%05d", i)), Subject: fmt.Sprintf("Meeting %d", i),
			State: meeting.StateInProgress, Start: start.Add(time.Duration(i) * time.Minute), End: start.Add(time.Hour)})
	}
	return out
}

// runCommand runs /endmeeting text as testUser and returns the replies.
func (hs *harness) runCommand(t *testing.T, text string) []Reply {
	t.Helper()
	out := &recordingReplier{}
	hs.h.Command(context.Background(), command(text), out)
	return out.all()
}

// checkChoices checks a list reply: new, private, without a prompt, with
// one End meeting… button for each of ids that leads to testUser's prompt.
func checkChoices(t *testing.T, hs *harness, rs []Reply, header string, ids []meeting.ID, footer string) {
	t.Helper()
	if len(rs) != 1 {
		t.Fatalf("replies = %q, want one", texts(rs))
	}
	r := rs[0]
	if r.Text.String() != header || r.Prompt != nil || r.Replace || r.Public || r.Footer.String() != footer {
		t.Errorf("list = {%q prompt:%v replace:%v public:%v footer:%q}, want {%q footer:%q}, new and private",
			r.Text, r.Prompt != nil, r.Replace, r.Public, r.Footer, header, footer)
	}
	var got []meeting.ID
	nonces := map[string]bool{}
	for _, c := range r.Choices {
		got = append(got, c.Meeting.ID)
		if c.Text.String() != msgChoice(c.Meeting).String() {
			t.Errorf("choice text = %q, want %q", c.Text, msgChoice(c.Meeting))
		}
		a := c.Action
		if a.ID != ActionPick || a.Label != labelPick || a.Danger || a.Confirm != nil {
			t.Errorf("choice button = %+v, want End meeting…, no style, no dialog", a)
		}
		tk, err := testSigner.decode(a.Value)
		if err != nil {
			t.Errorf("choice %s: decodeTicket = %v", c.Meeting.ID, err)
			continue
		}
		if tk.Meeting != c.Meeting.ID || tk.User != testUser || tk.Team != testTeam || tk.Issued != hs.clock.Now().UnixMilli() || tk.Subject != c.Meeting.Subject {
			t.Errorf("choice %s: ticket = %+v, want testUser's for the meeting", c.Meeting.ID, tk)
		}
		if nonces[tk.Nonce] {
			t.Errorf("choice %s: nonce used twice", c.Meeting.ID)
		}
		nonces[tk.Nonce] = true
	}
	if !slices.Equal(got, ids) {
		t.Errorf("choices = %v, want %v", got, ids)
	}
}

// hostedMeeting is a meeting in progress that host schedules, started
// minutes ago.
func hostedMeeting(srv *meetingtest.Server, id, host string, minutes int, invitees ...string) meetingtest.Meeting {
	now := srv.Now().Truncate(time.Minute)
	return meetingtest.Meeting{ID: id, Subject: "Meeting " + id, State: meetingtest.StateInProgress,
		Start: now.Add(-time.Duration(minutes) * time.Minute), End: now.Add(time.Hour),
		ChairPassword: "chair-" + id, GuestPassword: "guest-" + id, Scheduler: host, Invitees: invitees}
}

// TestListHostedWithFakeHuawei lists a host's meetings with the real
// client: Huawei lists those the host was invited to as well, and only
// those it gave the host password for are listed. A pick leads to the
// prompt, whose End button ends the meeting.
func TestListHostedWithFakeHuawei(t *testing.T) {
	srv, client := newFakeHuawei(t)
	srv.AddMeeting(hostedMeeting(srv, "914000001", "alice", 20))
	srv.AddMeeting(hostedMeeting(srv, "914000002", "alice", 10))
	srv.AddMeeting(hostedMeeting(srv, "914000003", "carol", 30, "alice")) // invited only
	srv.AddMeeting(hostedMeeting(srv, "914000004", "carol", 25))          // not hers
	scheduled := hostedMeeting(srv, "914000005", "alice", -60)
	scheduled.State = meetingtest.StateScheduled
	srv.AddMeeting(scheduled)
	ended := hostedMeeting(srv, "914000006", "alice", 90)
	ended.State = meetingtest.StateEnded
	srv.AddMeeting(ended)
	hs := newHuaweiHarness(t, hostPolicy, nil, client)

	rs := hs.runCommand(t, "")
	checkChoices(t, hs, rs, "Meetings in progress that you host:", []meeting.ID{"914000001", "914000002"}, "")
	if c := rs[0].Choices[0]; c.Meeting.Subject != "Meeting 914000001" || !c.Meeting.Start.Equal(srv.Now().Truncate(time.Minute).Add(-20*time.Minute)) {
		t.Errorf("first choice = %+v, want its subject and start", c.Meeting)
	}
	var online []meetingtest.Request
	for _, r := range srv.Requests() {
		if r.Endpoint == meetingtest.EndpointOnline {
			online = append(online, r)
		}
	}
	if len(online) != 1 || online[0].Query.Get("queryAll") != "" {
		t.Errorf("online requests = %+v, want one, of the user's own meetings", online)
	}
	if n := srv.Count(meetingtest.EndpointConfDetail) + srv.Count(meetingtest.EndpointControlToken); n != 0 {
		t.Errorf("details and control-token requests = %d, want none for a list", n)
	}
	if users := appAuthUsers(srv); len(users) != 1 || users[0] != testHuaweiUser {
		t.Errorf("log-ins as %q, want one as alice", users)
	}

	// The pick gives the prompt, as a typed ID would.
	pick := hs.click(t, click(ActionPick, rs[0].Choices[0].Action.Value))
	if len(pick) != 1 || pick[0].Prompt == nil || pick[0].Replace || pick[0].Public || pick[0].Prompt.Meeting.ID != "914000001" {
		t.Fatalf("pick replies = %+v, want a new prompt for 914000001", pick)
	}
	checkReplies(t, hs.click(t, click(ActionEnd, pick[0].Prompt.Actions[0].Value)), []wantReply{
		{"Ending meeting *Meeting 914000001* (914000001)…", true, false},
		{"Meeting *Meeting 914000001* (914000001) has ended.", true, false},
		{"@U0ALICE ended meeting *Meeting 914000001* (914000001).", false, true},
	})
	if m, _ := srv.Meeting("914000001"); m.State != meetingtest.StateEnded {
		t.Errorf("meeting state = %v, want ended", m.State)
	}
	if m, _ := srv.Meeting("914000002"); m.State != meetingtest.StateInProgress {
		t.Errorf("the other meeting's state = %v, want in progress", m.State)
	}

	// The ended meeting is no longer listed.
	checkChoices(t, hs, hs.runCommand(t, ""), "Meetings in progress that you host:", []meeting.ID{"914000002"}, "")
	checkAudits(t, hs.log, []map[string]string{
		{"kind": "command", "decision": "allowed", "rule": "host", "outcome": "listed", "meeting_id": ""},
		{"kind": "command", "decision": "allowed", "rule": "host", "outcome": "prompted", "meeting_id": "914000001", "envelope_id": "env-click-1"},
		{"kind": "click", "decision": "allowed", "rule": "host", "outcome": "ended", "meeting_id": "914000001"},
		{"kind": "command", "decision": "allowed", "rule": "host", "outcome": "listed"},
	})
}

// TestListTruncated lists 12 hosted meetings among invitations: 10 are
// shown, and the footer counts the hosted ones left out.
func TestListTruncated(t *testing.T) {
	srv, client := newFakeHuawei(t)
	// The invitations started first, so that Huawei lists them first.
	for i := range 3 {
		srv.AddMeeting(hostedMeeting(srv, fmt.Sprintf("91420000%d", i), "carol", 100-i, "alice"))
	}
	var want []meeting.ID
	for i := range 12 {
		id := fmt.Sprintf("9143000%02d", i)
		srv.AddMeeting(hostedMeeting(srv, id, "alice", 50-i))
		if i < listShow {
			want = append(want, meeting.ID(id))
		}
	}
	hs := newHuaweiHarness(t, hostPolicy, nil, client)
	checkChoices(t, hs, hs.runCommand(t, ""), "Meetings in progress that you host:", want, "…and 2 more.")
}

func TestListEmpty(t *testing.T) {
	t.Run("fake Huawei", func(t *testing.T) {
		srv, client := newFakeHuawei(t)
		srv.AddMeeting(hostedMeeting(srv, "914000003", "carol", 30, "alice")) // invited only
		srv.AddMeeting(hostedMeeting(srv, "914000004", "carol", 20))
		hs := newHuaweiHarness(t, hostPolicy, nil, client)
		checkReplies(t, hs.runCommand(t, ""), []wantReply{{msgListEmpty(false).String(), false, false}})
	})
	t.Run("none controllable", func(t *testing.T) {
		// Conferences made outside package meeting have no host password.
		on := &onlineRecorder{confs: conferences(3), count: 3}
		as := &fakeAsUser{NewFn: func(string) *fakeMeetings { return &fakeMeetings{OnlineFn: on.Online} }}
		hs := newHostHarness(t, hostPolicy, nil, nil, as)
		rs := hs.runCommand(t, "")
		checkReplies(t, rs, []wantReply{{"You host no meeting in progress right now.\n" + usageText.String(), false, false}})
		if rs[0].Text.String() != msgListEmpty(false).String() || len(rs[0].Choices) != 0 || rs[0].Footer.String() != "" {
			t.Errorf("reply = %+v, want the empty message alone", rs[0])
		}
		if got := on.recorded(); !slices.Equal(got, []onlineCall{{false, listFetch}}) {
			t.Errorf("Online calls = %v, want one of the user's own", got)
		}
		checkAudits(t, hs.log, []map[string]string{{"kind": "command", "rule": "host", "outcome": "listed"}})
	})
	t.Run("none at all", func(t *testing.T) {
		on := &onlineRecorder{}
		hs := newHarness(t, adminPolicy, nil, &fakeMeetings{OnlineFn: on.Online})
		rs := hs.runCommand(t, "all")
		checkReplies(t, rs, []wantReply{{"No meeting is in progress.\n" + usageText.String(), false, false}})
		checkAudits(t, hs.log, []map[string]string{{"kind": "command", "rule": "admin_user", "outcome": "listed"}})
	})
}

func TestListAllByAdmin(t *testing.T) {
	for _, text := range []string{"all", " ALL ", "All"} {
		t.Run(text, func(t *testing.T) {
			on := &onlineRecorder{confs: conferences(12), count: 30}
			as := &fakeAsUser{}
			hs := newHostHarness(t, Policy{AdminUsers: []string{testUser}, HostRule: true, HostMap: map[string]string{testUser: testHuaweiUser}},
				nil, &fakeMeetings{OnlineFn: on.Online}, as)
			rs := hs.runCommand(t, text)
			var want []meeting.ID
			for _, c := range conferences(listShow) {
				want = append(want, c.ID)
			}
			// Every meeting, controllable by the bot or not: the prompt
			// checks.
			checkChoices(t, hs, rs, "Meetings in progress:", want, "…and 20 more.")
			if got := on.recorded(); !slices.Equal(got, []onlineCall{{true, listFetch}}) {
				t.Errorf("Online calls as the bot = %v, want one of all meetings", got)
			}
			if got := as.calls(); len(got) != 0 {
				t.Errorf("AsUser calls = %q, want none: the bot lists all", got)
			}
			checkAudits(t, hs.log, []map[string]string{{"kind": "command", "decision": "allowed", "rule": "admin_user", "outcome": "listed"}})
		})
	}
}

func TestListAllByHostIsRefused(t *testing.T) {
	on := &onlineRecorder{confs: conferences(3), count: 3}
	as := &fakeAsUser{NewFn: func(string) *fakeMeetings { return &fakeMeetings{OnlineFn: on.Online} }}
	hs := newHostHarness(t, hostPolicy, nil, &fakeMeetings{OnlineFn: on.Online}, as)
	rs := hs.runCommand(t, "all")
	checkReplies(t, rs, []wantReply{{"Only the bot's admins can list every meeting", false, false}})
	if refOf(rs[0].Text.String()) == "" {
		t.Errorf("reply = %q, want a ref", rs[0].Text)
	}
	if got := on.recorded(); len(got) != 0 {
		t.Errorf("Online calls = %v, want none", got)
	}
	if got := as.calls(); len(got) != 0 {
		t.Errorf("AsUser calls = %q, want none", got)
	}
	checkAudits(t, hs.log, []map[string]string{{"kind": "command", "decision": "denied", "reason": "not_admin", "outcome": "none"}})
}

func TestListDenied(t *testing.T) {
	for _, text := range []string{"", "all"} {
		t.Run(text, func(t *testing.T) {
			on := &onlineRecorder{}
			hs := newHostHarness(t, Policy{HostRule: true}, nil, &fakeMeetings{OnlineFn: on.Online}, &fakeAsUser{})
			rs := hs.runCommand(t, text)
			checkReplies(t, rs, []wantReply{{"does not know your Huawei Cloud Meeting account", false, false}})
			if refOf(rs[0].Text.String()) == "" {
				t.Errorf("reply = %q, want a ref", rs[0].Text)
			}
			if got := on.recorded(); len(got) != 0 {
				t.Errorf("Online calls = %v, want none", got)
			}
			checkAudits(t, hs.log, []map[string]string{{"kind": "command", "decision": "denied", "reason": "no_host_identity", "outcome": "none"}})
		})
	}
}

// TestListOwnByAdmin lists an admin's own meetings: as their own Huawei
// user when the host rule knows it, or else a hint and no call.
func TestListOwnByAdmin(t *testing.T) {
	alice := User{ID: testUser, TeamID: testTeam, Email: "alice@example.com"}
	tests := []struct {
		name   string
		policy Policy
		dir    *fakeDirectory
		noAs   bool   // Config.AsUser nil
		as     string // the Huawei user listed as; "" for the hint
	}{
		{"host map", Policy{AdminUsers: []string{testUser}, HostRule: true, HostMap: map[string]string{testUser: testHuaweiUser}}, nil, false, testHuaweiUser},
		{"email", Policy{AdminUsers: []string{testUser}, HostRule: true, HostByEmail: true}, staticDirectory([]User{alice}, nil), false, "alice@example.com"},
		{"host rule off", Policy{AdminUsers: []string{testUser}, HostMap: map[string]string{testUser: testHuaweiUser}, HostByEmail: true},
			staticDirectory([]User{alice}, nil), false, ""},
		{"not mapped", Policy{AdminUsers: []string{testUser}, HostRule: true}, nil, false, ""},
		{"no email", Policy{AdminUsers: []string{testUser}, HostRule: true, HostByEmail: true},
			staticDirectory([]User{{ID: testUser, TeamID: testTeam}}, nil), false, ""},
		{"look-up fails", Policy{AdminUsers: []string{testUser}, HostRule: true, HostByEmail: true}, &fakeDirectory{}, false, ""},
		{"no AsUser", Policy{AdminUsers: []string{testUser}, HostRule: true, HostMap: map[string]string{testUser: testHuaweiUser}}, nil, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bot := &onlineRecorder{}
			own := &onlineRecorder{}
			as := &fakeAsUser{NewFn: func(string) *fakeMeetings { return &fakeMeetings{OnlineFn: own.Online} }}
			hs := newHostHarness(t, tt.policy, tt.dir, &fakeMeetings{OnlineFn: bot.Online}, as)
			if tt.noAs {
				hs.h.asUser = nil
			}
			rs := hs.runCommand(t, "")
			if got := bot.recorded(); len(got) != 0 {
				t.Errorf("Online calls as the bot = %v, want none", got)
			}
			if tt.as == "" {
				checkReplies(t, rs, []wantReply{{msgListAdminHint().String(), false, false}})
				if got := own.recorded(); len(got) != 0 {
					t.Errorf("Online calls = %v, want none", got)
				}
				checkAudits(t, hs.log, []map[string]string{{"kind": "command", "decision": "allowed", "rule": "admin_user", "outcome": "none"}})
				return
			}
			checkReplies(t, rs, []wantReply{{msgListEmpty(false).String(), false, false}})
			if got := as.calls(); !slices.Equal(got, []string{tt.as}) {
				t.Errorf("AsUser calls = %q, want [%q]", got, tt.as)
			}
			if got := own.recorded(); !slices.Equal(got, []onlineCall{{false, listFetch}}) {
				t.Errorf("Online calls as %s = %v, want one of their own", tt.as, got)
			}
			checkAudits(t, hs.log, []map[string]string{{"kind": "command", "decision": "allowed", "rule": "admin_user", "outcome": "listed"}})
		})
	}
}

// TestListOnlineErrors checks that a failed list is a message with a ref,
// with nothing from upstream and no hole where a meeting ID would be.
func TestListOnlineErrors(t *testing.T) {
	for _, all := range []bool{false, true} {
		for _, tt := range failureCases {
			t.Run(fmt.Sprintf("all=%v/%s/%s", all, tt.class, tt.err.Error()[:min(20, len(tt.err.Error()))]), func(t *testing.T) {
				on := &onlineRecorder{err: tt.err}
				as := &fakeAsUser{NewFn: func(string) *fakeMeetings { return &fakeMeetings{OnlineFn: on.Online} }}
				hs := newHostHarness(t, hostPolicy, nil, &fakeMeetings{OnlineFn: on.Online}, as)
				c := command("")
				rule := "host"
				if all {
					c = command("all")
					c.UserID, rule = otherUser, "admin_user"
				}
				out := &recordingReplier{}
				hs.h.Command(context.Background(), c, out)
				rs := out.all()
				if len(rs) != 1 || len(rs[0].Choices) != 0 || rs[0].Prompt != nil || rs[0].Replace || rs[0].Public {
					t.Fatalf("replies = %+v, want one private message", rs)
				}
				text := rs[0].Text
				want := map[string]string{
					"not_found": "refused to list the meetings", "already_ended": "refused to list the meetings",
					"not_started": "refused to list the meetings", "not_permitted": "refused to list the meetings",
					"locked": "refused to list the meetings", "credentials": "did not let the bot act as your account (alice)",
					"throttled": "busy or unreachable, so the meetings could not be listed", "unavailable": "busy or unreachable, so the meetings could not be listed",
					"internal": "Something went wrong inside the bot", "canceled": "Something went wrong inside the bot",
				}[tt.class]
				if all && tt.class == "not_permitted" {
					want = "its Huawei account needs to be an enterprise administrator"
				}
				if all && tt.class == "credentials" {
					want = "rejected the bot's credentials"
				}
				if errors.Is(tt.err, context.Canceled) {
					want = "The bot was shutting down, so the meetings could not be listed. Try again"
				}
				checkFailureText(t, text.String(), want)
				for _, s := range []string{"eeting  ", "meeting .", "meeting ,"} {
					if strings.Contains(text.String(), s) {
						t.Errorf("reply = %q has %q: a message about one meeting", text, s)
					}
				}
				if isBusy(tt.class) && !strings.Contains(text.String(), "Try again") {
					t.Errorf("reply = %q, want it to say to try again", text)
				}
				if got := on.recorded(); len(got) != 1 || got[0].all != all {
					t.Errorf("Online calls = %v, want one with all=%v", got, all)
				}
				rec := map[string]string{"kind": "command", "rule": rule, "outcome": "failed", "error_class": tt.class}
				if tt.class == "already_ended" {
					delete(rec, "outcome") // not an answer Huawei gives to a list
				}
				checkAudits(t, hs.log, []map[string]string{rec})
			})
		}
	}
}

// TestPickClick checks a click on a listed meeting's button.
func TestPickClick(t *testing.T) {
	// list returns the value of the first choice of a host's list.
	list := func(t *testing.T, hs *harness) string {
		t.Helper()
		rs := hs.runCommand(t, "")
		if len(rs) != 1 || len(rs[0].Choices) == 0 {
			t.Fatalf("list replies = %+v, want choices", rs)
		}
		return rs[0].Choices[0].Action.Value
	}
	// newHS is a host's harness whose list has testID.
	newHS := func(t *testing.T) *harness {
		t.Helper()
		srv, client := newFakeHuawei(t)
		m := hostedMeeting(srv, string(testID), "alice", 5)
		m.Subject = testSubject
		srv.AddMeeting(m)
		return newHuaweiHarness(t, hostPolicy, nil, client)
	}

	t.Run("valid", func(t *testing.T) {
		hs := newHS(t)
		v := list(t, hs)
		hs.clock.Advance(DefaultConfirmTimeout)
		picked := hs.click(t, click(ActionPick, v))
		typed := hs.runCommand(t, string(testID))
		if len(picked) != 1 || len(typed) != 1 {
			t.Fatalf("pick replies = %q, command replies = %q; want one each", texts(picked), texts(typed))
		}
		p, c := picked[0], typed[0]
		if p.Prompt == nil || p.Replace || p.Public {
			t.Fatalf("pick reply = %+v, want a new private prompt", p)
		}
		if p.Text.String() != c.Text.String() || p.Prompt.Meeting != c.Prompt.Meeting || len(p.Prompt.Actions) != len(c.Prompt.Actions) ||
			len(p.Choices) != 0 || p.Footer.String() != c.Footer.String() {
			t.Errorf("pick reply = %+v, want the command's %+v", p, c)
		}
		for i := range min(len(p.Prompt.Actions), len(c.Prompt.Actions)) {
			pa, ca := p.Prompt.Actions[i], c.Prompt.Actions[i]
			pt, perr := testSigner.decode(pa.Value)
			ct, cerr := testSigner.decode(ca.Value)
			pt.Nonce, ct.Nonce = "", ""
			sameConfirm := (pa.Confirm == nil) == (ca.Confirm == nil) && (pa.Confirm == nil || *pa.Confirm == *ca.Confirm)
			if perr != nil || cerr != nil || pt != ct || pa.ID != ca.ID || pa.Label != ca.Label || pa.Danger != ca.Danger || !sameConfirm {
				t.Errorf("pick button %d = %+v (%+v, %v), want the command's %+v (%+v, %v)", i, pa, pt, perr, ca, ct, cerr)
			}
		}
		checkReplies(t, hs.click(t, click(ActionEnd, p.Prompt.Actions[0].Value)), endedReplies)
		checkAudits(t, hs.log, []map[string]string{
			{"kind": "command", "outcome": "listed"},
			{"kind": "command", "rule": "host", "outcome": "prompted", "meeting_id": string(testID), "envelope_id": "env-click-1"},
			{"kind": "command", "rule": "host", "outcome": "prompted", "envelope_id": "env-cmd-1"},
			{"kind": "click", "rule": "host", "outcome": "ended", "meeting_id": string(testID)},
		})
	})
	t.Run("expired", func(t *testing.T) {
		hs := newHS(t)
		v := list(t, hs)
		hs.clock.Advance(DefaultConfirmTimeout + time.Millisecond)
		checkReplies(t, hs.click(t, click(ActionPick, v)), []wantReply{{msgExpired(MeetingView{ID: testID}, DefaultConfirmTimeout).String(), false, false}})
		checkAudits(t, hs.log, []map[string]string{
			{"kind": "command", "outcome": "listed"},
			{"kind": "click", "decision": "expired", "outcome": "none", "meeting_id": string(testID)},
		})
	})
	t.Run("another user", func(t *testing.T) {
		hs := newHS(t)
		v := list(t, hs)
		c := click(ActionPick, v)
		c.UserID = otherUser
		checkReplies(t, hs.click(t, c), []wantReply{{msgNotRequester(testUser).String(), false, false}})
		c = click(ActionPick, v)
		c.TeamID = "T0OTHER"
		checkReplies(t, hs.click(t, c), []wantReply{{msgOtherOrg.String(), false, false}})
		checkAudits(t, hs.log, []map[string]string{
			{"kind": "command", "outcome": "listed"},
			{"kind": "click", "decision": "denied", "reason": "not_requester", "outcome": "none", "actor": otherUser},
			{"kind": "click", "decision": "denied", "reason": "other_organization", "outcome": "none"},
		})
	})
	t.Run("twice", func(t *testing.T) {
		// A pick is not an answer: each gives a prompt of its own.
		hs := newHS(t)
		v := list(t, hs)
		first := hs.click(t, click(ActionPick, v))
		second := hs.click(t, click(ActionPick, v))
		if len(first) != 1 || len(second) != 1 || first[0].Prompt == nil || second[0].Prompt == nil ||
			first[0].Prompt.Actions[0].Value == second[0].Prompt.Actions[0].Value {
			t.Fatalf("replies = %q then %q, want two prompts of their own", texts(first), texts(second))
		}
		checkReplies(t, hs.click(t, click(ActionEnd, first[0].Prompt.Actions[0].Value)), endedReplies)
		checkReplies(t, hs.click(t, click(ActionEnd, second[0].Prompt.Actions[0].Value)), []wantReply{
			{"Ending meeting", true, false}, {msgNotHost, true, false},
		})
	})
	t.Run("tampered", func(t *testing.T) {
		issued := newFakeClock().Now().UnixMilli()
		for _, tt := range tamperedValues(issued) {
			hs := newHostHarness(t, hostPolicy, nil, nil, &fakeAsUser{})
			rs := hs.click(t, click(ActionPick, tt.value))
			checkReplies(t, rs, []wantReply{{msgBadButton.String(), false, false}})
			if got := hs.as.calls(); len(got) != 0 {
				t.Errorf("%s: AsUser calls = %q, want none", tt.name, got)
			}
			checkAudits(t, hs.log, []map[string]string{{"kind": "click", "decision": "invalid", "outcome": "none"}})
		}
	})
}

// TestPickClickNeedsPermission checks that a pick is authorized anew: it
// runs the command, with its checks.
func TestPickClickNeedsPermission(t *testing.T) {
	md := &mutableDirectory{}
	md.set("alice@example.com")
	on := &onlineRecorder{}
	as := &fakeAsUser{NewFn: func(string) *fakeMeetings { return &fakeMeetings{OnlineFn: on.Online} }}
	hs := newHostHarness(t, Policy{HostRule: true, HostByEmail: true}, md.fake(), nil, as)
	v := hs.h.buttonValue(hs.h.newTicket(testTeam, testUser, MeetingView{ID: testID, Subject: testSubject}), ActionPick)
	md.set("")
	rs := hs.click(t, click(ActionPick, v))
	checkReplies(t, rs, []wantReply{{"does not know your Huawei Cloud Meeting account", false, false}})
	if got := as.calls(); len(got) != 0 {
		t.Errorf("AsUser calls = %q, want none", got)
	}
	checkAudits(t, hs.log, []map[string]string{{"kind": "command", "decision": "denied", "reason": "no_host_identity", "meeting_id": string(testID)}})
}
