package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"meetingbot/meeting"
)

func TestAudit(t *testing.T) {
	stopFails := func(kind error) *fakeMeetings {
		return &fakeMeetings{StopFn: func(context.Context, meeting.ID) (meeting.StopResult, error) {
			return meeting.StopResult{}, huaweiError("stop", kind)
		}}
	}
	prepareFails := func(kind error) *fakeMeetings {
		return &fakeMeetings{PrepareFn: func(_ context.Context, id meeting.ID) (meeting.Conference, error) {
			return meeting.Conference{ID: id, RequestID: "req-detail-9"}, huaweiError("confDetail", kind)
		}}
	}
	// Each step returns the replies whose refs must be the records' refs.
	quick := func(text string) func(*testing.T, *harness) []Reply {
		return func(t *testing.T, hs *harness) []Reply {
			r, _, _ := begin(t, hs, command(text))
			return []Reply{r}
		}
	}
	cmd := func(text string) func(*testing.T, *harness) []Reply {
		return func(t *testing.T, hs *harness) []Reply {
			out := &recordingReplier{}
			hs.h.Command(context.Background(), command(text), out)
			return out.all()
		}
	}
	// clickAfter prompts, runs before, and clicks with action as user.
	clickAfter := func(action, user string, before func(*harness)) func(*testing.T, *harness) []Reply {
		return func(t *testing.T, hs *harness) []Reply {
			v := hs.prompt(t)
			if before != nil {
				before(hs)
			}
			c := click(action, as(t, v, action))
			c.UserID = user
			return hs.click(t, c)
		}
	}
	type rec map[string]string // fields of a record; "" means absent
	tests := []struct {
		name     string
		policy   Policy
		dir      *fakeDirectory
		meetings *fakeMeetings
		run      func(*testing.T, *harness) []Reply
		want     []rec
	}{
		{"quick help", adminPolicy, nil, nil, quick("help"), nil}, // help is no decision
		{"quick bad ID", adminPolicy, nil, nil, quick("914044873&x=1"),
			[]rec{{"kind": "command", "decision": "invalid", "outcome": "none", "meeting_id": "", "error_class": "invalid_id"}}},
		{"quick meeting ID", adminPolicy, nil, nil, quick("914044873"), nil},
		{"command bad ID", adminPolicy, nil, nil, cmd("../1"),
			[]rec{{"kind": "command", "decision": "invalid", "outcome": "none", "error_class": "invalid_id"}}},
		{"command denied", Policy{}, nil, nil, cmd("914 044 873"),
			[]rec{{"kind": "command", "decision": "denied", "reason": "no_rule", "rule": "", "outcome": "none", "meeting_id": "914044873"}}},
		{"command denied by channel", Policy{AdminUsers: []string{testUser}, Channels: []string{"C0OTHER"}}, nil, nil, cmd("914044873"),
			[]rec{{"kind": "command", "decision": "denied", "reason": "channel", "outcome": "none"}}},
		{"command look-up failed", Policy{AdminGroups: []string{"S1"}}, &fakeDirectory{}, nil, cmd("914044873"),
			[]rec{{"kind": "command", "decision": "denied", "reason": "lookup_failed", "outcome": "none", "error_class": "slack_lookup"}}},
		{"command prompted", adminPolicy, nil, nil, cmd("914044873"),
			[]rec{{"kind": "command", "decision": "allowed", "rule": "admin_user", "outcome": "prompted", "huawei_request_id": "req-prepare-1", "error_class": ""}}},
		{"command by group", Policy{AdminGroups: []string{"S1"}}, staticDirectory(nil, map[string][]string{"S1": {testUser}}), nil, cmd("914044873"),
			[]rec{{"kind": "command", "decision": "allowed", "rule": "admin_group", "outcome": "prompted"}}},
		{"command not found", adminPolicy, nil, prepareFails(meeting.ErrNotFound), cmd("914044873"),
			[]rec{{"kind": "command", "decision": "allowed", "rule": "admin_user", "outcome": "failed", "error_class": "not_found", "huawei_request_id": "req-detail-9"}}},
		{"command already ended", adminPolicy, nil, prepareFails(meeting.ErrAlreadyEnded), cmd("914044873"),
			[]rec{{"decision": "allowed", "outcome": "already_ended", "error_class": "already_ended", "huawei_request_id": "req-detail-9"}}},
		{"command credentials", adminPolicy, nil, &fakeMeetings{PrepareFn: func(context.Context, meeting.ID) (meeting.Conference, error) {
			return meeting.Conference{}, huaweiError("auth", meeting.ErrCredentials)
		}}, cmd("914044873"),
			[]rec{{"decision": "allowed", "outcome": "failed", "error_class": "credentials", "huawei_request_id": "req-7d1c9e"}}},

		{"click ended", adminPolicy, nil, nil, clickAfter(ActionEnd, testUser, nil), []rec{
			{"kind": "command", "outcome": "prompted"},
			{"kind": "click", "decision": "allowed", "rule": "admin_user", "outcome": "ended", "huawei_request_id": "req-stop-1", "meeting_id": "914044873", "envelope_id": "env-click-1", "error_class": ""},
		}},
		{"click stop failed", adminPolicy, nil, stopFails(meeting.ErrUnavailable), clickAfter(ActionEnd, testUser, nil), []rec{
			{"kind": "command", "outcome": "prompted"},
			{"kind": "click", "decision": "allowed", "rule": "admin_user", "outcome": "failed", "error_class": "unavailable", "huawei_request_id": "req-7d1c9e"},
		}},
		{"click already ended", adminPolicy, nil, stopFails(meeting.ErrAlreadyEnded), clickAfter(ActionEnd, testUser, nil), []rec{
			{"kind": "command", "outcome": "prompted"},
			{"kind": "click", "decision": "allowed", "outcome": "already_ended", "error_class": "already_ended"},
		}},
		{"click cancelled", adminPolicy, nil, nil, clickAfter(ActionCancel, testUser, nil), []rec{
			{"kind": "command"},
			{"kind": "click", "decision": "cancelled", "outcome": "none", "rule": "", "meeting_id": "914044873"},
		}},
		{"click expired", adminPolicy, nil, nil, clickAfter(ActionEnd, testUser, func(hs *harness) { hs.clock.Advance(time.Hour) }), []rec{
			{"kind": "command"},
			{"kind": "click", "decision": "expired", "outcome": "none", "meeting_id": "914044873"},
		}},
		{"click by another user", adminPolicy, nil, nil, clickAfter(ActionEnd, otherUser, nil), []rec{
			{"kind": "command", "actor": testUser},
			{"kind": "click", "decision": "denied", "reason": "not_requester", "outcome": "none", "actor": otherUser},
		}},
		{"click revoked", Policy{AdminGroups: []string{"S1"}}, &fakeDirectory{}, nil, func(t *testing.T, hs *harness) []Reply {
			hs.dir.GroupMembersFn = func(context.Context, string) ([]string, error) { return []string{testUser}, nil }
			return clickAfter(ActionEnd, testUser, func(hs *harness) {
				hs.dir.GroupMembersFn = func(context.Context, string) ([]string, error) { return []string{otherUser}, nil }
			})(t, hs)
		}, []rec{
			{"kind": "command", "rule": "admin_group"},
			{"kind": "click", "decision": "denied", "reason": "no_rule", "outcome": "none"},
		}},
		{"click duplicate", adminPolicy, nil, nil, func(t *testing.T, hs *harness) []Reply {
			v := hs.prompt(t)
			hs.click(t, click(ActionEnd, v))
			return hs.click(t, click(ActionEnd, v))
		}, []rec{
			{"kind": "command"},
			{"kind": "click", "outcome": "ended"},
			{"kind": "click", "decision": "duplicate", "outcome": "none", "huawei_request_id": ""},
		}},
		{"click tampered", adminPolicy, nil, nil, func(t *testing.T, hs *harness) []Reply {
			return hs.click(t, click(ActionEnd, tamper(goodJSON(1)+" ")))
		}, []rec{
			{"kind": "click", "decision": "invalid", "outcome": "none", "meeting_id": ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, tt.policy, tt.dir, tt.meetings)
			replies := tt.run(t, hs)
			got := hs.log.audits(t)
			if len(got) != len(tt.want) {
				t.Fatalf("audit records = %d, want %d:\n%s", len(got), len(tt.want), hs.log.String())
			}
			for i, w := range tt.want {
				for k, v := range w {
					g, _ := got[i][k].(string)
					if g != v {
						t.Errorf("record %d: %s = %q, want %q", i, k, g, v)
					}
				}
				for _, k := range []string{"kind", "ref", "envelope_id", "team", "channel", "actor", "meeting_id", "decision", "outcome", "duration_ms"} {
					if _, ok := got[i][k]; !ok {
						t.Errorf("record %d has no %s", i, k)
					}
				}
				if got[i]["team"] != testTeam || got[i]["channel"] != testChannel {
					t.Errorf("record %d: team %v channel %v", i, got[i]["team"], got[i]["channel"])
				}
				if _, ok := got[i]["error_class"]; ok && got[i]["error"] == nil {
					t.Errorf("record %d has an error_class without the error", i)
				}
			}
			// A message with a ref points to the last record.
			if len(got) > 0 {
				for _, r := range replies {
					if ref := refOf(r.Text.String()); ref != "" && ref != got[len(got)-1]["ref"] {
						t.Errorf("reply ref %s, record ref %v", ref, got[len(got)-1]["ref"])
					}
				}
			}
			refs := map[any]bool{}
			for _, r := range got {
				if refs[r["ref"]] {
					t.Errorf("ref %v used twice", r["ref"])
				}
				refs[r["ref"]] = true
			}
		})
	}
}

