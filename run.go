package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"meetingbot/bot"
	"meetingbot/handlers"
	"meetingbot/meeting"
	"meetingbot/ops"
)

// run is the whole program, so that tests can start it in-process with a
// fake environment. It returns when ctx ends (nil) or on a fatal error.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	opts, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	if opts.mode == "version" { // before the .env file, which it does not need
		fmt.Fprintln(stdout, versionLine())
		return nil
	}
	getenv, err = withEnvFile(getenv, opts.envFile)
	if err != nil {
		return err
	}
	switch opts.mode {
	case "console":
		return runConsole(ctx, opts, getenv, stdin, stdout, stderr)
	case "check":
		return runCheck(ctx, opts, getenv, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, getenv, stdout)
	}
	return runSlack(ctx, opts, getenv, stderr)
}

// runSlack runs the Slack bot.
func runSlack(ctx context.Context, opts options, getenv func(string) string, stderr io.Writer) error {
	cfg, err := loadConfig(getenv, modeSlack)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg)
	v, rev := buildVersion()
	// The listener comes first, so that an orchestrator sees the process
	// live (and not ready) while it waits for Slack and Redis.
	st := &state{}
	var metrics *ops.Metrics
	if cfg.httpAddr != "" {
		metrics = ops.NewMetrics(v, rev)
		cfg.huawei.Observer = metrics
		srv, err := ops.Listen(cfg.httpAddr, metrics, ops.Checks{Alive: st.alive, Ready: st.ready}, log)
		if err != nil {
			return err
		}
		defer srv.Close()
	}
	mc, _, closeHuawei, err := huaweiClient(cfg, opts, log)
	if err != nil {
		return err
	}
	defer closeHuawei()

	hc := bot.NewHTTPClient()
	defer hc.CloseIdleConnections()
	// The bot serves only the organization of its token: learn it before
	// taking any request.
	id, err := bot.Identify(ctx, hc, cfg.slackAPIURL, cfg.slackBotToken.Reveal(), log)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped before Slack could be reached
		}
		return fmt.Errorf("%w (check the token in your environment or .env; see README.md, Troubleshooting)", err)
	}
	policy := cfg.policy
	policy.Org = id.Org()
	rs, err := openRedis(ctx, cfg, log)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	var claims handlers.Claims
	var deliveries bot.Deliveries
	if rs != nil {
		defer rs.Close()
		claims, deliveries = redisClaims{s: rs, now: time.Now}, rs
		st.redis.Store(rs)
	} else {
		log.Warn("REDIS_URL is not set: prompts are claimed in this process's memory, so run a single replica")
	}
	api := bot.NewSlackClient(cfg.slackBotToken.Reveal(), cfg.slackAppToken.Reveal(), cfg.slackAPIURL, hc)
	h := handlers.New(handlers.Config{
		Meetings:       mc,
		AsUser:         actAs(mc),
		Authorizer:     handlers.NewAuthorizer(policy, bot.NewDirectory(api)),
		ConfirmTimeout: cfg.confirmTimeout,
		Logger:         log,
		ButtonKey:      cfg.buttonKey(),
		Claims:         claims,
		Observer:       handlersObserver(metrics),
	})
	b := bot.New(bot.Config{
		API: api, APIURL: cfg.slackAPIURL, HTTPClient: hc, Handler: h, Logger: log, Deliveries: deliveries,
		Observer: botObserver(metrics),
		Sweep:    func() { h.Sweep(); mc.Sweep() },
	})
	if metrics != nil {
		metrics.QueueDepth(b.Queued)
	}
	st.bot.Store(b)
	if cfg.policy.AllowsNobody() {
		log.Warn("no permission rule is set, so nobody may end meetings: set ENDMEETING_ADMIN_USERS, ENDMEETING_ADMIN_GROUPS or ENDMEETING_ALLOW_WORKSPACE_ADMINS, or use App ID authentication for the host rule")
	}
	log.Info("meetingbot starting", slog.String("version", v), slog.String("revision", rev), slog.String("huawei_endpoint", mc.Endpoint()))
	if err := b.Run(ctx); err != nil {
		if errors.Is(err, bot.ErrAuth) {
			return fmt.Errorf("%w (check the token in your environment or .env; see README.md, Troubleshooting)", err)
		}
		return err
	}
	log.Info("meetingbot stopped")
	return nil
}

// huaweiClient returns the Huawei client: the built-in simulator with
// -simulate, or in console mode when no credentials are set. The returned
// function stops the simulator.
func huaweiClient(cfg config, opts options, log *slog.Logger) (*meeting.Client, *simulator, func(), error) {
	hc := cfg.huawei
	stop := func() {}
	var sim *simulator
	if opts.simulate || (!cfg.hasHuawei() && opts.mode == "console") {
		sim = startSimulator()
		hc = sim.config
		stop = sim.close
		if opts.mode != "console" { // the console says so in its banner
			log.Warn("using the built-in Huawei Cloud Meeting simulator: no real meeting is touched")
		}
	} else if !cfg.hasHuawei() {
		return nil, nil, nil, &configError{"HUAWEI_MEETING_APP_ID", "no Huawei credentials: set HUAWEI_MEETING_APP_ID and HUAWEI_MEETING_APP_KEY (or HUAWEI_MEETING_ACCOUNT and HUAWEI_MEETING_PASSWORD), or run with -simulate to use the built-in simulator"}
	}
	hc.Logger = log
	hc.Observer = cfg.huawei.Observer
	mc, err := meeting.New(hc)
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	return mc, sim, func() { mc.Close(); stop() }, nil
}

// actAs returns the handlers' way to act as a caller's Huawei user: the
// same client, logged in as that user, sharing its caches.
func actAs(c *meeting.Client) handlers.AsUser {
	return func(u string) (handlers.Meetings, error) {
		if u == "" {
			// As("") is the enterprise administrator: never a caller's identity.
			return nil, errors.New("no Huawei user to act as")
		}
		m, err := c.As(u)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
}

// The meeting client is what the handlers act through.
var _ handlers.Meetings = (*meeting.Client)(nil)
