package handlers

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

func TestAuthorizeHostRule(t *testing.T) {
	carol := User{ID: "U0CAROL", TeamID: testTeam, Email: "carol@example.com"}
	noEmail := User{ID: "U0DAVE", TeamID: testTeam}
	deleted := User{ID: "U0ERIN", TeamID: testTeam, Email: "erin@example.com", Deleted: true}
	foreign := User{ID: "U0FRANK", TeamID: "T0OTHER", Email: "frank@example.com"}
	wsAdmin := User{ID: "U0HANK", TeamID: testTeam, Email: "hank@example.com", Admin: true}
	// 64 bytes is the longest Huawei user ID the bot sends.
	email64 := strings.Repeat("g", 64-len("@example.com")) + "@example.com"
	withEmail := func(id, email string) User { return User{ID: id, TeamID: testTeam, Email: email} }
	users := []User{carol, noEmail, deleted, foreign, wsAdmin,
		withEmail("U0SPACE", "gina smith@example.com"),
		withEmail("U0PAD", " gina@example.com"),
		withEmail("U0LONG", "g"+email64),
		withEmail("U0MAX", email64),
		withEmail("U0UNI", "jürgen@example.com"),
		withEmail("U0LINK", "<mailto:gina@example.com|gina@example.com>"),
		withEmail("U0NL", "gina@example.com\nU0ALICE"),
	}
	byEmail := Policy{HostRule: true, HostByEmail: true}
	mapOnly := Policy{HostRule: true, HostMap: map[string]string{testUser: testHuaweiUser}}
	// wrongUser answers users.info with another user than asked.
	wrongUser := &fakeDirectory{UserFn: func(context.Context, string) (User, error) { return carol, nil }}

	tests := []struct {
		name    string
		policy  Policy
		dir     *fakeDirectory // staticDirectory(users, S1: testUser) when nil
		user    string
		want    Decision // Err is compared as set or not
		lookups int      // Directory calls; -1 for any
	}{
		{"host map", mapOnly, &fakeDirectory{}, testUser,
			Decision{Allowed: true, Rule: RuleHost, HuaweiUser: testHuaweiUser}, 0},
		{"host map before email", Policy{HostRule: true, HostByEmail: true, HostMap: map[string]string{"U0CAROL": "carol.h"}}, &fakeDirectory{}, "U0CAROL",
			Decision{Allowed: true, Rule: RuleHost, HuaweiUser: "carol.h"}, 0},
		{"email", byEmail, nil, "U0CAROL",
			Decision{Allowed: true, Rule: RuleHost, HuaweiUser: "carol@example.com"}, 1},
		{"email of 64 bytes", byEmail, nil, "U0MAX",
			Decision{Allowed: true, Rule: RuleHost, HuaweiUser: email64}, 1},
		{"no email", byEmail, nil, "U0DAVE", Decision{Reason: "no_host_identity"}, 1},
		{"not mapped, email off", mapOnly, &fakeDirectory{}, "U0CAROL", Decision{Reason: "no_host_identity"}, 0},
		{"users.info fails", byEmail, &fakeDirectory{}, "U0CAROL", Decision{Reason: "lookup_failed", Err: errLookup}, 1},
		{"unknown user", byEmail, nil, "U0NOBODY", Decision{Reason: "lookup_failed", Err: errors.New("slack: user_not_found")}, 1},
		{"deleted user", byEmail, nil, "U0ERIN", Decision{Reason: "no_rule"}, 1},
		{"user of another team", byEmail, nil, "U0FRANK", Decision{Reason: "no_rule"}, 1},
		{"users.info answers another user", byEmail, wrongUser, testUser, Decision{Reason: "no_rule"}, 1},

		{"admin user wins", Policy{AdminUsers: []string{testUser}, HostRule: true, HostMap: map[string]string{testUser: testHuaweiUser}}, &fakeDirectory{}, testUser,
			Decision{Allowed: true, Rule: RuleAdminUser}, 0},
		{"admin group wins", Policy{AdminGroups: []string{"S1"}, HostRule: true, HostMap: map[string]string{testUser: testHuaweiUser}}, nil, testUser,
			Decision{Allowed: true, Rule: RuleAdminGroup}, -1},
		{"workspace admin wins", Policy{AllowWorkspaceAdmins: true, HostRule: true, HostByEmail: true}, nil, "U0HANK",
			Decision{Allowed: true, Rule: RuleWorkspaceAdmin}, -1},
		{"channel applies to hosts", Policy{Channels: []string{"C0OTHER"}, HostRule: true, HostMap: map[string]string{testUser: testHuaweiUser}}, &fakeDirectory{}, testUser,
			Decision{Reason: "channel"}, 0},

		{"host rule off", Policy{HostMap: map[string]string{testUser: testHuaweiUser}, HostByEmail: true}, &fakeDirectory{}, testUser,
			Decision{Reason: "no_rule"}, 0},
		{"host rule off, email", Policy{HostByEmail: true}, nil, "U0CAROL", Decision{Reason: "no_rule"}, 0},

		{"map key extends the user ID", Policy{HostRule: true, HostMap: map[string]string{testUser + "X": "x"}}, &fakeDirectory{}, testUser,
			Decision{Reason: "no_host_identity"}, 0},
		{"map key is a prefix of the user ID", Policy{HostRule: true, HostMap: map[string]string{"U0ALIC": "x"}}, &fakeDirectory{}, testUser,
			Decision{Reason: "no_host_identity"}, 0},
		{"map key in lower case", Policy{HostRule: true, HostMap: map[string]string{strings.ToLower(testUser): "x"}}, &fakeDirectory{}, testUser,
			Decision{Reason: "no_host_identity"}, 0},
		{"user ID with a space", mapOnly, &fakeDirectory{}, testUser + " ", Decision{Reason: "no_host_identity"}, 0},

		{"email with a space", byEmail, nil, "U0SPACE", Decision{Reason: "no_host_identity"}, 1},
		{"email with a leading space", byEmail, nil, "U0PAD", Decision{Reason: "no_host_identity"}, 1},
		{"email too long", byEmail, nil, "U0LONG", Decision{Reason: "no_host_identity"}, 1},
		{"email not ASCII", byEmail, nil, "U0UNI", Decision{Reason: "no_host_identity"}, 1},
		{"email as a Slack link", byEmail, nil, "U0LINK", Decision{Reason: "no_host_identity"}, 1},
		{"email with a newline", byEmail, nil, "U0NL", Decision{Reason: "no_host_identity"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir
			if dir == nil {
				dir = staticDirectory(users, map[string][]string{"S1": {testUser}})
			}
			a := testAuthorizer(tt.policy, dir, 0, 0)
			got := a.Authorize(context.Background(), Caller{TeamID: testTeam, ChannelID: testChannel, UserID: tt.user})
			if got.Allowed != tt.want.Allowed || got.Rule != tt.want.Rule || got.HuaweiUser != tt.want.HuaweiUser || got.Reason != tt.want.Reason {
				t.Errorf("Authorize = %+v, want %+v", got, tt.want)
			}
			if (got.Err != nil) != (tt.want.Err != nil) || (tt.want.Err == errLookup && !errors.Is(got.Err, errLookup)) {
				t.Errorf("Authorize err = %v, want %v", got.Err, tt.want.Err)
			}
			if got.Allowed && got.Reason != "" || !got.Allowed && (got.Rule != "" || got.HuaweiUser != "") {
				t.Errorf("Authorize = %+v: a rule goes with allowed, a reason with denied", got)
			}
			if got.HuaweiUser != "" && got.Rule != RuleHost {
				t.Errorf("Authorize = %+v: a Huawei user only for the host rule", got)
			}
			if n := dir.calls(); tt.lookups >= 0 && n != tt.lookups {
				t.Errorf("Directory calls = %d, want %d", n, tt.lookups)
			}
		})
	}
}

