package main

import (
	"encoding/json"
	"strings"
	"testing"

	"meetingbot/bot/slacktest"
	"meetingbot/meeting/meetingtest"
)

// Huawei users and meetings of the host-rule tests.
const (
	alice     = "alice@corp.example"
	bob       = "bob@corp.example"
	aliceMtg  = "111111111" // alice hosts, bob is invited
	aliceMtg2 = "111111112" // alice hosts
	bobMtg    = "222222222" // bob hosts, alice is invited
	aliceLate = "111111113" // alice hosts, scheduled
)

// startHosts starts the program with Slack users mapped to Huawei users by
// email (UALICE, UBOB), by ENDMEETING_HOST_MAP (UMAPPED → bob), and one
// without email (UNOMAIL).
func startHosts(t *testing.T) *harness {
	t.Helper()
	return startHostsWith(t, meetingtest.Config{})
}

// startHostsWith is startHosts with the fake Huawei configured by hc.
func startHostsWith(t *testing.T, hc meetingtest.Config) *harness {
	t.Helper()
	h := startFull(t, slacktest.Config{}, hc, map[string]string{"ENDMEETING_HOST_MAP": "UMAPPED=" + bob})
	h.huawei.AddUser(meetingtest.User{ID: alice, Name: "Alice"})
	h.huawei.AddUser(meetingtest.User{ID: bob, Name: "Bob"})
	for _, m := range []meetingtest.Meeting{
		{ID: aliceMtg, Subject: "Alice's standup", State: meetingtest.StateInProgress, Scheduler: alice, Invitees: []string{bob}, ChairPassword: "ca1", GuestPassword: "ga1"},
		{ID: aliceMtg2, Subject: "Alice's review", State: meetingtest.StateInProgress, Scheduler: alice, ChairPassword: "ca2", GuestPassword: "ga2"},
		{ID: bobMtg, Subject: "Bob's sync", State: meetingtest.StateInProgress, Scheduler: bob, Invitees: []string{alice}, ChairPassword: "cb1", GuestPassword: "gb1"},
		{ID: aliceLate, Subject: "Alice's planning", State: meetingtest.StateScheduled, Scheduler: alice, ChairPassword: "ca3", GuestPassword: "ga3"},
	} {
		h.huawei.AddMeeting(m)
	}
	h.slack.AddUser(slacktest.User{ID: "UALICE", Name: "alice", Email: alice})
	h.slack.AddUser(slacktest.User{ID: "UBOB", Name: "bob", Email: bob})
	h.slack.AddUser(slacktest.User{ID: "UNOMAIL", Name: "nomail"})
	return h
}

// endAs types the command as user and ends the meeting from the prompt.
func (h *harness) endAs(user, id string) {
	h.t.Helper()
	env, _ := h.command(user, channel, id)
	p := h.posts(env.ResponseURL, 1)[0]
	value := buttonValue(h.t, p.Blocks, "endmeeting_confirm")
	click := h.click(user, channel, "endmeeting_confirm", value)
	if r := h.posts(click.ResponseURL, 2)[1]; !strings.Contains(r.Text, "has ended") {
		h.t.Fatalf("%s ending %s: result %q, want ended", user, id, r.Text)
	}
	if m, _ := h.huawei.Meeting(id); m.State != meetingtest.StateEnded {
		h.t.Fatalf("%s ending %s: state %v, want ended", user, id, m.State)
	}
}

func TestHostEndsOwnMeeting(t *testing.T) {
	h := startHosts(t)
	h.endAs("UALICE", aliceMtg)
	h.stop()
	if !strings.Contains(h.logs.String(), `"rule":"host"`) {
		t.Errorf("no audit record with rule host:\n%s", h.logs)
	}
	// The whole flow ran as alice: her log-in, with her user ID signed in.
	var asAlice int
	for _, r := range h.huawei.Requests() {
		if r.Endpoint == meetingtest.EndpointAppAuth && strings.Contains(r.Body, alice) {
			asAlice++
		}
	}
	if asAlice != 1 {
		t.Errorf("log-ins as alice = %d, want 1", asAlice)
	}
}

func TestHostCannotEndOthersMeetings(t *testing.T) {
	for _, tt := range []struct{ name, user, id string }{
		{"host of A, meeting B", "UALICE", bobMtg},
		{"invitee of A", "UBOB", aliceMtg},
		{"mapped invitee of A", "UMAPPED", aliceMtg},
		{"host, unknown meeting", "UALICE", "999999999"},
		{"host, the admin's meeting", "UALICE", meetingID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := startHosts(t)
			env, _ := h.command(tt.user, channel, tt.id)
			p := h.posts(env.ResponseURL, 1)[0]
			want := "Meeting " + tt.id + " was not found, or you are not its host."
			if !strings.Contains(p.Text, want) || p.Blocks != nil {
				t.Errorf("reply = %q (blocks %s), want %q without buttons", p.Text, p.Blocks, want)
			}
			for _, ep := range []meetingtest.Endpoint{meetingtest.EndpointControlToken, meetingtest.EndpointStop} {
				if n := h.huawei.Count(ep); n != 0 {
					t.Errorf("%s requests = %d, want 0", ep, n)
				}
			}
		})
	}
}

