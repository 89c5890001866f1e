package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"meetingbot/bot/slacktest"
	"meetingbot/handlers"
)

func TestWithoutQueries(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"dial wss://x.test/link/?ticket=abc&app=1: refused", "dial wss://x.test/link/?… refused"},
		{"no query here", "no query here"},
		{"a?b c?d", "a?… c?…"},
		{`"u?t=1" end`, `"u?…" end`},
	} {
		if got := withoutQueries(tt.in); got != tt.want {
			t.Errorf("withoutQueries(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSocketModeErrors(t *testing.T) {
	b := New(Config{})
	for _, tt := range []struct {
		err  error
		auth bool
	}{
		{slack.StatusCodeError{Code: 404, Status: "404 Not Found"}, true},
		{fmt.Errorf("connecting: %w", slack.StatusCodeError{Code: 404}), true},
		{slack.StatusCodeError{Code: 500}, false},
		{errors.New("invalid_auth"), true},
		{slack.SlackErrorResponse{Err: "token_revoked"}, true},
		{errors.New("ping timeout"), false},
		{nil, false},
	} {
		got := b.smError(tt.err)
		if errors.Is(got, ErrAuth) != tt.auth {
			t.Errorf("smError(%v) = %v, want ErrAuth %v", tt.err, got, tt.auth)
		}
	}
}

// TestPublicReplyFallsBackOnce: a public result that chat.postMessage did
// not post, for whatever reason, goes to the channel once through
// response_url (in_channel), unless the reply's time is up.
func TestPublicReplyFallsBackOnce(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Config{BotToken: "xoxb-test", AppToken: "xapp-test"})
	defer srv.Close()
	hang := func(ctx context.Context) error {
		<-ctx.Done()
		return &url.Error{Op: "Post", URL: srv.APIURL() + "chat.postMessage", Err: ctx.Err()}
	}
	for _, tt := range []struct {
		name     string
		post     func(ctx context.Context) error
		ended    bool   // the reply's context has ended before the reply
		fallback bool   // a post through response_url is wanted
		reason   string // in the log of the fallback
	}{
		{"posted", func(context.Context) error { return nil }, false, false, ""},
		{"not in channel", func(context.Context) error { return slack.SlackErrorResponse{Err: "not_in_channel"} }, false, true, "refused"},
		{"server error", func(context.Context) error {
			return slack.StatusCodeError{Code: 500, Status: "500 Internal Server Error"}
		}, false, true, "http_status"},
		{"network", func(context.Context) error {
			return &url.Error{Op: "Post", URL: srv.APIURL() + "chat.postMessage", Err: syscall.ECONNRESET}
		}, false, true, "network"},
		{"timeout", hang, false, true, "timeout"},
		{"time is up", func(context.Context) error { return slack.StatusCodeError{Code: 502} }, true, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			u := srv.NewResponseURL()
			var posts int
			s := &slackReplier{
				api: posterFunc(func(ctx context.Context) error { posts++; return tt.post(ctx) }),
				rs:  &responder{http: &http.Client{}, allowed: slackAllowed(srv.APIURL())}, responseURL: u, channel: "C1",
				log: slog.New(slog.NewJSONHandler(&logs, nil)),
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if tt.ended {
				cancel()
			}
			err := s.Reply(ctx, handlers.Reply{Text: handlers.Text{{Kind: handlers.Mention, Text: "U1"}, {Kind: handlers.Plain, Text: " ended meeting 914044873."}}, Public: true})
			got := srv.ResponsePosts(u)
			if tt.fallback {
				if err != nil || len(got) != 1 || got[0].ResponseType != "in_channel" || got[0].ReplaceOriginal {
					t.Fatalf("Reply = %v, response posts %+v; want one in_channel post", err, got)
				}
				if !strings.Contains(logs.String(), `"reason":"`+tt.reason+`"`) {
					t.Errorf("log = %s, want reason %q", logs.String(), tt.reason)
				}
			} else if len(got) != 0 || (err == nil) != (tt.name == "posted") {
				t.Errorf("Reply = %v, response posts %d; want no fallback", err, len(got))
			}
			if posts != 1 {
				t.Errorf("chat.postMessage tries = %d, want 1", posts)
			}
			if out := logs.String() + fmt.Sprint(err); strings.Contains(out, srv.APIURL()) || strings.Contains(out, u) {
				t.Errorf("a URL reached the log or the error: %s", out)
			}
		})
	}
}

// posterFunc is a poster whose chat.postMessage is a function.
type posterFunc func(ctx context.Context) error

func (f posterFunc) PostMessageContext(ctx context.Context, _ string, _ ...slack.MsgOption) (string, string, error) {
	return "", "", f(ctx)
}

func TestMemoryDeliveries(t *testing.T) {
	d := newMemoryDeliveries()
	ctx := context.Background()
	for i, want := range []bool{true, false, false} {
		if first, err := d.FirstDelivery(ctx, "env-1", time.Minute); first != want || err != nil {
			t.Errorf("delivery %d of env-1: first = %v, %v; want %v", i+1, first, err, want)
		}
	}
	if first, _ := d.FirstDelivery(ctx, "env-2", 20*time.Millisecond); !first {
		t.Error("env-2 is not new")
	}
	time.Sleep(40 * time.Millisecond)
	if d.c.ItemCount() != 2 {
		t.Errorf("items = %d before the sweep, want 2", d.c.ItemCount())
	}
	d.sweep()
	if d.c.ItemCount() != 1 {
		t.Errorf("items = %d after the sweep, want 1 (env-1)", d.c.ItemCount())
	}
	if first, _ := d.FirstDelivery(ctx, "env-2", time.Minute); !first {
		t.Error("env-2 is remembered past its TTL")
	}
}