func TestHostIdentity(t *testing.T) {
	dir := staticDirectory([]User{{ID: testUser, TeamID: testTeam, Email: "alice@example.com"}}, nil)
	tests := []struct {
		name         string
		policy       Policy
		team         string
		hu, reason   string
		wantErr      bool
		wantLookups  int
		directoryErr bool
	}{
		{"host rule off", Policy{HostByEmail: true, HostMap: map[string]string{testUser: "x"}}, testTeam, "", "no_rule", false, 0, false},
		{"map", Policy{HostRule: true, HostMap: map[string]string{testUser: "x"}}, testTeam, "x", "", false, 0, false},
		{"email", Policy{HostRule: true, HostByEmail: true}, testTeam, "alice@example.com", "", false, 1, false},
		{"request from another team", Policy{HostRule: true, HostByEmail: true}, "T0OTHER", "", "other_organization", false, 0, false},
		{"map, request from another team", Policy{HostRule: true, HostMap: map[string]string{testUser: "x"}}, "T0OTHER", "", "other_organization", false, 0, false},
		{"neither", Policy{HostRule: true}, testTeam, "", "no_host_identity", false, 0, false},
		{"look-up fails", Policy{HostRule: true, HostByEmail: true}, testTeam, "", "lookup_failed", true, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dir
			if tt.directoryErr {
				d = &fakeDirectory{}
			}
			before := d.calls()
			// An admin rule does not matter to HostIdentity.
			tt.policy.AdminUsers = []string{testUser}
			hu, reason, err := testAuthorizer(tt.policy, d, 0, 0).HostIdentity(context.Background(), Caller{TeamID: tt.team, UserID: testUser})
			if hu != tt.hu || reason != tt.reason || (err != nil) != tt.wantErr {
				t.Errorf("HostIdentity = %q, %q, %v; want %q, %q, error %v", hu, reason, err, tt.hu, tt.reason, tt.wantErr)
			}
			if tt.wantErr && !errors.Is(err, errLookup) {
				t.Errorf("HostIdentity error = %v, want it to wrap %v", err, errLookup)
			}
			if n := d.calls() - before; n != tt.wantLookups {
				t.Errorf("Directory calls = %d, want %d", n, tt.wantLookups)
			}
		})
	}
}

