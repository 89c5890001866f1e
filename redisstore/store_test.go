package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"meetingbot/internal/redistest"
)

func newStore(t *testing.T, url, replica string, timeout time.Duration) *Store {
	t.Helper()
	s, err := New(Config{URL: url, Replica: replica, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestClaimOnceAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	a := newStore(t, srv.URL(), "replica-a", 0)
	b := newStore(t, srv.URL(), "replica-b", 0)
	const n = 40
	var wg sync.WaitGroup
	results := make([]Claim, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			<-start
			results[i], errs[i] = s.Claim(context.Background(), "nonce-1", "env-"+string(rune('A'+i)), time.Minute)
		})
	}
	close(start)
	wg.Wait()
	var winner string
	won := 0
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if r.Won {
			won++
			winner = r.Holder
		}
	}
	if won != 1 {
		t.Fatalf("winners = %d, want 1", won)
	}
	for _, r := range results {
		if !r.Won && r.Holder != winner {
			t.Errorf("loser sees holder %q, want the winner %q", r.Holder, winner)
		}
	}
	if !strings.HasPrefix(winner, "replica-") || !strings.Contains(winner, "/env-") {
		t.Errorf("holder = %q, want replica/envelope", winner)
	}
	// Another prompt is another claim.
	if c, err := a.Claim(context.Background(), "nonce-2", "env-x", time.Minute); err != nil || !c.Won {
		t.Errorf("claim of another nonce = %+v, %v; want won", c, err)
	}
}

