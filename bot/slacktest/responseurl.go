package slacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"time"
)

// maxResponsePosts is how many times Slack lets an app use one response_url.
const maxResponsePosts = 5

// ResponsePost is a post to a response_url that Slack accepted.
type ResponsePost struct {
	// URL is the response_url posted to.
	URL string
	// Raw is the JSON body as received.
	Raw json.RawMessage
	// Text, ResponseType, ReplaceOriginal and DeleteOriginal are read from
	// the body ("response_type" is "" when absent).
	Text            string
	ResponseType    string
	ReplaceOriginal bool
	DeleteOriginal  bool
	// Blocks is the "blocks" array, nil when absent or null.
	Blocks json.RawMessage
	// At is when the post arrived.
	At time.Time
}

// ResponseReject is a post to a response_url that Slack refused.
type ResponseReject struct {
	// URL is the response_url posted to.
	URL string
	// Raw is the body as received.
	Raw []byte
	// Status is the HTTP status answered.
	Status int
	// Error is the error answered, e.g. "used_url" or "invalid_blocks".
	Error string
	// At is when the post arrived.
	At time.Time
}

type responseURL struct {
	url     string
	posts   []ResponsePost
	rejects []ResponseReject
}

// newResponseURL registers a fresh response_url shaped like Slack's
// (/commands/T…/digits/secret or /actions/…).
func (s *Server) newResponseURL(kind, teamID string) string {
	path := "/" + kind + "/" + teamID + "/" + randomDigits(13) + "/" + randomHex(12)
	u := s.base + path
	s.mu.Lock()
	s.responses[path] = &responseURL{url: u}
	s.mu.Unlock()
	return u
}

// NewResponseURL registers and returns a fresh response_url, for a test
// that posts to one without a command or click (the bot's replier tests).
func (s *Server) NewResponseURL() string {
	return s.newResponseURL("actions", s.cfg.TeamID)
}

// flexBool decodes a JSON boolean, or the strings "true" and "false" that
// Slack also accepts.
type flexBool bool

// UnmarshalJSON accepts true, false, "true", "false", "" and null.
func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null", `""`:
		*b = false
	default:
		var v bool
		return json.Unmarshal(data, &v) // reports the type error
	}
	return nil
}

// DelayResponsePosts makes Slack slow to answer posts to response_urls:
// each later post waits d before Slack handles it. A post whose sender gives
// up meanwhile is not taken (nor counted), and Close drops the connections
// of those still waiting. Zero ends the delay for later posts.
func (s *Server) DelayResponsePosts(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responseDelay = d
}

// handleResponseURL serves posts to response_urls.
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	s.mu.Lock()
	ru := s.responses[r.URL.Path]
	delay := s.responseDelay
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return // the sender is gone
		case <-s.closing:
			// Returning would answer 200, which the sender would take
			// for an accepted post.
			panic(http.ErrAbortHandler)
		}
	}
	if ru == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": "expired_url"})
		return
	}
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"ok": false, "error": "method_not_allowed"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFrameSize))
	if err != nil {
		s.rejectResponse(w, ru, body, http.StatusRequestEntityTooLarge, "request_too_large", at)
		return
	}

	s.mu.Lock()
	used := len(ru.posts) >= maxResponsePosts
	s.mu.Unlock()
	if used {
		s.rejectResponse(w, ru, body, http.StatusNotFound, "used_url", at)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.rejectResponse(w, ru, body, http.StatusBadRequest, "invalid_payload", at)
		return
	}
	var msg struct {
		Text            *string         `json:"text"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal flexBool        `json:"replace_original"`
		DeleteOriginal  flexBool        `json:"delete_original"`
		Blocks          json.RawMessage `json:"blocks"`
		Attachments     json.RawMessage `json:"attachments"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		s.rejectResponse(w, ru, body, http.StatusBadRequest, "invalid_payload", at)
		return
	}
	blocks := nullToNil(msg.Blocks)
	if blocks != nil {
		if code, _ := checkBlocks(blocks); code != "" {
			s.rejectResponse(w, ru, body, http.StatusBadRequest, code, at)
			return
		}
	}
	text := ""
	if msg.Text != nil {
		text = *msg.Text
	}
	if !bool(msg.DeleteOriginal) && text == "" && !nonEmptyArray(blocks) && !nonEmptyArray(nullToNil(msg.Attachments)) {
		s.rejectResponse(w, ru, body, http.StatusBadRequest, "no_text", at)
		return
	}

	s.mu.Lock()
	if len(ru.posts) >= maxResponsePosts { // lost a race with another post
		s.mu.Unlock()
		s.rejectResponse(w, ru, body, http.StatusNotFound, "used_url", at)
		return
	}
	ru.posts = append(ru.posts, ResponsePost{
		URL:             ru.url,
		Raw:             json.RawMessage(body),
		Text:            text,
		ResponseType:    msg.ResponseType,
		ReplaceOriginal: bool(msg.ReplaceOriginal),
		DeleteOriginal:  bool(msg.DeleteOriginal),
		Blocks:          blocks,
		At:              at,
	})
	s.bump()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (s *Server) rejectResponse(w http.ResponseWriter, ru *responseURL, body []byte, status int, code string, at time.Time) {
	s.mu.Lock()
	ru.rejects = append(ru.rejects, ResponseReject{URL: ru.url, Raw: body, Status: status, Error: code, At: at})
	s.bump()
	s.mu.Unlock()
	writeJSON(w, status, map[string]any{"ok": false, "error": code})
}

// ResponsePosts returns the accepted posts to a response_url (a full URL as
// handed to the bot, or its path), oldest first.
func (s *Server) ResponsePosts(url string) []ResponsePost {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ru := s.responses[pathOf(url)]; ru != nil {
		return slices.Clone(ru.posts)
	}
	return nil
}

// ResponseRejects returns the posts to a response_url that were refused,
// oldest first.
func (s *Server) ResponseRejects(url string) []ResponseReject {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ru := s.responses[pathOf(url)]; ru != nil {
		return slices.Clone(ru.rejects)
	}
	return nil
}

// WaitResponsePosts blocks until a response_url has at least n accepted
// posts and returns them all.
func (s *Server) WaitResponsePosts(ctx context.Context, url string, n int) ([]ResponsePost, error) {
	path := pathOf(url)
	var posts []ResponsePost
	err := s.waitFor(ctx, "posts to "+path, func() bool {
		if ru := s.responses[path]; ru != nil && len(ru.posts) >= n {
			posts = slices.Clone(ru.posts)
			return true
		}
		return false
	})
	return posts, err
}

// nullToNil returns nil for an absent or null JSON value.
func nullToNil(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	return raw
}

// nonEmptyArray reports whether raw is a JSON array with at least one item.
func nonEmptyArray(raw json.RawMessage) bool {
	var items []json.RawMessage
	return json.Unmarshal(raw, &items) == nil && len(items) > 0
}
