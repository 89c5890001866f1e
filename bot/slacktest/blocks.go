package slacktest

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Block Kit limits Slack enforces (docs.slack.dev, Block Kit reference).
const (
	maxBlocks          = 50
	maxBlockIDLength   = 255
	maxActionIDLength  = 255
	maxSectionText     = 3000
	maxSectionFields   = 10
	maxFieldText       = 2000
	maxHeaderText      = 150
	maxActionsElements = 25
	maxContextElements = 10
	maxButtonText      = 75
	maxButtonValue     = 2000
	maxButtonURL       = 3000
	maxConfirmTitle    = 100
	maxConfirmText     = 300
	maxConfirmButton   = 30
)

// blockChecker collects problems in Slack's wording:
// "[ERROR] must be less than 76 characters [json-pointer:/blocks/0/…]".
type blockChecker struct {
	msgs []string
}

func (c *blockChecker) errorf(ptr, format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf("[ERROR] "+format+" [json-pointer:%s]", append(args, ptr)...))
}

// checkBlocks validates a blocks array as Slack does for chat.postMessage and
// response_url. It returns "" when the blocks are fine, else the Slack error
// code ("invalid_blocks_format" or "invalid_blocks") and messages.
func checkBlocks(raw []byte) (code string, msgs []string) {
	var blocks []any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "invalid_blocks_format", []string{"[ERROR] blocks must be a JSON array [json-pointer:/blocks]"}
	}
	c := &blockChecker{}
	if len(blocks) > maxBlocks {
		c.errorf("/blocks", "no more than %d items allowed", maxBlocks)
	}
	blockIDs := map[string]bool{}
	for i, b := range blocks {
		ptr := fmt.Sprintf("/blocks/%d", i)
		obj, isObj := b.(map[string]any)
		if !isObj {
			c.errorf(ptr, "must be an object")
			continue
		}
		if id, has := obj["block_id"]; has {
			c.id(ptr+"/block_id", id, maxBlockIDLength, blockIDs, "block_id %q is already used")
		}
		c.block(ptr, obj)
	}
	if len(c.msgs) > 0 {
		return "invalid_blocks", c.msgs
	}
	return "", nil
}

func (c *blockChecker) block(ptr string, b map[string]any) {
	typ, _ := b["type"].(string)
	switch typ {
	case "":
		c.errorf(ptr+"/type", "missing required field: type")
	case "section":
		_, hasText := b["text"]
		fields, hasFields := b["fields"]
		if !hasText && !hasFields {
			c.errorf(ptr, "must provide text or fields")
		}
		if hasText {
			c.text(ptr+"/text", b["text"], maxSectionText, false)
		}
		if hasFields {
			list, isList := fields.([]any)
			if !isList || len(list) == 0 || len(list) > maxSectionFields {
				c.errorf(ptr+"/fields", "must be an array of 1 to %d items", maxSectionFields)
			}
			for i, f := range list {
				c.text(fmt.Sprintf("%s/fields/%d", ptr, i), f, maxFieldText, false)
			}
		}
		if acc, has := b["accessory"]; has {
			c.element(ptr+"/accessory", acc, map[string]bool{})
		}
	case "header":
		c.text(ptr+"/text", b["text"], maxHeaderText, true)
	case "actions":
		list, isList := b["elements"].([]any)
		if !isList || len(list) == 0 || len(list) > maxActionsElements {
			c.errorf(ptr+"/elements", "must be an array of 1 to %d items", maxActionsElements)
		}
		actionIDs := map[string]bool{}
		for i, e := range list {
			c.element(fmt.Sprintf("%s/elements/%d", ptr, i), e, actionIDs)
		}
	case "context":
		list, isList := b["elements"].([]any)
		if !isList || len(list) == 0 || len(list) > maxContextElements {
			c.errorf(ptr+"/elements", "must be an array of 1 to %d items", maxContextElements)
		}
		for i, e := range list {
			if obj, isObj := e.(map[string]any); isObj && obj["type"] == "image" {
				continue
			}
			c.text(fmt.Sprintf("%s/elements/%d", ptr, i), e, maxSectionText, false)
		}
	}
	// Other block types (divider, image, rich_text, input, …) pass as they are.
}

