package handlers

import (
	"context"
	"sync"
	"time"
)

// Claims records which prompts have been answered (by the nonce of their
// ticket), so that of several clicks on one prompt, on any replica, one
// acts. Package main gives the handlers Redis's when replicas share it.
type Claims interface {
	// Claim claims nonce for the click envelope until the given time. won
	// says this call made the claim; otherwise holder says who holds it,
	// if known. An error means nothing is known, and the click must not
	// act as if it had won.
	Claim(ctx context.Context, nonce, envelope string, until time.Time) (won bool, holder string, err error)
}

// claims remembers the prompts already answered (by nonce), each until its
// prompt can no longer be clicked, so that of two clicks on one prompt only
// one acts. Times are compared on the wall clock, as the tickets' ages are
// (a ticket carries its issue time in Unix milliseconds): a claim then
// covers its ticket whatever the clock does meanwhile.
//
// It is a map rather than a go-cache: a Go map keeps the room it once
// needed after its entries are deleted, so a burst of clicks would hold its
// peak for the life of the process. sweep rebuilds the map once it has
// shrunk to a quarter of its peak.
type claims struct {
	now  func() time.Time
	mu   sync.Mutex
	m    map[string]time.Time // nonce → when the claim expires
	peak int                  // the most entries m has held since it was made
}

func newClaims(now func() time.Time) *claims {
	return &claims{now: now, m: map[string]time.Time{}}
}

// Claim claims nonce in this process's memory; it never fails.
func (c *claims) Claim(_ context.Context, nonce, envelope string, until time.Time) (bool, string, error) {
	if c.add(nonce, c.now(), until) {
		return true, envelope, nil
	}
	return false, "", nil
}

// add claims nonce at now until until. It is atomic: of two calls racing,
// one returns true; later calls return false until the claim expires.
func (c *claims) add(nonce string, now, until time.Time) bool {
	now = now.Round(0) // the wall clock: see claims
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp, ok := c.m[nonce]; ok && now.Before(exp) {
		return false
	}
	c.m[nonce] = until.Round(0)
	c.peak = max(c.peak, len(c.m))
	return true
}

// sweep drops the claims expired at now, and gives back the room of a
// burst that is over.
func (c *claims) sweep(now time.Time) {
	now = now.Round(0)
	c.mu.Lock()
	defer c.mu.Unlock()
	for nonce, exp := range c.m {
		if !now.Before(exp) {
			delete(c.m, nonce)
		}
	}
	if len(c.m) <= c.peak/4 {
		m := make(map[string]time.Time, len(c.m))
		for nonce, exp := range c.m {
			m[nonce] = exp
		}
		c.m, c.peak = m, len(m)
	}
}
