package meeting

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"
)

// maxHostedConcurrency caps Hosted's concurrent details calls, whatever the
// caller asks: Huawei's gateway allows about 100 calls a minute per API and
// caller (inferred from its rate-limit headers).
const maxHostedConcurrency = 8

// Hosted returns the meetings of confs that the client's user hosts, in
// their order. An entry whose HostKnown is true is judged by CanControl,
// with no request; for each of the others Hosted reads the details as the
// client's user (confDetail), at most concurrency at a time (1 to 8), and
// returns those details for the meetings it hosts. A meeting whose details
// say not found, ended or not permitted is not the user's to end and is left
// out. Any other failure stops the work: Hosted returns the meetings it had
// settled as hosted with the first such error, and all its calls have
// returned when it does.
func (c *Client) Hosted(ctx context.Context, confs []Conference, concurrency int) ([]Conference, error) {
	settled := make([]Conference, len(confs))
	hosts := make([]bool, len(confs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(min(max(concurrency, 1), maxHostedConcurrency))
	skipped := false // some meetings were never asked about
	for i, conf := range confs {
		if conf.HostKnown() {
			settled[i], hosts[i] = conf, conf.CanControl()
			continue
		}
		if gctx.Err() != nil {
			skipped = true // a call failed, or the caller gave up
			continue
		}
		g.Go(func() error {
			d, err := c.Meeting(gctx, conf.ID)
			switch {
			case err == nil:
				settled[i], hosts[i] = d, d.CanControl()
			case errors.Is(err, ErrNotFound), errors.Is(err, ErrAlreadyEnded), errors.Is(err, ErrNotPermitted):
			default:
				return err
			}
			return nil
		})
	}
	err := g.Wait()
	if err == nil && skipped {
		err = waitError(ctx, "confDetail") // the caller gave up before every meeting was settled
	}
	var out []Conference
	for i := range confs {
		if hosts[i] {
			out = append(out, settled[i])
		}
	}
	return out, err
}
