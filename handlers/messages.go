package handlers

import (
	"context"
	"errors"
	"strings"
	"time"

	"meetingbot/meeting"
)

// All the text users see lives here, so that wording is one edit. It is
// Text, with no transport's markup: what comes from outside is a Value or
// Strong span, which each transport shows as it is.

var usageText = textf("Usage: %s, for example %s. "+
	"The ID is the meeting's ID, or the ID of the meeting room or personal meeting ID it is held in: "+
	"6 to 20 digits; spaces or dashes between groups are fine. A pasted join link works too. "+
	"You will be asked to confirm before anything ends. "+
	"%s alone lists the meetings in progress that you host.",
	code("/endmeeting <meeting-id>"), code("/endmeeting 914044873"), code("/endmeeting"))

func msgUsage() Text { return usageText }

func msgBadID(err error) Text {
	reason := "it is not a meeting ID"
	if e, ok := errors.AsType[*meeting.IDError](err); ok {
		reason = e.Reason
	}
	return textf("That is not a meeting ID: %s.\n%s", reason, usageText)
}

func msgDenied(d Decision, ref string) Text {
	switch d.Reason {
	case ReasonOtherOrg:
		return withRef(msgOtherOrg, ref)
	case ReasonChannel:
		return withRef(textf("%s is not enabled in this channel.", code("/endmeeting")), ref)
	case ReasonLookupFailed:
		return withRef(textf("I could not check your permission just now, so nothing was done. Try again in a minute, or ask the bot's operator."), ref)
	case ReasonNoHostIdentity:
		return withRef(textf("You can end only meetings you host, and the bot does not know your Huawei Cloud Meeting account: "+
			"add your work email to your Slack profile, or ask the bot's operator to map your Slack account (ENDMEETING_HOST_MAP)."), ref)
	}
	return withRef(textf("You are not allowed to end meetings with this bot. Ask the bot's operator for access."), ref)
}

// msgPrompt asks to end a meeting. forGood says whether the prompt offers
// End for good… too; a recurring meeting's does not, and says why.
func msgPrompt(m MeetingView, forGood bool) Text {
	t := textf("End meeting %s? Everyone in it will be disconnected.", meetingName(m))
	if when := timeRange(m.Start, m.End); when != "" {
		t = textf("%s\nScheduled %s.", t, when)
	}
	if forGood {
		return textf("%s\n%s keeps its reservation, so people can rejoin until its scheduled end; %s also cancels the reservation, so nobody can.", t, labelEnd, labelAskForGood)
	}
	return textf("%s\nIt is one of a recurring series, whose reservation the bot cannot cancel: it can only end this meeting, and people can rejoin until its scheduled end.", t)
}

// msgPromptForGood asks to end a meeting for good.
func msgPromptForGood(m MeetingView) Text {
	return textf("End meeting %s for good? Everyone in it will be disconnected, and its reservation cancelled so that nobody can rejoin it. This cannot be undone.", meetingName(m))
}

// confirmDialog is the End button's dialog. Its text is plain: a dialog
// shows no markup.
func confirmDialog(m MeetingView) *Confirm {
	return &Confirm{
		Title: "End this meeting?",
		Text:  "This ends " + plainName(m) + " for everyone in it. Its reservation is kept, so people can rejoin until its scheduled end.",
		Yes:   "End meeting",
		No:    "Keep it",
	}
}

// confirmForGoodDialog is the End for good button's dialog.
func confirmForGoodDialog(m MeetingView) *Confirm {
	return &Confirm{
		Title: "End this meeting for good?",
		Text:  "This ends " + plainName(m) + " for everyone in it and cancels its reservation: nobody can rejoin it.",
		Yes:   "End for good",
		No:    "Keep it",
	}
}

const (
	labelEnd        = "End meeting"
	labelAskForGood = "End for good…"
	labelEndForGood = "End for good"
	labelCancel     = "Cancel"
	labelPick       = "End meeting…"
)

