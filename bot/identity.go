package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"meetingbot/handlers"
	"meetingbot/internal/neterr"
)

// Identity is whom Slack says the bot token belongs to: auth.test's answer.
type Identity struct {
	TeamID, Team string
	UserID       string // the bot user
	BotID        string
	// EnterpriseID is the Enterprise Grid organization, if any;
	// EnterpriseInstall marks an install for the whole organization.
	EnterpriseID      string
	EnterpriseInstall bool
	// Scopes are the scopes granted to the token (X-OAuth-Scopes).
	Scopes []string
}

// Org returns the organization the bot serves.
func (i Identity) Org() handlers.Org {
	return handlers.Org{TeamID: i.TeamID, EnterpriseID: i.EnterpriseID, EnterpriseInstall: i.EnterpriseInstall}
}

// authTestAnswer is auth.test's body. slack-go's AuthTestResponse has no
// is_enterprise_install, which tells an org-wide install from a workspace's.
type authTestAnswer struct {
	OK                  bool   `json:"ok"`
	Error               string `json:"error"`
	Team                string `json:"team"`
	TeamID              string `json:"team_id"`
	UserID              string `json:"user_id"`
	BotID               string `json:"bot_id"`
	EnterpriseID        string `json:"enterprise_id"`
	IsEnterpriseInstall bool   `json:"is_enterprise_install"`
}

// AuthTest calls auth.test with the bot token. Its errors are slack-go's
// types, so that isAuthError and the advice for operators read them alike:
// slack.SlackErrorResponse for ok:false, *slack.RateLimitedError for a 429,
// slack.StatusCodeError for another status.
func AuthTest(ctx context.Context, hc *http.Client, apiURL, botToken string) (Identity, error) {
	if apiURL == "" {
		apiURL = slack.APIURL
	}
	form := url.Values{"token": {botToken}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, apiURL+"auth.test", strings.NewReader(form.Encode()))
	if err != nil {
		return Identity{}, errors.New("building the auth.test request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return Identity{}, neterr.WithoutURL(err) // *url.Error would repeat the URL
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return Identity{}, &slack.RateLimitedError{RetryAfter: time.Duration(wait) * time.Second}
	case resp.StatusCode != http.StatusOK:
		return Identity{}, slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
	case err != nil:
		return Identity{}, fmt.Errorf("reading the auth.test answer: %w", err)
	}
	var a authTestAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return Identity{}, errors.New("auth.test answered something that is not JSON")
	}
	if !a.OK {
		return Identity{}, slack.SlackErrorResponse{Err: a.Error}
	}
	if a.TeamID == "" {
		return Identity{}, errors.New("auth.test answered no team_id")
	}
	id := Identity{
		TeamID: a.TeamID, Team: a.Team, UserID: a.UserID, BotID: a.BotID,
		EnterpriseID: a.EnterpriseID, EnterpriseInstall: a.IsEnterpriseInstall,
	}
	for _, s := range strings.Split(resp.Header.Get("X-OAuth-Scopes"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			id.Scopes = append(id.Scopes, s)
		}
	}
	return id, nil
}

// Identify asks Slack whom the bot token belongs to, until Slack answers, as
// slack-go does for the connection: a rejected token is an error matching
// ErrAuth; an outage at start is waited out with backoff (up to 30 s
// between tries) while ctx lasts, and then ctx's error is returned.
func Identify(ctx context.Context, hc *http.Client, apiURL, botToken string, log *slog.Logger) (Identity, error) {
	wait := time.Second
	for {
		id, err := AuthTest(ctx, hc, apiURL, botToken)
		if err == nil {
			log.Info("slack: token accepted", slog.String("team_id", id.TeamID), slog.String("enterprise_id", id.EnterpriseID),
				slog.Bool("enterprise_install", id.EnterpriseInstall), slog.String("bot_user_id", id.UserID))
			return id, nil
		}
		if isAuthError(err) {
			return Identity{}, fmt.Errorf("%w: SLACK_BOT_TOKEN: %v", ErrAuth, err)
		}
		if ctx.Err() != nil {
			return Identity{}, ctx.Err()
		}
		log.Warn("slack: auth.test failed; trying again", slog.Duration("wait", wait), slog.String("error", withoutQueries(err.Error())))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return Identity{}, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 30*time.Second)
	}
}
