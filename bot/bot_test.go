package bot

import (
	"errors"
	"fmt"
	"testing"

	"github.com/slack-go/slack"
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

func TestNotPosted(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{slack.SlackErrorResponse{Err: "not_in_channel"}, true},
		{&slack.RateLimitedError{RetryAfter: 3}, true},
		{slack.StatusCodeError{Code: 500}, false},
		{errors.New("dial tcp: connection reset"), false},
	} {
		if got := notPosted(tt.err); got != tt.want {
			t.Errorf("notPosted(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
