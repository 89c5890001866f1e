package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/patrickmn/go-cache"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"meetingbot/handlers"
)

// Config configures a Bot.
type Config struct {
	// API is the Slack client, from NewSlackClient.
	API *slack.Client
	// APIURL is the Web API base URL the client uses; response URLs on its
	// host are accepted besides Slack's own.
	APIURL string

	// Handler serves /endmeeting.
	Handler *handlers.EndMeeting
	// Command is the slash command served; "/endmeeting" when empty.
	Command string
	// Workers bounds the commands and clicks served at once; 32 when zero.
	Workers int
	// Queue bounds the work waiting for a worker; 1024 when zero.
	Queue int
	// DrainTimeout bounds how long Run waits for work in flight at
	// shutdown before it cancels it; 10 seconds when zero. Run returns at
	// most 5 s after that, whatever is queued.
	DrainTimeout time.Duration
	// HTTPClient sends response_url posts; the one given to NewSlackClient,
	// so that Run closes the idle connections of both. NewHTTPClient() when nil.
	HTTPClient *http.Client
	// Logger gets operational records; discarded when nil.
	Logger *slog.Logger
	// Observer, when set, is told of envelopes, acks, busy replies and
	// reconnects, for metrics.
	Observer Observer
	// Deliveries tells an envelope's first delivery from Slack's retries
	// of it, which may reach another replica: only the first is served.
	// Replicas share one (a redisstore.Store); nil remembers the envelopes
	// in this process.
	Deliveries Deliveries
	// Sweep, when set, is called every SweepEvery by Run's loop, to drop
	// expired cache entries; 1 minute when zero.
	Sweep      func()
	SweepEvery time.Duration
}

// Bot is meetingbot's Slack side.
type Bot struct {
	cfg     Config
	api     *slack.Client
	rs      *responder
	log     *slog.Logger
	handler *handlers.EndMeeting
	wire    *ackWire
	observe Observer
	st      status
}

// Deliveries remembers the envelopes served (redisstore.Store is one).
type Deliveries interface {
	FirstDelivery(ctx context.Context, envelopeID string, ttl time.Duration) (bool, error)
}

// memoryDeliveries are the Deliveries of a single process. They have no
// janitor goroutine: Run's loop sweeps them.
type memoryDeliveries struct{ c *cache.Cache }

func newMemoryDeliveries() memoryDeliveries {
	return memoryDeliveries{cache.New(deliveryMemory, 0)}
}

// sweep drops the envelopes remembered long enough.
func (d memoryDeliveries) sweep() { d.c.DeleteExpired() }

// FirstDelivery never fails: Add is atomic, and refuses a key present.
func (d memoryDeliveries) FirstDelivery(_ context.Context, envelopeID string, ttl time.Duration) (bool, error) {
	return d.c.Add(envelopeID, struct{}{}, ttl) == nil, nil
}

// deliveryMemory is how long an envelope is remembered: Slack retries
// within seconds of a missed ack.
const deliveryMemory = 5 * time.Minute

// once returns run guarded by Deliveries: it runs for an envelope's first
// delivery only. It fails open: when Deliveries cannot answer, run runs,
// since a second prompt is harmless. Commands and the list's buttons are
// guarded so; a prompt's buttons are guarded by the prompt's claim instead.
func (b *Bot) once(req *socketmode.Request, run func(ctx context.Context)) func(ctx context.Context) {
	// Only these of the request are kept: its payload holds the command's
	// text, which may be a join link with its password.
	env, attempt, reason := req.EnvelopeID, req.RetryAttempt, req.RetryReason
	return func(ctx context.Context) {
		first, err := b.cfg.Deliveries.FirstDelivery(ctx, env, deliveryMemory)
		switch {
		case err != nil:
			b.log.Warn("slack: cannot tell a retried envelope; serving it", slog.String("envelope_id", env), slog.String("error", err.Error()))
		case !first:
			b.log.Warn("slack: envelope served already; skipping this delivery", slog.String("envelope_id", env),
				slog.Int("retry_attempt", attempt), slog.String("retry_reason", reason))
			return
		}
		run(ctx)
	}
}

// ErrAuth is matched (errors.Is) by the error Run returns when Slack rejects
// a token: retrying will not help.
var ErrAuth = errors.New("slack rejected the token")

// New returns a Bot for cfg.
func New(cfg Config) *Bot {
	if cfg.APIURL == "" {
		cfg.APIURL = slack.APIURL
	}
	if cfg.Command == "" {
		cfg.Command = "/endmeeting"
	}
	if cfg.Workers <= 0 {
		cfg.Workers = defaultWorkers
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 1024
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 10 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = NewHTTPClient()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Minute
	}
	if cfg.Deliveries == nil {
		cfg.Deliveries = newMemoryDeliveries()
	}
	return &Bot{
		cfg:     cfg,
		api:     cfg.API,
		rs:      &responder{http: cfg.HTTPClient, allowed: slackAllowed(cfg.APIURL)},
		log:     cfg.Logger,
		handler: cfg.Handler,
		wire:    newAckWire(),
		observe: cfg.Observer,
		st:      status{epoch: time.Now()},
	}
}

