package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"meetingbot/handlers"
	"meetingbot/meeting"
)

// config is meetingbot's configuration, read from the environment
// (README.md, Configuration, lists every variable).
type config struct {
	slackBotToken  meeting.Secret
	slackAppToken  meeting.Secret
	slackAPIURL    string
	huawei         meeting.Config
	policy         handlers.Policy
	confirmTimeout time.Duration
	buttonKeyValue meeting.Secret // ENDMEETING_BUTTON_KEY; see buttonKey
	logLevel       slog.Level
	logFormat      string
}

// hasHuawei reports whether any Huawei credential is set.
func (c config) hasHuawei() bool {
	h := c.huawei
	return h.AppID != "" || h.AppKey != "" || h.Account != "" || h.Password != ""
}

// configError names the variable that is wrong.
type configError struct{ name, problem string }

func (e *configError) Error() string { return e.name + ": " + e.problem }

// loadConfig reads the configuration. slack says whether the Slack tokens
// are required; defaultFormat is the log format when LOG_FORMAT is unset.
func loadConfig(getenv func(string) string, slack bool, defaultFormat string, defaultLevel slog.Level) (config, error) {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var c config
	c.slackBotToken = meeting.Secret(env("SLACK_BOT_TOKEN"))
	c.slackAppToken = meeting.Secret(env("SLACK_APP_TOKEN"))
	if slack {
		if err := token(c.slackBotToken, "SLACK_BOT_TOKEN", "xoxb-"); err != nil {
			return c, err
		}
		if err := token(c.slackAppToken, "SLACK_APP_TOKEN", "xapp-"); err != nil {
			return c, err
		}
	}
	c.slackAPIURL = env("SLACK_API_URL")
	if c.slackAPIURL != "" {
		if err := baseURL(c.slackAPIURL); err != nil {
			return c, &configError{"SLACK_API_URL", err.Error()}
		}
		if !strings.HasSuffix(c.slackAPIURL, "/") {
			c.slackAPIURL += "/"
		}
	}

	c.huawei = meeting.Config{
		Endpoint: env("HUAWEI_MEETING_ENDPOINT"),
		AppID:    env("HUAWEI_MEETING_APP_ID"),
		AppKey:   meeting.Secret(env("HUAWEI_MEETING_APP_KEY")),
		UserID:   env("HUAWEI_MEETING_USER_ID"),
		Account:  env("HUAWEI_MEETING_ACCOUNT"),
		Password: meeting.Secret(getenv("HUAWEI_MEETING_PASSWORD")), // a password may end in a space
	}
	if c.huawei.Endpoint != "" {
		if err := baseURL(c.huawei.Endpoint); err != nil {
			return c, &configError{"HUAWEI_MEETING_ENDPOINT", err.Error()}
		}
	}
	if c.hasHuawei() {
		if err := huaweiCredentials(c.huawei); err != nil {
			return c, err
		}
	}

	c.policy = handlers.Policy{
		AdminUsers:  list(env("ENDMEETING_ADMIN_USERS")),
		AdminGroups: list(env("ENDMEETING_ADMIN_GROUPS")),
		Channels:    list(env("ENDMEETING_CHANNELS")),
	}
	// Each list is checked alone, so the error names its variable.
	for _, v := range []struct {
		name string
		p    handlers.Policy
	}{
		{"ENDMEETING_ADMIN_USERS", handlers.Policy{AdminUsers: c.policy.AdminUsers}},
		{"ENDMEETING_ADMIN_GROUPS", handlers.Policy{AdminGroups: c.policy.AdminGroups}},
		{"ENDMEETING_CHANNELS", handlers.Policy{Channels: c.policy.Channels}},
	} {
		if err := v.p.Validate(); err != nil {
			return c, &configError{v.name, err.Error()}
		}
	}
	if err := hostRule(&c, env("ENDMEETING_HOST_IDENTITY"), env("ENDMEETING_HOST_MAP")); err != nil {
		return c, err
	}
	switch v := strings.ToLower(env("ENDMEETING_ALLOW_WORKSPACE_ADMINS")); v {
	case "", "false":
	case "true":
		c.policy.AllowWorkspaceAdmins = true
	default:
		return c, &configError{"ENDMEETING_ALLOW_WORKSPACE_ADMINS", fmt.Sprintf("%q is not true or false", v)}
	}

	c.confirmTimeout = handlers.DefaultConfirmTimeout
	if v := env("ENDMEETING_CONFIRM_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 25*time.Minute {
			return c, &configError{"ENDMEETING_CONFIRM_TIMEOUT", fmt.Sprintf("%q is not a Go duration from 1s to 25m, such as 2m", v)}
		}
		c.confirmTimeout = d
	}

	c.buttonKeyValue = meeting.Secret(getenv("ENDMEETING_BUTTON_KEY"))
	if n := len(c.buttonKeyValue.Reveal()); n > 0 && n < handlers.MinButtonKey {
		return c, &configError{"ENDMEETING_BUTTON_KEY", fmt.Sprintf("has %d bytes; it needs at least %d (for example: openssl rand -base64 32)", n, handlers.MinButtonKey)}
	}

	c.logLevel = defaultLevel
	if v := env("LOG_LEVEL"); v != "" {
		if err := c.logLevel.UnmarshalText([]byte(v)); err != nil {
			return c, &configError{"LOG_LEVEL", fmt.Sprintf("%q is not debug, info, warn or error", v)}
		}
	}
	c.logFormat = defaultFormat
	if v := strings.ToLower(env("LOG_FORMAT")); v != "" {
		if v != "json" && v != "text" {
			return c, &configError{"LOG_FORMAT", fmt.Sprintf("%q is not json or text", v)}
		}
		c.logFormat = v
	}
	return c, nil
}

