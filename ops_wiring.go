package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"meetingbot/bot"
	"meetingbot/handlers"
	"meetingbot/meeting"
	"meetingbot/ops"
	"meetingbot/redisstore"
)

// The metrics observe the three packages.
var (
	_ bot.Observer      = (*ops.Metrics)(nil)
	_ handlers.Observer = (*ops.Metrics)(nil)
	_ meeting.Observer  = (*ops.Metrics)(nil)
)

// loopQuiet is how long the event loop may not turn before /healthz says
// the process is stuck (the loop turns at least every 5 s).
const loopQuiet = 30 * time.Second

// state is what /healthz and /readyz look at. The bot and the Redis are
// set once made; until then the program is starting (alive, not ready).
type state struct {
	bot   atomic.Pointer[bot.Bot]
	redis atomic.Pointer[redisstore.Store]
}

func (s *state) alive() error {
	b := s.bot.Load()
	if b == nil {
		return nil // starting: waiting for Slack, Redis
	}
	return b.Alive(time.Now(), loopQuiet)
}

func (s *state) ready(ctx context.Context) error {
	b := s.bot.Load()
	if b == nil {
		return errors.New("starting: waiting for Slack (auth.test) and Redis")
	}
	if err := b.Ready(); err != nil {
		return err
	}
	if r := s.redis.Load(); r != nil {
		if err := r.Ping(ctx); err != nil {
			return fmt.Errorf("redis at %s does not answer", r.Addr())
		}
	}
	return nil
}

// handlersObserver and botObserver give the packages m, or nothing without
// metrics (a nil *ops.Metrics must not become a non-nil interface).
func handlersObserver(m *ops.Metrics) handlers.Observer {
	if m == nil {
		return nil
	}
	return m
}

func botObserver(m *ops.Metrics) bot.Observer {
	if m == nil {
		return nil
	}
	return m
}
