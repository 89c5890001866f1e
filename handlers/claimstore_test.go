package handlers

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// claimsFunc is a Claims whose Claim is a function.
type claimsFunc func(ctx context.Context, nonce, envelope string, until time.Time) (bool, string, error)

func (f claimsFunc) Claim(ctx context.Context, nonce, envelope string, until time.Time) (bool, string, error) {
	return f(ctx, nonce, envelope, until)
}

// Holder knows nobody: the click goes on to its claim.
func (f claimsFunc) Holder(context.Context, string) (string, error) { return "", nil }

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

// TestClickRedelivered: Slack's second delivery of a click (the same
// envelope) finds the claim held by that envelope: no reply, no second
// stop or cancel, and an audit record that says so. A new envelope on the
// same prompt is a double click, and is told.
func TestClickRedelivered(t *testing.T) {
	for _, action := range []string{ActionEnd, ActionCancel} {
		t.Run(action, func(t *testing.T) {
			hs := newHarness(t, adminPolicy, nil, nil)
			v := as(t, hs.prompt(t), action)
			first := click(action, v)
			first.EnvelopeID = "env-retried"
			if rs := hs.click(t, first); len(rs) == 0 {
				t.Fatal("the first delivery got no reply")
			}
			if rs := hs.click(t, first); len(rs) != 0 {
				t.Errorf("the second delivery got replies %+v, want none", rs)
			}
			checkReplies(t, hs.click(t, click(action, v)), []wantReply{duplicateReply})
			stops := 0
			if action == ActionEnd {
				stops = 1
			}
			if s := hs.meetings.stops(); len(s) != stops {
				t.Errorf("Stop calls = %v, want %d", s, stops)
			}
			audits := hs.log.audits(t)
			if len(audits) != 4 {
				t.Fatalf("audit records = %d, want 4", len(audits))
			}
			if a := audits[2]; a["decision"] != DecisionDuplicate || a["reason"] != ReasonRedelivered || a["claimed_by"] != "env-retried" {
				t.Errorf("the redelivery's audit record = %v, want duplicate, %s, claimed by env-retried", a, ReasonRedelivered)
			}
			if a := audits[3]; a["decision"] != DecisionDuplicate || a["reason"] != nil || a["claimed_by"] != "env-retried" {
				t.Errorf("the double click's audit record = %v, want duplicate with no reason, claimed by env-retried", a)
			}
		})
	}
}

// TestClaimHeldByAnotherReplica: a shared store's holder names a replica
// before the envelope; the click's own envelope is told apart from one
// whose ID only ends the same way.
func TestClaimHeldByAnotherReplica(t *testing.T) {
	for _, tt := range []struct {
		holder, envelope string
		want             bool
	}{
		{"env-1", "env-1", true},
		{"replica-b/env-1", "env-1", true},
		{"replica-b/env-10", "env-1", false},
		{"replica-b/xenv-1", "env-1", false},
		{"replica-b/env-1", "", false},
		{"", "", false},
		{"", "env-1", false},
	} {
		if got := heldBy(tt.holder, tt.envelope); got != tt.want {
			t.Errorf("heldBy(%q, %q) = %v, want %v", tt.holder, tt.envelope, got, tt.want)
		}
	}
	hs := newClaimsHarness(t, claimsFunc(func(_ context.Context, nonce, env string, until time.Time) (bool, string, error) {
		return false, "replica-b/" + env, nil
	}))
	if rs := hs.click(t, click(ActionEnd, hs.prompt(t))); len(rs) != 0 {
		t.Errorf("replies = %+v, want none for a click whose own envelope holds the claim", rs)
	}
	if s := hs.meetings.stops(); len(s) != 0 {
		t.Errorf("Stop calls = %v, want none", s)
	}
}

func TestClaimGuarded(t *testing.T) {
	for _, id := range []string{ActionEnd, ActionCancel, ActionAskForGood, ActionEndForGood} {
		if !ClaimGuarded(id) {
			t.Errorf("ClaimGuarded(%q) = false: a prompt's button is claimed", id)
		}
	}
	// The list's button opens a prompt without a claim, and needs the
	// transport's envelope dedupe; an unknown action is served by nothing.
	for _, id := range []string{ActionPick, "other", ""} {
		if ClaimGuarded(id) {
			t.Errorf("ClaimGuarded(%q) = true", id)
		}
	}
}

// TestClickRetriedAfterItsPromptExpired: Slack's retry of a click that
// ended the meeting arrives once the prompt is too old. It is told apart
// by the claim before the prompt's age is checked, so it says nothing,
// instead of replacing the result with "expired"; a first delivery that
// late is told the prompt expired.
func TestClickRetriedAfterItsPromptExpired(t *testing.T) {
	hs := newHarness(t, adminPolicy, nil, nil)
	v := hs.prompt(t)
	first := click(ActionEnd, v)
	first.EnvelopeID = "env-first"
	checkReplies(t, hs.click(t, first), endedReplies)
	hs.clock.Advance(DefaultConfirmTimeout + time.Second)
	retry := first
	retry.Retry = true
	if rs := hs.click(t, retry); len(rs) != 0 {
		t.Errorf("the retry got replies %+v, want none", rs)
	}
	late := click(ActionEnd, v) // another envelope, as late
	if rs := hs.click(t, late); len(rs) != 1 || !strings.Contains(rs[0].Text.String(), "expired") {
		t.Errorf("a late first delivery got %+v, want the expired reply", rs)
	}
	if s := hs.meetings.stops(); len(s) != 1 {
		t.Errorf("Stop calls = %v, want 1", s)
	}
	audits := hs.log.audits(t)
	if a := audits[2]; a["decision"] != DecisionDuplicate || a["reason"] != ReasonRedelivered || a["claimed_by"] != "env-first" {
		t.Errorf("the retry's audit record = %v, want duplicate, %s, claimed by env-first", a, ReasonRedelivered)
	}
}
