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
	// out is where to say "busy" when the job is turned away.
	out  *slackReplier
	what string // "command" or "click", for the log
	env  string // the envelope ID
}

// pool runs jobs on a bounded number of workers. The event loop is its only
// sender: it checks full, acks the envelope, then submits, which therefore
// never blocks.
type pool struct {
	work     chan job
	stopping atomic.Bool
	wg       sync.WaitGroup
	ctx      context.Context // the jobs' context: cancelled only when the drain times out
	cancel   context.CancelFunc
	busy     chan struct{} // bounds the goroutines that tell users "busy"
	log      *slog.Logger
}

// busyReplyTimeout bounds a "busy" reply, which must not hold shutdown.
const busyReplyTimeout = 5 * time.Second

func newPool(ctx context.Context, workers, queue int, log *slog.Logger) *pool {
	p := &pool{work: make(chan job, queue), busy: make(chan struct{}, 16), log: log}
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for range workers {
		p.wg.Go(func() {
			for j := range p.work {
				if p.stopping.Load() {
					// Shutdown came before the job started: it is new
					// work, which the bot no longer takes.
					p.sayBusy(j)
					continue
				}
				afterAck(p.ctx, j.acked)
				j.run(p.ctx)
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
		p.wg.Go(func() {
			defer func() { <-p.busy }()
			p.sayBusy(j)
		})
	default:
	}
}

func (p *pool) sayBusy(j job) {
	ctx, cancel := context.WithTimeout(context.Background(), busyReplyTimeout)
	defer cancel()
	afterAck(ctx, j.acked)
	if err := j.out.Reply(ctx, handlers.Busy()); err != nil {
		p.log.Warn("busy reply failed", slog.String("envelope_id", j.env), slog.String("error", err.Error()))
	}
}

// stop takes no more jobs, answers the queued ones "busy", and waits for
// the running ones: drain long, then it cancels them and waits for them to
// report their end, which their own short reply timeouts bound.
func (p *pool) stop(drain time.Duration, log *slog.Logger) {
	p.stopping.Store(true)
	close(p.work)
	drained := make(chan struct{})
	go func() { p.wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(drain):
		log.Warn("shutdown: work still in flight after the drain timeout; cancelling it")
		p.cancel()
		<-drained
	}
	p.cancel()
}