func TestAdminEndsAnyMeeting(t *testing.T) {
	h := startHosts(t)
	h.endAs(admin, aliceMtg)
	h.endAs(admin, bobMtg)
}

func TestHostIdentityProblemsDeny(t *testing.T) {
	h := startHosts(t)
	env, _ := h.command("UNOMAIL", channel, aliceMtg)
	if p := h.posts(env.ResponseURL, 1)[0]; !strings.Contains(p.Text, "does not know your Huawei Cloud Meeting account") {
		t.Errorf("no-email reply = %q, want how to get access", p.Text)
	}
	h.slack.FailNext("users.info", 1, "missing_scope")
	env, _ = h.command("UBOB", channel, bobMtg)
	if p := h.posts(env.ResponseURL, 1)[0]; !strings.Contains(p.Text, "could not check your permission") {
		t.Errorf("failed look-up reply = %q, want a denial", p.Text)
	}
	if n := len(h.huawei.Requests()); n != 0 {
		t.Errorf("Huawei requests = %v, want none", endpoints(h.huawei.Requests()))
	}
}

func TestListEndsTheRightMeeting(t *testing.T) {
	h := startHosts(t)
	env, ack := h.command("UALICE", channel, "")
	if ack.Payload != nil {
		t.Fatalf("ack payload = %s, want empty", ack.Payload)
	}
	list := h.posts(env.ResponseURL, 1)[0]
	for _, id := range []string{aliceMtg, aliceMtg2} {
		if !strings.Contains(list.Text+string(list.Blocks), id) {
			t.Errorf("the list lacks %s: %s", id, list.Blocks)
		}
	}
	for _, id := range []string{bobMtg, aliceLate, meetingID} {
		if strings.Contains(string(list.Blocks), id) {
			t.Errorf("the list shows %s, which alice does not host in progress", id)
		}
	}
	pick := pickValue(t, list, aliceMtg2)
	click := h.click("UALICE", channel, "endmeeting_pick", pick)
	prompt := h.posts(click.ResponseURL, 1)[0]
	if prompt.ReplaceOriginal || !strings.Contains(prompt.Text, aliceMtg2) {
		t.Fatalf("pick reply = %q (replace %v), want a new prompt for %s", prompt.Text, prompt.ReplaceOriginal, aliceMtg2)
	}
	value := buttonValue(t, prompt.Blocks, "endmeeting_confirm")
	end := h.click("UALICE", channel, "endmeeting_confirm", value)
	h.posts(end.ResponseURL, 2)
	if m, _ := h.huawei.Meeting(aliceMtg2); m.State != meetingtest.StateEnded {
		t.Errorf("%s state = %v, want ended", aliceMtg2, m.State)
	}
	if m, _ := h.huawei.Meeting(aliceMtg); m.State != meetingtest.StateInProgress {
		t.Errorf("%s state = %v, want still in progress", aliceMtg, m.State)
	}
}

func TestListEmptyAndAll(t *testing.T) {
	h := startHosts(t)
	env, _ := h.command("UMAPPED", channel, "") // bob hosts bobMtg
	if p := h.posts(env.ResponseURL, 1)[0]; !strings.Contains(string(p.Blocks), bobMtg) {
		t.Errorf("bob's list = %s, want %s", p.Blocks, bobMtg)
	}
	h.huawei.SetState(bobMtg, meetingtest.StateEnded)
	env, _ = h.command("UBOB", channel, "")
	if p := h.posts(env.ResponseURL, 1)[0]; !strings.Contains(p.Text, "You host no meeting in progress") || !strings.Contains(p.Text, "Usage") {
		t.Errorf("empty list reply = %q, want none-in-progress and the usage", p.Text)
	}
	env, _ = h.command("UALICE", channel, "all")
	if p := h.posts(env.ResponseURL, 1)[0]; !strings.Contains(p.Text, "Only the bot's admins") {
		t.Errorf("host's /endmeeting all = %q, want admins only", p.Text)
	}
	env, _ = h.command(admin, channel, "all")
	p := h.posts(env.ResponseURL, 1)[0]
	for _, id := range []string{meetingID, aliceMtg, aliceMtg2} {
		if !strings.Contains(string(p.Blocks), id) {
			t.Errorf("admin's list lacks %s", id)
		}
	}
}

// pickValue finds the End meeting… button of meeting id in a list.
func pickValue(t *testing.T, p slacktest.ResponsePost, id string) string {
	t.Helper()
	var blocks []struct {
		BlockID   string `json:"block_id"`
		Accessory struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"accessory"`
	}
	if err := json.Unmarshal(p.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if b.BlockID == "endmeeting_pick_"+id && b.Accessory.ActionID == "endmeeting_pick" {
			return b.Accessory.Value
		}
	}
	t.Fatalf("no list entry for %s in %s", id, p.Blocks)
	return ""
}
