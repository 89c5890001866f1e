package bot

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"meetingbot/handlers"
)

// job is one command or click waiting for a worker.
type job struct {
	run func(ctx context.Context)
	// acked, from ackWire.mark, is closed at the connection's first write
	// after the job's ack was queued: the job starts then (or after
	// ackWireWait). Nil starts it at once.
	acked <-chan struct{}
	// out sends the job's replies, or "busy" when it is turned away.
	out  *slackReplier
	what string // "command" or "click", for the log
	env  string // the envelope ID
	user string // who asked, for the log of a user who could not be told
}

// pool runs jobs on a bounded number of workers. The event loop is its only
// sender: it checks full, acks the envelope, then submits, which therefore
// never blocks.
type pool struct {
	work     chan job
	stopping atomic.Bool
	wg       sync.WaitGroup  // the workers, and the goroutines that say "busy"
	ctx      context.Context // the jobs' context: cancelled when the drain ends
	cancel   context.CancelFunc
	// replies bounds every reply (handlers.WithReplies): it ends
	// shutdownReplies after the drain.
	replies    context.Context
	endReplies context.CancelFunc
	busy       chan struct{} // bounds the goroutines that tell users "busy"
	log        *slog.Logger
}

// busyReplyTimeout bounds a "busy" reply, which must not hold shutdown.
const busyReplyTimeout = 5 * time.Second

// What shutdown may take after the drain: 5 s in all. The replies of the
// shutdown phase end shutdownReplies after the drain; stop then gives the
// work it cut short stopGrace to return, which it does at once unless
// something ignores its context.
const (
	shutdownReplies = 4 * time.Second
	stopGrace       = time.Second
)

func newPool(ctx context.Context, workers, queue int, log *slog.Logger) *pool {
	p := &pool{work: make(chan job, queue), busy: make(chan struct{}, 16), log: log}
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.replies, p.endReplies = context.WithCancel(context.WithoutCancel(ctx))
	jobCtx := handlers.WithReplies(p.ctx, p.replies)
	for range workers {
		p.wg.Go(func() {
			for j := range p.work {
				if p.stopping.Load() {
					// Shutdown came before the job started: it is new
					// work, which the bot no longer takes.
					p.refuse(j)
					continue
				}
				afterAck(p.ctx, j.acked)
				j.run(jobCtx)
				if n := j.out.failures(); n > 0 {
					p.notTold(j, slog.Int("failed_replies", n))
				}
			}
		})
	}
	return p
}

// full reports whether a submit would have to wait.
func (p *pool) full() bool { return len(p.work) == cap(p.work) }

// submit queues j; call it only after full said false.
func (p *pool) submit(j job) { p.work <- j }

// turnAway tells the user that j could not be taken, without blocking the
// event loop; past a few at once it only logs.
func (p *pool) turnAway(j job) {
	p.log.Warn("busy: turned away", slog.String("kind", j.what), slog.String("envelope_id", j.env))
	select {
	case p.busy <- struct{}{}:
		p.goSayBusy(j)
	default:
	}
}

// refuse tells the user of a job that shutdown kept from starting that the
// bot is busy, a few at a time, waiting for a turn until the replies'
// deadline at most.
func (p *pool) refuse(j job) {
	select {
	case p.busy <- struct{}{}:
		p.goSayBusy(j)
	case <-p.replies.Done():
		p.notTold(j, slog.String("error", "no time left to reply"))
	}
}

// goSayBusy tells the user of j "busy" on a goroutine of its own, which
// gives back the p.busy slot the caller took.
func (p *pool) goSayBusy(j job) {
	p.wg.Go(func() {
		defer func() { <-p.busy }()
		p.sayBusy(j)
	})
}

func (p *pool) sayBusy(j job) {
	ctx, cancel := context.WithTimeout(p.replies, busyReplyTimeout)
	defer cancel()
	afterAck(ctx, j.acked)
	if err := j.out.Reply(ctx, handlers.Busy()); err != nil {
		p.notTold(j, slog.String("error", err.Error()))
	}
}

// notTold logs that the user of j was not told what became of it (some of
// its replies, or its "busy", failed), naming the job and the user but not
// the response_url, which is a secret.
func (p *pool) notTold(j job, why slog.Attr) {
	p.log.LogAttrs(context.Background(), slog.LevelWarn, "user not told",
		slog.String("kind", j.what), slog.String("envelope_id", j.env), slog.String("actor", j.user), why)
}

// stop takes no more jobs and answers the queued ones "busy" at once. It
// waits up to drain for the running ones, then cancels them. The replies of
// the shutdown phase end shutdownReplies after the drain, and stop returns
// stopGrace after that at the latest: drain plus 5 s in all.
func (p *pool) stop(drain time.Duration) {
	p.stopping.Store(true)
	close(p.work)
	p.wg.Go(func() {
		for j := range p.work { // what the workers do not take first
			p.refuse(j)
		}
	})
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	if !closedWithin(done, drain) {
		p.log.Warn("shutdown: work still in flight after the drain timeout; cancelling it")
	}
	p.cancel()
	repliesEnd := time.AfterFunc(shutdownReplies, p.endReplies)
	defer repliesEnd.Stop()
	if !closedWithin(done, shutdownReplies+stopGrace) {
		p.log.Error("shutdown: work still running after the replies' deadline; leaving it behind")
	}
	p.endReplies()
}

// closedWithin reports whether done closes within d.
func closedWithin(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