func TestAuthorizeHostEmailIsCached(t *testing.T) {
	dir := staticDirectory([]User{{ID: testUser, TeamID: testTeam, Email: "alice@example.com"}}, nil)
	a := NewAuthorizer(withOrg(Policy{HostRule: true, HostByEmail: true}), dir)
	for range 2 {
		if d := a.Authorize(context.Background(), Caller{TeamID: testTeam, ChannelID: testChannel, UserID: testUser}); d.HuaweiUser != "alice@example.com" {
			t.Fatalf("Authorize = %+v, want the host rule as alice@example.com", d)
		}
	}
	if n := dir.calls(); n != 1 {
		t.Errorf("users.info calls = %d, want 1 for a command and its click", n)
	}
}

// checkAudits checks the audit records against want, field by field; ""
// means the field is absent or empty.
func checkAudits(t *testing.T, log *logBuffer, want []map[string]string) {
	t.Helper()
	got := log.audits(t)
	if len(got) != len(want) {
		t.Fatalf("audit records = %d, want %d:\n%s", len(got), len(want), log.String())
	}
	for i, w := range want {
		for k, v := range w {
			if g, _ := got[i][k].(string); g != v {
				t.Errorf("audit record %d: %s = %q, want %q", i, k, g, v)
			}
		}
	}
}

func TestHostCommandActsAsCaller(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		dir    *fakeDirectory
		hu     string
	}{
		{"host map", hostPolicy, &fakeDirectory{}, testHuaweiUser},
		{"email", Policy{HostRule: true, HostByEmail: true},
			staticDirectory([]User{{ID: testUser, TeamID: testTeam, Email: "alice@example.com"}}, nil), "alice@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := &fakeAsUser{}
			hs := newHostHarness(t, tt.policy, tt.dir, nil, as)
			out := &recordingReplier{}
			hs.h.Command(context.Background(), command(string(testID)), out)
			rs := out.all()
			if len(rs) != 1 || rs[0].Prompt == nil || rs[0].Replace || rs[0].Public {
				t.Fatalf("replies = %+v, want one new private prompt", rs)
			}
			if !strings.Contains(rs[0].Text.String(), "*Weekly sync* (914044873)") {
				t.Errorf("prompt = %q, want the meeting", rs[0].Text)
			}
			if got := as.calls(); !slices.Equal(got, []string{tt.hu}) {
				t.Errorf("AsUser calls = %q, want [%q]", got, tt.hu)
			}
			if got := as.of(tt.hu).prepares(); !slices.Equal(got, []meeting.ID{testID}) {
				t.Errorf("Prepare calls as %s = %v, want [%s]", tt.hu, got, testID)
			}
			if got := hs.meetings.prepares(); len(got) != 0 {
				t.Errorf("Prepare calls as the bot = %v, want none", got)
			}
			checkAudits(t, hs.log, []map[string]string{
				{"kind": "command", "decision": "allowed", "rule": "host", "outcome": "prompted", "meeting_id": "914044873", "reason": ""},
			})
		})
	}
}

