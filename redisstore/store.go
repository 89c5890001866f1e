// Package redisstore keeps the state that meetingbot's replicas share in
// Redis: the claims that let one click of a prompt act, and the envelope IDs
// already served, so that Slack's retry of an envelope is served once.
//
// Nothing secret goes to Redis: keys hold a prompt's nonce or an envelope ID,
// values say which replica and envelope claimed them, and every key has a
// prefix and a TTL.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"meetingbot/internal/neterr"
)

// DefaultPrefix starts every key the store writes.
const DefaultPrefix = "meetingbot:"

// Config configures a Store.
type Config struct {
	// URL is redis://[user:password@]host:port/db, or rediss:// for TLS.
	URL string
	// Prefix starts every key; DefaultPrefix when empty.
	Prefix string
	// Replica names this process in the claims it makes.
	Replica string
	// Timeout bounds one command; 2 seconds when zero.
	Timeout time.Duration
}

// Store is the shared state in one Redis. It is safe for concurrent use.
// The client reconnects by itself: a command after an outage works once
// Redis is back.
type Store struct {
	c       *redis.Client
	prefix  string
	replica string
	timeout time.Duration
	addr    string
}

// ErrUnavailable is matched (errors.Is) by the errors of a Store whose
// Redis cannot be reached or answered with an error.
var ErrUnavailable = errors.New("redis unavailable")

// quiet silences go-redis's own logger, which writes to standard error
// outside the program's log; the store reports its failures itself.
var quiet sync.Once

type silent struct{}

func (silent) Printf(context.Context, string, ...any) {}

// New returns a Store for cfg. It does not connect: call Ping.
func New(cfg Config) (*Store, error) {
	quiet.Do(func() { redis.SetLogger(silent{}) })
	opts, err := redis.ParseURL(cfg.URL)
	if err != nil {
		// ParseURL's errors may repeat the URL, password and all.
		return nil, errors.New("not a redis:// or rediss:// URL")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	// One command, one try within the timeout: a claim's caller decides
	// what a failure means (a click is refused), and a retry would only
	// delay that answer.
	opts.DialTimeout = cfg.Timeout
	opts.ReadTimeout = cfg.Timeout
	opts.WriteTimeout = cfg.Timeout
	opts.PoolTimeout = cfg.Timeout
	// No retry (-1; 0 would mean go-redis's default of 3): a SET NX whose
	// reply was lost and which is sent again finds its own key and reads
	// as lost, which would burn a prompt or skip a first delivery. An error
	// instead fails the claim closed, or serves the envelope.
	opts.MaxRetries = -1
	opts.ContextTimeoutEnabled = true
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	return &Store{c: redis.NewClient(opts), prefix: cfg.Prefix, replica: cfg.Replica, timeout: cfg.Timeout, addr: opts.Addr}, nil
}

// Addr is the host:port of the Redis, for logs: it carries no password.
func (s *Store) Addr() string { return s.addr }

// Close closes the connections.
func (s *Store) Close() error { return s.c.Close() }

// fail wraps a Redis error so that it matches ErrUnavailable and prints no
// URL.
func fail(op string, err error) error {
	return fmt.Errorf("%w: %s: %s", ErrUnavailable, op, neterr.Describe(err))
}

func (s *Store) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fail("ping", err)
	}
	return nil
}

// Connect pings Redis until it answers, with a bounded number of tries
// (backoff from 250 ms), logging where it connects without a password.
func (s *Store) Connect(ctx context.Context, tries int, log *slog.Logger) error {
	wait := 250 * time.Millisecond
	for try := 1; ; try++ {
		err := s.Ping(ctx)
		if err == nil {
			log.Info("redis: connected", slog.String("addr", s.addr), slog.String("prefix", s.prefix))
			return nil
		}
		if try >= tries || ctx.Err() != nil {
			return err
		}
		log.Warn("redis: not answering; trying again", slog.String("addr", s.addr), slog.Duration("wait", wait), slog.String("error", err.Error()))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fail("ping", ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 4*time.Second)
	}
}

// Claim is the answer to a claim.
type Claim struct {
	// Won says this call made the claim.
	Won bool
	// Holder says who made it, as "replica/envelope": this call's when Won.
	Holder string
}

// Claim claims the prompt nonce for envelope, for ttl, with one atomic
// SET NX PX. Of several calls racing, on any replicas, one wins; the others
// learn who holds the claim. An error means nothing is known: the caller
// must not act as if it had won.
func (s *Store) Claim(ctx context.Context, nonce, envelope string, ttl time.Duration) (Claim, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	holder := s.replica + "/" + envelope
	key := s.prefix + "claim:" + nonce
	won, err := s.c.SetNX(ctx, key, holder, max(ttl, time.Millisecond)).Result()
	if err != nil {
		return Claim{}, fail("claim", err)
	}
	if won {
		return Claim{Won: true, Holder: holder}, nil
	}
	// Lost: who holds it is for the loser's message only, so a failure
	// here still reports the claim as taken.
	by, err := s.c.Get(ctx, key).Result()
	if err != nil {
		by = ""
	}
	return Claim{Holder: by}, nil
}

// Holder returns who holds nonce's claim, as "replica/envelope", or ""
// when nobody does.
func (s *Store) Holder(ctx context.Context, nonce string) (string, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	by, err := s.c.Get(ctx, s.prefix+"claim:"+nonce).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fail("holder", err)
	}
	return by, nil
}

// FirstDelivery reports whether envelope is seen for the first time, and
// remembers it for ttl. Slack sends an envelope again when it did not see
// the ack, possibly to another replica; only the first is served.
func (s *Store) FirstDelivery(ctx context.Context, envelope string, ttl time.Duration) (bool, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	first, err := s.c.SetNX(ctx, s.prefix+"envelope:"+envelope, s.replica, ttl).Result()
	if err != nil {
		return false, fail("envelope", err)
	}
	return first, nil
}

// Check verifies what the bot needs of the Redis, for meetingbot check: it
// answers, takes a SET NX with a TTL, and is not a read-only replica.
func (s *Store) Check(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	key := s.prefix + "check:" + s.replica
	if err := s.c.SetArgs(ctx, key, "check", redis.SetArgs{TTL: 10 * time.Second}).Err(); err != nil {
		if strings.HasPrefix(err.Error(), "READONLY") {
			return fmt.Errorf("%w: this Redis is a read-only replica; point REDIS_URL at the primary", ErrUnavailable)
		}
		return fail("set", err)
	}
	if _, err := s.c.SetNX(ctx, key, "check", 10*time.Second).Result(); err != nil {
		return fail("set nx", err)
	}
	role, err := s.c.Do(ctx, "ROLE").Slice()
	if err == nil && len(role) > 0 && role[0] != "master" {
		return fmt.Errorf("%w: this Redis is a %v, not the primary; point REDIS_URL at the primary", ErrUnavailable, role[0])
	}
	s.c.Del(ctx, key)
	return nil
}