func TestAuditDuration(t *testing.T) {
	hs := newHarness(t, adminPolicy, nil, nil)
	clock := hs.clock
	hs.meetings.PrepareFn = func(_ context.Context, id meeting.ID) (meeting.Conference, error) {
		clock.Advance(1500 * time.Millisecond)
		return meeting.Conference{ID: id, Subject: testSubject}, nil
	}
	hs.prompt(t)
	got := hs.log.audits(t)
	if len(got) != 1 || got[0]["duration_ms"] != 1500.0 {
		t.Errorf("audit records = %v, want one with duration_ms 1500", got)
	}
}

func TestAuditKeepsSecretsOut(t *testing.T) {
	hs := newHarness(t, adminPolicy, nil, nil)
	v := hs.prompt(t)
	tk, err := testSigner.decode(v)
	if err != nil {
		t.Fatal(err)
	}
	hs.click(t, click(ActionEnd, v))
	hs.click(t, click(ActionEnd, v))
	c := click(ActionCancel, as(t, v, ActionCancel))
	c.UserID = otherUser
	hs.click(t, c)
	hs.clock.Advance(time.Hour)
	hs.click(t, click(ActionEnd, v))
	hs.click(t, click(ActionEnd, v[:len(v)-1]))
	log := hs.log.String()
	for _, secret := range []string{v, v[len(ticketPrefix):], v[len(ticketPrefix) : len(ticketPrefix)+40], tk.Nonce} {
		if strings.Contains(log, secret) {
			t.Errorf("the log has %q:\n%s", secret, log)
		}
	}
	if n := len(hs.log.audits(t)); n != 6 {
		t.Errorf("audit records = %d, want 6", n)
	}
}

func TestErrorClass(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&meeting.IDError{Reason: "x"}, "invalid_id"},
		{meeting.ErrNotFound, "not_found"},
		{huaweiError("stop", meeting.ErrAlreadyEnded), "already_ended"},
		{huaweiError("stop", meeting.ErrNotStarted), "not_started"},
		{huaweiError("stop", meeting.ErrNotPermitted), "not_permitted"},
		{huaweiError("stop", meeting.ErrLocked), "locked"},
		{huaweiError("auth", meeting.ErrCredentials), "credentials"},
		{huaweiError("stop", meeting.ErrThrottled), "throttled"},
		{huaweiError("stop", meeting.ErrUnavailable), "unavailable"},
		{context.Canceled, "canceled"},
		{errors.Join(errLookup, context.DeadlineExceeded), "canceled"},
		{errLookup, "internal"},
		{fmt.Errorf("%w: user U1: %w", errSlackLookup, errLookup), "slack_lookup"},
		{errBadTicket, "invalid_button"},
	}
	for _, tt := range tests {
		if got := ErrorClass(tt.err); got != tt.want {
			t.Errorf("ErrorClass(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
