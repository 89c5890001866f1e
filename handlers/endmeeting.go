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
	// The text may be a pasted join link, whose token lets anyone join the
	// meeting: it is read once, here, and not kept.
	cmd.Text = ""
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
	id   meeting.ID // as typed: a conferenceID, or the ID of the room that holds the meeting
	err  error
}

// parse reads a command's text: help, all, nothing, or a meeting as
// people name it: a meeting ID (a conferenceID or a room's ID, which only
// Huawei can tell apart) or a pasted join link, bare or in Slack's <url>
// markup. The meeting package reads a link's ID and drops its token, and
// refuses whatever only looks like a link.
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
	id, err := meeting.ParseIDOrLink(text)
	if err != nil {
		return request{kind: askInvalid, err: err}
	}
	return request{kind: askMeeting, id: id}
}

// prompt serves /endmeeting <id>: it checks the caller's permission, finds
// the meeting (by conferenceID, or else by the room that holds it) and
// warms its control token, and sends the caller a prompt to confirm. The
// prompt offers to end the meeting, or to end it for good (its reservation
// cancelled too), unless it is one of a recurring series.
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
	if conf.ID != "" {
		rec.meeting, rec.room = conf.ID, conf.RoomID
	}
	if err != nil {
		rec.fail(err)
		h.reply(ctx, out, Reply{Text: msgFailure(err, d, textf("%s", id), rec.ref)})
		return
	}
	rec.outcome = OutcomePrompted
	view := MeetingView{ID: conf.ID, RoomID: conf.RoomID, Subject: conf.Subject, Start: conf.Start, End: conf.End}
	// The buttons carry one ticket, each signed for its own action: one
	// nonce, so that the claim lets one of them act.
	t := h.newTicket(cmd.TeamID, cmd.UserID, view)
	actions := []Action{{ID: ActionEnd, Label: labelEnd, Value: h.buttonValue(t, ActionEnd), Danger: true, Confirm: confirmDialog(view)}}
	// A recurring meeting has a cancel call of its own, which the bot does
	// not make: the prompt does not offer what Huawei may do otherwise.
	forGood := !conf.Recurring
	if forGood {
		actions = append(actions, Action{ID: ActionAskForGood, Label: labelAskForGood, Value: h.buttonValue(t, ActionAskForGood)})
	}
	actions = append(actions, Action{ID: ActionCancel, Label: labelCancel, Value: h.buttonValue(t, ActionCancel)})
	h.reply(ctx, out, Reply{Text: msgPrompt(view, forGood), Prompt: &Prompt{Meeting: view, Actions: actions}})
}

// newTicket returns a fresh ticket for a button of the user's about m.
func (h *EndMeeting) newTicket(team, user string, m MeetingView) ticket {
	return ticket{Meeting: m.ID, Room: m.RoomID, Team: team, User: user, Issued: h.now().UnixMilli(), Nonce: newNonce(), Subject: m.Subject}
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
	return m.PrepareTyped(ctx, id)
}

// Click serves a click on a button. It first verifies the button's value:
// the bot signed it, for this button's action. For a prompt's buttons it
// then checks, in this order, that the clicker is of the served
// organization, that the prompt has not expired, that the clicker asked for
// it, that the clicker is still allowed and that the prompt has not been
// answered; then it ends the meeting, ends it for good, leads to the prompt
// to end it for good, or cancels, and reports to the clicker and, once a
// meeting has ended, to the channel. One prompt leads to one of these: its
// buttons share the claim. A listed meeting's button leads to a prompt, as
// if its ID had been typed.
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
	rec.meeting, rec.room = t.Meeting, t.Room
	view := t.view()
	if c.Retry && ClaimGuarded(c.ActionID) && h.redelivered(ctx, t, c.EnvelopeID, &rec) {
		h.audit(ctx, rec)
		return
	}
	if h.outsider(c.caller(), &rec) {
		h.audit(ctx, rec)
		h.reply(ctx, out, Reply{Text: msgDenied(Decision{Reason: ReasonOtherOrg}, rec.ref)})
		return
	}
	if age := h.now().Sub(t.issued()); age > h.timeout || age < -time.Minute {
		rec.decision, rec.outcome = DecisionExpired, OutcomeNone
		h.audit(ctx, rec)
		h.reply(ctx, out, Reply{Text: msgExpired(view, h.timeout), Replace: c.ActionID != ActionPick})
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
		rec.decision = DecisionCancelled // needs no permission; a failed claim keeps it
		if !h.claim(ctx, t, c.EnvelopeID, &rec, out) {
			return
		}
		rec.decision, rec.outcome = DecisionCancelled, OutcomeNone
		h.reply(ctx, out, Reply{Text: msgCancelled(view), Replace: true})
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
	if c.ActionID == ActionAskForGood {
		// The prompt is answered: it gives way to one of its own, with a
		// ticket of its own, whose danger button ends the meeting for good.
		// Nothing is asked of Huawei until that one is clicked.
		rec.outcome = OutcomePrompted
		t2 := h.newTicket(t.Team, t.User, view)
		h.reply(ctx, out, Reply{Text: msgPromptForGood(view), Replace: true, Prompt: &Prompt{Meeting: view, Actions: []Action{
			{ID: ActionEndForGood, Label: labelEndForGood, Value: h.buttonValue(t2, ActionEndForGood), Danger: true, Confirm: confirmForGoodDialog(view)},
			{ID: ActionCancel, Label: labelCancel, Value: h.buttonValue(t2, ActionCancel)},
		}}})
		return
	}
	h.end(ctx, c, d, view, c.ActionID == ActionEndForGood, &rec, out)
}