func TestClaimKeysHaveTTLAndPrefix(t *testing.T) {
	srv := redistest.Start(t)
	s, err := New(Config{URL: srv.URL(), Replica: "r1", Prefix: "team-a:"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Claim(ctx, "n1", "e1", 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FirstDelivery(ctx, "e1", 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("keys = %q, want the claim and the envelope", keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "team-a:") {
			t.Errorf("key %q lacks the prefix", k)
		}
		ttl, err := c.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 || ttl > 5*time.Minute {
			t.Errorf("key %q: TTL %v, %v; want a TTL up to 5m", k, ttl, err)
		}
	}
}

func TestClaimExpires(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.URL(), "r1", 0)
	ctx := context.Background()
	if c, _ := s.Claim(ctx, "n", "e1", 50*time.Millisecond); !c.Won {
		t.Fatal("first claim lost")
	}
	if c, _ := s.Claim(ctx, "n", "e2", 50*time.Millisecond); c.Won {
		t.Fatal("second claim won before the TTL")
	}
	time.Sleep(120 * time.Millisecond)
	if c, err := s.Claim(ctx, "n", "e3", time.Minute); err != nil || !c.Won {
		t.Errorf("claim after the TTL = %+v, %v; want won", c, err)
	}
}

func TestFirstDelivery(t *testing.T) {
	srv := redistest.Start(t)
	a := newStore(t, srv.URL(), "a", 0)
	b := newStore(t, srv.URL(), "b", 0)
	ctx := context.Background()
	if first, err := a.FirstDelivery(ctx, "env-1", time.Minute); err != nil || !first {
		t.Fatalf("first delivery = %v, %v", first, err)
	}
	if first, err := b.FirstDelivery(ctx, "env-1", time.Minute); err != nil || first {
		t.Errorf("retry on another replica = %v, %v; want not first", first, err)
	}
}

// TestUnavailable covers the faults a real server can produce: stopped,
// back again (the client reconnects by itself), a read-only replica, a
// command that times out, and a connection dropped in mid-command.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	t.Run("stopped, then back", func(t *testing.T) {
		srv := redistest.Start(t)
		s := newStore(t, srv.URL(), "r", 300*time.Millisecond)
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		srv.Stop()
		if c, err := s.Claim(ctx, "n", "e", time.Minute); !errors.Is(err, ErrUnavailable) || c.Won {
			t.Fatalf("claim with Redis stopped = %+v, %v; want ErrUnavailable", c, err)
		}
		if _, err := s.FirstDelivery(ctx, "e", time.Minute); !errors.Is(err, ErrUnavailable) {
			t.Errorf("FirstDelivery with Redis stopped = %v, want ErrUnavailable", err)
		}
		if h, err := s.Holder(ctx, "n"); !errors.Is(err, ErrUnavailable) || h != "" {
			t.Errorf("Holder with Redis stopped = %q, %v; want ErrUnavailable", h, err)
		}
		srv.Restart()
		if c, err := s.Claim(ctx, "n", "e", time.Minute); err != nil || !c.Won {
			t.Errorf("claim after the restart = %+v, %v; want won, with no new client", c, err)
		}
	})
	t.Run("read-only replica", func(t *testing.T) {
		primary := redistest.Start(t)
		replica := redistest.Start(t)
		if err := replica.Client().Do(ctx, "REPLICAOF", "127.0.0.1", strings.TrimPrefix(primary.Addr(), "127.0.0.1:")).Err(); err != nil {
			t.Fatal(err)
		}
		s := newStore(t, replica.URL(), "r", 0)
		if c, err := s.Claim(ctx, "n", "e", time.Minute); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "READONLY") || c.Won {
			t.Errorf("claim on a replica = %+v, %v; want ErrUnavailable with READONLY", c, err)
		}
		if err := s.Check(ctx); err == nil || !strings.Contains(err.Error(), "replica") {
			t.Errorf("Check on a replica = %v, want it named", err)
		}
		if err := newStore(t, primary.URL(), "r", 0).Check(ctx); err != nil {
			t.Errorf("Check on the primary = %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		srv := redistest.Start(t)
		s := newStore(t, srv.URL(), "r", 200*time.Millisecond)
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		if err := srv.Client().Do(ctx, "CLIENT", "PAUSE", "1500", "ALL").Err(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		c, err := s.Claim(ctx, "n", "e", time.Minute)
		if !errors.Is(err, ErrUnavailable) || c.Won {
			t.Errorf("claim while Redis is paused = %+v, %v; want ErrUnavailable", c, err)
		}
		if d := time.Since(start); d > 1200*time.Millisecond {
			t.Errorf("the claim took %v; want it cut at its timeout, well before the pause ends", d)
		}
	})
	t.Run("connection dropped mid-command", func(t *testing.T) {
		srv := redistest.Start(t)
		s := newStore(t, srv.URL(), "r", 3*time.Second)
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		if err := srv.Client().Do(ctx, "CLIENT", "PAUSE", "2000", "ALL").Err(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := s.Claim(ctx, "n", "e", time.Minute); done <- err }()
		time.Sleep(100 * time.Millisecond) // the claim is sent and waits
		srv.Stop()
		select {
		case err := <-done:
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("claim whose connection dropped = %v, want ErrUnavailable", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the claim did not return after its connection dropped")
		}
	})
}

func TestConnectBoundedRetry(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop()
	s := newStore(t, srv.URL(), "r", 100*time.Millisecond)
	start := time.Now()
	if err := s.Connect(context.Background(), 3, slog.New(slog.DiscardHandler)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Connect to a stopped Redis = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Connect took %v; three tries should take about a second", d)
	}
}

func TestURLsAndSecrets(t *testing.T) {
	for _, bad := range []string{"", "http://localhost:6379", "redis://user:hunter2@[::1", "localhost:6379"} {
		if _, err := New(Config{URL: bad}); err == nil {
			t.Errorf("New(%q) = nil error", bad)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("New(%q) error %q shows the password", bad, err)
		}
	}
	s, err := New(Config{URL: "rediss://user:hunter2@cache.example:6380/2"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Addr() != "cache.example:6380" {
		t.Errorf("Addr = %q", s.Addr())
	}
	// A dial error names no password either.
	err = s.Ping(context.Background())
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Ping = %v; want an error without the password", err)
	}
}

func TestHolder(t *testing.T) {
	srv := redistest.Start(t)
	a := newStore(t, srv.URL(), "replica-a", 0)
	b := newStore(t, srv.URL(), "replica-b", 0)
	ctx := context.Background()
	if h, err := b.Holder(ctx, "n"); h != "" || err != nil {
		t.Errorf("Holder of an unclaimed nonce = %q, %v; want \"\", nil", h, err)
	}
	if _, err := a.Claim(ctx, "n", "env-1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if h, err := b.Holder(ctx, "n"); h != "replica-a/env-1" || err != nil {
		t.Errorf("Holder = %q, %v; want replica-a/env-1", h, err)
	}
}