// text checks a text object no longer than limit characters.
func (c *blockChecker) text(ptr string, v any, limit int, plainOnly bool) {
	obj, isObj := v.(map[string]any)
	if !isObj {
		c.errorf(ptr, "must be a text object")
		return
	}
	typ, _ := obj["type"].(string)
	switch {
	case typ == "plain_text":
	case typ == "mrkdwn" && !plainOnly:
	case plainOnly:
		c.errorf(ptr+"/type", "must be plain_text")
	default:
		c.errorf(ptr+"/type", "must be plain_text or mrkdwn")
	}
	s, isStr := obj["text"].(string)
	switch {
	case !isStr || s == "":
		c.errorf(ptr+"/text", "must be more than 0 characters")
	case runeCount(s) > limit:
		c.errorf(ptr+"/text", "must be less than %d characters", limit+1)
	}
}

// element checks an interactive element; actionIDs holds the action_ids
// already used in the block, which must be unique.
func (c *blockChecker) element(ptr string, v any, actionIDs map[string]bool) {
	e, isObj := v.(map[string]any)
	if !isObj {
		c.errorf(ptr, "must be an object")
		return
	}
	typ, _ := e["type"].(string)
	if typ == "" {
		c.errorf(ptr+"/type", "missing required field: type")
	}
	if id, has := e["action_id"]; has {
		c.id(ptr+"/action_id", id, maxActionIDLength, actionIDs, "action_id %q is already used in this block")
	}
	if typ == "button" {
		c.text(ptr+"/text", e["text"], maxButtonText, true)
		c.maxString(ptr+"/value", e, "value", maxButtonValue)
		c.maxString(ptr+"/url", e, "url", maxButtonURL)
		c.style(ptr+"/style", e)
	}
	if conf, has := e["confirm"]; has {
		c.confirm(ptr+"/confirm", conf)
	}
}

// id checks a block_id or an action_id: a non-empty string of at most limit
// characters that seen, the IDs already used where it must be unique, does
// not hold yet. used is Slack's message for a repeat, with a %q for the ID.
func (c *blockChecker) id(ptr string, v any, limit int, seen map[string]bool, used string) {
	s, isStr := v.(string)
	switch {
	case !isStr || s == "":
		c.errorf(ptr, "must be a non-empty string")
	case runeCount(s) > limit:
		c.errorf(ptr, "must be less than %d characters", limit+1)
	case seen[s]:
		c.errorf(ptr, used, s)
	}
	seen[s] = true
}

// confirm checks a confirmation dialog object.
func (c *blockChecker) confirm(ptr string, v any) {
	obj, isObj := v.(map[string]any)
	if !isObj {
		c.errorf(ptr, "must be an object")
		return
	}
	c.text(ptr+"/title", obj["title"], maxConfirmTitle, true)
	c.text(ptr+"/text", obj["text"], maxConfirmText, false)
	c.text(ptr+"/confirm", obj["confirm"], maxConfirmButton, true)
	c.text(ptr+"/deny", obj["deny"], maxConfirmButton, true)
	c.style(ptr+"/style", obj)
}

func (c *blockChecker) maxString(ptr string, obj map[string]any, key string, limit int) {
	v, has := obj[key]
	if !has {
		return
	}
	s, isStr := v.(string)
	switch {
	case !isStr:
		c.errorf(ptr, "must be a string")
	case runeCount(s) > limit:
		c.errorf(ptr, "must be less than %d characters", limit+1)
	}
}

func (c *blockChecker) style(ptr string, obj map[string]any) {
	v, has := obj["style"]
	if !has {
		return
	}
	if s, _ := v.(string); s != "primary" && s != "danger" {
		c.errorf(ptr, "must be one of primary, danger")
	}
}

// checkSlashAckPayload returns why Slack would not show the payload of a
// slash command ack as a message, or "".
func checkSlashAckPayload(payload json.RawMessage) string {
	var msg map[string]json.RawMessage
	if err := json.Unmarshal(payload, &msg); err != nil {
		return "payload is not a JSON object"
	}
	var problems []string
	if rt := msg["response_type"]; rt != nil {
		var s string
		if json.Unmarshal(rt, &s) != nil || (s != "ephemeral" && s != "in_channel") {
			problems = append(problems, "response_type must be ephemeral or in_channel")
		}
	}
	if t := msg["text"]; t != nil {
		var s string
		if json.Unmarshal(t, &s) != nil {
			problems = append(problems, "text must be a string")
		} else if runeCount(s) > maxTextLength {
			problems = append(problems, "msg_too_long")
		}
	}
	if b := nullToNil(msg["blocks"]); b != nil {
		if code, msgs := checkBlocks(b); code != "" {
			problems = append(problems, code+": "+strings.Join(msgs, "; "))
		}
	}
	return strings.Join(problems, "; ")
}

func runeCount(s string) int { return utf8.RuneCountInString(s) }
