package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"meetingbot/bot/slacktest"
	"meetingbot/meeting/meetingtest"
)

func TestHuaweiFaultsOnTheClick(t *testing.T) {
	const html = "<html><body><h1>502 Bad Gateway</h1><a href=\"https://gw.example.test/x?token=abc\">x</a></body></html>"
	for _, tt := range []struct {
		name   string
		fault  meetingtest.Fault
		n      int
		want   string
		stops  int // stop requests, at least
		ended  bool
		strict bool // stops is exact
	}{
		{"500 twice then 200", meetingtest.Fault{Status: 500, Code: "MMC.111070003", Msg: "CONF_EXCEPTION"}, 2, "has ended", 3, true, true},
		{"401 once", meetingtest.Fault{Status: 401, Code: "MMC.118000001", Msg: "USER_TOKEN_AUTH_FAILED"}, 1, "has ended", 2, true, true},
		{"429 once", meetingtest.Fault{Status: 429, Code: "APIG.0308", Header: map[string][]string{"Retry-After": {"1"}}}, 1, "has ended", 2, true, true},
		{"HTML 502 until the deadline", meetingtest.Fault{Status: 502, Body: html, ContentType: "text/html"}, 1000, "busy or unreachable", 2, false, false},
		{"already ended", meetingtest.Fault{Status: 400, Code: "MMC.111072006", Msg: "CONF_IS_CLOSED"}, 1, "has already ended", 1, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && !tt.strict {
				t.Skip("waits for the 30 s work deadline; skipped with -short")
			}
			h := start(t, nil)
			value := h.prompt(admin, channel)
			h.huawei.InjectFault(meetingtest.EndpointStop, tt.n, tt.fault)
			env := h.click(admin, channel, "endmeeting_confirm", value)
			ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
			defer cancel()
			posts, err := h.slack.WaitResponsePosts(ctx, env.ResponseURL, 2)
			if err != nil {
				t.Fatalf("waiting for the result: %v", err)
			}
			got := posts[1].Text
			if !strings.Contains(got, tt.want) {
				t.Errorf("result = %q, want %q", got, tt.want)
			}
			for _, raw := range []string{"<html", "gw.example.test", "MMC.", "APIG", "CONF_", "token="} {
				if strings.Contains(got, raw) {
					t.Errorf("result %q shows upstream text %q", got, raw)
				}
			}
			n := h.huawei.Count(meetingtest.EndpointStop)
			if (tt.strict && n != tt.stops) || n < tt.stops {
				t.Errorf("stop requests = %d, want %d", n, tt.stops)
			}
			if m, _ := h.huawei.Meeting(meetingID); (m.State == meetingtest.StateEnded) != tt.ended {
				t.Errorf("meeting state = %v, want ended %v", m.State, tt.ended)
			}
		})
	}
}

// TestStopAnsweredWithAStalledBody: Huawei answers the stop 200, then
// trickles the body for 30 s. 200 is success: the result and the channel's
// announcement come at once, not when the body ends or the call's deadline
// passes. (The harness closes the fake at the end, which ends the trickle.)
func TestStopAnsweredWithAStalledBody(t *testing.T) {
	h := start(t, nil)
	value := h.prompt(admin, channel)
	h.huawei.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Trickle: 30 * time.Second})
	env := h.click(admin, channel, "endmeeting_confirm", value)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	msgs, err := h.slack.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatalf("no announcement within 1 s of the click: %v\nlogs:\n%s", err, h.logs)
	}
	if want := "<@" + admin + "> ended meeting *Weekly sync* (" + meetingID + ")."; msgs[0].Text != want || msgs[0].Channel != channel {
		t.Errorf("channel message = %q in %s, want %q in %s", msgs[0].Text, msgs[0].Channel, want, channel)
	}
	posts, err := h.slack.WaitResponsePosts(ctx, env.ResponseURL, 2)
	if err != nil {
		t.Fatalf("no result within 1 s of the click: %v", err)
	}
	if !strings.Contains(posts[1].Text, "has ended") || !posts[1].ReplaceOriginal {
		t.Errorf("result = %q (replace %v), want the meeting ended, replacing the prompt", posts[1].Text, posts[1].ReplaceOriginal)
	}
	if n := h.huawei.Count(meetingtest.EndpointStop); n != 1 {
		t.Errorf("stop requests = %d, want 1", n)
	}
	if m, _ := h.huawei.Meeting(meetingID); m.State != meetingtest.StateEnded {
		t.Errorf("meeting state = %v, want ended", m.State)
	}
}

