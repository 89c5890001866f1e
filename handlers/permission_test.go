package handlers

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestAuthorize(t *testing.T) {
	admin := User{ID: "U5", TeamID: testTeam, Admin: true}
	owner := User{ID: "U6", TeamID: testTeam, Owner: true}
	member := User{ID: "U7", TeamID: testTeam}
	deleted := User{ID: "U8", TeamID: testTeam, Admin: true, Deleted: true}
	foreign := User{ID: "U9", TeamID: "T0OTHER", Admin: true}
	noTeam := User{ID: "U10", Admin: true}
	stranger := User{ID: "U11", TeamID: testTeam, Admin: true, Stranger: true}
	users := []User{admin, owner, member, deleted, foreign, noTeam, stranger}
	groups := map[string][]string{
		"S1":  {"U7", "U50"},
		"S12": {"U5", "U8"},
		"S2":  {"U123"},
	}
	failing := &fakeDirectory{}
	failingGroups := &fakeDirectory{UserFn: staticDirectory(users, nil).UserFn}
	failingUsers := &fakeDirectory{GroupMembersFn: staticDirectory(nil, groups).GroupMembersFn}
	// wrongUser answers users.info with another user than asked.
	wrongUser := &fakeDirectory{UserFn: func(context.Context, string) (User, error) { return admin, nil }}

	tests := []struct {
		name    string
		policy  Policy
		dir     *fakeDirectory // staticDirectory(users, groups) when nil
		team    string
		channel string
		user    string
		want    Decision // Err is compared as set or not
	}{
		{"admin user", Policy{AdminUsers: []string{"U123"}}, nil, testTeam, testChannel, "U123",
			Decision{Allowed: true, Rule: RuleAdminUser}},
		{"admin user among others", Policy{AdminUsers: []string{"U1", "U123", "W999"}}, nil, testTeam, testChannel, "W999",
			Decision{Allowed: true, Rule: RuleAdminUser}},
		{"admin group", Policy{AdminGroups: []string{"S1"}}, nil, testTeam, testChannel, "U7",
			Decision{Allowed: true, Rule: RuleAdminGroup}},
		{"second admin group", Policy{AdminGroups: []string{"S2", "S1"}}, nil, testTeam, testChannel, "U7",
			Decision{Allowed: true, Rule: RuleAdminGroup}},
		{"workspace admin", Policy{AllowWorkspaceAdmins: true}, nil, testTeam, testChannel, "U5",
			Decision{Allowed: true, Rule: RuleWorkspaceAdmin}},
		{"workspace owner", Policy{AllowWorkspaceAdmins: true}, nil, testTeam, testChannel, "U6",
			Decision{Allowed: true, Rule: RuleWorkspaceAdmin}},
		// Deny on doubt: a request or a user whose organization is not known
		// to be ours is not served.
		{"workspace admin without a team in the request", Policy{AllowWorkspaceAdmins: true}, nil, "", testChannel, "U5",
			Decision{Reason: ReasonOtherOrg}},
		{"workspace admin whose team Slack did not say", Policy{AllowWorkspaceAdmins: true}, nil, testTeam, testChannel, "U10",
			Decision{Reason: ReasonNoRule}},
		{"admin user in a request from another team", Policy{AdminUsers: []string{"U123"}}, nil, "T0OTHER", testChannel, "U123",
			Decision{Reason: ReasonOtherOrg}},
		{"admin group member in a request from another team", Policy{AdminGroups: []string{"S1"}}, nil, "T0OTHER", testChannel, "U7",
			Decision{Reason: ReasonOtherOrg}},
		{"workspace admin who is a stranger", Policy{AllowWorkspaceAdmins: true}, nil, testTeam, testChannel, "U11",
			Decision{Reason: ReasonNoRule}},

		{"empty policy denies", Policy{}, nil, testTeam, testChannel, "U5", Decision{Reason: "no_rule"}},
		{"empty user denies", Policy{AdminUsers: []string{"U123"}, AllowWorkspaceAdmins: true}, nil, testTeam, testChannel, "",
			Decision{Reason: "no_rule"}},
		{"unknown user denies", Policy{AdminUsers: []string{"U123"}, AdminGroups: []string{"S1"}, AllowWorkspaceAdmins: true},
			nil, testTeam, testChannel, "U6x", Decision{Reason: "lookup_failed", Err: errLookup}},
		{"workspace member is no admin", Policy{AllowWorkspaceAdmins: true}, nil, testTeam, testChannel, "U7",
			Decision{Reason: "no_rule"}},
		{"workspace admins not allowed by policy", Policy{AdminUsers: []string{"U123"}}, nil, testTeam, testChannel, "U5",
			Decision{Reason: "no_rule"}},
		{"deleted workspace admin", Policy{AllowWorkspaceAdmins: true}, nil, testTeam, testChannel, "U8",
			Decision{Reason: "no_rule"}},
		{"workspace admin of another team", Policy{AllowWorkspaceAdmins: true}, nil, testTeam, testChannel, "U9",
			Decision{Reason: "no_rule"}},
		{"users.info answers another user", Policy{AllowWorkspaceAdmins: true}, wrongUser, testTeam, testChannel, "U7",
			Decision{Reason: "no_rule"}},

		{"channel not enabled", Policy{AdminUsers: []string{"U123"}, Channels: []string{"C1", "C2"}}, nil, testTeam, "C3", "U123",
			Decision{Reason: "channel"}},
		{"channel ID is matched whole", Policy{AdminUsers: []string{"U123"}, Channels: []string{"C1"}}, nil, testTeam, "C12", "U123",
			Decision{Reason: "channel"}},
		{"empty channel with a channel list", Policy{AdminUsers: []string{"U123"}, Channels: []string{"C1"}}, nil, testTeam, "", "U123",
			Decision{Reason: "channel"}},
		{"channel enabled", Policy{AdminUsers: []string{"U123"}, Channels: []string{"C1", "C2"}}, nil, testTeam, "C2", "U123",
			Decision{Allowed: true, Rule: RuleAdminUser}},

		{"failed group look-up denies", Policy{AdminGroups: []string{"S1"}}, failing, testTeam, testChannel, "U7",
			Decision{Reason: "lookup_failed", Err: errLookup}},
		{"failed users.info denies", Policy{AllowWorkspaceAdmins: true}, failing, testTeam, testChannel, "U5",
			Decision{Reason: "lookup_failed", Err: errLookup}},
		{"unknown group denies", Policy{AdminGroups: []string{"S404"}}, nil, testTeam, testChannel, "U7",
			Decision{Reason: "lookup_failed", Err: errLookup}},
		{"failed look-ups but admin user", Policy{AdminUsers: []string{"U5"}, AdminGroups: []string{"S1"}, AllowWorkspaceAdmins: true},
			failing, testTeam, testChannel, "U5", Decision{Allowed: true, Rule: RuleAdminUser}},
		{"failed group but another group", Policy{AdminGroups: []string{"S404", "S1"}}, nil, testTeam, testChannel, "U7",
			Decision{Allowed: true, Rule: RuleAdminGroup}},
		{"failed groups but workspace admin", Policy{AdminGroups: []string{"S1"}, AllowWorkspaceAdmins: true},
			failingGroups, testTeam, testChannel, "U5", Decision{Allowed: true, Rule: RuleWorkspaceAdmin}},
		{"failed users.info but admin group", Policy{AdminGroups: []string{"S1"}, AllowWorkspaceAdmins: true},
			failingUsers, testTeam, testChannel, "U7", Decision{Allowed: true, Rule: RuleAdminGroup}},
		{"failed group and a member who is no admin", Policy{AdminGroups: []string{"S1"}, AllowWorkspaceAdmins: true},
			failingGroups, testTeam, testChannel, "U7", Decision{Reason: "lookup_failed", Err: errLookup}},

		{"user ID prefix of an admin", Policy{AdminUsers: []string{"U1234"}}, nil, testTeam, testChannel, "U123",
			Decision{Reason: "no_rule"}},
		{"admin ID prefix of the user", Policy{AdminUsers: []string{"U123"}}, nil, testTeam, testChannel, "U1234",
			Decision{Reason: "no_rule"}},
		{"user ID case", Policy{AdminUsers: []string{"U123"}}, nil, testTeam, testChannel, "u123",
			Decision{Reason: "no_rule"}},
		{"user ID with space", Policy{AdminUsers: []string{"U123"}}, nil, testTeam, testChannel, "U123 ",
			Decision{Reason: "no_rule"}},
		{"group S1 is not S12", Policy{AdminGroups: []string{"S1"}}, nil, testTeam, testChannel, "U5",
			Decision{Reason: "no_rule"}},
		{"group S12 is not S1", Policy{AdminGroups: []string{"S12"}}, nil, testTeam, testChannel, "U7",
			Decision{Reason: "no_rule"}},
		{"user ID extends a member's", Policy{AdminGroups: []string{"S1"}}, nil, testTeam, testChannel, "U500",
			Decision{Reason: "no_rule"}},
		{"user ID prefix of a member's", Policy{AdminGroups: []string{"S2"}}, nil, testTeam, testChannel, "U12",
			Decision{Reason: "no_rule"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir
			if dir == nil {
				dir = staticDirectory(users, groups)
			}
			a := testAuthorizer(tt.policy, dir, 0, 0)
			got := a.Authorize(context.Background(), Caller{TeamID: tt.team, ChannelID: tt.channel, UserID: tt.user})
			if got.Allowed != tt.want.Allowed || got.Rule != tt.want.Rule || got.Reason != tt.want.Reason {
				t.Errorf("Authorize = %+v, want %+v", got, tt.want)
			}
			if (got.Err != nil) != (tt.want.Err != nil) {
				t.Errorf("Authorize err = %v, want set: %v", got.Err, tt.want.Err != nil)
			}
			if got.Allowed && got.Reason != "" || !got.Allowed && got.Rule != "" {
				t.Errorf("Authorize = %+v: a rule goes with allowed, a reason with denied", got)
			}
		})
	}
}