func msgEnding(m MeetingView) Text {
	return textf("Ending meeting %s…", meetingName(m))
}

func msgEndingForGood(m MeetingView) Text {
	return textf("Ending meeting %s for good…", meetingName(m))
}

func msgEnded(m MeetingView) Text {
	return textf("Meeting %s has ended. Its reservation is kept, so people can rejoin until its scheduled end time unless your enterprise turned reservation records off.", meetingName(m))
}

func msgEndedForGood(m MeetingView) Text {
	return textf("Meeting %s has ended and its reservation is cancelled: nobody can rejoin it.", meetingName(m))
}

func msgAnnounce(user string, m MeetingView) Text {
	return textf("%s ended meeting %s.", mention(user), meetingName(m))
}

func msgAnnounceForGood(user string, m MeetingView) Text {
	return textf("%s ended meeting %s for good: its reservation is cancelled.", mention(user), meetingName(m))
}

func msgCancelled(m MeetingView) Text {
	return textf("Cancelled. Meeting %s was not ended.", shownID(m))
}

func msgExpired(m MeetingView, timeout time.Duration) Text {
	return textf("This prompt expired after %s. Type %s again to end the meeting.", timeout, code("/endmeeting "+string(typedID(m))))
}

func msgNotRequester(requester string) Text {
	return textf("Only %s, who asked, can answer this prompt.", mention(requester))
}

func msgDuplicate(m MeetingView) Text {
	return textf("This prompt for meeting %s has already been answered.", shownID(m))
}

func msgClaimFailed(ref string) Text {
	return withRef(textf("I cannot confirm this right now, so nothing was ended. Try again in a moment."), ref)
}

func msgListHeader(all bool) Text {
	if all {
		return textf("Meetings in progress:")
	}
	return textf("Meetings in progress that you host:")
}

func msgChoice(m MeetingView) Text {
	t := meetingName(m)
	if !m.Start.IsZero() {
		t = textf("%s, started %s UTC", t, m.Start.UTC().Format("2006-01-02 15:04"))
	}
	return t
}

// msgListFooter says what a list leaves out: more meetings hosted than
// it shows, and meetings whose host it did not ask Huawei about.
func msgListFooter(more, unchecked int) Text {
	var t Text
	if more > 0 {
		t = textf("…and %d more.", more)
	}
	if unchecked > 0 {
		if len(t) > 0 {
			t = textf("%s ", t)
		}
		t = textf("%s%d more meetings you take part in were not checked; type %s to end one you host.", t, unchecked, code("/endmeeting <meeting-id>"))
	}
	return t
}

func msgListEmpty(all bool) Text {
	if all {
		return textf("No meeting is in progress.\n%s", usageText)
	}
	return textf("You host no meeting in progress right now.\n%s", usageText)
}

func msgListNoneChecked(unchecked int) Text {
	return textf("You host none of the first %d meetings in progress you take part in; %d more were not checked. Type %s to end one you host.",
		listShow, unchecked, code("/endmeeting <meeting-id>"))
}

func msgListAdminHint() Text {
	return textf("Type %s to list every meeting in progress, or %s to end one.", code("/endmeeting all"), code("/endmeeting <meeting-id>"))
}

func msgListAllAdminsOnly(ref string) Text {
	return withRef(textf("Only the bot's admins can list every meeting; %s alone lists the meetings you host.", code("/endmeeting")), ref)
}

var (
	msgBadButton = textf("This button is not valid any more. Type %s again.", code("/endmeeting <meeting-id>"))
	msgOtherOrg  = textf("This bot serves only its own organization's members, so nothing was done.")
	msgBusy      = textf("meetingbot is busy right now; nothing was done. Try again in a minute.")
)

// classNotYours is what the host rule shows of a meeting that is not
// found or that the caller may not control: the same words for both, so
// that it reveals nothing of meetings the caller may not see.
const classNotYours = "not_yours"

