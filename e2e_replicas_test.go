package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"meetingbot/bot/slacktest"
	"meetingbot/internal/redistest"
	"meetingbot/meeting/meetingtest"
)

// replicas runs several instances of the real program on one fake Slack,
// one fake Huawei and one real Redis, as a deployment of replicas does.
// Replica i holds Socket Mode connection i.
type replicas struct {
	*harness // the first replica's harness: its fakes are everyone's
	redis    *redistest.Server
	cancels  []context.CancelFunc
	dones    []chan error
}

func startReplicas(t *testing.T, n int) *replicas {
	t.Helper()
	rd := redistest.Start(t)
	extra := map[string]string{"REDIS_URL": rd.URL()}
	h := start(t, extra) // replica 0, on connection 0
	r := &replicas{harness: h, redis: rd}
	for i := 1; i < n; i++ {
		env := map[string]string{
			"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken, "SLACK_API_URL": h.slack.APIURL(),
			"HUAWEI_MEETING_ENDPOINT": h.huawei.URL(), "HUAWEI_MEETING_APP_ID": testAppID, "HUAWEI_MEETING_APP_KEY": testAppKey,
			"ENDMEETING_ADMIN_USERS": admin, "LOG_LEVEL": "debug", "REDIS_URL": rd.URL(),
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"-env-file="}, func(k string) string { return env[k] }, strings.NewReader(""), h.logs, h.logs)
		}()
		r.cancels, r.dones = append(r.cancels, cancel), append(r.dones, done)
		if err := h.slack.WaitOpen(h.ctx(), i+1); err != nil {
			t.Fatalf("replica %d did not connect: %v\nlogs:\n%s", i, err, h.logs)
		}
	}
	t.Cleanup(func() {
		for i := range r.cancels {
			r.stopReplica(i + 1)
		}
	})
	return r
}

// stopReplica stops replica i (1 or more; replica 0 stops with the harness).
func (r *replicas) stopReplica(i int) {
	r.t.Helper()
	if r.cancels[i-1] == nil {
		return
	}
	r.cancels[i-1]()
	r.cancels[i-1] = nil
	select {
	case err := <-r.dones[i-1]:
		if err != nil {
			r.t.Errorf("replica %d: run = %v", i, err)
		}
	case <-time.After(15 * time.Second):
		r.t.Errorf("replica %d did not stop within 15 s", i)
	}
}

// promptOn types the command on replica conn and returns the End button's value.
func (r *replicas) promptOn(conn int) string {
	r.t.Helper()
	envs, err := r.slack.SendSlashCommandTo(r.ctx(), slacktest.SlashCommand{ChannelID: channel, UserID: admin, Text: meetingID}, conn)
	if err != nil {
		r.t.Fatal(err)
	}
	p := r.posts(envs[0].ResponseURL, 1)[0]
	return buttonValue(r.t, p.Blocks, "endmeeting_confirm")
}

// clickOn clicks End on the given connections: one envelope delivered to
// each (as Slack may deliver one envelope twice).
func (r *replicas) clickOn(value string, conns ...int) []slacktest.Envelope {
	r.t.Helper()
	envs, err := r.slack.SendBlockActionTo(r.ctx(), slacktest.BlockAction{
		ChannelID: channel, UserID: admin, ActionID: "endmeeting_confirm", Value: value, IsEphemeral: true,
	}, conns...)
	if err != nil {
		r.t.Fatal(err)
	}
	return envs
}

