package handlers

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// claimsFunc is a Claims whose Claim is a function.
type claimsFunc func(ctx context.Context, nonce, envelope string, until time.Time) (bool, string, error)

func (f claimsFunc) Claim(ctx context.Context, nonce, envelope string, until time.Time) (bool, string, error) {
	return f(ctx, nonce, envelope, until)
}

func newClaimsHarness(t *testing.T, c Claims) *harness {
	t.Helper()
	hs := newHarness(t, adminPolicy, nil, nil)
	hs.h = New(Config{ButtonKey: testKey, Meetings: hs.meetings, Authorizer: testAuthorizer(adminPolicy, hs.dir, 0, 0),
		Logger: slog.New(slog.NewJSONHandler(hs.log, &slog.HandlerOptions{Level: slog.LevelDebug})), Now: hs.clock.Now, Claims: c})
	return hs
}

// TestClaimUnavailableEndsNothing: when the shared claims cannot be asked,
// a click ends nothing and cancels nothing, and says so.
func TestClaimUnavailableEndsNothing(t *testing.T) {
	down := true
	hs := newClaimsHarness(t, claimsFunc(func(_ context.Context, nonce, env string, until time.Time) (bool, string, error) {
		if down {
			return false, "", errors.New("redis unavailable: timeout")
		}
		return true, "r1/" + env, nil
	}))
	v := hs.prompt(t)
	for _, action := range []string{ActionEnd, ActionCancel} {
		rs := hs.click(t, click(action, as(t, v, action)))
		checkReplies(t, rs, []wantReply{{"I cannot confirm this right now, so nothing was ended", false, false}})
	}
	if s := hs.meetings.stops(); len(s) != 0 {
		t.Fatalf("Stop calls = %v, want none without a claim", s)
	}
	for _, a := range hs.log.audits(t)[1:] {
		if a["outcome"] != OutcomeFailed || a["error_class"] != ClassClaim {
			t.Errorf("audit record = %v, want failed, %s", a, ClassClaim)
		}
	}
	down = false // the store is back: the same prompt works
	checkReplies(t, hs.click(t, click(ActionEnd, v)), endedReplies)
}

// TestClaimLostNamesTheHolder: a click that loses the claim says the prompt
// is answered, acts on nothing, and the audit record names who holds it.
func TestClaimLostNamesTheHolder(t *testing.T) {
	var got struct {
		nonce, env string
		until      time.Time
	}
	hs := newClaimsHarness(t, claimsFunc(func(_ context.Context, nonce, env string, until time.Time) (bool, string, error) {
		got.nonce, got.env, got.until = nonce, env, until
		return false, "replica-b/env-9", nil
	}))
	v := hs.prompt(t)
	tk, _ := testSigner.decode(v)
	checkReplies(t, hs.click(t, click(ActionEnd, v)), []wantReply{duplicateReply})
	if s := hs.meetings.stops(); len(s) != 0 {
		t.Errorf("Stop calls = %v, want none", s)
	}
	if got.nonce != tk.Nonce || got.env != "env-click-1" || !got.until.Equal(tk.issued().Add(DefaultConfirmTimeout+time.Minute)) {
		t.Errorf("Claim(%q, %q, %v), want the ticket's nonce, the click's envelope and the prompt's life plus a minute", got.nonce, got.env, got.until)
	}
	checkAudits(t, hs.log, []map[string]string{{"kind": "command"}, {"kind": "click", "decision": DecisionDuplicate, "claimed_by": "replica-b/env-9"}})
}
