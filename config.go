package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"meetingbot/internal/endpoint"
	"meetingbot/internal/secret"
	"net/url"
	"strings"
	"time"

	"meetingbot/handlers"
	"meetingbot/meeting"
	"meetingbot/redisstore"
)

// config is meetingbot's configuration, read from the environment
// (README.md, Configuration, lists every variable).
type config struct {
	slackBotToken  secret.Secret
	slackAppToken  secret.Secret
	slackAPIURL    string
	huawei         meeting.Config
	policy         handlers.Policy
	confirmTimeout time.Duration
	buttonKeyValue secret.Secret // ENDMEETING_BUTTON_KEY; see buttonKey
	redisURL       secret.Secret // REDIS_URL: it may hold a password
	redisPrefix    string
	logLevel       slog.Level
	logFormat      string
	httpAddr       string // ENDMEETING_HTTP_ADDR: where /healthz, /readyz and /metrics are served; empty: nowhere
}

// hasHuawei reports whether any Huawei credential is set.
func (c config) hasHuawei() bool {
	h := c.huawei
	return h.AppID != "" || h.AppKey != "" || h.Account != "" || h.Password != ""
}

// configError names the variable that is wrong.
type configError struct{ name, problem string }

func (e *configError) Error() string { return e.name + ": " + e.problem }

// The modes a configuration is loaded for: they differ in what is required
// and in the logging defaults.
const (
	modeSlack   = "slack"
	modeConsole = "console"
	modeCheck   = "check"
)

// loader collects the configuration and every problem found in it, so that
// one run reports all of them, one line per variable.
type loader struct {
	env      func(string) string // trimmed
	raw      func(string) string // as set
	problems []error
}

// bad records a problem of the variable name; a second one of the same
// variable joins the first on its line.
func (l *loader) bad(name, format string, args ...any) {
	problem := fmt.Sprintf(format, args...)
	for _, p := range l.problems {
		if e, ok := p.(*configError); ok && e.name == name {
			e.problem += "; " + problem
			return
		}
	}
	l.problems = append(l.problems, &configError{name, problem})
}

// loadConfig reads the configuration for mode. Its error lists every
// problem, each a *configError naming its variable, joined with errors.Join
// (one line each).
func loadConfig(getenv func(string) string, mode string) (config, error) {
	l := &loader{env: func(name string) string { return strings.TrimSpace(getenv(name)) }, raw: getenv}
	var c config
	l.slack(&c, mode != modeConsole)
	l.huawei(&c)
	l.policy(&c)
	l.redis(&c)
	l.logging(&c, mode)
	l.httpListener(&c) // httpaddr.go
	return c, errors.Join(l.problems...)
}

// slack reads the Slack variables; required says whether the tokens must be set.
func (l *loader) slack(c *config, required bool) {
	c.slackBotToken = secret.Secret(l.env("SLACK_BOT_TOKEN"))
	c.slackAppToken = secret.Secret(l.env("SLACK_APP_TOKEN"))
	if required {
		bot, app := c.slackBotToken.Reveal(), c.slackAppToken.Reveal()
		if strings.HasPrefix(bot, "xapp-") && strings.HasPrefix(app, "xoxb-") {
			l.bad("SLACK_BOT_TOKEN", "holds an app-level token (xapp-) and SLACK_APP_TOKEN a bot token (xoxb-): the two look swapped")
		} else {
			l.token(c.slackBotToken, "SLACK_BOT_TOKEN", "xoxb-")
			l.token(c.slackAppToken, "SLACK_APP_TOKEN", "xapp-")
		}
	}
	c.slackAPIURL = l.env("SLACK_API_URL")
	if c.slackAPIURL != "" {
		if p := endpoint.Problem(c.slackAPIURL); p != "" {
			l.bad("SLACK_API_URL", "%s", p)
		}
		if !strings.HasSuffix(c.slackAPIURL, "/") {
			c.slackAPIURL += "/"
		}
	}
	// Only line ends are trimmed (a Secret file made with echo ends in one):
	// the key's other bytes are its own.
	c.buttonKeyValue = secret.Secret(strings.TrimRight(l.raw("ENDMEETING_BUTTON_KEY"), "\r\n"))
	if n := len(c.buttonKeyValue.Reveal()); n > 0 && n < handlers.MinButtonKey {
		l.bad("ENDMEETING_BUTTON_KEY", "has %d bytes; it needs at least %d (for example: openssl rand -base64 32)", n, handlers.MinButtonKey)
	}
}

