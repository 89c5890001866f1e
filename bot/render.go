package bot

import (
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"meetingbot/handlers"
)

// message is a Slack message as response_url and acks take it. It is built
// by hand because slack.Msg adds "blocks":null and empty metadata.
type message struct {
	ResponseType    string        `json:"response_type,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
}

// The response_type values.
const (
	ephemeral = "ephemeral"
	inChannel = "in_channel"
)

// promptBlockID is the block ID of a prompt's buttons.
const promptBlockID = "endmeeting_actions"

// render turns a reply into a message.
func render(r handlers.Reply) message {
	m := message{ResponseType: ephemeral, ReplaceOriginal: r.Replace, Text: mrkdwn(r.Text)}
	if r.Public {
		m.ResponseType = inChannel
	}
	if r.Prompt != nil {
		m.Blocks = promptBlocks(m.Text, r.Prompt)
	}
	if len(r.Choices) > 0 {
		m.Blocks = choiceBlocks(r)
	}
	return m
}

// choiceBlocks renders a list: its text, a section per meeting with its
// button, and the footer.
func choiceBlocks(r handlers.Reply) []slack.Block {
	blocks := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, mrkdwn(r.Text), false, false), nil, nil)}
	for _, c := range r.Choices {
		blocks = append(blocks, slack.NewSectionBlock(
			slack.NewTextBlockObject(slack.MarkdownType, mrkdwn(c.Text), false, false), nil,
			slack.NewAccessory(button(c.Action)),
			slack.SectionBlockOptionBlockID("endmeeting_pick_"+string(c.Meeting.ID)),
		))
	}
	if len(r.Footer) > 0 {
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, mrkdwn(r.Footer), false, false)))
	}
	return blocks
}

// promptBlocks renders a prompt: its text, then one button per action.
func promptBlocks(text string, p *handlers.Prompt) []slack.Block {
	var buttons []slack.BlockElement
	for _, a := range p.Actions {
		buttons = append(buttons, button(a))
	}
	return []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
		slack.NewActionBlock(promptBlockID, buttons...),
	}
}

// button renders an action as a Block Kit button.
func button(a handlers.Action) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(a.ID, a.Value, slack.NewTextBlockObject(slack.PlainTextType, a.Label, false, false))
	if a.Danger {
		b = b.WithStyle(slack.StyleDanger)
	}
	if c := a.Confirm; c != nil {
		b = b.WithConfirm(slack.NewConfirmationBlockObject(
			slack.NewTextBlockObject(slack.PlainTextType, c.Title, false, false),
			slack.NewTextBlockObject(slack.PlainTextType, cut(c.Text, maxConfirmText), false, false),
			slack.NewTextBlockObject(slack.PlainTextType, c.Yes, false, false),
			slack.NewTextBlockObject(slack.PlainTextType, c.No, false, false),
		).WithStyle(slack.StyleDanger))
	}
	return b
}

// maxConfirmText is Block Kit's limit for a confirm dialog's text, which
// a long subject would pass.
const maxConfirmText = 300

// mrkdwn renders t as Slack mrkdwn. Slack reads <…> as links and mentions
// (<!channel>) and &, < and > must be escaped in every text; a value from
// outside must not open or close bold, italics, strike or code either, so
// its markup characters become look-alikes and its line breaks spaces.
func mrkdwn(t handlers.Text) string {
	var b strings.Builder
	for _, s := range t {
		switch s.Kind {
		case handlers.Strong:
			b.WriteString("*" + neutral(s.Text) + "*")
		case handlers.Value:
			b.WriteString(neutral(s.Text))
		case handlers.Code:
			b.WriteString("`" + escapes.Replace(strings.ReplaceAll(s.Text, "`", "'")) + "`")
		case handlers.Mention:
			b.WriteString("<@" + escapes.Replace(s.Text) + ">")
		default:
			b.WriteString(escapes.Replace(s.Text))
		}
	}
	return b.String()
}

// escapes are the escapes Slack asks for in every text.
var escapes = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// neutral escapes a value from outside and takes the markup out of it.
func neutral(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;",
		"*", "∗", "_", "＿", "~", "∼", "`", "'", "\n", " ", "\r", " ").Replace(s)
}

// cut shortens s to at most n characters, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