// msgNotHost is what a host-rule caller is told of a meeting that does not
// exist and of one that is not theirs alike.
const msgNotHost = "Meeting 914044873 was not found, or you are not its host."

func TestHostCommandNotFoundOrNotHost(t *testing.T) {
	errs := []error{
		huaweiError("confDetail", meeting.ErrNotFound),
		huaweiError("confDetail", meeting.ErrNotPermitted),
		huaweiError("controlToken", meeting.ErrNotPermitted),
		&meeting.Error{Op: "confDetail", Kind: meeting.ErrNotFound},
	}
	for i, err := range errs {
		t.Run(strconv.Itoa(i)+"/"+meeting.RequestID(err)+ErrorClass(err), func(t *testing.T) {
			as := &fakeAsUser{NewFn: func(string) *fakeMeetings {
				return &fakeMeetings{PrepareFn: func(context.Context, meeting.ID) (meeting.Conference, error) {
					return meeting.Conference{}, err
				}}
			}}
			hs := newHostHarness(t, hostPolicy, nil, nil, as)
			out := &recordingReplier{}
			hs.h.Command(context.Background(), command(string(testID)), out)
			rs := out.all()
			if len(rs) != 1 || rs[0].Prompt != nil {
				t.Fatalf("replies = %q, want one message without buttons", texts(rs))
			}
			checkFailureText(t, rs[0].Text.String(), msgNotHost)
			// Exactly the same words, whatever Huawei said.
			if got := strings.TrimSuffix(rs[0].Text.String(), " "+refRE.FindString(rs[0].Text.String())); got != msgNotHost {
				t.Errorf("reply = %q, want %q", got, msgNotHost)
			}
			if got := hs.meetings.prepares(); len(got) != 0 {
				t.Errorf("Prepare calls as the bot = %v, want none", got)
			}
		})
	}
}

// TestHostCommandFailures runs every failure class as a host-rule caller:
// a message of its own, a ref, and nothing from upstream.
func TestHostCommandFailures(t *testing.T) {
	for _, tt := range failureCases {
		t.Run(tt.class+"/"+tt.err.Error()[:min(20, len(tt.err.Error()))], func(t *testing.T) {
			as := &fakeAsUser{NewFn: func(string) *fakeMeetings {
				return &fakeMeetings{PrepareFn: func(context.Context, meeting.ID) (meeting.Conference, error) {
					return meeting.Conference{}, tt.err
				}}
			}}
			hs := newHostHarness(t, hostPolicy, nil, nil, as)
			out := &recordingReplier{}
			hs.h.Command(context.Background(), command(string(testID)), out)
			rs := out.all()
			if len(rs) != 1 || rs[0].Prompt != nil {
				t.Fatalf("replies = %q, want one message without buttons", texts(rs))
			}
			want := tt.want
			switch tt.class {
			case "not_found", "not_permitted":
				want = msgNotHost
			case "credentials":
				want = "did not let the bot act as your account (alice)"
			}
			checkFailureText(t, rs[0].Text.String(), want)
			if strings.Contains(rs[0].Text.String(), "bot's Huawei account") {
				t.Errorf("reply = %q speaks of the bot's account to a host", rs[0].Text)
			}
			checkAudits(t, hs.log, []map[string]string{{"rule": "host", "error_class": tt.class}})
		})
	}
}