// token checks a Slack token's presence and kind without printing it.
func (l *loader) token(v secret.Secret, name, prefix string) {
	switch {
	case v == "":
		l.bad(name, "required in Slack mode (see README.md, Slack set-up); or run `go run . console` to try the bot without Slack")
	case strings.HasPrefix(v.Reveal(), `"`) || strings.HasPrefix(v.Reveal(), "'"):
		l.bad(name, "is in quotes; write it without them (docker run --env-file and Kubernetes keep quotes)")
	case !strings.HasPrefix(v.Reveal(), prefix):
		l.bad(name, "must start with %s", prefix)
	}
}

// huaweiVariables names the variable behind each field of meeting.Config.
var huaweiVariables = map[string]string{
	"Endpoint": "HUAWEI_MEETING_ENDPOINT",
	"AppID":    "HUAWEI_MEETING_APP_ID",
	"AppKey":   "HUAWEI_MEETING_APP_KEY",
	"UserID":   "HUAWEI_MEETING_USER_ID",
	"Account":  "HUAWEI_MEETING_ACCOUNT",
	"Password": "HUAWEI_MEETING_PASSWORD",
}

// huawei reads the Huawei variables. meeting.Config.Validate judges them;
// without any credential the configuration is still good (console mode and
// -simulate use the simulator; run says what is missing otherwise).
func (l *loader) huawei(c *config) {
	c.huawei = meeting.Config{
		Endpoint: l.env("HUAWEI_MEETING_ENDPOINT"),
		AppID:    l.env("HUAWEI_MEETING_APP_ID"),
		AppKey:   secret.Secret(l.env("HUAWEI_MEETING_APP_KEY")),
		UserID:   l.env("HUAWEI_MEETING_USER_ID"),
		Account:  l.env("HUAWEI_MEETING_ACCOUNT"),
		Password: secret.Secret(l.raw("HUAWEI_MEETING_PASSWORD")), // a password may end in a space
	}
	check := c.huawei
	if !c.hasHuawei() {
		check.AppID, check.AppKey = "-", "-" // judge the endpoint alone
	}
	l.fields(check.Validate(), huaweiVariables)
}

// fields records the problems of a Validate whose errors name fields
// (*meeting.ConfigError, *handlers.PolicyError), each under the variable
// that vars names for its field.
func (l *loader) fields(err error, vars map[string]string) {
	for _, e := range unjoin(err) {
		var field, problem string
		switch fe := e.(type) {
		case *meeting.ConfigError:
			field, problem = fe.Field, fe.Problem
		case *handlers.PolicyError:
			field, problem = fe.Field, fe.Problem
		default:
			l.problems = append(l.problems, e)
			continue
		}
		l.bad(vars[field], "%s", problem)
	}
}

// policyVariables names the variable behind each list of handlers.Policy.
var policyVariables = map[string]string{
	"AdminUsers":  "ENDMEETING_ADMIN_USERS",
	"AdminGroups": "ENDMEETING_ADMIN_GROUPS",
	"Channels":    "ENDMEETING_CHANNELS",
	"HostMap":     "ENDMEETING_HOST_MAP",
}

// policy reads who may end meetings, and the confirmation timeout.
func (l *loader) policy(c *config) {
	c.policy = handlers.Policy{
		AdminUsers:  list(l.env("ENDMEETING_ADMIN_USERS")),
		AdminGroups: list(l.env("ENDMEETING_ADMIN_GROUPS")),
		Channels:    list(l.env("ENDMEETING_CHANNELS")),
	}
	l.hostRule(c, l.env("ENDMEETING_HOST_IDENTITY"), l.env("ENDMEETING_HOST_MAP"))
	l.fields(c.policy.Validate(), policyVariables)
	switch v := strings.ToLower(l.env("ENDMEETING_ALLOW_WORKSPACE_ADMINS")); v {
	case "", "false":
	case "true":
		c.policy.AllowWorkspaceAdmins = true
	default:
		l.bad("ENDMEETING_ALLOW_WORKSPACE_ADMINS", "%q is not true or false", v)
	}

	c.confirmTimeout = handlers.DefaultConfirmTimeout
	if v := l.env("ENDMEETING_CONFIRM_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 25*time.Minute {
			l.bad("ENDMEETING_CONFIRM_TIMEOUT", "%q is not a Go duration from 1s to 25m, such as 2m", v)
		} else {
			c.confirmTimeout = d
		}
	}
}