func TestAuthorizeAsksOnlyForConfiguredGroups(t *testing.T) {
	dir := staticDirectory(nil, map[string][]string{"S1": {"U7"}, "S12": {"U5"}})
	a := testAuthorizer(Policy{AdminGroups: []string{"S1"}}, dir, 0, 0)
	if d := a.Authorize(context.Background(), Caller{TeamID: testTeam, ChannelID: testChannel, UserID: "U5"}); d.Allowed {
		t.Fatalf("Authorize = %+v, want denied", d)
	}
	if !slices.Equal(dir.groupsAsked, []string{"S1"}) {
		t.Errorf("groups looked up = %v, want [S1]", dir.groupsAsked)
	}
}

func TestAuthorizeChannelAndAdminUserNeedNoLookup(t *testing.T) {
	dir := &fakeDirectory{}
	a := testAuthorizer(Policy{AdminUsers: []string{"U1"}, AdminGroups: []string{"S1"}, AllowWorkspaceAdmins: true, Channels: []string{"C1"}}, dir, 0, 0)
	if d := a.Authorize(context.Background(), Caller{TeamID: testTeam, ChannelID: "C2", UserID: "U2"}); d.Reason != "channel" {
		t.Errorf("Authorize from another channel = %+v, want denied for the channel", d)
	}
	if d := a.Authorize(context.Background(), Caller{TeamID: testTeam, ChannelID: "C1", UserID: "U1"}); d.Rule != RuleAdminUser {
		t.Errorf("Authorize admin user = %+v, want allowed as admin user", d)
	}
	if n := dir.calls(); n != 0 {
		t.Errorf("Directory calls = %d, want 0", n)
	}
}

