package bot

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Observer is told what the Slack side does, for metrics. Its methods must
// be quick and safe for concurrent use: the event loop calls them.
type Observer interface {
	// Envelope is one envelope received, by its type (slash_commands,
	// interactive, …).
	Envelope(typ string)
	// Acked is the bot's own time from receiving an envelope to queueing
	// its ack.
	Acked(d time.Duration)
	// TurnedAway is work answered "busy" (kind "command" or "click").
	TurnedAway(kind string)
	// Reconnected is a Socket Mode connection opened again after one was
	// lost: reason "connection_error" when opening failed at least once,
	// else "closed" (Slack asked, or the connection dropped).
	Reconnected(reason string)
}

type noObserver struct{}

func (noObserver) Envelope(string)     {}
func (noObserver) Acked(time.Duration) {}
func (noObserver) TurnedAway(string)   {}
func (noObserver) Reconnected(string)  {}

// heartbeat is how often the event loop turns when nothing happens, so
// that Alive can tell a loop that waits from one that is stuck.
const heartbeat = 5 * time.Second

// status is what the event loop last did, for Alive and Ready.
type status struct {
	epoch      time.Time    // when the status was made: turns are measured from it, on the monotonic clock
	lastTurn   atomic.Int64 // nanoseconds from epoch to the loop's last turn
	connected  atomic.Bool
	running    atomic.Bool
	queued     atomic.Int64 // work waiting for a worker
	received   time.Time    // when the envelope being dispatched arrived (loop only)
	sawError   bool         // a connection error since the last connect (loop only)
	everOnline bool         // connected once already (loop only)
}

func (s *status) turn(now time.Time) { s.lastTurn.Store(int64(now.Sub(s.epoch))) }

// Alive reports an error when the bot's event loop has not turned for
// quiet (the loop turns at least every 5 s while it runs), or is not
// running.
func (b *Bot) Alive(now time.Time, quiet time.Duration) error {
	if !b.st.running.Load() {
		return errors.New("the event loop is not running")
	}
	last := b.st.epoch.Add(time.Duration(b.st.lastTurn.Load()))
	if since := now.Sub(last); since > quiet { // monotonic: a clock step changes nothing
		return fmt.Errorf("the event loop has not turned for %s", since.Round(time.Second))
	}
	return nil
}

// Ready reports an error unless a Socket Mode connection is open.
func (b *Bot) Ready() error {
	if !b.st.running.Load() {
		return errors.New("not started")
	}
	if !b.st.connected.Load() {
		return errors.New("no Socket Mode connection to Slack is open")
	}
	return nil
}

// Queued is the number of commands and clicks waiting for a worker.
func (b *Bot) Queued() int { return int(b.st.queued.Load()) }
