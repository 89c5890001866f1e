package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"meetingbot/bot/slacktest"
	"meetingbot/meeting/meetingtest"
)

// otherTeam is a workspace of another organization, as in a Slack Connect
// channel shared with it.
const otherTeam = "T0PARTNER"

// TestOtherOrganizationEndsNothing sends a command and a click from another
// team, by a user whose ID is an admin's: both are refused, audited, and
// nothing is asked of Huawei.
func TestOtherOrganizationEndsNothing(t *testing.T) {
	h := start(t, nil)
	value := h.prompt(admin, channel)
	before := len(h.huawei.Requests())

	env, err := h.slack.SendSlashCommand(h.ctx(), slacktest.SlashCommand{TeamID: otherTeam, ChannelID: channel, UserID: admin, Text: meetingID})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := h.slack.WaitAck(h.ctx(), env.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack.Payload), "only its own organization") {
		t.Errorf("ack = %s, want the refusal", ack.Payload)
	}

	click, err := h.slack.SendBlockAction(h.ctx(), slacktest.BlockAction{
		TeamID: otherTeam, ChannelID: channel, UserID: admin, ActionID: "endmeeting_confirm", Value: value, IsEphemeral: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := h.posts(click.ResponseURL, 1)[0]; !strings.Contains(p.Text, "only its own organization") {
		t.Errorf("click reply = %q, want the refusal", p.Text)
	}
	if n := len(h.huawei.Requests()) - before; n != 0 {
		t.Errorf("Huawei requests = %d, want 0", n)
	}
	if m, _ := h.huawei.Meeting(meetingID); m.State != meetingtest.StateInProgress {
		t.Errorf("meeting state = %v, want in progress", m.State)
	}
	// The refusal claimed nothing: the requester's own click ends it.
	env2 := h.click(admin, channel, "endmeeting_confirm", value)
	if p := h.posts(env2.ResponseURL, 2)[1]; !strings.Contains(p.Text, "has ended") {
		t.Errorf("requester's click = %q, want ended", p.Text)
	}
	h.stop()
	if n := strings.Count(h.logs.String(), `"reason":"other_organization"`); n != 2 {
		t.Errorf("audit records with reason other_organization = %d, want 2:\n%s", n, h.logs)
	}
}

// TestStrangerWithAHostsEmailIsNotTheHost: a shared channel's member of
// another organization whose profile claims a host's email is denied, and
// the bot neither logs in nor asks anything as that host.
func TestStrangerWithAHostsEmailIsNotTheHost(t *testing.T) {
	for _, u := range []slacktest.User{
		{ID: "UFRANK", Name: "frank", Email: alice, IsStranger: true},
		{ID: "UFRANK", Name: "frank", Email: alice, TeamID: otherTeam},
	} {
		t.Run(map[bool]string{true: "is_stranger", false: "other team_id"}[u.IsStranger], func(t *testing.T) {
			h := startHosts(t)
			h.slack.AddUser(u)
			for _, text := range []string{aliceMtg, ""} {
				e, _ := h.command("UFRANK", channel, text)
				if p := h.posts(e.ResponseURL, 1)[0]; !strings.Contains(p.Text, "not allowed") {
					t.Errorf("/endmeeting %s as the stranger = %q, want not allowed", text, p.Text)
				}
			}
			for _, r := range h.huawei.Requests() {
				if strings.Contains(r.Body, alice) || strings.Contains(r.Query.Encode(), alice) {
					t.Errorf("request %s as alice; want none", r.Endpoint)
				}
			}
			if m, _ := h.huawei.Meeting(aliceMtg); m.State != meetingtest.StateInProgress {
				t.Errorf("alice's meeting state = %v, want in progress", m.State)
			}
		})
	}
}

// testButtonKey signs the button values in the tests that forge them.
const testButtonKey = "test-button-key-of-32-bytes-0000"

// signValue writes a button value as the bot's format does, signed with
// key: "2." + base64url(JSON) + "." + base64url(HMAC-SHA256(key, the rest)).
func signValue(key, body string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// valueJSON returns the JSON inside a button value, not checking it.
func valueJSON(t *testing.T, v string) map[string]any {
	t.Helper()
	body := v[len("2."):strings.LastIndexByte(v, '.')]
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// encodeValue is the unsigned body of a value holding fields.
func encodeValue(t *testing.T, fields map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return "2." + base64.RawURLEncoding.EncodeToString(raw)
}

// TestForgedButtonValuesEndNothing clicks End with values the bot did not
// write: each is refused, the user is told to type the command again, and
// Huawei is asked nothing. The real value still works after them.
func TestForgedButtonValuesEndNothing(t *testing.T) {
	h := start(t, map[string]string{"ENDMEETING_BUTTON_KEY": testButtonKey})
	end, cancel := h.promptButtons(admin, channel)
	fields := valueJSON(t, end)
	other := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{}
		for k, v := range fields {
			c[k] = v
		}
		edit(c)
		return c
	}
	body := end[:strings.LastIndexByte(end, '.')]
	mac := end[strings.LastIndexByte(end, '.')+1:]
	bobsMeeting := other(func(m map[string]any) { m["m"] = "914083136" })
	for _, tt := range []struct{ name, action, value string }{
		{"truncated", "endmeeting_confirm", end[:len(end)-3]},
		{"no signature", "endmeeting_confirm", body},
		{"another meeting, old signature", "endmeeting_confirm", encodeValue(t, bobsMeeting) + "." + mac},
		{"another subject, old signature", "endmeeting_confirm", encodeValue(t, other(func(m map[string]any) { m["s"] = "<!channel> free pizza" })) + "." + mac},
		{"signed with another key", "endmeeting_confirm", signValue("another-key-of-32-bytes-00000000", encodeValue(t, bobsMeeting))},
		{"signed with the app token", "endmeeting_confirm", signValue(testAppToken, body)},
		{"Cancel's value replayed as End", "endmeeting_confirm", cancel},
		{"End's value replayed as Cancel", "endmeeting_cancel", end},
		{"unsigned, from before the upgrade", "endmeeting_confirm", "1." + base64.RawURLEncoding.EncodeToString([]byte(`{"m":"914044873","u":"UADMIN01","i":1,"n":"0123456789abcdef0123456789abcdef"}`))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.huawei.Requests())
			env := h.click(admin, channel, tt.action, tt.value)
			p := h.posts(env.ResponseURL, 1)[0]
			if !strings.Contains(p.Text, "not valid any more") || !strings.Contains(p.Text, "/endmeeting") {
				t.Errorf("reply = %q, want the button refused and the command to type", p.Text)
			}
			time.Sleep(20 * time.Millisecond) // a stop, were one sent, would start by now
			if n := len(h.huawei.Requests()) - before; n != 0 {
				t.Errorf("Huawei requests = %d, want 0", n)
			}
		})
	}
	if m, _ := h.huawei.Meeting(meetingID); m.State != meetingtest.StateInProgress {
		t.Fatalf("meeting state = %v, want in progress", m.State)
	}
	env := h.click(admin, channel, "endmeeting_confirm", end)
	if p := h.posts(env.ResponseURL, 2)[1]; !strings.Contains(p.Text, "has ended") {
		t.Errorf("the real value: %q, want ended", p.Text)
	}
	if n := h.huawei.Count(meetingtest.EndpointStop); n != 1 {
		t.Errorf("stop requests = %d, want 1", n)
	}
}

