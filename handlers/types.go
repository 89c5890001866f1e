package handlers

import (
	"context"
	"time"

	"meetingbot/meeting"
)

// Command is a slash command as the handlers see it.
type Command struct {
	EnvelopeID string // the transport's ID of the request, for the audit log
	TeamID     string
	ChannelID  string
	UserID     string
	Text       string // what follows the command
}

// Click is a click on one of a prompt's buttons.
type Click struct {
	EnvelopeID string
	TeamID     string
	ChannelID  string
	UserID     string
	ActionID   string // ActionEnd or ActionCancel
	Value      string // the button's value, as the prompt set it
}

// The action IDs of the prompt's buttons.
const (
	ActionEnd    = "endmeeting_confirm"
	ActionCancel = "endmeeting_cancel"
)

// Reply is one message to the user or the channel.
type Reply struct {
	Text string // mrkdwn: *bold*, <@U123> mentions
	// Prompt, when set, asks for a choice; Text is its fallback.
	Prompt *Prompt
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

// MeetingView is what a prompt shows of a meeting.
type MeetingView struct {
	ID         meeting.ID
	Subject    string
	Start, End time.Time // zero when unknown
}

// Action is a button.
type Action struct {
	ID      string // ActionEnd or ActionCancel
	Label   string
	Value   string
	Danger  bool     // shown red
	Confirm *Confirm // a dialog to confirm the click, if set
}

// Confirm is a confirmation dialog.
type Confirm struct {
	Title, Text, Yes, No string
}

// Replier sends the replies of one command or click. Package bot implements
// it for Slack and for the console.
type Replier interface {
	Reply(ctx context.Context, r Reply) error
}

// Meetings is the part of meeting.Client the handlers use.
type Meetings interface {
	// Prepare reads a meeting's details and warms its control token.
	Prepare(ctx context.Context, id meeting.ID) (meeting.Conference, error)
	// Stop ends a meeting.
	Stop(ctx context.Context, id meeting.ID) (meeting.StopResult, error)
}

var _ Meetings = (*meeting.Client)(nil)