// shownClass decides what the caller may learn of a failure: its class,
// except that under the host rule not found and not permitted are one, and
// that work cut short by anything but shutdown is the bot's own failure.
func shownClass(err error, d Decision) string {
	switch c := ErrorClass(err); {
	case d.Rule == RuleHost && (c == ClassNotFound || c == ClassNotPermitted):
		return classNotYours
	case c == ClassCanceled && !errors.Is(err, context.Canceled):
		return ClassInternal
	default:
		return c
	}
}

// meetingFailures words a failure about one meeting, named by the ID
// shown, by shown class.
var meetingFailures = map[string]func(id Text, d Decision) Text{
	classNotYours: func(id Text, _ Decision) Text {
		return textf("Meeting %s was not found, or you are not its host.", id)
	},
	ClassNotFound: func(id Text, _ Decision) Text {
		return textf("Meeting %s was not found: it does not exist, it has already ended, or the bot cannot see it.", id)
	},
	ClassAlreadyEnded: func(id Text, _ Decision) Text { return textf("Meeting %s has already ended.", id) },
	ClassNotStarted: func(id Text, _ Decision) Text {
		return textf("Meeting %s has not started yet; only a meeting in progress can be ended.", id)
	},
	ClassNotPermitted: func(id Text, _ Decision) Text {
		return textf("The bot's Huawei account may not control meeting %s.", id)
	},
	ClassLocked: func(id Text, _ Decision) Text {
		return textf("Huawei has locked control of meeting %s for a while after failed log-ins. Try again later.", id)
	},
	ClassCredentials: credentialsFailure,
	ClassThrottled:   busyFailure,
	ClassUnavailable: busyFailure,
	ClassCanceled: func(id Text, _ Decision) Text {
		return textf("The bot was shutting down, so meeting %s may not have ended. Check it, and try again in a minute.", id)
	},
}

// msgSearchIncomplete follows "not found" when the ID was looked for as a
// room's among the first meetings in progress only.
var msgSearchIncomplete = textf("As a room's ID it was looked for among the first %d meetings in progress only, so a meeting held in that room may be among the others.", meeting.RoomSearchLimit)

func busyFailure(id Text, _ Decision) Text {
	return textf("Huawei Cloud Meeting is busy or unreachable, so meeting %s may not have ended. Try again in a minute.", id)
}

func credentialsFailure(_ Text, d Decision) Text {
	if d.Rule == RuleHost {
		return textf("Huawei Cloud Meeting did not let the bot act as your account (%s). Ask the bot's operator: your Slack account may need a mapping in ENDMEETING_HOST_MAP.", value(d.HuaweiUser))
	}
	return textf("Huawei Cloud Meeting rejected the bot's credentials. Please tell the bot's operator.")
}

// listFailures words a failure to list meetings, by shown class; any other
// class is a refusal.
var listFailures = map[string]func(d Decision) Text{
	ClassThrottled:   listBusy,
	ClassUnavailable: listBusy,
	ClassNotPermitted: func(Decision) Text {
		return textf("Huawei Cloud Meeting did not let the bot list every meeting: its Huawei account needs to be an enterprise administrator. Please tell the bot's operator.")
	},
	ClassCanceled: func(Decision) Text {
		return textf("The bot was shutting down, so the meetings could not be listed. Try again in a minute.")
	},
	ClassCredentials: func(d Decision) Text { return credentialsFailure(nil, d) },
	ClassInternal:    func(Decision) Text { return msgInternal },
}

func listBusy(Decision) Text {
	return textf("Huawei Cloud Meeting is busy or unreachable, so the meetings could not be listed. Try again in a minute.")
}

func listRefused(Decision) Text {
	return textf("Huawei Cloud Meeting refused to list the meetings. Please tell the bot's operator.")
}

