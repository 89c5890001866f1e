package handlers

import (
	"context"
	"errors"
	"time"

	"meetingbot/meeting"
)

// All the text users see lives here, so that wording is one edit. It is
// Text, with no transport's markup: what comes from outside is a Value or
// Strong span, which each transport shows as it is.

var usageText = textf("Usage: %s, for example %s. "+
	"The ID has 6 to 20 digits; spaces or dashes between groups are fine. "+
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

func msgPrompt(m MeetingView) Text {
	t := textf("End meeting %s? Everyone in it will be disconnected.", meetingName(m.Subject, m.ID))
	if when := timeRange(m.Start, m.End); when != "" {
		t = textf("%s\nScheduled %s.", t, when)
	}
	return t
}

// confirmDialog is the End button's dialog. Its text is plain: a dialog
// shows no markup.
func confirmDialog(m MeetingView) *Confirm {
	return &Confirm{
		Title: "End this meeting?",
		Text:  "This ends " + plainName(m.Subject, m.ID) + " for everyone in it.",
		Yes:   "End meeting",
		No:    "Keep it",
	}
}

const (
	labelEnd    = "End meeting"
	labelCancel = "Cancel"
	labelPick   = "End meeting…"
)

func msgEnding(id meeting.ID, subject string) Text {
	return textf("Ending meeting %s…", meetingName(subject, id))
}

func msgEnded(id meeting.ID, subject string) Text {
	return textf("Meeting %s has ended. Its reservation is kept, so people can rejoin until its scheduled end time unless your enterprise turned reservation records off.", meetingName(subject, id))
}

func msgAnnounce(user string, id meeting.ID, subject string) Text {
	return textf("%s ended meeting %s.", mention(user), meetingName(subject, id))
}

func msgCancelled(id meeting.ID) Text {
	return textf("Cancelled. Meeting %s was not ended.", id)
}

func msgExpired(id meeting.ID, timeout time.Duration) Text {
	return textf("This prompt expired after %s. Type %s again to end the meeting.", timeout, code("/endmeeting "+string(id)))
}

func msgNotRequester(requester string) Text {
	return textf("Only %s, who asked, can answer this prompt.", mention(requester))
}

func msgDuplicate(id meeting.ID) Text {
	return textf("This prompt for meeting %s has already been answered.", id)
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
	t := meetingName(m.Subject, m.ID)
	if !m.Start.IsZero() {
		t = textf("%s, started %s UTC", t, m.Start.UTC().Format("2006-01-02 15:04"))
	}
	return t
}

func msgListMore(n int) Text { return textf("…and %d more.", n) }

func msgListEmpty(all bool) Text {
	if all {
		return textf("No meeting is in progress.\n%s", usageText)
	}
	return textf("You host no meeting in progress right now.\n%s", usageText)
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

// meetingFailures words a failure about one meeting, by shown class.
var meetingFailures = map[string]func(id meeting.ID, d Decision) Text{
	classNotYours: func(id meeting.ID, _ Decision) Text {
		return textf("Meeting %s was not found, or you are not its host.", id)
	},
	ClassNotFound: func(id meeting.ID, _ Decision) Text {
		return textf("Meeting %s was not found: it does not exist, it has already ended, or the bot cannot see it.", id)
	},
	ClassAlreadyEnded: func(id meeting.ID, _ Decision) Text { return textf("Meeting %s has already ended.", id) },
	ClassNotStarted: func(id meeting.ID, _ Decision) Text {
		return textf("Meeting %s has not started yet; only a meeting in progress can be ended.", id)
	},
	ClassNotPermitted: func(id meeting.ID, _ Decision) Text {
		return textf("The bot's Huawei account may not control meeting %s.", id)
	},
	ClassLocked: func(id meeting.ID, _ Decision) Text {
		return textf("Huawei has locked control of meeting %s for a while after failed log-ins. Try again later.", id)
	},
	ClassCredentials: credentialsFailure,
	ClassThrottled:   busyFailure,
	ClassUnavailable: busyFailure,
	ClassCanceled: func(id meeting.ID, _ Decision) Text {
		return textf("The bot was shutting down, so meeting %s may not have ended. Check it, and try again in a minute.", id)
	},
}

func busyFailure(id meeting.ID, _ Decision) Text {
	return textf("Huawei Cloud Meeting is busy or unreachable, so meeting %s may not have ended. Try again in a minute.", id)
}

func credentialsFailure(_ meeting.ID, d Decision) Text {
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
	ClassCredentials: func(d Decision) Text { return credentialsFailure("", d) },
	ClassInternal:    func(Decision) Text { return msgInternal },
}

func listBusy(Decision) Text {
	return textf("Huawei Cloud Meeting is busy or unreachable, so the meetings could not be listed. Try again in a minute.")
}

func listRefused(Decision) Text {
	return textf("Huawei Cloud Meeting refused to list the meetings. Please tell the bot's operator.")
}

var msgInternal = textf("Something went wrong inside the bot. Please tell the bot's operator.")

// msgFailure is the message for a failed look-up or stop of meeting id
// (empty for a list), done under decision d: shownClass decides what may be
// said, the tables above how.
func msgFailure(err error, d Decision, id meeting.ID, ref string) Text {
	class := shownClass(err, d)
	t := msgInternal
	if id == "" {
		word, ok := listFailures[class]
		if !ok {
			word = listRefused
		}
		t = word(d)
	} else if word, ok := meetingFailures[class]; ok {
		t = word(id, d)
	}
	return withRef(t, ref)
}

func withRef(t Text, ref string) Text { return textf("%s (ref %s)", t, code(ref)) }

// meetingName is the subject in bold and the ID, or the ID alone without a
// subject.
func meetingName(subject string, id meeting.ID) Text {
	if subject == "" {
		return textf("%s", id)
	}
	return textf("%s (%s)", strong(subject), id)
}

// plainName is meetingName for a field that shows no markup.
func plainName(subject string, id meeting.ID) string {
	if subject == "" {
		return "meeting " + string(id)
	}
	return "\u201c" + subject + "\u201d (" + string(id) + ")"
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
