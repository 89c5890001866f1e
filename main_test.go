package main

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"meetingbot/bot/slacktest"
	"meetingbot/internal/syncbuf"
	"meetingbot/meeting/meetingtest"
)

// Credentials of the fakes. Every test log is searched for them.
const (
	testBotToken = "xoxb-test-bot-token-4711"
	testAppToken = "xapp-test-app-token-0815"
	testAppID    = "meetingbot-test-app"
	testAppKey   = "test-app-key-never-logged"
	testChairPwd = "chair-pass-314159"
	testGuestPwd = "guest-pass-271828"
)

// Slack IDs used across the tests.
const (
	admin     = "UADMIN01"
	stranger  = "USTRANGER"
	channel   = "C0GENERAL"
	outsider  = "C0NOBOT"
	meetingID = "914044873"
)

// syncBuffer captures a program's logs while it writes them.
type syncBuffer = syncbuf.Buffer

// harness runs the real program against a fake Slack and a fake Huawei.
type harness struct {
	t      *testing.T
	slack  *slacktest.Server
	huawei *meetingtest.Server
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// start runs the program with the fakes' settings plus extra.
func start(t *testing.T, extra map[string]string) *harness {
	t.Helper()
	return startWith(t, slacktest.Config{}, extra)
}

// startWith is start with the fake Slack's workspace configured by sc (its
// tokens and ping interval are the harness's).
func startWith(t *testing.T, sc slacktest.Config, extra map[string]string) *harness {
	t.Helper()
	return startFull(t, sc, meetingtest.Config{}, extra)
}

// startFull is startWith with the fake Huawei configured by hc too (its
// credentials are the harness's).
func startFull(t *testing.T, sc slacktest.Config, hc meetingtest.Config, extra map[string]string) *harness {
	t.Helper()
	h, env := newHarness(t, sc, hc, extra)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		h.done <- run(ctx, []string{"-env-file="}, func(k string) string { return env[k] }, strings.NewReader(""), h.logs, h.logs)
	}()
	h.waitConnected()
	return h
}

// newHarness makes the fakes, configured by sc and hc, and returns them
// with the environment that points a program at them, plus extra. At the
// test's end it stops the program (h.cancel, then h.done), closes the fakes
// and searches h.logs for secrets; the caller starts the program.
func newHarness(t *testing.T, sc slacktest.Config, hc meetingtest.Config, extra map[string]string) (*harness, map[string]string) {
	t.Helper()
	sc.BotToken, sc.AppToken, sc.PingInterval = testBotToken, testAppToken, 200*time.Millisecond
	hc.AppID, hc.AppKey = testAppID, testAppKey
	h := &harness{
		t:      t,
		slack:  slacktest.NewServer(sc),
		huawei: meetingtest.NewServer(hc),
		logs:   &syncBuffer{},
		done:   make(chan error, 1),
	}
	h.slack.AddChannel(channel, true)
	h.slack.AddChannel(outsider, false)
	h.huawei.AddMeeting(meetingtest.Meeting{
		ID: meetingID, Subject: "Weekly sync", State: meetingtest.StateInProgress,
		Start: time.Now().Add(-time.Hour).Truncate(time.Minute), End: time.Now().Add(time.Hour).Truncate(time.Minute),
		ChairPassword: testChairPwd, GuestPassword: testGuestPwd,
	})
	env := map[string]string{
		"SLACK_BOT_TOKEN":         testBotToken,
		"SLACK_APP_TOKEN":         testAppToken,
		"SLACK_API_URL":           h.slack.APIURL(),
		"HUAWEI_MEETING_ENDPOINT": h.huawei.URL(),
		"HUAWEI_MEETING_APP_ID":   testAppID,
		"HUAWEI_MEETING_APP_KEY":  testAppKey,
		"ENDMEETING_ADMIN_USERS":  admin,
		"LOG_LEVEL":               "debug",
	}
	for k, v := range extra {
		env[k] = v
	}
	t.Cleanup(func() {
		h.stop()
		h.slack.Close()
		h.huawei.Close()
		h.checkLogs()
	})
	return h, env
}

// waitConnected waits up to 10 s for the program's Socket Mode connection.
func (h *harness) waitConnected() {
	h.t.Helper()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := h.slack.WaitConnected(wctx); err != nil {
		h.t.Fatalf("the bot did not connect: %v\nlogs:\n%s", err, h.logs)
	}
}

// stop ends the program and checks that it exits cleanly.
func (h *harness) stop() {
	h.t.Helper()
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("run returned %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		h.t.Errorf("run did not return within 15s of cancel")
	}
}

