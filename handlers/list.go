package handlers

import "context"

// Listing bounds: Huawei is asked for one page, and the reply shows a few.
const (
	listFetch = 100
	listShow  = 10
)

// list serves /endmeeting with no ID: the caller's meetings in progress
// that Huawei says they host, or with all, every meeting in progress (admins
// only), each with a button that leads to the usual prompt.
func (h *EndMeeting) list(ctx context.Context, cmd Command, all bool, rec *record, out Replier) {
	d := h.auth.Authorize(ctx, cmd.caller())
	rec.decide(d)
	if !d.Allowed {
		h.reply(ctx, out, Reply{Text: msgDenied(d, rec.ref)})
		return
	}
	if all && d.Rule == RuleHost {
		rec.decision, rec.reason, rec.outcome = DecisionDenied, ReasonNotAdmin, OutcomeNone
		h.reply(ctx, out, Reply{Text: msgListAllAdminsOnly(rec.ref)})
		return
	}
	if !all && d.Rule != RuleHost {
		// An admin lists their own meetings as their own Huawei user, if
		// the host rule knows who that is.
		hu, _, err := h.auth.HostIdentity(ctx, cmd.caller())
		if err != nil || hu == "" || h.asUser == nil {
			rec.outcome = OutcomeNone
			h.reply(ctx, out, Reply{Text: msgListAdminHint()})
			return
		}
		d = Decision{Allowed: true, Rule: RuleHost, HuaweiUser: hu}
	}
	m, err := h.meetingsFor(d)
	if err != nil {
		rec.fail(err)
		h.reply(ctx, out, Reply{Text: msgFailure(err, d, "", rec.ref)})
		return
	}
	wctx, cancel := context.WithTimeout(ctx, workTimeout)
	defer cancel()
	confs, count, err := m.Online(wctx, all, listFetch)
	if err != nil {
		rec.fail(err)
		h.reply(ctx, out, Reply{Text: msgFailure(err, d, "", rec.ref)})
		return
	}
	if !all {
		// Huawei lists the meetings the user was invited to as well; only
		// those it gave the host password for are theirs to end.
		hosted := confs[:0]
		for _, c := range confs {
			if c.CanControl() {
				hosted = append(hosted, c)
			}
		}
		confs, count = hosted, len(hosted)
	}
	rec.outcome = OutcomeListed
	if len(confs) == 0 {
		h.reply(ctx, out, Reply{Text: msgListEmpty(all)})
		return
	}
	r := Reply{Text: msgListHeader(all)}
	for _, c := range confs[:min(len(confs), listShow)] {
		view := MeetingView{ID: c.ID, Subject: c.Subject, Start: c.Start, End: c.End}
		r.Choices = append(r.Choices, Choice{
			Meeting: view,
			Text:    msgChoice(view),
			Action:  Action{ID: ActionPick, Label: labelPick, Value: h.buttonValue(h.newTicket(cmd.TeamID, cmd.UserID, c.ID, c.Subject), ActionPick)},
		})
	}
	if more := count - len(r.Choices); more > 0 {
		r.Footer = msgListMore(more)
	}
	h.reply(ctx, out, r)
}