func TestHostCommandCredentials(t *testing.T) {
	as := &fakeAsUser{NewFn: func(string) *fakeMeetings {
		return &fakeMeetings{PrepareFn: func(context.Context, meeting.ID) (meeting.Conference, error) {
			return meeting.Conference{}, huaweiError("auth", meeting.ErrCredentials)
		}}
	}}
	hs := newHostHarness(t, Policy{HostRule: true, HostMap: map[string]string{testUser: "alice_o.brien+x@example.com"}}, nil, nil, as)
	out := &recordingReplier{}
	hs.h.Command(context.Background(), command(string(testID)), out)
	rs := out.all()
	if len(rs) != 1 {
		t.Fatalf("replies = %q, want one", texts(rs))
	}
	checkFailureText(t, rs[0].Text.String(), "Huawei Cloud Meeting did not let the bot act as your account (alice_o.brien+x@example.com)")
	if !strings.Contains(rs[0].Text.String(), "ENDMEETING_HOST_MAP") {
		t.Errorf("reply = %q, want it to name the mapping", rs[0].Text)
	}
	if strings.Contains(rs[0].Text.String(), "rejected the bot's credentials") {
		t.Errorf("reply = %q, want the host message, not the bot's", rs[0].Text)
	}
}

func TestHostCommandWithoutAsUser(t *testing.T) {
	tests := []struct {
		name string
		as   AsUser
	}{
		{"AsUser fails", (&fakeAsUser{Err: errors.New("acting as another user needs App ID authentication <http://x>")}).AsUser},
		{"no AsUser", nil},
	}
	for _, tt := range tests {
		for _, text := range []string{string(testID), ""} {
			t.Run(tt.name+"/"+text, func(t *testing.T) {
				hs := newHarness(t, hostPolicy, nil, nil)
				hs.h = New(Config{ButtonKey: testKey, Meetings: hs.meetings, AsUser: tt.as, Authorizer: testAuthorizer(hostPolicy, hs.dir, 0, 0),
					Logger: slog.New(slog.NewJSONHandler(hs.log, nil)), Now: hs.clock.Now})
				out := &recordingReplier{}
				hs.h.Command(context.Background(), command(text), out)
				rs := out.all()
				if len(rs) != 1 || rs[0].Prompt != nil || len(rs[0].Choices) != 0 {
					t.Fatalf("replies = %+v, want one message without buttons", rs)
				}
				checkFailureText(t, rs[0].Text.String(), "Something went wrong inside the bot")
				if got := hs.meetings.prepares(); len(got) != 0 {
					t.Errorf("Prepare calls as the bot = %v, want none", got)
				}
				checkAudits(t, hs.log, []map[string]string{{"rule": "host", "outcome": "failed", "error_class": "internal"}})
			})
		}
	}
}

func TestHostClickStopsAsCaller(t *testing.T) {
	as := &fakeAsUser{}
	hs := newHostHarness(t, hostPolicy, nil, nil, as)
	v := hs.prompt(t)
	checkReplies(t, hs.click(t, click(ActionEnd, v)), endedReplies)
	if got := as.calls(); !slices.Equal(got, []string{testHuaweiUser, testHuaweiUser}) {
		t.Errorf("AsUser calls = %q, want alice for the command and the click", got)
	}
	if got := as.of(testHuaweiUser).stops(); !slices.Equal(got, []meeting.ID{testID}) {
		t.Errorf("Stop calls as alice = %v, want [%s]", got, testID)
	}
	if got := hs.meetings.stops(); len(got) != 0 {
		t.Errorf("Stop calls as the bot = %v, want none", got)
	}
	checkAudits(t, hs.log, []map[string]string{
		{"kind": "command", "rule": "host", "outcome": "prompted"},
		{"kind": "click", "decision": "allowed", "rule": "host", "outcome": "ended", "huawei_request_id": "req-stop-1"},
	})
}

func TestHostClickFailures(t *testing.T) {
	for _, tt := range failureCases {
		t.Run(tt.class+"/"+tt.err.Error()[:min(20, len(tt.err.Error()))], func(t *testing.T) {
			as := &fakeAsUser{NewFn: func(string) *fakeMeetings {
				return &fakeMeetings{StopFn: func(context.Context, meeting.ID) (meeting.StopResult, error) {
					return meeting.StopResult{}, tt.err
				}}
			}}
			hs := newHostHarness(t, hostPolicy, nil, nil, as)
			rs := hs.click(t, click(ActionEnd, hs.prompt(t)))
			if len(rs) != 2 || !rs[1].Replace || rs[1].Public {
				t.Fatalf("replies = %q, want the ending note and the failure, in place", texts(rs))
			}
			want := tt.want
			switch tt.class {
			case "not_found", "not_permitted":
				want = msgNotHost
			case "credentials":
				want = "did not let the bot act as your account (alice)"
			}
			checkFailureText(t, rs[1].Text.String(), want)
		})
	}
}