// TestShutdownIsBoundedWhateverIsQueued: 300 commands wait on a Huawei that
// hangs (32 run, the rest are queued) when the program is told to stop. It
// drains for 10 s, and every reply of the shutdown phase ("busy" to the
// queued commands, "shutting down" to those cut short) shares one deadline,
// so run returns within 15 s even when Slack's response_url answers only
// after 30 s. Each user is told, or the log names them as not told.
func TestShutdownIsBoundedWhateverIsQueued(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the 10 s drain; skipped with -short")
	}
	const commands = 300
	for _, tt := range []struct {
		name  string
		delay time.Duration // of Slack's answers to response_url posts
		told  bool          // Slack answers in time: every user is told
	}{
		{"slack answers", 0, true},
		{"slack answers after 30 s", 30 * time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, nil)
			h.huawei.InjectFault(meetingtest.EndpointAppAuth, commands, meetingtest.Fault{Hang: true})
			h.slack.DelayResponsePosts(tt.delay)
			sent := map[string]string{} // response_url by envelope ID
			for range commands {
				env, _ := h.command(admin, channel, meetingID)
				sent[env.ID] = env.ResponseURL
			}
			begin := time.Now()
			h.stop() // fails the test unless run returns within 15 s
			t.Logf("run returned %v after the cancel", time.Since(begin).Round(time.Millisecond))

			notTold := map[string]int{}
			for _, line := range strings.Split(h.logs.String(), "\n") {
				var rec struct {
					Msg, Kind, Actor string
					EnvelopeID       string `json:"envelope_id"`
				}
				if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "user not told" {
					continue
				}
				if _, ok := sent[rec.EnvelopeID]; !ok || rec.Actor != admin || rec.Kind != "command" {
					t.Errorf("not-told record %s, want one of the commands' envelopes, actor %s, kind command", line, admin)
				}
				notTold[rec.EnvelopeID]++
			}
			told := 0
			for id, u := range sent {
				posts := h.slack.ResponsePosts(u)
				if len(posts) > 0 {
					told++
					if text := posts[0].Text; !strings.Contains(text, "busy") && !strings.Contains(text, "shutting down") {
						t.Errorf("reply = %q, want busy or shutting down", text)
					}
				}
				if (len(posts) > 0) == (notTold[id] > 0) || notTold[id] > 1 {
					t.Errorf("envelope %s: %d posts, %d not-told records; want either a post or one record", id, len(posts), notTold[id])
				}
			}
			if tt.told && told != commands {
				t.Errorf("users told = %d, want %d", told, commands)
			}
			if !tt.told && told != 0 {
				t.Errorf("users told = %d, want 0 from a Slack 30 s slow", told)
			}
		})
	}
}

// TestSIGTERM runs the built program and sends it SIGTERM while a stop is
// in flight: it must finish the stop, post the result and exit 0.
func TestSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "meetingbot")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken, PingInterval: 200 * time.Millisecond})
	defer s.Close()
	s.AddChannel(channel, true)
	hw := meetingtest.NewServer(meetingtest.Config{AppID: testAppID, AppKey: testAppKey})
	defer hw.Close()
	hw.AddMeeting(meetingtest.Meeting{ID: meetingID, Subject: "Weekly sync", State: meetingtest.StateInProgress, ChairPassword: testChairPwd, GuestPassword: testGuestPwd})

	cmd := exec.Command(bin, "-env-file=")
	cmd.Env = append(os.Environ(),
		"SLACK_BOT_TOKEN="+testBotToken, "SLACK_APP_TOKEN="+testAppToken, "SLACK_API_URL="+s.APIURL(),
		"HUAWEI_MEETING_ENDPOINT="+hw.URL(), "HUAWEI_MEETING_APP_ID="+testAppID, "HUAWEI_MEETING_APP_KEY="+testAppKey,
		"ENDMEETING_ADMIN_USERS="+admin)
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.WaitConnected(ctx); err != nil {
		t.Fatalf("not connected: %v\n%s", err, logs.String())
	}
	env, err := s.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: channel, UserID: admin, Text: meetingID})
	if err != nil {
		t.Fatal(err)
	}
	posts, err := s.WaitResponsePosts(ctx, env.ResponseURL, 1)
	if err != nil {
		t.Fatalf("no prompt: %v\n%s", err, logs.String())
	}
	value := buttonValue(t, posts[0].Blocks, "endmeeting_confirm")
	hw.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Delay: time.Second})
	click, err := s.SendBlockAction(ctx, slacktest.BlockAction{ChannelID: channel, UserID: admin, ActionID: "endmeeting_confirm", Value: value, IsEphemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitResponsePosts(ctx, click.ResponseURL, 1); err != nil { // "Ending…": the stop is in flight
		t.Fatal(err)
	}
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit: %v, want 0\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15 s after SIGTERM\n%s", logs.String())
	}
	t.Logf("exited %v after SIGTERM", time.Since(signalled).Round(time.Millisecond))
	if p := s.ResponsePosts(click.ResponseURL); len(p) != 2 || !strings.Contains(p[1].Text, "has ended") {
		t.Errorf("result posts = %d, want the result posted before exit", len(p))
	}
	if m, _ := hw.Meeting(meetingID); m.State != meetingtest.StateEnded {
		t.Errorf("meeting state = %v, want ended", m.State)
	}
	if len(s.Messages()) != 1 {
		t.Errorf("channel messages = %d, want 1", len(s.Messages()))
	}
}
