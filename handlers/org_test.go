package handlers

import (
	"context"
	"testing"
)

func TestOrgIncludes(t *testing.T) {
	workspace := Org{TeamID: "T1"}
	gridWorkspace := Org{TeamID: "T1", EnterpriseID: "E1"}
	orgWide := Org{TeamID: "E1", EnterpriseID: "E1", EnterpriseInstall: true}
	tests := []struct {
		name             string
		org              Org
		team, enterprise string
		want             bool
	}{
		{"our workspace", workspace, "T1", "", true},
		{"another workspace", workspace, "T2", "", false},
		{"no team", workspace, "", "", false},
		{"team ID prefix", workspace, "T10", "", false},
		{"unknown org serves nobody", Org{}, "", "", false},
		{"unknown org, some team", Org{}, "T1", "", false},
		{"grid workspace, our team and enterprise", gridWorkspace, "T1", "E1", true},
		{"grid workspace, payload without enterprise", gridWorkspace, "T1", "", true},
		{"grid workspace, our team ID with another enterprise", gridWorkspace, "T1", "E2", false},
		{"grid workspace, another workspace of our enterprise", gridWorkspace, "T2", "E1", false},
		{"our team ID with an enterprise, outside Grid", workspace, "T1", "E1", false},
		{"org-wide, any workspace of our enterprise", orgWide, "T7", "E1", true},
		{"org-wide, another enterprise", orgWide, "T7", "E2", false},
		{"org-wide, no enterprise in the payload", orgWide, "T7", "", false},
		{"org-wide without an enterprise ID", Org{TeamID: "T1", EnterpriseInstall: true}, "T1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.org.Includes(tt.team, tt.enterprise); got != tt.want {
				t.Errorf("%+v.Includes(%q, %q) = %v, want %v", tt.org, tt.team, tt.enterprise, got, tt.want)
			}
		})
	}
}

func TestOrgMember(t *testing.T) {
	workspace := Org{TeamID: "T1"}
	grid := Org{TeamID: "T1", EnterpriseID: "E1"}
	orgWide := Org{TeamID: "E1", EnterpriseID: "E1", EnterpriseInstall: true}
	tests := []struct {
		name string
		org  Org
		u    User
		want bool
	}{
		{"member", workspace, User{ID: "U1", TeamID: "T1"}, true},
		{"stranger", workspace, User{ID: "U1", TeamID: "T1", Stranger: true}, false},
		{"Slack Connect user of another team", workspace, User{ID: "U1", TeamID: "T2"}, false},
		{"no team", workspace, User{ID: "U1"}, false},
		{"a Grid user with our team ID, outside Grid", workspace, User{ID: "W1", TeamID: "T1", EnterpriseID: "E1"}, false},
		{"grid member homed in another workspace", grid, User{ID: "W1", TeamID: "T2", EnterpriseID: "E1"}, true},
		{"grid user of another enterprise", grid, User{ID: "W1", TeamID: "T1", EnterpriseID: "E2"}, false},
		{"grid stranger of our enterprise ID", grid, User{ID: "W1", TeamID: "T1", EnterpriseID: "E1", Stranger: true}, false},
		{"grid workspace, user without enterprise", grid, User{ID: "U1", TeamID: "T1"}, true},
		{"org-wide member", orgWide, User{ID: "W1", TeamID: "T5", EnterpriseID: "E1"}, true},
		{"org-wide, user without enterprise", orgWide, User{ID: "U1", TeamID: "E1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.org.member(tt.u); got != tt.want {
				t.Errorf("%+v.member(%+v) = %v, want %v", tt.org, tt.u, got, tt.want)
			}
		})
	}
}

