package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"meetingbot/meeting"
)

// All the text users see lives here, so that wording is one edit. Text is
// Slack mrkdwn; anything that comes from outside is escaped.

const usageText = "Usage: `/endmeeting &lt;meeting-id&gt;`, for example `/endmeeting 914044873`. " +
	"The ID has 6 to 20 digits; spaces or dashes between groups are fine. " +
	"You will be asked to confirm before anything ends. " +
	"`/endmeeting` alone lists the meetings in progress that you host."

func msgUsage() string { return usageText }

func msgBadID(err error) string {
	reason := "it is not a meeting ID"
	if e, ok := errors.AsType[*meeting.IDError](err); ok {
		reason = e.Reason
	}
	return fmt.Sprintf("That is not a meeting ID: %s.\n%s", reason, usageText)
}

func msgDenied(d Decision, ref string) string {
	switch d.Reason {
	case ReasonOtherOrg:
		return withRef(msgOtherOrg, ref)
	case ReasonChannel:
		return withRef("`/endmeeting` is not enabled in this channel.", ref)
	case ReasonLookupFailed:
		return withRef("I could not check your permission just now, so nothing was done. Try again in a minute, or ask the bot's operator.", ref)
	case ReasonNoHostIdentity:
		return withRef("You can end only meetings you host, and the bot does not know your Huawei Cloud Meeting account: "+
			"add your work email to your Slack profile, or ask the bot's operator to map your Slack account (ENDMEETING_HOST_MAP).", ref)
	}
	return withRef("You are not allowed to end meetings with this bot. Ask the bot's operator for access.", ref)
}

func msgPrompt(m MeetingView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "End meeting %s? Everyone in it will be disconnected.", meetingName(m.Subject, m.ID))
	if when := timeRange(m.Start, m.End); when != "" {
		fmt.Fprintf(&b, "\nScheduled %s.", when)
	}
	return b.String()
}

func confirmDialog(m MeetingView) *Confirm {
	return &Confirm{
		Title: "End this meeting?",
		Text:  truncate(fmt.Sprintf("This ends %s for everyone in it.", plainName(m.Subject, m.ID)), 300),
		Yes:   "End meeting",
		No:    "Keep it",
	}
}

const (
	labelEnd    = "End meeting"
	labelCancel = "Cancel"
)

func msgEnding(id meeting.ID, subject string) string {
	return fmt.Sprintf("Ending meeting %s…", meetingName(subject, id))
}

func msgEnded(id meeting.ID, subject string) string {
	return fmt.Sprintf("Meeting %s has ended. Its reservation is kept, so people can rejoin until its scheduled end time unless your enterprise turned reservation records off.", meetingName(subject, id))
}

func msgAnnounce(user string, id meeting.ID, subject string) string {
	return fmt.Sprintf("<@%s> ended meeting %s.", user, meetingName(subject, id))
}

func msgCancelled(id meeting.ID) string {
	return fmt.Sprintf("Cancelled. Meeting %s was not ended.", id)
}

func msgExpired(id meeting.ID, timeout time.Duration) string {
	return fmt.Sprintf("This prompt expired after %s. Type `/endmeeting %s` again to end the meeting.", timeout, id)
}

func msgNotRequester(requester string) string {
	return fmt.Sprintf("Only <@%s>, who asked, can answer this prompt.", requester)
}

func msgDuplicate(id meeting.ID) string {
	return fmt.Sprintf("This prompt for meeting %s has already been answered.", id)
}

const labelPick = "End meeting…"

func msgListHeader(all bool) string {
	if all {
		return "Meetings in progress:"
	}
	return "Meetings in progress that you host:"
}

func msgChoice(m MeetingView) string {
	s := meetingName(m.Subject, m.ID)
	if !m.Start.IsZero() {
		s += ", started " + m.Start.UTC().Format("2006-01-02 15:04") + " UTC"
	}
	return s
}

func msgListMore(n int) string { return fmt.Sprintf("…and %d more.", n) }

func msgListEmpty(all bool) string {
	if all {
		return "No meeting is in progress.\n" + usageText
	}
	return "You host no meeting in progress right now.\n" + usageText
}

func msgListAdminHint() string {
	return "Type `/endmeeting all` to list every meeting in progress, or `/endmeeting &lt;meeting-id&gt;` to end one."
}

func msgListAllAdminsOnly(ref string) string {
	return withRef("Only the bot's admins can list every meeting; `/endmeeting` alone lists the meetings you host.", ref)
}

