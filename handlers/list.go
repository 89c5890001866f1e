package handlers

import (
	"context"

	"meetingbot/meeting"
)

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
		h.reply(ctx, out, Reply{Text: msgFailure(err, d, nil, rec.ref)})
		return
	}
	// One deadline for the list and the details it may need.
	wctx, cancel := context.WithTimeout(ctx, workTimeout)
	defer cancel()
	confs, count, err := m.Online(wctx, all, listFetch)
	unchecked := 0
	if err == nil && !all {
		confs, unchecked, err = hosted(wctx, m, confs)
		count = len(confs)
	}
	if err != nil {
		rec.fail(err)
		h.reply(ctx, out, Reply{Text: msgFailure(err, d, nil, rec.ref)})
		return
	}
	rec.outcome = OutcomeListed
	switch {
	case len(confs) == 0 && unchecked == 0:
		h.reply(ctx, out, Reply{Text: msgListEmpty(all)})
		return
	case len(confs) == 0:
		h.reply(ctx, out, Reply{Text: msgListNoneChecked(unchecked)})
		return
	}
	r := Reply{Text: msgListHeader(all)}
	for _, c := range confs[:min(len(confs), listShow)] {
		view := MeetingView{ID: c.ID, RoomID: c.RoomID, Subject: c.Subject, Start: c.Start, End: c.End}
		r.Choices = append(r.Choices, Choice{
			Meeting: view,
			Text:    msgChoice(view),
			Action:  Action{ID: ActionPick, Label: labelPick, Value: h.buttonValue(h.newTicket(cmd.TeamID, cmd.UserID, view), ActionPick)},
		})
	}
	r.Footer = msgListFooter(count-len(r.Choices), unchecked)
	h.reply(ctx, out, r)
}

// hosted returns the meetings of confs, the online list as the caller's
// Huawei user, that the caller hosts. Huawei lists the meetings the user
// was invited to as well; only those it gives the host password for are
// theirs to end. Where the list carries the passwords, they say so at no
// cost. Where it does not, each meeting's details, as the caller, say so
// at the cost of a request: hosted asks about no more meetings than a
// list shows (listShow), and unchecked counts those it did not ask about.
func hosted(ctx context.Context, m Meetings, confs []meeting.Conference) (out []meeting.Conference, unchecked int, err error) {
	n, unknown := 0, 0
	for ; n < len(confs); n++ {
		if !confs[n].HostKnown() {
			if unknown == listShow {
				break
			}
			unknown++
		}
	}
	out, err = m.Hosted(ctx, confs[:n], listShow)
	return out, len(confs) - n, err
}
