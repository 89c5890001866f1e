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

// ReasonRedelivered is the reason of a duplicate that is Slack's second
// delivery of a click already served: it gets no reply.
const ReasonRedelivered = "redelivered"

// The outcomes an audit record names.
const (
	OutcomePrompted         = "prompted"
	OutcomeListed           = "listed"
	OutcomeEnded            = "ended"              // stopped; its reservation is kept
	OutcomeCancelledForGood = "cancelled_for_good" // ended and its reservation cancelled: nobody can rejoin
	OutcomeAlreadyEnded     = "already_ended"
	OutcomeFailed           = "failed"
	OutcomeNone             = "none"
)

// Observer is told of every decision, as the audit log records it, for
// metrics: kind ("command" or "click"), decision, outcome and error class
// (one of the Class constants, or ""). It must be quick and safe for
// concurrent use.
type Observer interface {
	Decided(kind, decision, outcome, errorClass string)
}

type noObserver struct{}

func (noObserver) Decided(string, string, string, string) {}

// record is one audit record: one per decision.
type record struct {
	kind      string // "command" or "click"
	ref       string
	env       string
	team      string
	channel   string
	actor     string
	meeting   meeting.ID // the conferenceID, or the ID typed while none is known
	room      meeting.ID // the ID of the room that holds the meeting, if any
	decision  string
	rule      string
	reason    string
	outcome   string
	err       error
	start     time.Time
	requestID string // Huawei's X-Request-Id
	claimedBy string // who holds the claim a duplicate click lost to
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
	h.observe.Decided(r.kind, r.decision, r.outcome, ErrorClass(r.err))
	attrs := []slog.Attr{
		slog.String("kind", r.kind),
		slog.String("ref", r.ref),
		slog.String("envelope_id", r.env),
		slog.String("team", r.team),
		slog.String("channel", r.channel),
		slog.String("actor", r.actor),
		slog.String("meeting_id", string(r.meeting)),
	}
	if r.room != "" {
		attrs = append(attrs, slog.String("room_id", string(r.room)))
	}
	attrs = append(attrs,
		slog.String("decision", r.decision),
		slog.String("outcome", r.outcome),
		slog.Float64("duration_ms", float64(h.now().Sub(r.start).Microseconds())/1000),
	)
	if r.rule != "" {
		attrs = append(attrs, slog.String("rule", r.rule))
	}
	if r.reason != "" {
		attrs = append(attrs, slog.String("reason", r.reason))
	}
	if r.claimedBy != "" {
		attrs = append(attrs, slog.String("claimed_by", r.claimedBy))
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

// The classes of failure, as ErrorClass names them for logs and metrics.
const (
	ClassSlackLookup   = "slack_lookup"   // a Slack look-up for a permission rule failed
	ClassInvalidButton = "invalid_button" // a button value that does not verify
	ClassInvalidID     = "invalid_id"     // text that is not a meeting ID
	ClassNotFound      = "not_found"
	ClassAlreadyEnded  = "already_ended"
	ClassNotStarted    = "not_started"
	ClassNotPermitted  = "not_permitted"
	ClassLocked        = "locked"
	ClassCredentials   = "credentials"
	ClassThrottled     = "throttled"
	ClassUnavailable   = "unavailable"
	ClassCanceled      = "canceled"          // the work was cut short (shutdown, a deadline)
	ClassClaim         = "claim_unavailable" // the shared claims could not be asked
	ClassInternal      = "internal"          // anything else
)

// errorClasses maps each sentinel to its class, in the order ErrorClass
// tries them.
var errorClasses = []struct {
	err   error
	class string
}{
	{errSlackLookup, ClassSlackLookup},
	{errBadTicket, ClassInvalidButton},
	{errClaim, ClassClaim},
	{meeting.ErrInvalidID, ClassInvalidID},
	{meeting.ErrNotFound, ClassNotFound},
	{meeting.ErrAlreadyEnded, ClassAlreadyEnded},
	{meeting.ErrNotStarted, ClassNotStarted},
	{meeting.ErrNotPermitted, ClassNotPermitted},
	{meeting.ErrLocked, ClassLocked},
	{meeting.ErrCredentials, ClassCredentials},
	{meeting.ErrThrottled, ClassThrottled},
	{meeting.ErrUnavailable, ClassUnavailable},
	{context.Canceled, ClassCanceled},
	{context.DeadlineExceeded, ClassCanceled},
}

// ErrorClass names the class of a failure for logs and metrics: one of
// the Class constants, or "" for nil.
func ErrorClass(err error) string {
	if err == nil {
		return ""
	}
	for _, c := range errorClasses {
		if errors.Is(err, c.err) {
			return c.class
		}
	}
	return ClassInternal
}

// systemFailure reports whether err is the bot's or Huawei's failure, as
// opposed to an answer about the meeting (not found, not started, …) that
// needs no operator.
func systemFailure(err error) bool {
	switch ErrorClass(err) {
	case ClassCredentials, ClassThrottled, ClassUnavailable, ClassInternal, ClassClaim:
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