const msgBadButton = "This button is not valid any more. Type `/endmeeting &lt;meeting-id&gt;` again."

const msgOtherOrg = "This bot serves only its own organization's members, so nothing was done."

const msgBusy = "meetingbot is busy right now; nothing was done. Try again in a minute."

// msgFailure is the message for a failed look-up or stop of meeting id
// (empty for a list), done under decision d.
func msgFailure(err error, d Decision, id meeting.ID, ref string) string {
	var s string
	host := d.Rule == RuleHost
	list := id == ""
	switch {
	// A list has no meeting ID to name, so the classes about one meeting
	// get words of their own.
	case list && (errors.Is(err, meeting.ErrThrottled) || errors.Is(err, meeting.ErrUnavailable)):
		s = "Huawei Cloud Meeting is busy or unreachable, so the meetings could not be listed. Try again in a minute."
	case list && !host && errors.Is(err, meeting.ErrNotPermitted):
		s = "Huawei Cloud Meeting did not let the bot list every meeting: its Huawei account needs to be an enterprise administrator. Please tell the bot's operator."
	case list && errors.Is(err, context.Canceled):
		s = "The bot was shutting down, so the meetings could not be listed. Try again in a minute."
	case list && !systemFailure(err) && ErrorClass(err) != "canceled":
		s = "Huawei Cloud Meeting refused to list the meetings. Please tell the bot's operator."
	case host && !list && (errors.Is(err, meeting.ErrNotFound) || errors.Is(err, meeting.ErrNotPermitted)):
		// Say nothing about a meeting the caller may not see.
		s = fmt.Sprintf("Meeting %s was not found, or you are not its host.", id)
	case host && errors.Is(err, meeting.ErrCredentials):
		s = fmt.Sprintf("Huawei Cloud Meeting did not let the bot act as your account (%s). Ask the bot's operator: your Slack account may need a mapping in ENDMEETING_HOST_MAP.", escape(d.HuaweiUser))
	case errors.Is(err, meeting.ErrNotFound):
		s = fmt.Sprintf("Meeting %s was not found: it does not exist, it has already ended, or the bot cannot see it.", id)
	case errors.Is(err, meeting.ErrAlreadyEnded):
		s = fmt.Sprintf("Meeting %s has already ended.", id)
	case errors.Is(err, meeting.ErrNotStarted):
		s = fmt.Sprintf("Meeting %s has not started yet; only a meeting in progress can be ended.", id)
	case errors.Is(err, meeting.ErrNotPermitted):
		s = fmt.Sprintf("The bot's Huawei account may not control meeting %s.", id)
	case errors.Is(err, meeting.ErrLocked):
		s = fmt.Sprintf("Huawei has locked control of meeting %s for a while after failed log-ins. Try again later.", id)
	case errors.Is(err, meeting.ErrCredentials):
		s = "Huawei Cloud Meeting rejected the bot's credentials. Please tell the bot's operator."
	case errors.Is(err, meeting.ErrThrottled), errors.Is(err, meeting.ErrUnavailable):
		s = fmt.Sprintf("Huawei Cloud Meeting is busy or unreachable, so meeting %s may not have ended. Try again in a minute.", id)
	case errors.Is(err, context.Canceled):
		s = fmt.Sprintf("The bot was shutting down, so meeting %s may not have ended. Check it, and try again in a minute.", id)
	default:
		s = "Something went wrong inside the bot. Please tell the bot's operator."
	}
	return withRef(s, ref)
}

func withRef(s, ref string) string { return fmt.Sprintf("%s (ref `%s`)", s, ref) }

// meetingName is "*Subject* (ID)", or the ID alone without a subject.
func meetingName(subject string, id meeting.ID) string {
	if subject == "" {
		return string(id)
	}
	return fmt.Sprintf("*%s* (%s)", escape(subject), id)
}

// plainName is meetingName without markup, for plain-text fields.
func plainName(subject string, id meeting.ID) string {
	if subject == "" {
		return "meeting " + string(id)
	}
	return fmt.Sprintf("%q (%s)", subject, id)
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

// escape makes text from outside safe in mrkdwn: Slack reads <…> as links
// and mentions (<!channel>), so &, < and > are escaped as Slack asks, and
// the text cannot close the *bold* around it.
func escape(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "*", "∗", "\n", " ", "\r", " ").Replace(s)
	return s
}