// mutableDirectory is a Directory of one user, testUser, whose email and
// admin groups a test can change between a command and its click.
type mutableDirectory struct {
	mu     sync.Mutex
	email  string
	groups []string
}

func (m *mutableDirectory) set(email string, groups ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.email, m.groups = email, groups
}

func (m *mutableDirectory) fake() *fakeDirectory {
	return &fakeDirectory{
		UserFn: func(_ context.Context, id string) (User, error) {
			m.mu.Lock()
			defer m.mu.Unlock()
			if id != testUser {
				return User{}, errors.New("slack: user_not_found")
			}
			return User{ID: testUser, TeamID: testTeam, Email: m.email}, nil
		},
		GroupMembersFn: func(_ context.Context, g string) ([]string, error) {
			m.mu.Lock()
			defer m.mu.Unlock()
			if slices.Contains(m.groups, g) {
				return []string{testUser}, nil
			}
			return []string{otherUser}, nil
		},
	}
}

// TestHostClickUsesCurrentMapping checks that a click acts as whoever the
// caller is at the click, not at the command.
func TestHostClickUsesCurrentMapping(t *testing.T) {
	tests := []struct {
		name    string
		policy  Policy
		before  []string // email, then admin groups, at the command
		after   []string // at the click
		cmdRule string
		cmdAs   string // "" for the bot
		clickAs string
	}{
		{"email changed", Policy{HostRule: true, HostByEmail: true},
			[]string{"alice@example.com"}, []string{"alice.new@example.com"}, "host", "alice@example.com", "alice.new@example.com"},
		{"admin demoted to host", Policy{AdminGroups: []string{"S1"}, HostRule: true, HostByEmail: true},
			[]string{"alice@example.com", "S1"}, []string{"alice@example.com"}, "admin_group", "", "alice@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := &mutableDirectory{}
			md.set(tt.before[0], tt.before[1:]...)
			as := &fakeAsUser{}
			hs := newHostHarness(t, tt.policy, md.fake(), nil, as)
			v := hs.prompt(t)
			md.set(tt.after[0], tt.after[1:]...)
			checkReplies(t, hs.click(t, click(ActionEnd, v)), endedReplies)

			if tt.cmdAs == "" {
				if got := hs.meetings.prepares(); !slices.Equal(got, []meeting.ID{testID}) {
					t.Errorf("Prepare calls as the bot = %v, want [%s]", got, testID)
				}
			} else if got := as.of(tt.cmdAs).prepares(); !slices.Equal(got, []meeting.ID{testID}) {
				t.Errorf("Prepare calls as %s = %v, want [%s]", tt.cmdAs, got, testID)
			}
			if got := as.of(tt.clickAs).stops(); !slices.Equal(got, []meeting.ID{testID}) {
				t.Errorf("Stop calls as %s = %v, want [%s]", tt.clickAs, got, testID)
			}
			if tt.cmdAs != "" && tt.cmdAs != tt.clickAs {
				if got := as.of(tt.cmdAs).stops(); len(got) != 0 {
					t.Errorf("Stop calls as %s, the old mapping = %v, want none", tt.cmdAs, got)
				}
			}
			if got := hs.meetings.stops(); len(got) != 0 {
				t.Errorf("Stop calls as the bot = %v, want none", got)
			}
			checkAudits(t, hs.log, []map[string]string{
				{"kind": "command", "rule": tt.cmdRule, "outcome": "prompted"},
				{"kind": "click", "decision": "allowed", "rule": "host", "outcome": "ended"},
			})
		})
	}
}