// TestReplicasDoubleClickEndsOnce: two clicks on one prompt, each on
// another replica, with a slow stop: exactly one stop, the winner's result
// stands, the loser is told in a message of its own.
func TestReplicasDoubleClickEndsOnce(t *testing.T) {
	r := startReplicas(t, 2)
	value := r.promptOn(0)
	r.huawei.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Delay: 500 * time.Millisecond})
	a := r.clickOn(value, 0)[0]
	b := r.clickOn(value, 1)[0]
	var winner, loser slacktest.Envelope
	deadline := time.Now().Add(10 * time.Second)
	for (winner.ID == "" || loser.ID == "") && time.Now().Before(deadline) {
		for _, e := range []slacktest.Envelope{a, b} {
			for _, p := range r.slack.ResponsePosts(e.ResponseURL) {
				if strings.Contains(p.Text, "already been answered") {
					loser = e
				}
				if strings.HasPrefix(p.Text, "Ending meeting") {
					winner = e
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if winner.ID == "" || winner.ID == loser.ID {
		t.Fatalf("winner %q, loser %q: want one of each", winner.ID, loser.ID)
	}
	ps := r.posts(winner.ResponseURL, 2)
	if !strings.Contains(ps[1].Text, "has ended") || !ps[1].ReplaceOriginal {
		t.Errorf("winner's result = %q (replace %v), want ended, replacing the prompt", ps[1].Text, ps[1].ReplaceOriginal)
	}
	lp := r.posts(loser.ResponseURL, 1)
	if len(lp) != 1 || lp[0].ReplaceOriginal {
		t.Errorf("loser's posts = %+v, want one new message", lp)
	}
	if n := r.huawei.Count(meetingtest.EndpointStop); n != 1 {
		t.Errorf("stop requests = %d, want 1", n)
	}
	if _, err := r.slack.WaitMessages(r.ctx(), 1); err != nil {
		t.Errorf("no announcement in the channel: %v", err)
	}
	time.Sleep(100 * time.Millisecond) // room for a second announcement, were there one
	if n := len(r.slack.Messages()); n != 1 {
		t.Errorf("channel messages = %d, want 1 announcement", n)
	}
	if got := r.slack.ResponsePosts(winner.ResponseURL); len(got) != 2 {
		t.Errorf("winner's prompt got %d posts, want 2 (nothing of the loser's replaced it)", len(got))
	}
}

// TestReplicasSameClickTwice: one click envelope delivered to both
// replicas is served once.
func TestReplicasSameClickTwice(t *testing.T) {
	r := startReplicas(t, 2)
	value := r.promptOn(1)
	envs := r.clickOn(value, 0, 1)
	if _, err := r.slack.WaitAcks(r.ctx(), envs[0].ID, 2); err != nil {
		t.Fatalf("acks: %v", err)
	}
	ps := r.posts(envs[0].ResponseURL, 2)
	time.Sleep(200 * time.Millisecond) // room for a second replica's replies, were it serving too
	if got := r.slack.ResponsePosts(envs[0].ResponseURL); len(got) != 2 || !strings.Contains(ps[1].Text, "has ended") {
		t.Errorf("posts = %d (%q), want Ending and the result, once", len(got), ps[1].Text)
	}
	if n := r.huawei.Count(meetingtest.EndpointStop); n != 1 {
		t.Errorf("stop requests = %d, want 1", n)
	}
}

// TestReplicasSameCommandTwice: one command envelope delivered to both
// replicas shows one prompt.
func TestReplicasSameCommandTwice(t *testing.T) {
	r := startReplicas(t, 2)
	envs, err := r.slack.SendSlashCommandTo(r.ctx(), slacktest.SlashCommand{ChannelID: channel, UserID: admin, Text: meetingID}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.slack.WaitAcks(r.ctx(), envs[0].ID, 2); err != nil {
		t.Fatalf("acks: %v", err)
	}
	r.posts(envs[0].ResponseURL, 1)
	time.Sleep(300 * time.Millisecond)
	if got := r.slack.ResponsePosts(envs[0].ResponseURL); len(got) != 1 {
		t.Errorf("prompts = %d, want 1", len(got))
	}
	if n := r.huawei.Count(meetingtest.EndpointConfDetail); n != 1 {
		t.Errorf("confDetail requests = %d, want 1", n)
	}
}

// TestReplicasPromptOnAClickOnB: a prompt shown by one replica ends on
// another, which has no control token cached: it needs the details, the
// token and the stop (and its own log-in), and nothing else.
func TestReplicasPromptOnAClickOnB(t *testing.T) {
	r := startReplicas(t, 2)
	value := r.promptOn(0)
	before := len(r.huawei.Requests())
	env := r.clickOn(value, 1)[0]
	if p := r.posts(env.ResponseURL, 2)[1]; !strings.Contains(p.Text, "has ended") {
		t.Fatalf("result = %q, want ended", p.Text)
	}
	got := endpoints(r.huawei.Requests()[before:])
	want := []meetingtest.Endpoint{meetingtest.EndpointAppAuth, meetingtest.EndpointConfDetail, meetingtest.EndpointControlToken, meetingtest.EndpointStop}
	if len(got) != len(want) {
		t.Fatalf("Huawei requests on B = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Huawei requests on B = %v, want %v", got, want)
			break
		}
	}
}

// TestReplicaKilled: with one replica gone, the other serves commands and
// clicks alone.
func TestReplicaKilled(t *testing.T) {
	r := startReplicas(t, 2)
	r.stopReplica(1)
	if err := r.slack.WaitConnected(r.ctx()); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); r.slack.Connections() != 1 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	value := r.prompt(admin, channel) // round robin: only replica 0 is left
	env := r.click(admin, channel, "endmeeting_confirm", value)
	if p := r.posts(env.ResponseURL, 2)[1]; !strings.Contains(p.Text, "has ended") {
		t.Errorf("result = %q, want ended", p.Text)
	}
}

// TestRedisDownAtTheClick: with Redis stopped between prompt and click,
// nothing is ended and the clicker is told; with Redis back, a new prompt
// ends the meeting, with no restart.
func TestRedisDownAtTheClick(t *testing.T) {
	r := startReplicas(t, 2)
	value := r.promptOn(0)
	r.redis.Stop()
	env := r.clickOn(value, 1)[0]
	p := r.posts(env.ResponseURL, 1)[0]
	if !strings.Contains(p.Text, "I cannot confirm this right now, so nothing was ended") {
		t.Errorf("reply = %q, want the fail-closed message", p.Text)
	}
	time.Sleep(100 * time.Millisecond)
	if n := r.huawei.Count(meetingtest.EndpointStop); n != 0 {
		t.Fatalf("stop requests = %d with Redis down, want 0", n)
	}
	r.redis.Restart()
	value = r.promptOn(1)
	env = r.clickOn(value, 0)[0]
	if p := r.posts(env.ResponseURL, 2)[1]; !strings.Contains(p.Text, "has ended") {
		t.Errorf("result after Redis is back = %q, want ended", p.Text)
	}
	if !strings.Contains(r.logs.String(), `"error_class":"claim_unavailable"`) {
		t.Errorf("no audit record says claim_unavailable")
	}
}

// TestReplicasOneRedisCommandPerClick: a click that ends a meeting asks
// Redis one thing, its claim; a command asks one thing too, whether its
// envelope is new. Counted by Redis itself (INFO commandstats).
func TestReplicasOneRedisCommandPerClick(t *testing.T) {
	r := startReplicas(t, 2)
	before := r.redis.Calls()
	value := r.promptOn(0)
	afterPrompt := r.redis.Calls()
	env := r.clickOn(value, 1)[0]
	if p := r.posts(env.ResponseURL, 2)[1]; !strings.Contains(p.Text, "has ended") {
		t.Fatalf("result = %q, want ended", p.Text)
	}
	afterClick := r.redis.Calls()
	if d := redistest.Since(before, afterPrompt); len(d) != 1 || d["set"] != 1 {
		t.Errorf("Redis commands for a command = %v, want one set (its envelope)", d)
	}
	if d := redistest.Since(afterPrompt, afterClick); len(d) != 1 || d["set"] != 1 {
		t.Errorf("Redis commands for a click = %v, want one set (its claim)", d)
	}
}

// TestReplicasRetriedClickIsSilent: Slack's second delivery of a click,
// to the other replica, after the first ended the meeting: no second
// stop, no reply, and the audit record says it was redelivered.
func TestReplicasRetriedClickIsSilent(t *testing.T) {
	r := startReplicas(t, 2)
	value := r.promptOn(0)
	env := r.clickOn(value, 0)[0]
	r.posts(env.ResponseURL, 2)
	r.redeliver(env, 1)
	if !r.waitLog(`"reason":"redelivered"`) {
		t.Fatalf("no audit record of the redelivery\nlogs:\n%s", r.logs)
	}
	if got := r.slack.ResponsePosts(env.ResponseURL); len(got) != 2 {
		t.Errorf("posts = %d, want the first delivery's 2", len(got))
	}
	if n := r.huawei.Count(meetingtest.EndpointStop); n != 1 {
		t.Errorf("stop requests = %d, want 1", n)
	}
}

// TestReplicasSamePickTwice: the list's button opens a prompt and holds no
// claim, so its envelope is told apart in Redis: one delivery to each
// replica shows one prompt.
func TestReplicasSamePickTwice(t *testing.T) {
	r := startReplicas(t, 2)
	envs, err := r.slack.SendSlashCommandTo(r.ctx(), slacktest.SlashCommand{ChannelID: channel, UserID: admin, Text: "all"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	pick := pickValue(t, r.posts(envs[0].ResponseURL, 1)[0], meetingID)
	envs, err = r.slack.SendBlockActionTo(r.ctx(), slacktest.BlockAction{
		ChannelID: channel, UserID: admin, ActionID: "endmeeting_pick", Value: pick, IsEphemeral: true,
	}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.slack.WaitAcks(r.ctx(), envs[0].ID, 2); err != nil {
		t.Fatalf("acks: %v", err)
	}
	r.posts(envs[0].ResponseURL, 1)
	time.Sleep(300 * time.Millisecond) // room for a second prompt, were there one
	if got := r.slack.ResponsePosts(envs[0].ResponseURL); len(got) != 1 {
		t.Errorf("prompts = %d, want 1", len(got))
	}
}
