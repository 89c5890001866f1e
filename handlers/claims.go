package handlers

import (
	"sync"
	"time"
)

// claims remembers the prompts already answered (by nonce), each for ttl,
// so that of two clicks on one prompt only one acts.
//
// It is a map rather than a go-cache: a Go map keeps the room it once
// needed after its entries are deleted, so a burst of clicks would hold its
// peak for the life of the process. sweep rebuilds the map once it has
// shrunk to a quarter of its peak.
type claims struct {
	ttl  time.Duration
	mu   sync.Mutex
	m    map[string]time.Time // nonce → when the claim expires
	peak int                  // the most entries m has held since it was made
}

func newClaims(ttl time.Duration) *claims {
	return &claims{ttl: ttl, m: map[string]time.Time{}}
}

// add claims nonce at now. It is atomic: of two calls racing, one returns
// true; later calls return false until the claim expires.
func (c *claims) add(nonce string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp, ok := c.m[nonce]; ok && now.Before(exp) {
		return false
	}
	c.m[nonce] = now.Add(c.ttl)
	c.peak = max(c.peak, len(c.m))
	return true
}

// sweep drops the claims expired at now, and gives back the room of a
// burst that is over.
func (c *claims) sweep(now time.Time) {
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
