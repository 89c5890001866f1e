package handlers

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"log/slog"
	"time"

	"meetingbot/meeting"
)

// The decisions an audit record names.
const (
	DecisionAllowed   = "allowed"
	DecisionDenied    = "denied"
	DecisionInvalid   = "invalid"
	DecisionCancelled = "cancelled"
	DecisionExpired   = "expired"
	DecisionDuplicate = "duplicate"
)

// The outcomes an audit record names.
const (
	OutcomePrompted     = "prompted"
	OutcomeListed       = "listed"
	OutcomeEnded        = "ended"
	OutcomeAlreadyEnded = "already_ended"
	OutcomeFailed       = "failed"
	OutcomeNone         = "none"
)

// record is one audit record: one per decision.
type record struct {
	kind      string // "command" or "click"
	ref       string
	env       string
	team      string
	channel   string
	actor     string
	meeting   meeting.ID
	decision  string
	rule      string
	reason    string
	outcome   string
	err       error
	start     time.Time
	requestID string // Huawei's X-Request-Id
}

// decide records a permission decision.
func (r *record) decide(d Decision) {
	if d.Allowed {
		r.decision, r.rule = DecisionAllowed, d.Rule
		return
	}
	r.decision, r.reason, r.outcome, r.err = DecisionDenied, d.Reason, OutcomeNone, d.Err
}

// fail records a failed Huawei call.
func (r *record) fail(err error) {
	r.err = err
	r.outcome = OutcomeFailed
	if errors.Is(err, meeting.ErrAlreadyEnded) {
		r.outcome = OutcomeAlreadyEnded
	}
}

// audit writes the record at info level, or at warn level for a failure.
func (h *EndMeeting) audit(ctx context.Context, r record) {
	attrs := []slog.Attr{
		slog.String("kind", r.kind),
		slog.String("ref", r.ref),
		slog.String("envelope_id", r.env),
		slog.String("team", r.team),
		slog.String("channel", r.channel),
		slog.String("actor", r.actor),
		slog.String("meeting_id", string(r.meeting)),
		slog.String("decision", r.decision),
		slog.String("outcome", r.outcome),
		slog.Float64("duration_ms", float64(h.now().Sub(r.start).Microseconds())/1000),
	}
	if r.rule != "" {
		attrs = append(attrs, slog.String("rule", r.rule))
	}
	if r.reason != "" {
		attrs = append(attrs, slog.String("reason", r.reason))
	}
	if r.requestID == "" {
		r.requestID = meeting.RequestID(r.err)
	}
	if r.requestID != "" {
		attrs = append(attrs, slog.String("huawei_request_id", r.requestID))
	}
	level := slog.LevelInfo
	if r.err != nil {
		attrs = append(attrs, slog.String("error_class", ErrorClass(r.err)), slog.String("error", r.err.Error()))
		if r.outcome == OutcomeFailed && systemFailure(r.err) {
			level = slog.LevelWarn
		}
	}
	h.log.LogAttrs(ctx, level, "audit", attrs...)
}

// ErrorClass names the class of a failure for logs and metrics.
func ErrorClass(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errSlackLookup):
		return "slack_lookup"
	case errors.Is(err, errBadTicket):
		return "invalid_button"
	case errors.Is(err, meeting.ErrInvalidID):
		return "invalid_id"
	case errors.Is(err, meeting.ErrNotFound):
		return "not_found"
	case errors.Is(err, meeting.ErrAlreadyEnded):
		return "already_ended"
	case errors.Is(err, meeting.ErrNotStarted):
		return "not_started"
	case errors.Is(err, meeting.ErrNotPermitted):
		return "not_permitted"
	case errors.Is(err, meeting.ErrLocked):
		return "locked"
	case errors.Is(err, meeting.ErrCredentials):
		return "credentials"
	case errors.Is(err, meeting.ErrThrottled):
		return "throttled"
	case errors.Is(err, meeting.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "internal"
}

// systemFailure reports whether err is the bot's or Huawei's failure, as
// opposed to an answer about the meeting (not found, not started, …) that
// needs no operator.
func systemFailure(err error) bool {
	switch ErrorClass(err) {
	case "credentials", "throttled", "unavailable", "internal":
		return true
	}
	return false
}

var refEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newRef returns a short reference ID that a user can quote and an operator
// can find in the log.
func newRef() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return refEncoding.EncodeToString(b[:])
}
