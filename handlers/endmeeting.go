package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"meetingbot/meeting"
)

// Config configures EndMeeting.
type Config struct {
	// Meetings acts as the bot's own Huawei identity, for the admin rules.
	Meetings Meetings
	// AsUser acts as a caller's Huawei user, for the host rule; nil when
	// the host rule is off.
	AsUser     AsUser
	Authorizer *Authorizer
	// ConfirmTimeout is how long a prompt can be answered; 2 minutes when zero.
	ConfirmTimeout time.Duration
	// Logger gets the audit records; discarded when nil.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Observer is told of every decision; nil observes nothing.
	Observer Observer
	// Claims records the prompts answered; one process's memory when nil,
	// which serves a single replica only.
	Claims Claims
	// ButtonKey signs the button values, so that a click is served only for
	// a value the bot wrote. Every replica that may serve a click needs the
	// same key, of at least MinButtonKey bytes. When empty, a random key
	// serves this process only: prompts do not survive a restart.
	ButtonKey []byte
}

// DefaultConfirmTimeout is the default of Config.ConfirmTimeout.
const DefaultConfirmTimeout = 2 * time.Minute

// workTimeout bounds the Huawei work of one command or click.
const workTimeout = 30 * time.Second

// EndMeeting serves /endmeeting: the command, and the clicks on its prompt.
type EndMeeting struct {
	meetings Meetings
	asUser   AsUser
	auth     *Authorizer
	timeout  time.Duration
	log      *slog.Logger
	now      func() time.Time
	claims   Claims // prompts already answered
	observe  Observer
	sign     signer
}

