package handlers

import (
	"context"
	"time"

	"meetingbot/meeting"
)

// Command is a slash command as the handlers see it.
type Command struct {
	EnvelopeID   string // the transport's ID of the request, for the audit log
	TeamID       string
	EnterpriseID string // on Enterprise Grid
	ChannelID    string
	UserID       string
	Text         string // what follows the command
}

func (c Command) caller() Caller {
	return Caller{TeamID: c.TeamID, EnterpriseID: c.EnterpriseID, ChannelID: c.ChannelID, UserID: c.UserID}
}

// Click is a click on one of a prompt's buttons.
type Click struct {
	EnvelopeID   string
	TeamID       string
	EnterpriseID string // on Enterprise Grid
	ChannelID    string
	UserID       string
	ActionID     string // one of the Action constants
	Value        string // the button's value, as the prompt set it
	// Retry says Slack sent this envelope before (it missed the ack).
	Retry bool
}

func (c Click) caller() Caller {
	return Caller{TeamID: c.TeamID, EnterpriseID: c.EnterpriseID, ChannelID: c.ChannelID, UserID: c.UserID}
}

// The action IDs of the buttons.
const (
	ActionEnd    = "endmeeting_confirm" // a prompt's End meeting
	ActionCancel = "endmeeting_cancel"  // a prompt's Cancel
	ActionPick   = "endmeeting_pick"    // a listed meeting's End meeting…, which leads to a prompt
	// ActionAskForGood is a prompt's End for good…, which leads to a
	// prompt of its own whose danger button is ActionEndForGood.
	ActionAskForGood = "endmeeting_forgood"
	// ActionEndForGood ends a meeting and cancels its reservation, so that
	// nobody can rejoin it.
	ActionEndForGood = "endmeeting_forgood_confirm"
)

// KnownAction reports whether id is the action ID of one of the bot's
// buttons. A transport serves clicks on those alone: anything else in a
// prompt's message is no answer to it.
func KnownAction(id string) bool {
	switch id {
	case ActionEnd, ActionCancel, ActionPick, ActionAskForGood, ActionEndForGood:
		return true
	}
	return false
}

// Reply is one message to the user or the channel.
type Reply struct {
	Text Text
	// Prompt, when set, asks for a choice; Text is its fallback.
	Prompt *Prompt
	// Choices, when set, lists meetings, each with a button; Footer
	// follows them.
	Choices []Choice
	Footer  Text
	// Replace replaces the message the clicked button is on, instead of
	// sending a new message.
	Replace bool
	// Public sends the message to the whole channel; otherwise only the
	// user sees it.
	Public bool
}

// Prompt is a question with buttons.
type Prompt struct {
	Meeting MeetingView
	Actions []Action
}

// Choice is a meeting in a list, with its button.
type Choice struct {
	Meeting MeetingView
	Text    Text // describes the meeting
	Action  Action
}

// MeetingView is what a prompt shows of a meeting.
type MeetingView struct {
	// ID is the conferenceID, which every call takes.
	ID meeting.ID
	// RoomID is the ID of the cloud meeting room or personal meeting ID
	// that holds the meeting, or empty: the ID people know it by, and the
	// one shown when set.
	RoomID     meeting.ID
	Subject    string
	Start, End time.Time // zero when unknown
}

// Action is a button.
type Action struct {
	ID      string // one of the Action constants
	Label   string
	Value   string
	Danger  bool     // shown red
	Confirm *Confirm // a dialog to confirm the click, if set
}

// Confirm is a confirmation dialog. Its texts are plain: a dialog shows no
// markup.
type Confirm struct {
	Title, Text, Yes, No string
}

// Replier sends the replies of one command or click. Package bot implements
// it for Slack and for the console.
type Replier interface {
	Reply(ctx context.Context, r Reply) error
}

// Meetings is the part of meeting.Client the handlers use, acting as one
// Huawei user.
type Meetings interface {
	// PrepareTyped reads the details of the meeting of an ID as someone
	// typed it (its conferenceID, or the ID of the room that holds it) and
	// warms its control token. The Conference's ID is the conferenceID,
	// which every other call takes.
	PrepareTyped(ctx context.Context, id meeting.ID) (meeting.Conference, error)
	// Stop ends a meeting; its reservation is kept.
	Stop(ctx context.Context, id meeting.ID) (meeting.StopResult, error)
	// Cancel ends a meeting for good: its reservation is cancelled too.
	Cancel(ctx context.Context, id meeting.ID) (meeting.CancelResult, error)
	// Online lists meetings in progress: the user's, or all of them.
	Online(ctx context.Context, all bool, limit int) ([]meeting.Conference, int, error)
	// Hosted keeps the meetings of a list that the user hosts, asking
	// Huawei, at most concurrency at a time, about those the list does not
	// say.
	Hosted(ctx context.Context, confs []meeting.Conference, concurrency int) ([]meeting.Conference, error)
}

// AsUser returns the Meetings of a Huawei user, for the host rule.
type AsUser func(huaweiUser string) (Meetings, error)
