package handlers

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Claims records which prompts have been answered (by the nonce of their
// ticket), so that of several clicks on one prompt, on any replica, one
// acts. Package main gives the handlers Redis's when replicas share it.
type Claims interface {
	// Claim claims nonce for the click envelope until the given time. won
	// says this call made the claim; otherwise holder says who holds it,
	// if known, as the envelope ID that claimed it, optionally after a
	// replica's name and a slash ("replica-a/envelope"). An error means
	// nothing is known, and the click must not act as if it had won.
	Claim(ctx context.Context, nonce, envelope string, until time.Time) (won bool, holder string, err error)
	// Holder returns who holds nonce's claim, as Claim does, or "" when
	// nobody does (or it is not known).
	Holder(ctx context.Context, nonce string) (string, error)
}

// heldBy reports whether holder, as Claims.Claim returns it, names
// envelope: the claim was made by an earlier delivery of the same click,
// which Slack sends again when it did not see the ack.
func heldBy(holder, envelope string) bool {
	return envelope != "" && (holder == envelope || strings.HasSuffix(holder, "/"+envelope))
}

// ClaimGuarded reports whether a click on the button with action ID id
// is served once by its prompt's claim, however often Slack delivers it:
// a second delivery finds the claim held by its own envelope and does
// nothing. A transport need not tell such a click's redelivery itself.
func ClaimGuarded(id string) bool {
	switch id {
	case ActionEnd, ActionCancel, ActionAskForGood, ActionEndForGood:
		return true
	}
	return false
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
	m    map[string]claim // by nonce
	peak int              // the most entries m has held since it was made
}

// claim is one prompt's claim in memory.
type claim struct {
	until    time.Time // when it expires
	envelope string    // the click's that made it
}

func newClaims(now func() time.Time) *claims {
	return &claims{now: now, m: map[string]claim{}}
}

// Claim claims nonce in this process's memory; it never fails.
func (c *claims) Claim(_ context.Context, nonce, envelope string, until time.Time) (bool, string, error) {
	holder, won := c.add(nonce, envelope, c.now(), until)
	return won, holder, nil
}

// Holder returns the envelope that holds nonce's claim, or "".
func (c *claims) Holder(_ context.Context, nonce string) (string, error) {
	now := c.now().Round(0)
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.m[nonce]; ok && now.Before(cl.until) {
		return cl.envelope, nil
	}
	return "", nil
}

// add claims nonce for envelope at now until until, and returns the
// envelope that holds the claim. It is atomic: of two calls racing, one
// wins; later calls lose until the claim expires.
func (c *claims) add(nonce, envelope string, now, until time.Time) (holder string, won bool) {
	now = now.Round(0) // the wall clock: see claims
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[nonce]; ok && now.Before(old.until) {
		return old.envelope, false
	}
	c.m[nonce] = claim{until: until.Round(0), envelope: envelope}
	c.peak = max(c.peak, len(c.m))
	return envelope, true
}

// sweep drops the claims expired at now, and gives back the room of a
// burst that is over.
func (c *claims) sweep(now time.Time) {
	now = now.Round(0)
	c.mu.Lock()
	defer c.mu.Unlock()
	for nonce, cl := range c.m {
		if !now.Before(cl.until) {
			delete(c.m, nonce)
		}
	}
	if len(c.m) <= c.peak/4 {
		m := make(map[string]claim, len(c.m))
		for nonce, cl := range c.m {
			m[nonce] = cl
		}
		c.m, c.peak = m, len(m)
	}
}