var msgInternal = textf("Something went wrong inside the bot. Please tell the bot's operator.")

// msgFailure is the message for a failed look-up or stop of the meeting
// named id (empty for a list), done under decision d: shownClass decides
// what may be said, the tables above how.
func msgFailure(err error, d Decision, id Text, ref string) Text {
	class := shownClass(err, d)
	t := msgInternal
	if len(id) == 0 {
		word, ok := listFailures[class]
		if !ok {
			word = listRefused
		}
		t = word(d)
	} else if word, ok := meetingFailures[class]; ok {
		t = word(id, d)
		if (class == ClassNotFound || class == classNotYours) && errors.Is(err, meeting.ErrSearchIncomplete) {
			t = textf("%s %s", t, msgSearchIncomplete)
		}
	}
	return withRef(t, ref)
}

// msgCancelFailure is msgFailure for a failed end for good. Huawei refuses
// to cancel the meetings of others than their creator to anyone but an
// enterprise administrator: a host who is not the creator is told so, and
// that nothing was done, which a refusal guarantees.
func msgCancelFailure(err error, d Decision, m MeetingView, ref string) Text {
	if ErrorClass(err) != ClassNotPermitted {
		return msgFailure(err, d, shownID(m), ref)
	}
	if d.Rule == RuleHost {
		return withRef(textf("Huawei Cloud Meeting did not let you cancel the reservation of meeting %s: only the meeting's creator or an enterprise administrator can. "+
			"Nothing was done; the meeting goes on. Type %s again to end it and keep its reservation.", shownID(m), code("/endmeeting "+string(typedID(m)))), ref)
	}
	return withRef(textf("Huawei Cloud Meeting did not let the bot cancel the reservation of meeting %s: its Huawei account needs to be an enterprise administrator. "+
		"Nothing was done; the meeting goes on. Please tell the bot's operator.", shownID(m)), ref)
}

func withRef(t Text, ref string) Text { return textf("%s (ref %s)", t, code(ref)) }

// meetingName is the subject in bold and the ID shown, or that ID alone
// without a subject.
func meetingName(m MeetingView) Text {
	if m.Subject == "" {
		return shownID(m)
	}
	return textf("%s (%s)", strong(m.Subject), shownID(m))
}

// plainName is meetingName for a field that shows no markup.
func plainName(m MeetingView) string {
	if m.Subject == "" {
		return "meeting " + shownID(m).String()
	}
	return "\u201c" + m.Subject + "\u201d (" + shownID(m).String() + ")"
}

// shownID is the ID people know a meeting by: its room's, with its digits
// grouped as people read them out, or else its conferenceID as it is.
func shownID(m MeetingView) Text {
	if m.RoomID != "" {
		return textf("room %s", groupDigits(string(m.RoomID)))
	}
	return textf("%s", m.ID)
}

// typedID is the ID to type for a meeting again: its room's, or else its
// conferenceID.
func typedID(m MeetingView) meeting.ID {
	if m.RoomID != "" {
		return m.RoomID
	}
	return m.ID
}

// groupDigits groups digits in threes from the left, a last digit joining
// the group before it: "685 729 1034". ParseID reads the groups back.
func groupDigits(d string) string {
	var b strings.Builder
	for len(d) > 4 {
		b.WriteString(d[:3] + " ")
		d = d[3:]
	}
	b.WriteString(d)
	return b.String()
}

func timeRange(start, end time.Time) string {
	const layout = "2006-01-02 15:04"
	switch {
	case start.IsZero():
		return ""
	case end.IsZero():
		return "from " + start.UTC().Format(layout) + " UTC"
	case start.UTC().YearDay() == end.UTC().YearDay() && start.UTC().Year() == end.UTC().Year():
		return start.UTC().Format(layout) + "–" + end.UTC().Format("15:04") + " UTC"
	}
	return start.UTC().Format(layout) + " – " + end.UTC().Format(layout) + " UTC"
}