// buttonKey is the key that signs button values: ENDMEETING_BUTTON_KEY, or
// else a key derived from SLACK_APP_TOKEN, which every replica of one app
// has too; nil without either (console mode), which makes the handlers use
// a random key for this process.
func (c config) buttonKey() []byte {
	if k := c.buttonKeyValue.Reveal(); k != "" {
		return []byte(k)
	}
	if c.slackAppToken == "" {
		return nil
	}
	m := hmac.New(sha256.New, []byte(c.slackAppToken.Reveal()))
	m.Write([]byte("meetingbot button values v2"))
	return m.Sum(nil)
}

// hostRule reads the host rule's variables. The rule needs App ID
// authentication, the only way to act as another Huawei user; it is on by
// default with it, mapping users by their Slack profile email.
func hostRule(c *config, identity, hostMap string) error {
	appID := c.huawei.AppID != ""
	// Only account authentication rules the host rule out; without any
	// credentials a map is allowed for the simulator, which uses an App ID.
	account := c.huawei.Account != ""

	switch strings.ToLower(identity) {
	case "":
		c.policy.HostByEmail = appID
	case "email":
		if account {
			return &configError{"ENDMEETING_HOST_IDENTITY", "email needs App ID authentication (HUAWEI_MEETING_APP_ID): account authentication cannot act as another user"}
		}
		c.policy.HostByEmail = true
	case "off":
		if hostMap != "" {
			return &configError{"ENDMEETING_HOST_MAP", "is set, but ENDMEETING_HOST_IDENTITY=off turns the host rule off"}
		}
		return nil
	default:
		return &configError{"ENDMEETING_HOST_IDENTITY", fmt.Sprintf("%q is not email or off", identity)}
	}
	if hostMap != "" {
		if account {
			return &configError{"ENDMEETING_HOST_MAP", "needs App ID authentication (HUAWEI_MEETING_APP_ID): account authentication cannot act as another user"}
		}
		c.policy.HostMap = map[string]string{}
		for _, pair := range list(hostMap) {
			slackUser, huaweiUser, ok := strings.Cut(pair, "=")
			slackUser, huaweiUser = strings.TrimSpace(slackUser), strings.TrimSpace(huaweiUser)
			if !ok || slackUser == "" || huaweiUser == "" {
				return &configError{"ENDMEETING_HOST_MAP", fmt.Sprintf("%q is not SlackUserID=HuaweiUserID", pair)}
			}
			if _, dup := c.policy.HostMap[slackUser]; dup {
				return &configError{"ENDMEETING_HOST_MAP", fmt.Sprintf("%s is mapped twice", slackUser)}
			}
			c.policy.HostMap[slackUser] = huaweiUser
		}
		if err := (handlers.Policy{HostMap: c.policy.HostMap}).Validate(); err != nil {
			return &configError{"ENDMEETING_HOST_MAP", err.Error()}
		}
	}
	c.policy.HostRule = c.policy.HostByEmail || len(c.policy.HostMap) > 0
	return nil
}

// token checks a Slack token's presence and kind without printing it.
func token(v meeting.Secret, name, prefix string) error {
	switch {
	case v == "":
		return &configError{name, "required in Slack mode (see README.md, Slack set-up); or run `go run . console` to try the bot without Slack"}
	case !strings.HasPrefix(v.Reveal(), prefix):
		return &configError{name, "must start with " + prefix}
	}
	return nil
}

// huaweiCredentials names the variable missing from a half-set credential.
func huaweiCredentials(h meeting.Config) error {
	appID := h.AppID != "" || h.AppKey != ""
	account := h.Account != "" || h.Password != ""
	switch {
	case appID && account:
		return &configError{"HUAWEI_MEETING_ACCOUNT", "set either HUAWEI_MEETING_APP_ID and HUAWEI_MEETING_APP_KEY, or HUAWEI_MEETING_ACCOUNT and HUAWEI_MEETING_PASSWORD, not both"}
	case appID && h.AppID == "":
		return &configError{"HUAWEI_MEETING_APP_ID", "required with HUAWEI_MEETING_APP_KEY"}
	case appID && h.AppKey == "":
		return &configError{"HUAWEI_MEETING_APP_KEY", "required with HUAWEI_MEETING_APP_ID"}
	case account && h.Account == "":
		return &configError{"HUAWEI_MEETING_ACCOUNT", "required with HUAWEI_MEETING_PASSWORD"}
	case account && h.Password == "":
		return &configError{"HUAWEI_MEETING_PASSWORD", "required with HUAWEI_MEETING_ACCOUNT"}
	case account && h.UserID != "":
		return &configError{"HUAWEI_MEETING_USER_ID", "works only with App ID authentication"}
	}
	return nil
}

func baseURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return errors.New("must be an http or https URL with a host and no query")
	}
	return nil
}

// list splits a comma-separated list, dropping empty items.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