// checkLogs fails the test if a secret reached the logs: the fakes'
// credentials, and every token, password and signature the program sent
// to the fake Huawei, as its request log shows them.
func (h *harness) checkLogs() {
	logs := h.logs.String()
	secrets := []string{testBotToken, testAppToken, testAppKey, testChairPwd, testGuestPwd, "/commands/", "/actions/", "ticket="}
	for _, r := range h.huawei.Requests() {
		for _, name := range []string{"X-Access-Token", "X-Conference-Authorization", "X-Password", "Authorization"} {
			if v := r.Header.Get(name); len(v) >= 8 {
				secrets = append(secrets, v)
			}
		}
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			h.t.Errorf("the logs contain the secret %q", s)
		}
	}
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// command types /endmeeting text as user in ch and waits for its ack.
func (h *harness) command(user, ch, text string) (slacktest.Envelope, slacktest.Ack) {
	h.t.Helper()
	env, err := h.slack.SendSlashCommand(h.ctx(), slacktest.SlashCommand{ChannelID: ch, UserID: user, Text: text})
	if err != nil {
		h.t.Fatalf("sending the command: %v", err)
	}
	ack, err := h.slack.WaitAck(h.ctx(), env.ID)
	if err != nil {
		h.t.Fatalf("waiting for the ack: %v", err)
	}
	return env, ack
}

// posts waits for n posts to a response URL.
func (h *harness) posts(url string, n int) []slacktest.ResponsePost {
	h.t.Helper()
	p, err := h.slack.WaitResponsePosts(h.ctx(), url, n)
	if err != nil {
		h.t.Fatalf("waiting for %d response posts: %v (got %d)\nlogs:\n%s", n, err, len(h.slack.ResponsePosts(url)), h.logs)
	}
	return p
}

// redeliver sends env again on connection conn, as Slack does when it saw
// no ack, and waits for the second ack.
func (h *harness) redeliver(env slacktest.Envelope, conn int) {
	h.t.Helper()
	if _, err := h.slack.Redeliver(h.ctx(), env, conn, "timeout"); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.slack.WaitAcks(h.ctx(), env.ID, 2); err != nil {
		h.t.Fatalf("acks: %v", err)
	}
}

// waitLog waits up to 5 seconds for s to show in the logs, and reports
// whether it did.
func (h *harness) waitLog(s string) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(h.logs.String(), s) {
			return true
		}
	}
	return false
}

// prompt types the command and returns the End button's value.
func (h *harness) prompt(user, ch string) string {
	h.t.Helper()
	end, _ := h.promptButtons(user, ch)
	return end
}

// promptButtons types the command and returns the values of the prompt's
// End and Cancel buttons.
func (h *harness) promptButtons(user, ch string) (end, cancel string) {
	h.t.Helper()
	env, ack := h.command(user, ch, meetingID)
	if ack.Payload != nil {
		h.t.Fatalf("ack payload = %s, want an empty ack", ack.Payload)
	}
	p := h.posts(env.ResponseURL, 1)[0]
	return buttonValue(h.t, p.Blocks, "endmeeting_confirm"), buttonValue(h.t, p.Blocks, "endmeeting_cancel")
}

// click clicks a prompt button and waits for its ack.
func (h *harness) click(user, ch, actionID, value string) slacktest.Envelope {
	h.t.Helper()
	env, err := h.slack.SendBlockAction(h.ctx(), slacktest.BlockAction{
		ChannelID: ch, UserID: user, ActionID: actionID, Value: value, IsEphemeral: true,
	})
	if err != nil {
		h.t.Fatalf("sending the click: %v", err)
	}
	if _, err := h.slack.WaitAck(h.ctx(), env.ID); err != nil {
		h.t.Fatalf("waiting for the click's ack: %v", err)
	}
	return env
}

