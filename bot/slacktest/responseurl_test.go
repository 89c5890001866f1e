package slacktest_test

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"meetingbot/bot/slacktest"
)

func TestResponseURLTakesFivePosts(t *testing.T) {
	srv := newServer(t)
	startBot(t, srv)
	ctx := timeout(t)
	env, err := srv.SendBlockAction(ctx, slacktest.BlockAction{ChannelID: "C1", UserID: "U1", IsEphemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	api := newAPI(srv, testBotToken, testAppToken)

	// The ways a bot posts to a response_url with slack-go.
	posts := []func() error{
		func() error {
			_, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionReplaceOriginal(env.ResponseURL),
				slack.MsgOptionText("Meeting ended.", false))
			return err
		},
		func() error {
			_, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionDeleteOriginal(env.ResponseURL))
			return err
		},
		func() error {
			_, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(env.ResponseURL, slack.ResponseTypeInChannel),
				slack.MsgOptionText("alice ended meeting 914044873", false))
			return err
		},
		func() error {
			return slack.PostWebhookContext(ctx, env.ResponseURL, &slack.WebhookMessage{Text: "four", ReplaceOriginal: true})
		},
		func() error {
			blocks := slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(
				slack.NewTextBlockObject(slack.MarkdownType, "*five*", false, false), nil, nil)}}
			return slack.PostWebhookContext(ctx, env.ResponseURL, &slack.WebhookMessage{Blocks: &blocks})
		},
	}
	for i, post := range posts {
		if err := post(); err != nil {
			t.Fatalf("post %d: %v", i+1, err)
		}
	}
	got, err := srv.WaitResponsePosts(ctx, env.ResponseURL, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].ReplaceOriginal || got[0].Text != "Meeting ended." || got[0].Blocks != nil {
		t.Errorf("post 1: got %+v", got[0])
	}
	if !got[1].DeleteOriginal {
		t.Errorf("post 2: got %+v", got[1])
	}
	if got[2].ResponseType != "in_channel" || got[2].ReplaceOriginal {
		t.Errorf("post 3: got %+v", got[2])
	}
	if !strings.Contains(string(got[4].Blocks), `"*five*"`) {
		t.Errorf("post 5: got blocks %s", got[4].Blocks)
	}

	err = slack.PostWebhookContext(ctx, env.ResponseURL, &slack.WebhookMessage{Text: "six"})
	var sce slack.StatusCodeError
	if !errors.As(err, &sce) || sce.Code != http.StatusNotFound {
		t.Fatalf("sixth post: got %v, want HTTP 404", err)
	}
	if n := len(srv.ResponsePosts(env.ResponseURL)); n != 5 {
		t.Errorf("got %d posts, want 5", n)
	}
	if rej := srv.ResponseRejects(env.ResponseURL); len(rej) != 1 || rej[0].Error != "used_url" {
		t.Errorf("got rejects %+v, want one used_url", rej)
	}
}

func TestResponseURLRefusesBadPosts(t *testing.T) {
	srv := newServer(t)
	startBot(t, srv)
	ctx := timeout(t)
	env, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: "C1", UserID: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, contentType, body, wantErr string }{
		{"form body", "application/x-www-form-urlencoded", "text=hi", "invalid_payload"},
		{"not JSON", "application/json", "{", "invalid_payload"},
		{"nothing to show", "application/json", `{"replace_original":true}`, "no_text"},
		{"invalid blocks", "application/json", `{"blocks":[{"type":"header","text":{"type":"mrkdwn","text":"x"}}]}`, "invalid_blocks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(env.ResponseURL, tc.contentType, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("got HTTP %d, want 400", resp.StatusCode)
			}
			rej := srv.ResponseRejects(env.ResponseURL)
			if len(rej) == 0 || rej[len(rej)-1].Error != tc.wantErr {
				t.Errorf("got rejects %+v, want %s last", rej, tc.wantErr)
			}
		})
	}
	if n := len(srv.ResponsePosts(env.ResponseURL)); n != 0 {
		t.Errorf("got %d posts, want 0", n)
	}
	resp, err := http.Post(strings.TrimSuffix(srv.APIURL(), "api/")+"commands/T0001/1/unknown", "application/json", strings.NewReader(`{"text":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("got HTTP %d for an unknown response_url, want 404", resp.StatusCode)
	}
}

func TestDelayResponsePosts(t *testing.T) {
	srv := newServer(t)
	post := func(c *http.Client, u string) error {
		resp, err := c.Post(u, "application/json", strings.NewReader(`{"text":"hi"}`))
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return errors.New(resp.Status)
		}
		return nil
	}

	const d = 100 * time.Millisecond
	srv.DelayResponsePosts(d)
	u := srv.NewResponseURL()
	start := time.Now()
	if err := post(http.DefaultClient, u); err != nil {
		t.Fatalf("delayed post: %v", err)
	}
	if took := time.Since(start); took < d {
		t.Errorf("delayed post answered after %v, want at least %v", took, d)
	}
	if n := len(srv.ResponsePosts(u)); n != 1 {
		t.Errorf("got %d posts, want 1", n)
	}

	// A sender that gives up first posted nothing.
	srv.DelayResponsePosts(time.Hour)
	u = srv.NewResponseURL()
	if err := post(&http.Client{Timeout: d}, u); err == nil {
		t.Fatal("post with a 100ms timeout to a Slack an hour slow: got no error")
	}
	// Close drops a post still waiting: no answer, so no 200.
	done := make(chan error, 1)
	go func() { done <- post(&http.Client{Timeout: waitTimeout}, u) }()
	time.Sleep(d) // let it arrive; if it has not, Close refuses it anyway
	srv.Close()
	if err := <-done; err == nil {
		t.Error("post waiting at Close: got 200, want a dropped connection")
	}
	if n := len(srv.ResponsePosts(u)); n != 0 {
		t.Errorf("got %d posts, want 0", n)
	}
}

func TestCloseReleasesEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken, PingInterval: 10 * time.Millisecond})
	conn, _ := dialRaw(t, srv)
	ctx := timeout(t)
	if err := srv.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 1)
	go func() {
		_, err := srv.WaitMessages(ctx, 1)
		waiting <- err
	}()

	srv.Close()
	srv.Close() // idempotent
	if err := <-waiting; !errors.Is(err, slacktest.ErrClosed) {
		t.Errorf("got %v, want ErrClosed", err)
	}
	if _, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{}); !errors.Is(err, slacktest.ErrClosed) {
		t.Errorf("got %v, want ErrClosed", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			break // the server closed the connection
		}
	}
	_ = conn.Close()
	http.DefaultClient.CloseIdleConnections()

	err := waitUntil(ctx, func() bool { return runtime.NumGoroutine() <= before })
	if err != nil {
		buf := make([]byte, 1<<16)
		t.Errorf("got %d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
	}
}

func TestWaitsEndWithContext(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := srv.WaitResponsePosts(ctx, "http://127.0.0.1/actions/x", 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitResponsePosts: got %v", err)
	}
	if err := srv.WaitConnected(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitConnected: got %v", err)
	}
	if _, err := srv.WaitAck(ctx, "never-sent"); err == nil {
		t.Error("WaitAck of an unknown envelope: got nil error")
	}
}
