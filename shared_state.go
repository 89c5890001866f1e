package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"time"

	"meetingbot/handlers"
	"meetingbot/redisstore"
)

// openRedis opens the Redis that replicas share, as configured, and pings
// it with a bounded retry. It returns nil when REDIS_URL is unset.
func openRedis(ctx context.Context, cfg config, log *slog.Logger) (*redisstore.Store, error) {
	if cfg.redisURL == "" {
		return nil, nil
	}
	s, err := redisstore.New(redisstore.Config{URL: cfg.redisURL.Reveal(), Prefix: cfg.redisPrefix, Replica: replicaName()})
	if err != nil {
		return nil, &configError{"REDIS_URL", err.Error()}
	}
	if err := s.Connect(ctx, 5, log); err != nil {
		s.Close()
		return nil, fmt.Errorf("REDIS_URL: Redis at %s does not answer: %w", s.Addr(), err)
	}
	return s, nil
}

// replicaName names this process in the claims it makes: the host name
// (a pod's name in Kubernetes) and a few random characters, so that two
// processes on one host differ.
func replicaName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "meetingbot"
	}
	return h + "-" + rand.Text()[:6]
}

// redisClaims are handlers.Claims kept in Redis, shared by the replicas.
type redisClaims struct {
	s   *redisstore.Store
	now func() time.Time
}

var _ handlers.Claims = redisClaims{}

func (c redisClaims) Claim(ctx context.Context, nonce, envelope string, until time.Time) (bool, string, error) {
	r, err := c.s.Claim(ctx, nonce, envelope, until.Sub(c.now()))
	return r.Won, r.Holder, err
}

func (c redisClaims) Holder(ctx context.Context, nonce string) (string, error) {
	return c.s.Holder(ctx, nonce)
}