// redis reads REDIS_URL and REDIS_KEY_PREFIX: the Redis that replicas
// share, if any.
func (l *loader) redis(c *config) {
	c.redisURL = secret.Secret(l.env("REDIS_URL"))
	if v := c.redisURL.Reveal(); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Hostname() == "" || u.RawQuery != "" {
			// The value is not repeated: it may hold a password.
			l.bad("REDIS_URL", "must be redis://[user:password@]host:port/db or rediss://… for TLS")
		}
	}
	c.redisPrefix = redisstore.DefaultPrefix
	if v := l.env("REDIS_KEY_PREFIX"); v != "" {
		ok := len(v) <= 64
		for _, r := range v {
			ok = ok && r > ' ' && r < 0x7f
		}
		if !ok {
			l.bad("REDIS_KEY_PREFIX", "%q is not 1 to 64 printable ASCII characters without spaces", v)
		}
		c.redisPrefix = v
	}
}

// logging reads the log level and format, whose defaults depend on mode:
// JSON at info for the bot, text for a person (warnings in the console,
// errors only in check, which prints its own findings).
func (l *loader) logging(c *config, mode string) {
	c.logLevel, c.logFormat = slog.LevelInfo, "json"
	switch mode {
	case modeConsole:
		c.logLevel, c.logFormat = slog.LevelWarn, "text"
	case modeCheck:
		c.logLevel, c.logFormat = slog.LevelError, "text"
	}
	if v := l.env("LOG_LEVEL"); v != "" {
		if err := c.logLevel.UnmarshalText([]byte(v)); err != nil {
			l.bad("LOG_LEVEL", "%q is not debug, info, warn or error", v)
		}
	}
	if v := strings.ToLower(l.env("LOG_FORMAT")); v != "" {
		if v != "json" && v != "text" {
			l.bad("LOG_FORMAT", "%q is not json or text", v)
		} else {
			c.logFormat = v
		}
	}
}

// unjoin returns the errors joined in err (errors.Join), or err alone.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
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
func (l *loader) hostRule(c *config, identity, hostMap string) {
	appID := c.huawei.AppID != ""
	// Only account authentication rules the host rule out; without any
	// credentials a map is allowed for the simulator, which uses an App ID.
	account := c.huawei.Account != ""

	switch strings.ToLower(identity) {
	case "":
		c.policy.HostByEmail = appID
	case "email":
		if account {
			l.bad("ENDMEETING_HOST_IDENTITY", "email needs App ID authentication (HUAWEI_MEETING_APP_ID): account authentication cannot act as another user")
		}
		c.policy.HostByEmail = true
	case "off":
		if hostMap != "" {
			l.bad("ENDMEETING_HOST_MAP", "is set, but ENDMEETING_HOST_IDENTITY=off turns the host rule off")
		}
		return
	default:
		l.bad("ENDMEETING_HOST_IDENTITY", "%q is not email or off", identity)
	}
	if hostMap != "" {
		if account {
			l.bad("ENDMEETING_HOST_MAP", "needs App ID authentication (HUAWEI_MEETING_APP_ID): account authentication cannot act as another user")
		}
		c.policy.HostMap = map[string]string{}
		for _, pair := range list(hostMap) {
			slackUser, huaweiUser, ok := strings.Cut(pair, "=")
			slackUser, huaweiUser = strings.TrimSpace(slackUser), strings.TrimSpace(huaweiUser)
			switch _, dup := c.policy.HostMap[slackUser]; {
			case !ok || slackUser == "" || huaweiUser == "":
				l.bad("ENDMEETING_HOST_MAP", "%q is not SlackUserID=HuaweiUserID", pair)
			case dup:
				l.bad("ENDMEETING_HOST_MAP", "%s is mapped twice", slackUser)
			default:
				c.policy.HostMap[slackUser] = huaweiUser
			}
		}
	}
	c.policy.HostRule = c.policy.HostByEmail || len(c.policy.HostMap) > 0
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