// TestHostClickOnAnotherReplica serves the click with an EndMeeting whose
// host map changed (a restart, or another replica with newer settings).
func TestHostClickOnAnotherReplica(t *testing.T) {
	clock := newFakeClock()
	as := &fakeAsUser{}
	log := &logBuffer{}
	replica := func(hu string) *EndMeeting {
		return New(Config{ButtonKey: testKey,
			Meetings: &fakeMeetings{}, AsUser: as.AsUser,
			Authorizer: NewAuthorizer(withOrg(Policy{HostRule: true, HostMap: map[string]string{testUser: hu}}), &fakeDirectory{}),
			Logger:     slog.New(slog.NewJSONHandler(log, nil)), Now: clock.Now,
		})
	}
	out := &recordingReplier{}
	replica("alice.old").Command(context.Background(), command(string(testID)), out)
	rs := out.all()
	if len(rs) != 1 || rs[0].Prompt == nil {
		t.Fatalf("command replies = %q, want a prompt", texts(rs))
	}
	clock.Advance(30 * time.Second)
	out = &recordingReplier{}
	replica("alice.new").Click(context.Background(), click(ActionEnd, rs[0].Prompt.Actions[0].Value), out)
	checkReplies(t, out.all(), endedReplies)
	if got := as.calls(); !slices.Equal(got, []string{"alice.old", "alice.new"}) {
		t.Errorf("AsUser calls = %q, want [alice.old alice.new]", got)
	}
	if got := as.of("alice.new").stops(); !slices.Equal(got, []meeting.ID{testID}) {
		t.Errorf("Stop calls as alice.new = %v, want [%s]", got, testID)
	}
	if got := as.of("alice.old").stops(); len(got) != 0 {
		t.Errorf("Stop calls as alice.old = %v, want none", got)
	}
	checkAudits(t, log, []map[string]string{
		{"kind": "command", "rule": "host", "outcome": "prompted"},
		{"kind": "click", "rule": "host", "outcome": "ended"},
	})
}

func TestHostClickIdentityLost(t *testing.T) {
	md := &mutableDirectory{}
	md.set("alice@example.com")
	as := &fakeAsUser{}
	hs := newHostHarness(t, Policy{HostRule: true, HostByEmail: true}, md.fake(), nil, as)
	v := hs.prompt(t)
	md.set("")
	rs := hs.click(t, click(ActionEnd, v))
	checkReplies(t, rs, []wantReply{{"add your work email to your Slack profile", true, false}})
	if refOf(rs[0].Text.String()) == "" {
		t.Errorf("reply = %q, want a ref", rs[0].Text)
	}
	if got := as.of("alice@example.com").stops(); len(got) != 0 {
		t.Errorf("Stop calls = %v, want none", got)
	}
	if got := as.calls(); len(got) != 1 {
		t.Errorf("AsUser calls = %q, want only the command's", got)
	}
	checkAudits(t, hs.log, []map[string]string{
		{"kind": "command", "rule": "host"},
		{"kind": "click", "decision": "denied", "reason": "no_host_identity", "rule": "", "outcome": "none"},
	})
}

// huaweiApp are the App ID credentials of the fake Huawei in these tests.
const huaweiAppID, huaweiAppKey = "app-id-4e1f", "app-key-9c2d7b5a1e"

// newFakeHuawei starts the fake Huawei server with the users alice and
// carol, and returns it with a client for it that acts as the enterprise
// administrator.
func newFakeHuawei(t *testing.T) (*meetingtest.Server, *meeting.Client) {
	t.Helper()
	return newFakeHuaweiWith(t, meetingtest.Config{})
}