// NewSlackClient returns the Slack client for the bot's tokens. apiURL is
// the Web API base URL, ending in "/"; Slack's when empty. hc sends its
// requests; give the Bot the same one in Config.HTTPClient, so that Run
// closes its idle connections when it returns.
func NewSlackClient(botToken, appToken, apiURL string, hc *http.Client) *slack.Client {
	if apiURL == "" {
		apiURL = slack.APIURL
	}
	return slack.New(botToken,
		slack.OptionAppLevelToken(appToken),
		slack.OptionAPIURL(apiURL),
		slack.OptionHTTPClient(hc),
	)
}

// NewHTTPClient returns the client for Slack's Web API and response URLs.
// It keeps as many idle connections to a host as there are workers, so that
// replies reuse connections instead of a TLS handshake each.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = defaultWorkers
	return &http.Client{Timeout: 15 * time.Second, Transport: t}
}

// defaultWorkers is the default of Config.Workers.
const defaultWorkers = 32

func isAuthError(err error) bool {
	if err == nil {
		return false
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok {
		// apps.connections.open answers 404 for an app or token that is gone;
		// slack-go gives up on it, as on invalid_auth.
		return sc.Code == http.StatusNotFound
	}
	_, ok := authErrors[errorCode(err)]
	return ok
}

// Run serves Slack until ctx ends, then stops taking work, lets the work in
// flight finish (within the drain timeout) and returns nil. It returns an
// error matching ErrAuth when Slack rejects the app-level token. Call
// Identify first: the handler must know the organization it serves.
func (b *Bot) Run(ctx context.Context) error {
	sm := socketmode.New(b.api, socketmode.OptionDialer(b.wire.dialer()))
	smCtx, stopSM := context.WithCancel(context.Background())
	defer stopSM()
	smDone := make(chan error, 1)
	go func() { smDone <- sm.RunContext(smCtx) }()

	// Work in flight gets its own context, so that shutdown does not cut
	// a stop in half; the drain timeout bounds it.
	jobs := newPool(ctx, b.cfg.Workers, b.cfg.Queue, b.log)

	sweep := time.NewTicker(b.cfg.SweepEvery)
	defer sweep.Stop()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	b.st.turn(time.Now())
	b.st.running.Store(true)
	defer b.st.running.Store(false)
	defer b.st.connected.Store(false)
	var runErr error
loop:
	for {
		b.st.turn(time.Now())
		b.st.queued.Store(int64(len(jobs.work)))
		select {
		case <-beat.C:
		case <-sweep.C:
			if d, ok := b.cfg.Deliveries.(memoryDeliveries); ok {
				d.sweep()
			}
			if b.cfg.Sweep != nil {
				b.cfg.Sweep()
			}
		case <-ctx.Done():
			break loop
		case err := <-smDone:
			smDone <- err
			runErr = b.smError(err)
			break loop
		case evt := <-sm.Events:
			b.dispatch(sm, evt, jobs)
		}
	}
	stopSM()
	jobs.stop(b.cfg.DrainTimeout)
	<-smDone
	b.cfg.HTTPClient.CloseIdleConnections()
	return runErr
}

func (b *Bot) smError(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return errors.New("slack socket mode stopped")
	}
	if isAuthError(err) {
		return fmt.Errorf("%w: SLACK_APP_TOKEN: %v", ErrAuth, err)
	}
	return fmt.Errorf("slack socket mode: %w", err)
}

// dispatch acknowledges evt at once and queues its work. It never blocks on
// the network: the event loop must keep draining Events and answering PINGs.
func (b *Bot) dispatch(sm *socketmode.Client, evt socketmode.Event, jobs *pool) {
	if evt.Request != nil {
		b.st.received = time.Now()
		b.observe.Envelope(evt.Request.Type)
	}
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.st.connected.Store(false)
		b.log.Debug("slack: connecting")
		return
	case socketmode.EventTypeConnected:
		b.st.connected.Store(true)
		if b.st.everOnline {
			reason := "closed"
			if b.st.sawError {
				reason = "connection_error"
			}
			b.observe.Reconnected(reason)
		}
		b.st.everOnline, b.st.sawError = true, false
		b.log.Info("slack: connected")
		return
	case socketmode.EventTypeConnectionError:
		b.st.connected.Store(false)
		b.st.sawError = true
		b.log.Warn("slack: connection error; slack-go retries", slog.String("error", withoutQueries(fmt.Sprint(evt.Data))))
		return
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("slack: invalid auth")
		return
	case socketmode.EventTypeSlashCommand:
		if cmd, ok := evt.Data.(slack.SlashCommand); ok && evt.Request != nil {
			b.slashCommand(sm, evt.Request, cmd, jobs)
			return
		}
	case socketmode.EventTypeInteractive:
		if cb, ok := evt.Data.(slack.InteractionCallback); ok && evt.Request != nil {
			b.interactive(sm, evt.Request, cb, jobs)
			return
		}
	}
	// Everything else, a command or a click the bot cannot read included, is
	// acked with nothing, so that Slack does not send it again.
	b.ackEmpty(sm, evt)
}

