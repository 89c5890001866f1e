package handlers

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/patrickmn/go-cache"

	"meetingbot/meeting"
)

// Config configures EndMeeting.
type Config struct {
	Meetings   Meetings
	Authorizer *Authorizer
	// ConfirmTimeout is how long a prompt can be answered; 2 minutes when zero.
	ConfirmTimeout time.Duration
	// Logger gets the audit records; discarded when nil.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// DefaultConfirmTimeout is the default of Config.ConfirmTimeout.
const DefaultConfirmTimeout = 2 * time.Minute

// workTimeout bounds the Huawei work of one command or click.
const workTimeout = 30 * time.Second

// EndMeeting serves /endmeeting: the command, and the clicks on its prompt.
type EndMeeting struct {
	meetings Meetings
	auth     *Authorizer
	timeout  time.Duration
	log      *slog.Logger
	now      func() time.Time
	claims   *cache.Cache // prompt nonces already answered
}

// New returns an EndMeeting for cfg.
func New(cfg Config) *EndMeeting {
	h := &EndMeeting{
		meetings: cfg.Meetings,
		auth:     cfg.Authorizer,
		timeout:  cfg.ConfirmTimeout,
		log:      cfg.Logger,
		now:      cfg.Now,
	}
	if h.timeout <= 0 {
		h.timeout = DefaultConfirmTimeout
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	// A claim must outlive the prompt it guards; after that the expiry
	// check refuses the click anyway.
	h.claims = cache.New(h.timeout+time.Minute, 5*time.Minute)
	return h
}

// Quick answers a command that needs no network work (help, or text that is
// not a meeting ID), so the transport can answer it in its acknowledgement.
// ok is false for a meeting ID: then call Command.
func (h *EndMeeting) Quick(cmd Command) (r Reply, ok bool) {
	r, ok, err := quick(cmd)
	if ok {
		h.audit(context.Background(), record{
			kind: "command", ref: newRef(), env: cmd.EnvelopeID, team: cmd.TeamID, channel: cmd.ChannelID,
			actor: cmd.UserID, decision: DecisionInvalid, outcome: OutcomeNone, err: err, start: h.now(),
		})
	}
	return r, ok
}

// quick is Quick without the audit record; err is why the text is not an ID.
func quick(cmd Command) (Reply, bool, error) {
	text := strings.TrimSpace(cmd.Text)
	if text == "" || strings.EqualFold(text, "help") {
		return Reply{Text: msgUsage()}, true, nil
	}
	if _, err := meeting.ParseID(text); err != nil {
		return Reply{Text: msgBadID(err)}, true, err
	}
	return Reply{}, false, nil
}

// Command serves /endmeeting with a meeting ID: it checks the caller's
// permission, reads the meeting and warms its control token, and sends the
// caller a prompt to confirm. Call Quick first.
func (h *EndMeeting) Command(ctx context.Context, cmd Command, out Replier) {
	rec := record{
		kind: "command", ref: newRef(), env: cmd.EnvelopeID, team: cmd.TeamID, channel: cmd.ChannelID,
		actor: cmd.UserID, start: h.now(),
	}
	defer func() { h.audit(ctx, rec) }()
	if r, ok, err := quick(cmd); ok {
		rec.decision, rec.outcome, rec.err = DecisionInvalid, OutcomeNone, err
		h.reply(ctx, out, r)
		return
	}
	id, _ := meeting.ParseID(cmd.Text)
	rec.meeting = id
	d := h.auth.Authorize(ctx, cmd.TeamID, cmd.ChannelID, cmd.UserID)
	if !d.Allowed {
		rec.decision, rec.reason, rec.outcome, rec.err = DecisionDenied, d.Reason, OutcomeNone, d.Err
		h.reply(ctx, out, Reply{Text: msgDenied(d, rec.ref)})
		return
	}
	rec.decision, rec.rule = DecisionAllowed, d.Rule
	wctx, cancel := context.WithTimeout(ctx, workTimeout)
	defer cancel()
	conf, err := h.meetings.Prepare(wctx, id)
	rec.requestID = conf.RequestID
	if err != nil {
		rec.err = err
		rec.outcome = OutcomeFailed
		if errors.Is(err, meeting.ErrAlreadyEnded) {
			rec.outcome = OutcomeAlreadyEnded
		}
		h.reply(ctx, out, Reply{Text: msgFailure(err, id, rec.ref)})
		return
	}
	rec.outcome = OutcomePrompted
	view := MeetingView{ID: id, Subject: conf.Subject, Start: conf.Start, End: conf.End}
	t := ticket{Meeting: id, Team: cmd.TeamID, User: cmd.UserID, Issued: h.now().UnixMilli(), Nonce: newNonce(), Subject: conf.Subject}
	value := t.encode()
	h.reply(ctx, out, Reply{
		Text: msgPrompt(view),
		Prompt: &Prompt{Meeting: view, Actions: []Action{
			{ID: ActionEnd, Label: labelEnd, Value: value, Danger: true, Confirm: confirmDialog(view)},
			{ID: ActionCancel, Label: labelCancel, Value: value},
		}},
	})
}

// Click serves a click on a prompt's button. It checks, in this order, that
// the prompt has not expired, that the clicker asked for it, that the
// clicker is still allowed and that the prompt has not been answered; then
// it ends the meeting (or cancels) and reports to the clicker and, on
// success, to the channel.
func (h *EndMeeting) Click(ctx context.Context, c Click, out Replier) {
	rec := record{
		kind: "click", ref: newRef(), env: c.EnvelopeID, team: c.TeamID, channel: c.ChannelID,
		actor: c.UserID, start: h.now(),
	}
	defer func() { h.audit(ctx, rec) }()
	t, err := decodeTicket(c.Value)
	if err != nil || (c.ActionID != ActionEnd && c.ActionID != ActionCancel) {
		rec.decision, rec.outcome, rec.err = DecisionInvalid, OutcomeNone, errBadTicket
		h.reply(ctx, out, Reply{Text: msgBadButton, Replace: true})
		return
	}
	rec.meeting = t.Meeting
	if age := h.now().Sub(t.issued()); age > h.timeout || age < -time.Minute {
		rec.decision, rec.outcome = DecisionExpired, OutcomeNone
		h.reply(ctx, out, Reply{Text: msgExpired(t.Meeting, h.timeout), Replace: true})
		return
	}
	if c.UserID != t.User || (t.Team != "" && c.TeamID != t.Team) {
		rec.decision, rec.reason, rec.outcome = DecisionDenied, "not_requester", OutcomeNone
		h.reply(ctx, out, Reply{Text: msgNotRequester(t.User)})
		return
	}
	if c.ActionID == ActionCancel {
		if !h.claim(t) {
			rec.decision, rec.outcome = DecisionDuplicate, OutcomeNone
			h.reply(ctx, out, Reply{Text: msgDuplicate(t.Meeting)})
			return
		}
		rec.decision, rec.outcome = DecisionCancelled, OutcomeNone
		h.reply(ctx, out, Reply{Text: msgCancelled(t.Meeting), Replace: true})
		return
	}
	d := h.auth.Authorize(ctx, c.TeamID, c.ChannelID, c.UserID)
	if !d.Allowed {
		rec.decision, rec.reason, rec.outcome, rec.err = DecisionDenied, d.Reason, OutcomeNone, d.Err
		h.reply(ctx, out, Reply{Text: msgDenied(d, rec.ref), Replace: true})
		return
	}
	rec.rule = d.Rule
	if !h.claim(t) {
		rec.decision, rec.outcome = DecisionDuplicate, OutcomeNone
		h.reply(ctx, out, Reply{Text: msgDuplicate(t.Meeting)})
		return
	}
	rec.decision = DecisionAllowed
	h.reply(ctx, out, Reply{Text: msgEnding(t.Meeting, t.Subject), Replace: true})

	// The stop goes on even if the caller's context ends (shutdown): a
	// meeting half-ended with nobody told is worse than a late exit.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), workTimeout)
	defer cancel()
	res, err := h.meetings.Stop(wctx, t.Meeting)
	rec.requestID = res.RequestID
	if err != nil {
		rec.err = err
		rec.outcome = OutcomeFailed
		if errors.Is(err, meeting.ErrAlreadyEnded) {
			rec.outcome = OutcomeAlreadyEnded
		}
		h.reply(wctx, out, Reply{Text: msgFailure(err, t.Meeting, rec.ref), Replace: true})
		return
	}
	rec.outcome = OutcomeEnded
	h.reply(wctx, out, Reply{Text: msgEnded(t.Meeting, t.Subject), Replace: true})
	h.reply(wctx, out, Reply{Text: msgAnnounce(c.UserID, t.Meeting, t.Subject), Public: true})
}

// claim marks the prompt answered. It is atomic: of two clicks racing, one
// wins.
func (h *EndMeeting) claim(t ticket) bool {
	return h.claims.Add(t.Nonce, struct{}{}, cache.DefaultExpiration) == nil
}

// Busy is the reply for work the transport had to turn away.
func Busy() Reply { return Reply{Text: msgBusy} }

// reply sends r, and logs a failure to send, which the user cannot be told.
func (h *EndMeeting) reply(ctx context.Context, out Replier, r Reply) {
	if err := out.Reply(ctx, r); err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "reply failed", slog.Bool("public", r.Public),
			slog.Bool("replace", r.Replace), slog.String("error", err.Error()))
	}
}