// newHuaweiHarness is a harness around the real client: the bot acts as
// client, and hosts as their own Huawei user through it. Its meetings field
// is nil.
func newHuaweiHarness(t *testing.T, p Policy, dir *fakeDirectory, client *meeting.Client) *harness {
	t.Helper()
	if dir == nil {
		dir = &fakeDirectory{}
	}
	hs := &harness{dir: dir, clock: newFakeClock(), log: &logBuffer{}}
	hs.h = New(Config{ButtonKey: testKey,
		Meetings: client,
		AsUser: func(u string) (Meetings, error) {
			if u == "" {
				return nil, errors.New("no Huawei user")
			}
			return client.As(u)
		},
		Authorizer: testAuthorizer(p, dir, 0, 0),
		Logger:     slog.New(slog.NewJSONHandler(hs.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:        hs.clock.Now,
	})
	return hs
}

// appAuthUsers returns the userId of each App ID log-in the fake received.
func appAuthUsers(srv *meetingtest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Endpoint == meetingtest.EndpointAppAuth {
			_, rest, _ := strings.Cut(r.Body, `"userId":"`)
			u, _, _ := strings.Cut(rest, `"`)
			out = append(out, u)
		}
	}
	return out
}

// TestHostWithFakeHuawei runs the host rule against the real client and the
// fake Huawei server, which decides who hosts what.
func TestHostWithFakeHuawei(t *testing.T) {
	srv, client := newFakeHuawei(t)
	in := func(id, host string, invitees ...string) meetingtest.Meeting {
		return meetingtest.Meeting{ID: id, Subject: "Meeting " + id, State: meetingtest.StateInProgress,
			ChairPassword: "chair-" + id, GuestPassword: "guest-" + id, Scheduler: host, Invitees: invitees}
	}
	srv.AddMeeting(in("914000001", "alice"))
	srv.AddMeeting(in("914000002", "carol", "alice")) // alice is a guest
	srv.AddMeeting(in("914000003", "carol"))          // alice is a stranger
	ended := in("914000005", "alice")
	ended.State = meetingtest.StateEnded
	srv.AddMeeting(ended)
	hs := newHuaweiHarness(t, hostPolicy, nil, client)

	// Not alice's, for three reasons, told alike; no control token asked.
	var msgs []string
	for _, id := range []string{"914000002", "914000003", "914000004", "914000005"} {
		out := &recordingReplier{}
		hs.h.Command(context.Background(), command(id), out)
		rs := out.all()
		if len(rs) != 1 || rs[0].Prompt != nil {
			t.Fatalf("%s: replies = %q, want one message without buttons", id, texts(rs))
		}
		want := "Meeting " + id + " was not found, or you are not its host."
		checkFailureText(t, rs[0].Text.String(), want)
		msgs = append(msgs, strings.ReplaceAll(strings.TrimSuffix(rs[0].Text.String(), refRE.FindString(rs[0].Text.String())), id, "X"))
	}
	if len(slices.Compact(slices.Clone(msgs))) != 1 {
		t.Errorf("messages differ: %q", msgs)
	}
	if n := srv.Count(meetingtest.EndpointControlToken); n != 0 {
		t.Errorf("control-token requests = %d, want none for meetings alice does not host", n)
	}

	// Alice's own: a prompt, and the click ends it.
	out := &recordingReplier{}
	hs.h.Command(context.Background(), command("914000001"), out)
	rs := out.all()
	if len(rs) != 1 || rs[0].Prompt == nil {
		t.Fatalf("replies = %q, want a prompt", texts(rs))
	}
	checkReplies(t, hs.click(t, click(ActionEnd, rs[0].Prompt.Actions[0].Value)), []wantReply{
		{"Ending meeting *Meeting 914000001* (914000001)…", true, false},
		{"has ended", true, false},
		{"@U0ALICE ended meeting *Meeting 914000001* (914000001).", false, true},
	})
	if m, _ := srv.Meeting("914000001"); m.State != meetingtest.StateEnded {
		t.Errorf("meeting state = %v, want ended", m.State)
	}
	for _, u := range appAuthUsers(srv) {
		if u != testHuaweiUser {
			t.Errorf("log-in as %q, want only as %q", u, testHuaweiUser)
		}
	}
	if len(appAuthUsers(srv)) == 0 {
		t.Error("no log-in as alice")
	}
}

// TestHostWithFakeHuaweiUnknownUser maps the caller to a Huawei user that
// does not exist: Huawei refuses the log-in, and the caller is told so.
func TestHostWithFakeHuaweiUnknownUser(t *testing.T) {
	srv, client := newFakeHuawei(t)
	srv.AddMeeting(meetingtest.Meeting{ID: "914044873", State: meetingtest.StateInProgress, ChairPassword: "chair-pw-1", Scheduler: "alice"})
	hs := newHuaweiHarness(t, Policy{HostRule: true, HostMap: map[string]string{testUser: "nobody"}}, nil, client)
	for _, text := range []string{"914044873", ""} {
		out := &recordingReplier{}
		hs.h.Command(context.Background(), command(text), out)
		rs := out.all()
		if len(rs) != 1 || rs[0].Prompt != nil || len(rs[0].Choices) != 0 {
			t.Fatalf("%q: replies = %q, want one message", text, texts(rs))
		}
		checkFailureText(t, rs[0].Text.String(), "did not let the bot act as your account (nobody)")
	}
	if m, _ := srv.Meeting("914044873"); m.State != meetingtest.StateInProgress {
		t.Errorf("meeting state = %v, want in progress", m.State)
	}
}
