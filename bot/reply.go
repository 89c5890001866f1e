package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"meetingbot/handlers"
	"meetingbot/internal/neterr"
)

// poster is the part of slack-go the replier uses.
type poster interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
}

// responder posts to response_url: the capability URL Slack gives each
// command and click, good for five posts within 30 minutes.
type responder struct {
	http    *http.Client
	allowed func(*url.URL) bool
}

// post sends m to the response URL u. A replacement is tried twice; a new
// public message once, since a post whose answer was lost may have been
// shown, and twice in the channel would be worse than not at all.
func (rs *responder) post(ctx context.Context, u string, m message) error {
	tries := 2
	if m.ResponseType == inChannel && !m.ReplaceOriginal {
		tries = 1
	}
	parsed, err := url.Parse(u)
	if err != nil || !rs.allowed(parsed) {
		return errors.New("response_url is not a Slack URL")
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var last error
	for try := 0; try < tries; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return errors.New("building the response_url request")
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		resp, err := rs.http.Do(req)
		if err != nil {
			// *url.Error repeats the URL, which is a secret.
			last = fmt.Errorf("response_url post failed: %w", neterr.WithoutURL(err))
			if ctx.Err() != nil {
				return last
			}
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return nil
		case resp.StatusCode >= 500:
			last = fmt.Errorf("response_url post: status %d", resp.StatusCode)
			continue
		}
		return fmt.Errorf("response_url post: status %d", resp.StatusCode)
	}
	return last
}

// slackAllowed accepts the response URLs Slack hands out, and those on the
// configured API host (a fake Slack in tests, or GovSlack).
func slackAllowed(apiURL string) func(*url.URL) bool {
	api, _ := url.Parse(apiURL)
	return func(u *url.URL) bool {
		if api != nil && u.Scheme == api.Scheme && u.Host == api.Host {
			return true
		}
		if u.Scheme != "https" || u.User != nil {
			return false
		}
		h := u.Hostname()
		return h == "hooks.slack.com" || h == "hooks.slack-gov.com" ||
			strings.HasSuffix(h, ".slack.com") || strings.HasSuffix(h, ".slack-gov.com")
	}
}

// slackReplier sends the replies of one command or click: private replies
// and replacements through its response_url, public ones with
// chat.postMessage, or through response_url when the bot cannot post there.
type slackReplier struct {
	api         poster
	rs          *responder
	responseURL string
	channel     string
	log         *slog.Logger
	failed      atomic.Int32 // replies that did not reach Slack
}

var _ handlers.Replier = (*slackReplier)(nil)

// Reply sends r.
func (s *slackReplier) Reply(ctx context.Context, r handlers.Reply) error {
	err := s.reply(ctx, r)
	if err != nil {
		s.failed.Add(1)
	}
	return err
}

// failures returns how many replies failed so far.
func (s *slackReplier) failures() int { return int(s.failed.Load()) }

func (s *slackReplier) reply(ctx context.Context, r handlers.Reply) error {
	if !r.Public {
		return s.rs.post(ctx, s.responseURL, render(r))
	}
	err := s.postMessage(ctx, mrkdwn(r.Text))
	if err == nil {
		return nil
	}
	err = fmt.Errorf("chat.postMessage: %w", neterr.WithoutURL(err)) // the URL stays out of logs
	if ctx.Err() != nil {
		return err // no time left to post it another way
	}
	// A public result is posted through response_url (in_channel) after
	// any failure of chat.postMessage. Slack's refusals (not_in_channel,
	// channel_not_found in private channels and DMs, a 429 still after the
	// waits) posted nothing. A server error, a timeout, a network failure or
	// an answer that cannot be read leave it open: Slack may have posted the
	// message before its answer was lost, and the fallback then shows it
	// twice. A result shown twice is better than a result lost. It is
	// shown twice at most: of postMessage's tries only the last can have
	// posted (Slack answered the others 429), slack-go retries nothing
	// (NewSlackClient sets no OptionRetry), and responder.post tries a new
	// in_channel message once.
	s.log.LogAttrs(ctx, slog.LevelInfo, "chat.postMessage failed; posting through response_url",
		slog.String("channel", s.channel), slog.String("reason", postFailure(err)), slog.String("error", err.Error()))
	return s.rs.post(ctx, s.responseURL, render(r))
}

// postFailure names the kind of a chat.postMessage failure, for the log.
func postFailure(err error) string {
	if _, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return "refused"
	}
	if _, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return "rate_limited"
	}
	if _, ok := errors.AsType[slack.StatusCodeError](err); ok {
		return "http_status"
	}
	if ne, ok := errors.AsType[net.Error](err); (ok && ne.Timeout()) || errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return "network"
	}
	return "other"
}

// maxRateLimitWaits bounds how often postMessage waits out a 429.
const maxRateLimitWaits = 3

// postMessage posts text in the channel, waiting out rate limits. It takes
// at most half the time ctx has left, so that a chat.postMessage that hangs
// leaves the fallback through response_url time to post.
func (s *slackReplier) postMessage(ctx context.Context, text string) error {
	if d, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Until(d)/2)
		defer cancel()
	}
	for waits := 0; ; waits++ {
		_, _, err := s.api.PostMessageContext(ctx, s.channel, slack.MsgOptionText(text, false))
		rl, ok := errors.AsType[*slack.RateLimitedError](err)
		if !ok || waits == maxRateLimitWaits {
			return err
		}
		wait := max(rl.RetryAfter, time.Second)
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}
