package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// PreflightConfig says what the Slack side of a deployment needs, for Preflight.
type PreflightConfig struct {
	HTTPClient         *http.Client
	APIURL             string // the Web API base URL, ending in "/"; Slack's when empty
	BotToken, AppToken string
	// AdminGroups are the user groups the permission rules read.
	AdminGroups []string
	// WorkspaceAdmins and HostByEmail are the rules that read users.info:
	// the latter needs the users:read.email scope.
	WorkspaceAdmins, HostByEmail bool
}

// Finding is one result of Preflight: what was checked, whether it is
// good, and in words an operator can act on.
type Finding struct {
	OK bool
	// Variable is the setting the finding is about, if one is.
	Variable string
	Text     string
}

// Preflight checks, with one call each, what the bot needs of Slack: the
// bot token (auth.test) and its scopes, users.info, the app-level token
// (apps.connections.open) and each admin group. It returns every finding,
// good and bad, in that order.
func Preflight(ctx context.Context, c PreflightConfig) []Finding {
	var out []Finding
	ok := func(variable, format string, args ...any) {
		out = append(out, Finding{OK: true, Variable: variable, Text: fmt.Sprintf(format, args...)})
	}
	bad := func(variable, format string, args ...any) {
		out = append(out, Finding{Variable: variable, Text: fmt.Sprintf(format, args...)})
	}
	api := NewSlackClient(c.BotToken, c.AppToken, c.APIURL, c.HTTPClient)

	id, err := AuthTest(ctx, c.HTTPClient, c.APIURL, c.BotToken)
	if unreachable(err) {
		// Every other call would fail the same way, after as long a wait.
		bad("SLACK_API_URL", "%s", Advice(err, ""))
		return out
	}
	if err != nil {
		bad("SLACK_BOT_TOKEN", "auth.test failed: %s", Advice(err, ""))
	} else {
		org := "workspace " + id.Team + " (" + id.TeamID + ")"
		if id.EnterpriseID != "" {
			org += ", Enterprise Grid organization " + id.EnterpriseID
			if id.EnterpriseInstall {
				org += " (installed org-wide)"
			}
		}
		ok("SLACK_BOT_TOKEN", "%s, bot user %s; only this organization is served", org, id.UserID)
		for _, s := range c.scopes() {
			if !slices.Contains(id.Scopes, s.name) {
				bad("SLACK_BOT_TOKEN", "the bot token lacks the %s scope (%s): add it in the app's OAuth & Permissions page (or manifest.yml) and reinstall the app", s.name, s.why)
			}
		}
		if len(id.Scopes) > 0 {
			ok("SLACK_BOT_TOKEN", "scopes %s", strings.Join(id.Scopes, ", "))
		}
		if _, err := api.GetUserInfoContext(ctx, id.UserID); err != nil {
			bad("SLACK_BOT_TOKEN", "users.info: %s", Advice(err, "users:read"))
		} else {
			ok("SLACK_BOT_TOKEN", "users.info answers (scope users:read)")
		}
	}
	if _, _, err := api.StartSocketModeContext(ctx); err != nil {
		bad("SLACK_APP_TOKEN", "apps.connections.open failed: %s", Advice(err, "connections:write"))
	} else {
		ok("SLACK_APP_TOKEN", "Socket Mode connections can be opened")
	}
	for _, g := range c.AdminGroups {
		if _, err := api.GetUserGroupMembersContext(ctx, g); err != nil {
			bad("ENDMEETING_ADMIN_GROUPS", "user group %s: %s", g, Advice(err, "usergroups:read"))
		} else {
			ok("ENDMEETING_ADMIN_GROUPS", "user group %s can be read", g)
		}
	}
	return out
}

type scope struct{ name, why string }

// scopes are the bot token scopes the configuration needs.
func (c PreflightConfig) scopes() []scope {
	s := []scope{
		{"commands", "the /endmeeting command"},
		{"chat:write", "the result in the channel"},
		{"users:read", "the permission checks"},
	}
	if len(c.AdminGroups) > 0 {
		s = append(s, scope{"usergroups:read", "ENDMEETING_ADMIN_GROUPS"})
	}
	if c.HostByEmail {
		s = append(s, scope{"users:read.email", "the host rule maps users by their profile email"})
	}
	return s
}

// authErrors are the Slack error codes that mean a token is wrong or gone:
// retrying will not help. isAuthError and Advice read them.
var authErrors = map[string]string{
	"invalid_auth":           "the token is wrong or revoked; copy it again from the app's settings (see README.md, Slack set-up)",
	"not_authed":             "no token was sent; set it (see README.md, Slack set-up)",
	"account_inactive":       "the token's app or user was deactivated; reinstall the app",
	"token_revoked":          "the token was revoked; reinstall the app and copy the new token",
	"token_expired":          "the token expired; reinstall the app and copy the new token",
	"not_allowed_token_type": "this is the wrong kind of token (the bot token starts with xoxb-, the app-level token with xapp-)",
}

// errorCode returns the Slack error code of err, or its text.
func errorCode(err error) string {
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return se.Err
	}
	return err.Error()
}

// unreachable reports whether err says Slack could not be reached at all:
// no answer came (a dial, DNS, TLS or proxy failure, or a timeout).
func unreachable(err error) bool {
	if err == nil {
		return false
	}
	if _, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return false
	}
	if _, ok := errors.AsType[slack.StatusCodeError](err); ok {
		return false
	}
	if _, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

// Advice turns a Slack error into what an operator can do about it; scope
// is the scope the failed call needs, for missing_scope.
func Advice(err error, scope string) string {
	if unreachable(err) {
		return "Slack cannot be reached (" + withoutQueries(err.Error()) + "): check the network and DNS, and HTTPS_PROXY and NO_PROXY if a proxy is needed; SLACK_API_URL, if set, must be right"
	}
	code := errorCode(err)
	if a, ok := authErrors[code]; ok {
		return code + ": " + a
	}
	switch code {
	case "missing_scope":
		return code + ": add the " + scope + " scope in the app's OAuth & Permissions page (or manifest.yml) and reinstall the app"
	case "plan_upgrade_required":
		return code + ": user groups need a paid Slack plan; use ENDMEETING_ADMIN_USERS instead"
	case "no_such_subteam":
		return code + ": there is no user group with this ID"
	}
	return withoutQueries(code)
}