// ackEmpty acknowledges an envelope we do nothing with.
func (b *Bot) ackEmpty(sm *socketmode.Client, evt socketmode.Event) {
	if evt.Request != nil && evt.Request.EnvelopeID != "" {
		b.ack(sm, evt.Request.EnvelopeID, nil)
	}
}

// ackTimeout bounds the wait for room in slack-go's outgoing queue, which
// fills only while the connection is down.
const ackTimeout = 2 * time.Second

func (b *Bot) ack(sm *socketmode.Client, envelopeID string, payload any) {
	ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
	defer cancel()
	if err := sm.AckCtx(ctx, envelopeID, payload); err != nil {
		b.log.Warn("slack: ack failed", slog.String("envelope_id", envelopeID), slog.String("error", err.Error()))
		return
	}
	b.observe.Acked(time.Since(b.st.received))
}

func (b *Bot) slashCommand(sm *socketmode.Client, req *socketmode.Request, sc slack.SlashCommand, jobs *pool) {
	if sc.Command != b.cfg.Command {
		b.ack(sm, req.EnvelopeID, render(handlers.Reply{Text: handlers.Text{{Kind: handlers.Plain, Text: "This app serves only " + b.cfg.Command + "."}}}))
		return
	}
	cmd := handlers.Command{EnvelopeID: req.EnvelopeID, TeamID: sc.TeamID, EnterpriseID: sc.EnterpriseID, ChannelID: sc.ChannelID, UserID: sc.UserID, Text: sc.Text}
	rest := b.handler.Begin(cmd, func(r handlers.Reply) { b.ack(sm, req.EnvelopeID, render(r)) })
	if rest == nil {
		return // answered in the ack
	}
	if jobs.full() {
		b.log.Warn("busy: turned away", slog.String("kind", "command"), slog.String("envelope_id", req.EnvelopeID))
		b.observe.TurnedAway("command")
		b.ack(sm, req.EnvelopeID, render(handlers.Busy()))
		return
	}
	// Ack first: the work starts once the connection has written after the
	// ack was queued (see ackWire).
	acked := b.wire.mark()
	b.ack(sm, req.EnvelopeID, nil)
	out := &slackReplier{api: b.api, rs: b.rs, responseURL: sc.ResponseURL, channel: sc.ChannelID, log: b.log}
	jobs.submit(job{run: b.once(req, func(ctx context.Context) { rest(ctx, out) }), acked: acked, out: out, what: "command", env: req.EnvelopeID, user: sc.UserID})
}

func (b *Bot) interactive(sm *socketmode.Client, req *socketmode.Request, cb slack.InteractionCallback, jobs *pool) {
	acked := b.wire.mark()
	b.ack(sm, req.EnvelopeID, nil)
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 {
		return
	}
	a := cb.ActionCallback.BlockActions[0]
	if !handlers.KnownAction(a.ActionID) {
		return // not one of the bot's buttons: acked, and nothing else
	}
	team := cb.Team.ID
	if team == "" {
		team = cb.User.TeamID
	}
	enterprise := cb.Enterprise.ID
	if enterprise == "" {
		enterprise = cb.Team.EnterpriseID
	}
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	click := handlers.Click{EnvelopeID: req.EnvelopeID, TeamID: team, EnterpriseID: enterprise, ChannelID: channel, UserID: cb.User.ID, ActionID: a.ActionID, Value: a.Value, Retry: req.RetryAttempt > 0}
	out := &slackReplier{api: b.api, rs: b.rs, responseURL: cb.ResponseURL, channel: channel, log: b.log}
	run := func(ctx context.Context) { b.handler.Click(ctx, click, out) }
	if !handlers.ClaimGuarded(a.ActionID) {
		// A prompt's buttons are served once by the prompt's claim, which
		// knows its envelope: Redis is asked once per click, not twice.
		run = b.once(req, run)
	}
	j := job{run: run, acked: acked, out: out, what: "click", env: req.EnvelopeID, user: cb.User.ID}
	if jobs.full() {
		b.observe.TurnedAway("click")
		jobs.turnAway(j) // the prompt is not claimed: the user can click again
		return
	}
	jobs.submit(j)
}

// withoutQueries cuts URL queries out of text for the log: the WebSocket
// URL's query carries a connection ticket.
func withoutQueries(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '?')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString("?…")
		j := strings.IndexAny(s[i:], " \"'\n")
		if j < 0 {
			return b.String()
		}
		s = s[i+j:]
	}
}