// TestPromptSurvivesARestart: a prompt shown before a restart is clicked
// after it, on a new process with the same configuration (as on another
// replica), and ends the meeting: the key derived from SLACK_APP_TOKEN is
// the same in both.
func TestPromptSurvivesARestart(t *testing.T) {
	h := start(t, nil)
	value := h.prompt(admin, channel)
	h.stop()
	env := map[string]string{
		"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken, "SLACK_API_URL": h.slack.APIURL(),
		"HUAWEI_MEETING_ENDPOINT": h.huawei.URL(), "HUAWEI_MEETING_APP_ID": testAppID, "HUAWEI_MEETING_APP_KEY": testAppKey,
		"ENDMEETING_ADMIN_USERS": admin,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-env-file="}, func(k string) string { return env[k] }, strings.NewReader(""), h.logs, h.logs)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run = %v", err)
		}
	}()
	if err := h.slack.WaitConnects(h.ctx(), 2); err != nil {
		t.Fatalf("the second process did not connect: %v", err)
	}
	click := h.click(admin, channel, "endmeeting_confirm", value)
	if p := h.posts(click.ResponseURL, 2)[1]; !strings.Contains(p.Text, "has ended") {
		t.Errorf("click after the restart = %q, want ended", p.Text)
	}
}

// TestEnterpriseGridOrgWideInstall: an org-wide install serves every
// workspace of its enterprise, and no other enterprise's.
func TestEnterpriseGridOrgWideInstall(t *testing.T) {
	h := startWith(t, slacktest.Config{TeamID: "E0ACME", EnterpriseID: "E0ACME", EnterpriseInstall: true}, nil)
	for _, tt := range []struct {
		name, team, enterprise, want string
	}{
		{"a workspace of the enterprise", "T0SALES", "E0ACME", "End meeting"},
		{"another enterprise", "T0SALES", "E0OTHER", "only its own organization"},
		{"no enterprise", "T0SALES", "", "only its own organization"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env, err := h.slack.SendSlashCommand(h.ctx(), slacktest.SlashCommand{TeamID: tt.team, EnterpriseID: tt.enterprise, ChannelID: channel, UserID: admin, Text: meetingID})
			if err != nil {
				t.Fatal(err)
			}
			ack, err := h.slack.WaitAck(h.ctx(), env.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := string(ack.Payload)
			if ack.Payload == nil {
				got = h.posts(env.ResponseURL, 1)[0].Text
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("reply = %s, want %q", got, tt.want)
			}
		})
	}
}