// TestOtherOrganizationIsRefused sends a command, a help, a bad ID and
// clicks from another team: each is refused with an audit record naming
// the reason, and nothing reaches Huawei.
func TestOtherOrganizationIsRefused(t *testing.T) {
	const other = "T0OTHER"
	hs := newHarness(t, adminPolicy, nil, nil)
	v := hs.prompt(t)
	before := len(hs.log.audits(t))

	// The transport's fast path refuses every text, in the ack.
	for _, text := range []string{string(testID), "", "all", "help", "not an id"} {
		cmd := command(text)
		cmd.TeamID = other
		r, ok, _ := begin(t, hs, cmd)
		if !ok {
			t.Fatalf("Begin(%q from another team) not answered at once", text)
		}
		checkReplies(t, []Reply{r}, []wantReply{{msgOtherOrg.String(), false, false}})
	}
	// Command refuses too, for a transport that calls it directly.
	cmd := command(string(testID))
	cmd.TeamID = other
	out := &recordingReplier{}
	hs.h.Command(context.Background(), cmd, out)
	checkReplies(t, out.all(), []wantReply{{msgOtherOrg.String(), false, false}})
	for _, action := range []string{ActionEnd, ActionCancel} {
		c := click(action, as(t, v, action))
		c.TeamID = other
		checkReplies(t, hs.click(t, c), []wantReply{{msgOtherOrg.String(), false, false}})
	}
	c := click(ActionEnd, v)
	c.EnterpriseID = "E0OTHER" // our team ID, another organization
	checkReplies(t, hs.click(t, c), []wantReply{{msgOtherOrg.String(), false, false}})

	audits := hs.log.audits(t)[before:]
	if len(audits) != 9 {
		t.Fatalf("audit records = %d, want 9:\n%s", len(audits), hs.log.String())
	}
	for i, a := range audits {
		if a["decision"] != DecisionDenied || a["reason"] != ReasonOtherOrg {
			t.Errorf("audit record %d = %v, want denied for %s", i, a, ReasonOtherOrg)
		}
	}
	if p := hs.meetings.prepares(); len(p) != 1 {
		t.Errorf("Prepare calls = %v, want only the first prompt's", p)
	}
	if s := hs.meetings.stops(); len(s) != 0 {
		t.Errorf("Stop calls = %v, want none", s)
	}
	// The requester's own click still works: a refusal claims nothing.
	checkReplies(t, hs.click(t, click(ActionEnd, v)), endedReplies)
}

// TestStrangerWithAHostsEmail checks that the host rule never maps a user
// of another organization by the email their organization gave them.
func TestStrangerWithAHostsEmail(t *testing.T) {
	for _, u := range []User{
		{ID: testUser, TeamID: testTeam, Email: "frank@corp.example", Stranger: true},
		{ID: testUser, TeamID: "T0OTHER", Email: "frank@corp.example"},
		{ID: testUser, TeamID: testTeam, EnterpriseID: "E0OTHER", Email: "frank@corp.example"},
	} {
		t.Run(u.TeamID+"/"+u.EnterpriseID, func(t *testing.T) {
			as := &fakeAsUser{}
			org := Org{TeamID: testTeam}
			if u.EnterpriseID != "" {
				org.EnterpriseID = "E0OURS"
			}
			hs := newHostHarness(t, Policy{Org: org, HostRule: true, HostByEmail: true}, staticDirectory([]User{u}, nil), nil, as)
			out := &recordingReplier{}
			hs.h.Command(context.Background(), command(string(testID)), out)
			checkReplies(t, out.all(), []wantReply{{"not allowed", false, false}})
			if got := as.calls(); len(got) != 0 {
				t.Errorf("acted in Huawei as %q, want nobody", got)
			}
			checkAudits(t, hs.log, []map[string]string{{"kind": "command", "decision": "denied", "reason": ReasonNoRule}})
		})
	}
}

// TestValueReplayedAsAnotherAction checks that a value signed for one
// button does nothing when it comes back as another.
func TestValueReplayedAsAnotherAction(t *testing.T) {
	hs := newHarness(t, adminPolicy, nil, nil)
	end := hs.prompt(t)
	pick := hs.h.buttonValue(hs.h.newTicket(testTeam, testUser, MeetingView{ID: testID, Subject: testSubject}), ActionPick)
	for _, tt := range []struct{ name, action, value string }{
		{"cancel's value as End", ActionEnd, as(t, end, ActionCancel)},
		{"End's value as Cancel", ActionCancel, end},
		{"a list's pick as End", ActionEnd, pick},
		{"End's value as a pick", ActionPick, end},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rs := hs.click(t, click(tt.action, tt.value))
			checkReplies(t, rs, []wantReply{{msgBadButton.String(), tt.action != ActionPick, false}})
		})
	}
	if p, s := hs.meetings.prepares(), hs.meetings.stops(); len(p) != 1 || len(s) != 0 {
		t.Errorf("Prepare calls %v, Stop calls %v; want the prompt's one and none", p, s)
	}
	for _, a := range hs.log.audits(t)[1:] {
		if a["decision"] != DecisionInvalid || a["error_class"] != "invalid_button" {
			t.Errorf("audit record = %v, want invalid, invalid_button", a)
		}
	}
	// Nothing was claimed: the prompt's own buttons still work.
	checkReplies(t, hs.click(t, click(ActionEnd, end)), endedReplies)
}
