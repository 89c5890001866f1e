package slacktest

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// verificationToken is the deprecated verification token Slack still puts in
// payloads; Socket Mode apps must not rely on it.
const verificationToken = "x"

// senderTeam returns the team and Enterprise Grid organization of whoever
// sends a command or a click: the ones given, or with no team given the
// server's team, and its organization unless one was given.
func (s *Server) senderTeam(teamID, enterpriseID string) (team, enterprise string) {
	if teamID == "" {
		teamID = s.cfg.TeamID
		if enterpriseID == "" {
			enterpriseID = s.cfg.EnterpriseID
		}
	}
	return teamID, enterpriseID
}

// channelName returns name, or "directmessage" for an unnamed D… channel,
// as Slack names a DM in payloads.
func channelName(id, name string) string {
	if name == "" && strings.HasPrefix(id, "D") {
		return "directmessage"
	}
	return name
}

// SlashCommand is a slash command invocation to push to the bot.
type SlashCommand struct {
	// TeamID defaults to Config.TeamID.
	TeamID string
	// ChannelID and ChannelName say where the command was typed. For a
	// D… channel the name defaults to "directmessage", as in Slack.
	ChannelID, ChannelName string
	// UserID and UserName say who typed it.
	UserID, UserName string
	// Command defaults to "/endmeeting".
	Command string
	// Text is what follows the command.
	Text string
	// EnterpriseID is the sender's Enterprise Grid organization; default
	// Config.EnterpriseID when TeamID is left to its default too.
	EnterpriseID string
}

// slashPayload is a slash_commands payload in Slack's field order.
type slashPayload struct {
	Token               string `json:"token"`
	TeamID              string `json:"team_id"`
	TeamDomain          string `json:"team_domain"`
	EnterpriseID        string `json:"enterprise_id,omitempty"`
	EnterpriseName      string `json:"enterprise_name,omitempty"`
	ChannelID           string `json:"channel_id"`
	ChannelName         string `json:"channel_name"`
	UserID              string `json:"user_id"`
	UserName            string `json:"user_name"`
	Command             string `json:"command"`
	Text                string `json:"text"`
	APIAppID            string `json:"api_app_id"`
	IsEnterpriseInstall string `json:"is_enterprise_install"` // a string on the wire
	ResponseURL         string `json:"response_url"`
	TriggerID           string `json:"trigger_id"`
}

// SendSlashCommand pushes a slash_commands envelope with a fresh
// response_url to the next open connection in turn, waiting for one while
// ctx allows.
func (s *Server) SendSlashCommand(ctx context.Context, c SlashCommand) (Envelope, error) {
	responseURL, payload := s.slashCommand(c)
	return s.sendEnvelope(ctx, "slash_commands", responseURL, payload)
}

// SendSlashCommandTo pushes one slash_commands envelope, as
// SendSlashCommand builds it, to the connections numbered conns, or to
// every open connection when conns is empty, as SendEnvelopeTo does: the
// same envelope_id, payload and response_url on each.
func (s *Server) SendSlashCommandTo(ctx context.Context, c SlashCommand, conns ...int) ([]Envelope, error) {
	responseURL, payload := s.slashCommand(c)
	return s.sendEnvelopeTo(ctx, "slash_commands", responseURL, payload, conns)
}

// slashCommand returns a fresh response_url and the payload for c.
func (s *Server) slashCommand(c SlashCommand) (string, slashPayload) {
	c.TeamID, c.EnterpriseID = s.senderTeam(c.TeamID, c.EnterpriseID)
	if c.Command == "" {
		c.Command = "/endmeeting"
	}
	c.ChannelName = channelName(c.ChannelID, c.ChannelName)
	responseURL := s.newResponseURL("commands", c.TeamID)
	return responseURL, slashPayload{
		Token:               verificationToken,
		TeamID:              c.TeamID,
		TeamDomain:          s.cfg.TeamDomain,
		EnterpriseID:        c.EnterpriseID,
		EnterpriseName:      c.EnterpriseID,
		ChannelID:           c.ChannelID,
		ChannelName:         c.ChannelName,
		UserID:              c.UserID,
		UserName:            c.UserName,
		Command:             c.Command,
		Text:                c.Text,
		APIAppID:            s.cfg.AppID,
		IsEnterpriseInstall: strconv.FormatBool(s.cfg.EnterpriseInstall),
		ResponseURL:         responseURL,
		TriggerID:           newTriggerID(),
	}
}

// BlockAction is a click on a Block Kit button to push to the bot.
type BlockAction struct {
	// TeamID defaults to Config.TeamID.
	TeamID string
	// ChannelID and ChannelName say where the message with the button is.
	ChannelID, ChannelName string
	// UserID and UserName say who clicked.
	UserID, UserName string
	// ActionID, BlockID and Value are the button's; Slack makes up an
	// ActionID and a BlockID when the message had none.
	ActionID, BlockID, Value string
	// Style is the button's style: "", "primary" or "danger".
	Style string
	// Text is the button's label; default "Button".
	Text string
	// IsEphemeral says the button is on an ephemeral message; Slack then
	// sends no "message" object.
	IsEphemeral bool
	// EnterpriseID is the clicker's Enterprise Grid organization; default
	// Config.EnterpriseID when TeamID is left to its default too.
	EnterpriseID string

	// MessageTS is the ts of the message holding the button; default a
	// fresh ts.
	MessageTS string
	// Message is the "message" object sent for a non-ephemeral message.
	// When nil, it is the message posted with chat.postMessage whose ts is
	// MessageTS, if any, else a minimal bot message.
	Message json.RawMessage
}

type actionUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	TeamID   string `json:"team_id"`
}

type actionContainer struct {
	Type        string `json:"type"`
	MessageTS   string `json:"message_ts"`
	ChannelID   string `json:"channel_id"`
	IsEphemeral bool   `json:"is_ephemeral"`
}

type actionTeam struct {
	ID             string `json:"id"`
	Domain         string `json:"domain"`
	EnterpriseID   string `json:"enterprise_id,omitempty"`
	EnterpriseName string `json:"enterprise_name,omitempty"`
}

type actionEnterprise struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type actionChannel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type buttonAction struct {
	ActionID string     `json:"action_id"`
	BlockID  string     `json:"block_id"`
	Type     string     `json:"type"`
	Style    string     `json:"style,omitempty"`
	Text     textObject `json:"text"`
	Value    string     `json:"value,omitempty"`
	ActionTS string     `json:"action_ts"`
}

// blockActionsPayload is a block_actions payload in Slack's field order.
type blockActionsPayload struct {
	Type                string            `json:"type"`
	User                actionUser        `json:"user"`
	APIAppID            string            `json:"api_app_id"`
	Token               string            `json:"token"`
	Container           actionContainer   `json:"container"`
	TriggerID           string            `json:"trigger_id"`
	Team                actionTeam        `json:"team"`
	Enterprise          *actionEnterprise `json:"enterprise"`
	IsEnterpriseInstall bool              `json:"is_enterprise_install"`
	Channel             actionChannel     `json:"channel"`
	Message             json.RawMessage   `json:"message,omitempty"`
	ResponseURL         string            `json:"response_url"`
	Actions             []buttonAction    `json:"actions"`
}

// SendBlockAction pushes an interactive envelope with a block_actions payload
// for one button click, with a fresh response_url, to the next open
// connection in turn, waiting for one while ctx allows. Every call is a new
// click with its own envelope_id and action_ts, as in Slack.
func (s *Server) SendBlockAction(ctx context.Context, a BlockAction) (Envelope, error) {
	responseURL, payload := s.blockAction(a)
	return s.sendEnvelope(ctx, "interactive", responseURL, payload)
}

// SendBlockActionTo pushes one click, as SendBlockAction builds it, to the
// connections numbered conns, or to every open connection when conns is
// empty, as SendEnvelopeTo does: the same envelope_id, payload and
// response_url on each, as when one click reaches two replicas.
func (s *Server) SendBlockActionTo(ctx context.Context, a BlockAction, conns ...int) ([]Envelope, error) {
	responseURL, payload := s.blockAction(a)
	return s.sendEnvelopeTo(ctx, "interactive", responseURL, payload, conns)
}

// blockAction returns a fresh response_url and the payload for a.
func (s *Server) blockAction(a BlockAction) (string, blockActionsPayload) {
	a.TeamID, a.EnterpriseID = s.senderTeam(a.TeamID, a.EnterpriseID)
	var enterprise *actionEnterprise
	if a.EnterpriseID != "" {
		enterprise = &actionEnterprise{ID: a.EnterpriseID, Name: a.EnterpriseID}
	}
	a.ChannelName = channelName(a.ChannelID, a.ChannelName)
	if a.ActionID == "" {
		a.ActionID = randomHex(3)
	}
	if a.BlockID == "" {
		a.BlockID = randomHex(3)
	}
	if a.Text == "" {
		a.Text = "Button"
	}
	now := time.Now()
	s.mu.Lock()
	if a.MessageTS == "" {
		a.MessageTS = s.nextMessageTS()
	}
	var msg json.RawMessage
	if !a.IsEphemeral {
		msg = a.Message
		if msg == nil {
			msg = s.messageObjectLocked(a.MessageTS)
		}
	}
	s.mu.Unlock()

	responseURL := s.newResponseURL("actions", a.TeamID)
	return responseURL, blockActionsPayload{
		Type:     "block_actions",
		User:     actionUser{ID: a.UserID, Username: a.UserName, Name: a.UserName, TeamID: a.TeamID},
		APIAppID: s.cfg.AppID,
		Token:    verificationToken,
		Container: actionContainer{
			Type:        "message",
			MessageTS:   a.MessageTS,
			ChannelID:   a.ChannelID,
			IsEphemeral: a.IsEphemeral,
		},
		TriggerID:           newTriggerID(),
		Team:                actionTeam{ID: a.TeamID, Domain: s.cfg.TeamDomain, EnterpriseID: a.EnterpriseID, EnterpriseName: a.EnterpriseID},
		Enterprise:          enterprise,
		IsEnterpriseInstall: s.cfg.EnterpriseInstall,
		Channel:             actionChannel{ID: a.ChannelID, Name: a.ChannelName},
		Message:             msg,
		ResponseURL:         responseURL,
		Actions: []buttonAction{{
			ActionID: a.ActionID,
			BlockID:  a.BlockID,
			Type:     "button",
			Style:    a.Style,
			Text:     textObject{Type: "plain_text", Text: a.Text},
			Value:    a.Value,
			ActionTS: slackTS(now),
		}},
	}
}

// messageObjectLocked returns the message object for ts: the one posted with
// chat.postMessage, or a minimal bot message. The caller holds s.mu.
func (s *Server) messageObjectLocked(ts string) json.RawMessage {
	for _, m := range s.messages {
		if m.TS == ts {
			return s.messageObject(m)
		}
	}
	return s.messageObject(Message{TS: ts})
}
