package neterr_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"meetingbot/internal/neterr"
)

const secretURL = "redis://user:s3cr3t@redis.example:6379/0"

func TestDescribe(t *testing.T) {
	refused := errors.New("dial tcp 10.0.0.1:6379: connect: connection refused")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"url error", &url.Error{Op: "Get", URL: secretURL, Err: refused}, refused.Error()},
		{"wrapped url error", fmt.Errorf("ping: %w", &url.Error{Op: "Get", URL: secretURL, Err: refused}), refused.Error()},
		{"deadline in a url error", &url.Error{Op: "Get", URL: secretURL, Err: context.DeadlineExceeded}, "timeout"},
		{"deadline", fmt.Errorf("ping: %w", context.DeadlineExceeded), "timeout"},
		{"other", refused, refused.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := neterr.Describe(tt.err)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if strings.Contains(got, "s3cr3t") {
				t.Errorf("got %q, want no URL", got)
			}
		})
	}
}

func TestWithoutURLKeepsTheCause(t *testing.T) {
	err := neterr.WithoutURL(&url.Error{Op: "Post", URL: secretURL, Err: context.Canceled})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("got %q, want no URL", err)
	}
}