// buttonValue finds a button by action ID in Block Kit blocks.
func buttonValue(t *testing.T, blocks json.RawMessage, actionID string) string {
	t.Helper()
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			Type     string          `json:"type"`
			ActionID string          `json:"action_id"`
			Value    string          `json:"value"`
			Style    string          `json:"style"`
			Confirm  json.RawMessage `json:"confirm"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatalf("blocks %s: %v", blocks, err)
	}
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.ActionID == actionID {
				if actionID == "endmeeting_confirm" && (e.Style != "danger" || e.Confirm == nil) {
					t.Errorf("End button style %q, confirm %s; want danger with a confirm dialog", e.Style, e.Confirm)
				}
				if actionID == "endmeeting_cancel" && e.Style != "" {
					t.Errorf("Cancel button style %q, want none", e.Style)
				}
				return e.Value
			}
		}
	}
	t.Fatalf("no button %q in %s", actionID, blocks)
	return ""
}

func TestEndMeetingHappyPath(t *testing.T) {
	h := start(t, nil)
	env, ack := h.command(admin, channel, "914 044 873")
	if ack.Payload != nil {
		t.Fatalf("ack payload = %s, want an empty ack", ack.Payload)
	}
	prompt := h.posts(env.ResponseURL, 1)[0]
	if prompt.ResponseType != "ephemeral" || !strings.Contains(prompt.Text, "Weekly sync") || !strings.Contains(prompt.Text, meetingID) {
		t.Errorf("prompt = %q (%s), want an ephemeral prompt naming the meeting", prompt.Text, prompt.ResponseType)
	}
	value := buttonValue(t, prompt.Blocks, "endmeeting_confirm")
	buttonValue(t, prompt.Blocks, "endmeeting_cancel")
	if n := h.huawei.Count(meetingtest.EndpointControlToken); n != 1 {
		t.Errorf("control-token fetches after the command = %d, want 1 (warmed)", n)
	}
	before := len(h.huawei.Requests())

	click := h.click(admin, channel, "endmeeting_confirm", value)
	posts := h.posts(click.ResponseURL, 2)
	if !posts[0].ReplaceOriginal || !strings.Contains(posts[0].Text, "Ending meeting") {
		t.Errorf("first click reply = %q (replace %v), want Ending… replacing the prompt", posts[0].Text, posts[0].ReplaceOriginal)
	}
	if !posts[1].ReplaceOriginal || !strings.Contains(posts[1].Text, "has ended") {
		t.Errorf("second click reply = %q (replace %v), want the result replacing the prompt", posts[1].Text, posts[1].ReplaceOriginal)
	}
	msgs, err := h.slack.WaitMessages(h.ctx(), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := "<@" + admin + "> ended meeting *Weekly sync* (" + meetingID + ")."
	if msgs[0].Channel != channel || msgs[0].Text != want {
		t.Errorf("channel message = %q in %s, want %q in %s", msgs[0].Text, msgs[0].Channel, want, channel)
	}
	after := h.huawei.Requests()[before:]
	if len(after) != 1 || after[0].Endpoint != meetingtest.EndpointStop {
		t.Errorf("Huawei requests for the click = %v, want exactly one stop", endpoints(after))
	}
	if m, _ := h.huawei.Meeting(meetingID); m.State != meetingtest.StateEnded {
		t.Errorf("meeting state = %v, want ended", m.State)
	}
	if d := h.slack.DuplicateAcks(); len(d) > 0 {
		t.Errorf("envelopes acked twice: %v", d)
	}
	h.stop()
	if !strings.Contains(h.logs.String(), `"decision":"allowed","outcome":"ended"`) {
		t.Errorf("no audit record of the end in the logs:\n%s", h.logs)
	}
}

func endpoints(rs []meetingtest.Request) []meetingtest.Endpoint {
	var out []meetingtest.Endpoint
	for _, r := range rs {
		out = append(out, r.Endpoint)
	}
	return out
}

// programGoroutines returns the stacks of goroutines that belong to the
// program (not to the test's fakes): its packages, slack-go, go-cache, and
// HTTP client connections (the fakes only serve).
func programGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, mark := range []string{"meetingbot/bot.", "meetingbot/handlers.", "meetingbot/meeting.", "main.run", "main.runSlack",
			"patrickmn/go-cache", "slack-go/slack", "net/http.(*persistConn)", "singleflight"} {
			if strings.Contains(g, mark) && !strings.Contains(g, "TestNoGoroutineOutlivesRun") {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

func TestNoGoroutineOutlivesRun(t *testing.T) {
	h := start(t, nil)
	value := h.prompt(admin, channel)
	env := h.click(admin, channel, "endmeeting_confirm", value)
	h.posts(env.ResponseURL, 2)
	// The caches own no janitor goroutine (Run's loop sweeps them): a
	// janitor would stop only when the garbage collector finds its cache.
	for _, g := range programGoroutines() {
		if strings.Contains(g, "go-cache.(*janitor)") {
			t.Errorf("a go-cache janitor runs:\n%s", g)
		}
	}
	h.stop()
	var left []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if left = programGoroutines(); len(left) == 0 {
			return
		}
	}
	t.Errorf("%d goroutines of the program outlive run:\n%s", len(left), strings.Join(left, "\n\n"))
}