// New returns an EndMeeting for cfg.
func New(cfg Config) *EndMeeting {
	h := &EndMeeting{
		meetings: cfg.Meetings,
		asUser:   cfg.AsUser,
		auth:     cfg.Authorizer,
		timeout:  cfg.ConfirmTimeout,
		log:      cfg.Logger,
		now:      cfg.Now,
		sign:     newSigner(cfg.ButtonKey),
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
	// check refuses the click anyway. No janitor goroutine: Sweep, called
	// by the transport's loop, drops what expired.
	h.observe = cfg.Observer
	if h.observe == nil {
		h.observe = noObserver{}
	}
	h.claims = cfg.Claims
	if h.claims == nil {
		h.claims = newClaims(h.now)
	}
	return h
}

// Sweep drops the expired claims and permission look-ups. The transport
// calls it now and then; without it they stay in memory, though unused.
func (h *EndMeeting) Sweep() {
	if c, ok := h.claims.(*claims); ok {
		c.sweep(h.now())
	}
	h.auth.sweep()
}

// Begin is where a transport hands a command over. It does no network
// work. When the command can be answered at once (help, text that is not a
// meeting ID, a caller from another organization), Begin gives that answer
// to now, which must not wait on the network either (the Slack bot puts it
// in the envelope's acknowledgement), records it after now returns, and
// returns nil. Otherwise it returns the rest of the work, which the
// transport runs after acknowledging the command (in the Slack bot, on a
// worker): it reads the meeting, or lists meetings, and replies through out.
func (h *EndMeeting) Begin(cmd Command, now func(Reply)) (rest func(ctx context.Context, out Replier)) {
	rec := record{
		kind: "command", ref: newRef(), env: cmd.EnvelopeID, team: cmd.TeamID, channel: cmd.ChannelID,
		actor: cmd.UserID, start: h.now(),
	}
	answer := func(r Reply) {
		now(r)
		if rec.decision != "" {
			h.audit(context.Background(), rec)
		}
	}
	if h.outsider(cmd.caller(), &rec) {
		answer(Reply{Text: msgDenied(Decision{Reason: ReasonOtherOrg}, rec.ref)})
		return nil
	}
	p := parse(cmd.Text)
	switch p.kind {
	case askHelp:
		answer(Reply{Text: msgUsage()}) // help is no decision: not audited
		return nil
	case askInvalid:
		rec.decision, rec.outcome, rec.err = DecisionInvalid, OutcomeNone, p.err
		answer(Reply{Text: msgBadID(p.err)})
		return nil
	}
	return func(ctx context.Context, out Replier) {
		defer func() { h.audit(ctx, rec) }()
		if p.kind == askMeeting {
			h.prompt(ctx, cmd, p.id, &rec, out)
		} else {
			h.list(ctx, cmd, p.kind == askListAll, &rec, out)
		}
	}
}

// Command serves a command whole, as Begin and the rest of its work would,
// sending the quick answer through out too.
func (h *EndMeeting) Command(ctx context.Context, cmd Command, out Replier) {
	if rest := h.Begin(cmd, func(r Reply) { h.reply(ctx, out, r) }); rest != nil {
		rest(ctx, out)
	}
}

// outsider reports whether c comes from outside the organization the bot
// serves, and then records the denial in rec.
func (h *EndMeeting) outsider(c Caller, rec *record) bool {
	if h.auth.policy.Org.Includes(c.TeamID, c.EnterpriseID) {
		return false
	}
	rec.decision, rec.reason, rec.outcome = DecisionDenied, ReasonOtherOrg, OutcomeNone
	return true
}

// What a command's text asks for.
const (
	askMeeting = iota // end the meeting of an ID
	askList           // list the caller's meetings in progress
	askListAll        // list every meeting in progress (admins)
	askHelp
	askInvalid // not a meeting ID; err says why
)

// request is a command's text, parsed once.
type request struct {
	kind int
	id   meeting.ID
	err  error
}

func parse(text string) request {
	text = strings.TrimSpace(text)
	switch {
	case strings.EqualFold(text, "help"):
		return request{kind: askHelp}
	case text == "":
		return request{kind: askList}
	case strings.EqualFold(text, "all"):
		return request{kind: askListAll}
	}
	id, err := meeting.ParseID(text)
	if err != nil {
		return request{kind: askInvalid, err: err}
	}
	return request{kind: askMeeting, id: id}
}

// prompt serves /endmeeting <id>: it checks the caller's permission, reads
// the meeting and warms its control token, and sends the caller a prompt
// to confirm.
func (h *EndMeeting) prompt(ctx context.Context, cmd Command, id meeting.ID, rec *record, out Replier) {
	rec.meeting = id
	d := h.auth.Authorize(ctx, cmd.caller())
	rec.decide(d)
	if !d.Allowed {
		h.reply(ctx, out, Reply{Text: msgDenied(d, rec.ref)})
		return
	}
	wctx, cancel := context.WithTimeout(ctx, workTimeout)
	defer cancel()
	conf, err := h.prepare(wctx, d, id)
	rec.requestID = conf.RequestID
	if err != nil {
		rec.fail(err)
		h.reply(ctx, out, Reply{Text: msgFailure(err, d, id, rec.ref)})
		return
	}
	rec.outcome = OutcomePrompted
	view := MeetingView{ID: id, Subject: conf.Subject, Start: conf.Start, End: conf.End}
	// Both buttons carry one ticket, each signed for its own action: one
	// nonce, so that the claim lets one of them act.
	t := h.newTicket(cmd.TeamID, cmd.UserID, id, conf.Subject)
	h.reply(ctx, out, Reply{
		Text: msgPrompt(view),
		Prompt: &Prompt{Meeting: view, Actions: []Action{
			{ID: ActionEnd, Label: labelEnd, Value: h.buttonValue(t, ActionEnd), Danger: true, Confirm: confirmDialog(view)},
			{ID: ActionCancel, Label: labelCancel, Value: h.buttonValue(t, ActionCancel)},
		}},
	})
}

// newTicket returns a fresh ticket for a button of the user's.
func (h *EndMeeting) newTicket(team, user string, id meeting.ID, subject string) ticket {
	return ticket{Meeting: id, Team: team, User: user, Issued: h.now().UnixMilli(), Nonce: newNonce(), Subject: subject}
}

// buttonValue returns the signed value of t for the button of action.
func (h *EndMeeting) buttonValue(t ticket, action string) string {
	t.Action = action
	return h.sign.encode(t)
}

// meetingsFor returns the Huawei identity a decision acts with: the bot's
// for the admin rules, the caller's own for the host rule.
func (h *EndMeeting) meetingsFor(d Decision) (Meetings, error) {
	if d.Rule != RuleHost {
		return h.meetings, nil
	}
	if h.asUser == nil {
		return nil, errors.New("host rule without a way to act as a user")
	}
	return h.asUser(d.HuaweiUser)
}

func (h *EndMeeting) prepare(ctx context.Context, d Decision, id meeting.ID) (meeting.Conference, error) {
	m, err := h.meetingsFor(d)
	if err != nil {
		return meeting.Conference{}, err
	}
	return m.Prepare(ctx, id)
}

// Click serves a click on a button. It first verifies the button's value:
// the bot signed it, for this button's action. For a prompt's buttons it
// then checks, in this order, that the clicker is of the served
// organization, that the prompt has not expired, that the clicker asked for
// it, that the clicker is still allowed and that the prompt has not been
// answered; then it ends the meeting (or cancels) and reports to the clicker
// and, on success, to the channel. A listed meeting's button leads to a
// prompt, as if its ID had been typed.
func (h *EndMeeting) Click(ctx context.Context, c Click, out Replier) {
	rec := record{
		kind: "click", ref: newRef(), env: c.EnvelopeID, team: c.TeamID, channel: c.ChannelID,
		actor: c.UserID, start: h.now(),
	}
	t, err := h.sign.decode(c.Value)
	if err == nil && t.Action != c.ActionID {
		err = fmt.Errorf("%w: signed for %s, clicked as %s", errBadTicket, t.Action, printable(c.ActionID))
	}
	if err != nil {
		rec.decision, rec.outcome, rec.err = DecisionInvalid, OutcomeNone, err
		h.audit(ctx, rec)
		h.reply(ctx, out, Reply{Text: msgBadButton, Replace: c.ActionID != ActionPick})
		return
	}
	rec.meeting = t.Meeting
	if h.outsider(c.caller(), &rec) {
		h.audit(ctx, rec)
		h.reply(ctx, out, Reply{Text: msgDenied(Decision{Reason: ReasonOtherOrg}, rec.ref)})
		return
	}
	if age := h.now().Sub(t.issued()); age > h.timeout || age < -time.Minute {
		rec.decision, rec.outcome = DecisionExpired, OutcomeNone
		h.audit(ctx, rec)
		h.reply(ctx, out, Reply{Text: msgExpired(t.Meeting, h.timeout), Replace: c.ActionID != ActionPick})
		return
	}
	if c.UserID != t.User || (t.Team != "" && c.TeamID != t.Team) {
		rec.decision, rec.reason, rec.outcome = DecisionDenied, ReasonNotRequester, OutcomeNone
		h.audit(ctx, rec)
		h.reply(ctx, out, Reply{Text: msgNotRequester(t.User)})
		return
	}
	if c.ActionID == ActionPick {
		// The same checks and prompt as a typed ID, in a new message, so
		// the list stays for the other meetings.
		h.Command(ctx, Command{EnvelopeID: c.EnvelopeID, TeamID: c.TeamID, EnterpriseID: c.EnterpriseID, ChannelID: c.ChannelID, UserID: c.UserID, Text: string(t.Meeting)}, out)
		return
	}
	defer func() { h.audit(ctx, rec) }()
	if c.ActionID == ActionCancel {
		if !h.claim(ctx, t, c.EnvelopeID, &rec, out) {
			return
		}
		rec.decision, rec.outcome = DecisionCancelled, OutcomeNone
		h.reply(ctx, out, Reply{Text: msgCancelled(t.Meeting), Replace: true})
		return
	}
	d := h.auth.Authorize(ctx, c.caller())
	rec.decide(d)
	if !d.Allowed {
		h.reply(ctx, out, Reply{Text: msgDenied(d, rec.ref), Replace: true})
		return
	}
	if !h.claim(ctx, t, c.EnvelopeID, &rec, out) {
		return
	}
	// "Ending…" goes out while the stop runs, not before it: the meeting
	// need not wait for a round trip to Slack. The result waits for it, so
	// the two replacements arrive in order.
	ending := make(chan struct{})
	go func() {
		defer close(ending)
		h.reply(ctx, out, Reply{Text: msgEnding(t.Meeting, t.Subject), Replace: true})
	}()

	// The transport decides how long a stop may outlive shutdown (the Slack
	// bot drains for a while): the stop honours ctx, and the replies below
	// still go out when it is cancelled.
	wctx, cancel := context.WithTimeout(ctx, workTimeout)
	defer cancel()
	m, err := h.meetingsFor(d)
	var res meeting.StopResult
	if err == nil {
		res, err = m.Stop(wctx, t.Meeting)
	}
	<-ending
	rec.requestID = res.RequestID
	if err != nil {
		rec.fail(err)
		h.reply(wctx, out, Reply{Text: msgFailure(err, d, t.Meeting, rec.ref), Replace: true})
		return
	}
	rec.outcome = OutcomeEnded
	h.reply(wctx, out, Reply{Text: msgEnded(t.Meeting, t.Subject), Replace: true})
	h.reply(wctx, out, Reply{Text: msgAnnounce(c.UserID, t.Meeting, t.Subject), Public: true})
}

// claim marks the prompt answered for the click envelope, and reports
// whether this click may act. It is atomic, across replicas when the claims
// are shared: of two clicks racing, one wins; the other is told that the
// prompt is answered, in a new message that leaves the winner's result in
// place. A claim that cannot be made (the shared store is unreachable)
// fails closed: nothing is done, and the clicker is told to try again. The
// claim lasts while the ticket's age check can still pass it (Click accepts
// a ticket up to h.timeout old), and a minute more.
func (h *EndMeeting) claim(ctx context.Context, t ticket, envelope string, rec *record, out Replier) bool {
	won, holder, err := h.claims.Claim(ctx, t.Nonce, envelope, t.issued().Add(h.timeout+time.Minute))
	switch {
	case err != nil:
		rec.outcome, rec.err = OutcomeFailed, fmt.Errorf("%w: %w", errClaim, err)
		h.reply(ctx, out, Reply{Text: msgClaimFailed(rec.ref)})
		return false
	case !won:
		rec.decision, rec.outcome, rec.claimedBy = DecisionDuplicate, OutcomeNone, holder
		h.reply(ctx, out, Reply{Text: msgDuplicate(t.Meeting)})
		return false
	}
	return true
}

// errClaim marks a claim that could not be made.
var errClaim = errors.New("the prompt's claim could not be made")

// Busy is the reply for work the transport had to turn away.
func Busy() Reply { return Reply{Text: msgBusy} }

// replyTimeout bounds one reply. A reply is sent even when the work's
// context has ended (a stop cut short by shutdown), so that the user is told.
const replyTimeout = 10 * time.Second

// repliesKey is the context key of the transport's bound on replies.
type repliesKey struct{}

// WithReplies returns a copy of ctx that carries replies, the transport's
// bound on the replies of the work done with ctx. A reply outlives ctx, so
// that a user hears that their work was cut short, but neither replies nor
// replyTimeout: the Slack bot ends replies a few seconds after its shutdown
// drain, so that shutdown is bounded whatever the work left.
func WithReplies(ctx, replies context.Context) context.Context {
	return context.WithValue(ctx, repliesKey{}, replies)
}

// reply sends r, and logs a failure to send, which the user cannot be told.
func (h *EndMeeting) reply(ctx context.Context, out Replier, r Reply) {
	bound, _ := ctx.Value(repliesKey{}).(context.Context)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), replyTimeout)
	defer cancel()
	if bound != nil {
		if bound.Err() != nil {
			cancel()
		} else {
			defer context.AfterFunc(bound, cancel)()
		}
	}
	if err := out.Reply(ctx, r); err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "reply failed", slog.Bool("public", r.Public),
			slog.Bool("replace", r.Replace), slog.String("error", err.Error()))
	}
}

// printable returns s for the log, cut to 64 bytes, with anything but
// printable ASCII replaced: a clicked action ID comes from outside.
func printable(s string) string {
	b := []byte(truncate(s, 64))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}
