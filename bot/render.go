package bot

import (
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
	m := message{ResponseType: ephemeral, ReplaceOriginal: r.Replace, Text: r.Text}
	if r.Public {
		m.ResponseType = inChannel
	}
	if r.Prompt != nil {
		m.Blocks = promptBlocks(r.Text, r.Prompt)
	}
	if len(r.Choices) > 0 {
		m.Blocks = choiceBlocks(r)
	}
	return m
}

// choiceBlocks renders a list: its text, a section per meeting with its
// button, and the footer.
func choiceBlocks(r handlers.Reply) []slack.Block {
	blocks := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, r.Text, false, false), nil, nil)}
	for _, c := range r.Choices {
		blocks = append(blocks, slack.NewSectionBlock(
			slack.NewTextBlockObject(slack.MarkdownType, c.Text, false, false), nil,
			slack.NewAccessory(button(c.Action)),
			slack.SectionBlockOptionBlockID("endmeeting_pick_"+string(c.Meeting.ID)),
		))
	}
	if r.Footer != "" {
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, r.Footer, false, false)))
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
			slack.NewTextBlockObject(slack.PlainTextType, c.Text, false, false),
			slack.NewTextBlockObject(slack.PlainTextType, c.Yes, false, false),
			slack.NewTextBlockObject(slack.PlainTextType, c.No, false, false),
		).WithStyle(slack.StyleDanger))
	}
	return b
}
