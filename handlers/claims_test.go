package handlers

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestClaimsOnceUntilExpiry(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	until := t0.Add(time.Minute)
	c := newClaims(time.Now)
	if !wins(c.add("n1", "env", t0, until)) {
		t.Fatal("first claim refused")
	}
	if wins(c.add("n1", "env", t0.Add(59*time.Second), until)) {
		t.Error("second claim before the first expired accepted")
	}
	if !wins(c.add("n2", "env", t0, until)) {
		t.Error("a claim on another nonce refused")
	}
	if !wins(c.add("n1", "env", until, until.Add(time.Minute))) {
		t.Error("a claim after the first expired refused")
	}
}

// TestClaimsWallClock checks that a claim's expiry is kept on the wall
// clock only. A time.Now reading also carries the monotonic clock, and Go
// compares two such times by it; a ticket's age is reckoned on the wall
// clock (its issue time travels as Unix milliseconds), so after a step of
// the system clock a monotonic expiry would end a claim while its ticket
// is still accepted.
func TestClaimsWallClock(t *testing.T) {
	now := time.Now()
	c := newClaims(time.Now)
	if !wins(c.add("n", "env", now, now.Add(time.Minute))) {
		t.Fatal("first claim refused")
	}
	if exp := c.m["n"].until; strings.Contains(exp.String(), " m=") {
		t.Errorf("the claim's expiry %v carries a monotonic clock reading", exp)
	}
}

func TestClaimsRace(t *testing.T) {
	c := newClaims(time.Now)
	now := time.Now()
	var wg sync.WaitGroup
	won := make(chan struct{}, 50)
	for range 50 {
		wg.Go(func() {
			if wins(c.add("n", "env", now, now.Add(time.Minute))) {
				won <- struct{}{}
			}
		})
	}
	wg.Wait()
	if n := len(won); n != 1 {
		t.Errorf("%d of 50 racing claims won, want 1", n)
	}
}

// TestClaimsSweep checks that sweep drops what expired, keeps the rest,
// and rebuilds the map once a burst is over (a Go map never shrinks).
func TestClaimsSweep(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	c := newClaims(time.Now)
	for i := range 1000 {
		c.add(fmt.Sprint("burst", i), "env", t0, t0.Add(time.Minute))
	}
	c.add("late", "env", t0.Add(30*time.Second), t0.Add(90*time.Second))
	old := c.m

	c.sweep(t0.Add(59 * time.Second)) // nothing expired
	if len(c.m) != 1001 || c.peak != 1001 {
		t.Fatalf("after a sweep with nothing expired: %d claims, peak %d; want 1001, 1001", len(c.m), c.peak)
	}

	c.sweep(t0.Add(time.Minute)) // the burst expired
	if len(c.m) != 1 {
		t.Fatalf("after the burst expired: %d claims, want 1", len(c.m))
	}
	if c.peak != 1 {
		t.Errorf("peak = %d after the rebuild, want 1", c.peak)
	}
	if len(old) != 1 { // the sweep deleted from the old map before the rebuild
		t.Errorf("the old map holds %d, want 1", len(old))
	}
	old["marker"] = claim{until: t0} // a rebuilt map is a new map
	if _, shared := c.m["marker"]; shared {
		t.Error("the map was not rebuilt after the burst")
	}
	if wins(c.add("late", "env", t0.Add(time.Minute), t0.Add(2*time.Minute))) {
		t.Error("the claim kept through the rebuild was lost")
	}
}

// wins is add's won.
func wins(_ string, won bool) bool { return won }
