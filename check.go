package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"meetingbot/bot"
	"meetingbot/handlers"
	"meetingbot/meeting"
	"meetingbot/redisstore"
)

// checkTimeout bounds the checks of each service (Slack, Huawei).
const checkTimeout = 10 * time.Second

// quoted warns about values in quotes. In the environment a quote is part
// of the value, which is rarely meant. In the .env file godotenv strips
// quotes, but `docker run --env-file` and Kubernetes keep them, so a file
// that works here fails there.
func quoted(getenv func(string) string, read map[string]bool, envFile string) []string {
	var out []string
	inQuotes := func(v string) bool {
		return len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0]
	}
	names := slices.Sorted(maps.Keys(read))
	for _, k := range names {
		if inQuotes(strings.TrimSpace(getenv(k))) {
			out = append(out, k+": the value is in quotes, which are part of it here; remove them")
		}
	}
	if envFile == "" {
		return out
	}
	data, err := os.ReadFile(envFile)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export ")), "=")
		if ok && read[strings.TrimSpace(k)] && inQuotes(strings.TrimSpace(v)) {
			out = append(out, strings.TrimSpace(k)+": "+envFile+" has the value in quotes: this bot strips them, but docker run --env-file and Kubernetes keep them; write it without quotes")
		}
	}
	return out
}

// errCheckFailed is returned when a check failed; the output says which.
var errCheckFailed = errors.New("some checks failed (see above)")

// runCheck validates the configuration, then calls auth.test,
// apps.connections.open and Huawei's authentication once each, and the
// look-ups the permission rules need, and says in words what is wrong.
func runCheck(ctx context.Context, opts options, getenv func(string) string, stdout, stderr io.Writer) error {
	c := &checker{out: stdout}
	read := map[string]bool{}
	cfg, err := loadConfig(func(k string) string { read[k] = true; return getenv(k) }, modeCheck)
	for _, w := range quoted(getenv, read, opts.envFile) {
		c.warn("%s", w)
	}
	if err != nil {
		// Every bad variable, then what can still be checked with the rest.
		for _, e := range unjoin(err) {
			c.fail("configuration: %v", e)
		}
	} else {
		fmt.Fprintln(stdout, "ok    configuration")
	}
	if cfg.httpAddr != "" {
		if l, err := net.Listen("tcp", cfg.httpAddr); err != nil {
			c.fail("ENDMEETING_HTTP_ADDR: %s cannot be bound (%v): is another process using the port?", cfg.httpAddr, err)
		} else {
			l.Close()
			c.ok("ENDMEETING_HTTP_ADDR: %s can be bound for /healthz, /readyz and /metrics", cfg.httpAddr)
		}
	}

	// Each service gets 10 s, so that one that does not answer is
	// reported with advice, not after the HTTP client's own timeouts.
	hc := bot.NewHTTPClient()
	hc.Timeout = checkTimeout - time.Second
	defer hc.CloseIdleConnections()
	sctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	for _, f := range bot.Preflight(sctx, bot.PreflightConfig{
		HTTPClient: hc, APIURL: cfg.slackAPIURL,
		BotToken: cfg.slackBotToken.Reveal(), AppToken: cfg.slackAppToken.Reveal(),
		AdminGroups: cfg.policy.AdminGroups, WorkspaceAdmins: cfg.policy.AllowWorkspaceAdmins, HostByEmail: cfg.policy.HostByEmail,
	}) {
		if f.OK {
			c.ok("%s: %s", f.Variable, f.Text)
		} else {
			c.fail("%s: %s", f.Variable, f.Text)
		}
	}
	if cfg.policy.AllowsNobody() {
		c.fail("no permission rule: nobody may end meetings; set ENDMEETING_ADMIN_USERS, ENDMEETING_ADMIN_GROUPS or ENDMEETING_ALLOW_WORKSPACE_ADMINS=true, or use App ID authentication for the host rule")
	}
	if cfg.policy.HostRule {
		var ways []string
		if len(cfg.policy.HostMap) > 0 {
			ways = append(ways, "ENDMEETING_HOST_MAP")
		}
		if cfg.policy.HostByEmail {
			ways = append(ways, "their Slack profile email")
		}
		how := strings.Join(ways, ", else ")
		c.ok("host rule on: hosts may end their own meetings; Slack users are mapped to Huawei users by %s", how)
	}

	mc, sim, closeHuawei, err := huaweiClient(cfg, opts, slog.New(slog.DiscardHandler))
	if err != nil {
		c.fail("%v", err)
	} else {
		defer closeHuawei()
		what := "App ID"
		if cfg.huawei.Account != "" {
			what = "account"
		}
		if sim != nil {
			what = "the built-in simulator"
		}
		hctx, cancel := context.WithTimeout(ctx, checkTimeout)
		defer cancel()
		if err := mc.Login(hctx); err != nil {
			c.fail("Huawei Cloud Meeting at %s: %s", mc.Endpoint(), huaweiAdvice(err))
		} else {
			c.ok("Huawei Cloud Meeting at %s: logged in with %s", mc.Endpoint(), what)
		}
	}
	if cfg.redisURL == "" {
		c.ok("REDIS_URL unset: run a single replica (claims live in the process)")
	} else if s, err := redisstore.New(redisstore.Config{URL: cfg.redisURL.Reveal(), Prefix: cfg.redisPrefix, Replica: "check", Timeout: 3 * time.Second}); err != nil {
		c.fail("REDIS_URL: %v", err)
	} else {
		if err := s.Check(ctx); err != nil { // bounded by the store's 3 s timeout
			c.fail("REDIS_URL: Redis at %s: %v", s.Addr(), err)
		} else {
			c.ok("REDIS_URL: Redis at %s answers, takes SET NX and is the primary; replicas share claims there (keys start with %s)", s.Addr(), cfg.redisPrefix)
		}
		s.Close()
	}
	if c.failed {
		return errCheckFailed
	}
	fmt.Fprintln(stdout, "All checks passed.")
	return nil
}

type checker struct {
	out    io.Writer
	failed bool
}

func (c *checker) ok(format string, args ...any) {
	fmt.Fprintf(c.out, "ok    "+format+"\n", args...)
}

func (c *checker) warn(format string, args ...any) {
	fmt.Fprintf(c.out, "WARN  "+format+"\n", args...)
}

func (c *checker) fail(format string, args ...any) {
	c.failed = true
	fmt.Fprintf(c.out, "FAIL  "+format+"\n", args...)
}

// huaweiAdvice turns a Huawei error into what an operator can do about it.
func huaweiAdvice(err error) string {
	switch {
	case errors.Is(err, meeting.ErrCredentials):
		return "the credentials were rejected; check HUAWEI_MEETING_APP_ID and HUAWEI_MEETING_APP_KEY (or HUAWEI_MEETING_ACCOUNT and HUAWEI_MEETING_PASSWORD) and HUAWEI_MEETING_USER_ID (" + err.Error() + ")"
	case errors.Is(err, meeting.ErrUnavailable), errors.Is(err, meeting.ErrThrottled):
		return "not reachable or busy; check HUAWEI_MEETING_ENDPOINT and the network (" + err.Error() + ")"
	}
	return handlers.ErrorClass(err) + ": " + err.Error()
}