// end ends the meeting of a prompt whose click was authorized and claimed:
// with a stop, which keeps its reservation, or for good with a cancel. Each
// is one request; a refused cancel is reported, and nothing else is tried.
func (h *EndMeeting) end(ctx context.Context, c Click, d Decision, view MeetingView, forGood bool, rec *record, out Replier) {
	ending, ended, announce, outcome := msgEnding, msgEnded, msgAnnounce, OutcomeEnded
	if forGood {
		ending, ended, announce, outcome = msgEndingForGood, msgEndedForGood, msgAnnounceForGood, OutcomeCancelledForGood
	}
	// "Ending…" goes out while the call runs, not before it: the meeting
	// need not wait for a round trip to Slack. The result waits for it, so
	// the two replacements arrive in order.
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		h.reply(ctx, out, Reply{Text: ending(view), Replace: true})
	}()

	// The transport decides how long a stop may outlive shutdown (the Slack
	// bot drains for a while): the call honours ctx, and the replies below
	// still go out when it is cancelled.
	wctx, cancel := context.WithTimeout(ctx, workTimeout)
	defer cancel()
	m, err := h.meetingsFor(d)
	if err == nil {
		if forGood {
			var res meeting.CancelResult
			res, err = m.Cancel(wctx, view.ID)
			rec.requestID = res.RequestID
		} else {
			var res meeting.StopResult
			res, err = m.Stop(wctx, view.ID)
			rec.requestID = res.RequestID
		}
	}
	<-sent
	if err != nil {
		rec.fail(err)
		text := msgFailure(err, d, shownID(view), rec.ref)
		if forGood {
			text = msgCancelFailure(err, d, view, rec.ref)
		}
		h.reply(wctx, out, Reply{Text: text, Replace: true})
		return
	}
	rec.outcome = outcome
	h.reply(wctx, out, Reply{Text: ended(view), Replace: true})
	h.reply(wctx, out, Reply{Text: announce(c.UserID, view), Public: true})
}

// claim marks the prompt answered for the click envelope, and reports
// whether this click may act. It is atomic, across replicas when the claims
// are shared: of two clicks racing, one wins; the other is told that the
// prompt is answered, in a new message that leaves the winner's result in
// place. A claim that cannot be made (the shared store is unreachable)
// fails closed: nothing is done, and the clicker is told to try again. A
// second delivery of the click that holds the claim does nothing. The
// claim lasts while the ticket's age check can still pass it (Click accepts
// a ticket up to h.timeout old), and a minute more.
func (h *EndMeeting) claim(ctx context.Context, t ticket, envelope string, rec *record, out Replier) bool {
	won, holder, err := h.claims.Claim(ctx, t.Nonce, envelope, t.issued().Add(h.timeout+time.Minute))
	switch {
	case err != nil:
		rec.outcome, rec.err = OutcomeFailed, fmt.Errorf("%w: %w", errClaim, err)
		h.reply(ctx, out, Reply{Text: msgClaimFailed(rec.ref)})
		return false
	case !won && heldBy(holder, envelope):
		// Slack delivered this click again (it missed the ack): the first
		// delivery, here or on another replica, answers the user.
		rec.decision, rec.reason, rec.outcome, rec.claimedBy = DecisionDuplicate, ReasonRedelivered, OutcomeNone, holder
		return false
	case !won:
		rec.decision, rec.outcome, rec.claimedBy = DecisionDuplicate, OutcomeNone, holder
		h.reply(ctx, out, Reply{Text: msgDuplicate(t.view())})
		return false
	}
	return true
}

// redelivered reports whether the claim of t's prompt is held by envelope:
// Slack sent this click again after its first delivery, here or on another
// replica, claimed the prompt. It is asked before the checks that could
// answer differently the second time (the prompt's age, the permission),
// so that a retry never replaces the first delivery's result. It costs one
// look-up, on retries only; when the look-up fails the click goes on, and
// its claim stops it.
func (h *EndMeeting) redelivered(ctx context.Context, t ticket, envelope string, rec *record) bool {
	holder, err := h.claims.Holder(ctx, t.Nonce)
	if err != nil || !heldBy(holder, envelope) {
		return false
	}
	rec.decision, rec.reason, rec.outcome, rec.claimedBy = DecisionDuplicate, ReasonRedelivered, OutcomeNone, holder
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