func TestAuthorizeLookupErrorIsKept(t *testing.T) {
	a := testAuthorizer(Policy{AdminGroups: []string{"S1"}, AllowWorkspaceAdmins: true}, &fakeDirectory{}, 0, 0)
	d := a.Authorize(context.Background(), Caller{TeamID: testTeam, ChannelID: testChannel, UserID: "U7"})
	if !errors.Is(d.Err, errLookup) {
		t.Errorf("Authorize err = %v, want it to wrap %v", d.Err, errLookup)
	}
}

func TestAuthorizeCache(t *testing.T) {
	member := User{ID: "U7", TeamID: testTeam, Admin: true}
	policy := Policy{AdminGroups: []string{"S1"}, AllowWorkspaceAdmins: true}
	tests := []struct {
		name                 string
		auth                 func(Directory) *Authorizer
		dir                  func() *fakeDirectory
		wantUsers, wantGroup int32
	}{
		{"default caches", func(d Directory) *Authorizer { return NewAuthorizer(withOrg(policy), d) },
			func() *fakeDirectory { return staticDirectory([]User{member}, map[string][]string{"S1": {"U1"}}) }, 1, 1},
		{"zero TTL caches nothing", func(d Directory) *Authorizer { return testAuthorizer(policy, d, 0, 0) },
			func() *fakeDirectory { return staticDirectory([]User{member}, map[string][]string{"S1": {"U1"}}) }, 2, 2},
		{"failures are not cached", func(d Directory) *Authorizer { return NewAuthorizer(withOrg(policy), d) },
			func() *fakeDirectory { return &fakeDirectory{} }, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir()
			a := tt.auth(dir)
			first := a.Authorize(context.Background(), Caller{TeamID: testTeam, ChannelID: testChannel, UserID: "U7"})
			second := a.Authorize(context.Background(), Caller{TeamID: testTeam, ChannelID: testChannel, UserID: "U7"})
			if first.Allowed != second.Allowed || first.Rule != second.Rule || first.Reason != second.Reason {
				t.Errorf("decisions differ: %+v then %+v", first, second)
			}
			if u, g := dir.userCalls.Load(), dir.groupCalls.Load(); u != tt.wantUsers || g != tt.wantGroup {
				t.Errorf("look-ups: users.info %d, usergroups.users.list %d; want %d, %d", u, g, tt.wantUsers, tt.wantGroup)
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		ok     bool
	}{
		{"empty", Policy{}, true},
		{"all kinds", Policy{AdminUsers: []string{"U012ABC", "W012ABC"}, AdminGroups: []string{"S012ABC"}, Channels: []string{"C012", "G012", "D012"}}, true},
		{"lower-case user", Policy{AdminUsers: []string{"u012abc"}}, false},
		{"display name", Policy{AdminUsers: []string{"alice"}}, false},
		{"mention syntax", Policy{AdminUsers: []string{"<@U012ABC>"}}, false},
		{"user as group", Policy{AdminGroups: []string{"U012ABC"}}, false},
		{"channel name", Policy{Channels: []string{"#general"}}, false},
		{"too short", Policy{AdminUsers: []string{"U1"}}, false},
		{"too long", Policy{AdminUsers: []string{"U12345678901234567890X"}}, false},
		{"empty ID", Policy{AdminUsers: []string{""}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.policy.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
