package slacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tokenKind is the kind of token a Web API method takes.
type tokenKind int

const (
	botToken tokenKind = iota
	appToken
)

// apiResult is a Web API answer: fields to merge with "ok":true, or an error
// code with optional response_metadata messages.
type apiResult struct {
	fields   map[string]any
	err      string
	messages []string
}

func okResult(fields map[string]any) apiResult { return apiResult{fields: fields} }
func fail(code string) apiResult               { return apiResult{err: code} }

type apiMethod struct {
	token tokenKind
	fn    func(s *Server, p url.Values) apiResult
}

// methods are the Web API methods the fake implements; any other answers
// unknown_method.
var methods = map[string]apiMethod{
	"apps.connections.open": {appToken, (*Server).appsConnectionsOpen},
	"auth.test":             {botToken, (*Server).authTest},
	"chat.postMessage":      {botToken, (*Server).chatPostMessage},
	"users.info":            {botToken, (*Server).usersInfo},
	"usergroups.users.list": {botToken, (*Server).usergroupsUsersList},
}

// handleAPI serves POST (and GET) /api/<method>.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/api/")
	s.mu.Lock()
	s.calls[name]++
	s.mu.Unlock()

	m, known := methods[name]
	if !known {
		writeResult(w, fail("unknown_method"))
		return
	}
	params, bodyToken, err := readParams(r)
	if err != nil {
		writeResult(w, fail("invalid_form_data"))
		return
	}
	if code := s.checkToken(m.token, bearerToken(r), bodyToken); code != "" {
		writeResult(w, fail(code))
		return
	}
	if m.token == botToken {
		s.mu.Lock()
		scopes := strings.Join(s.cfg.Scopes, ",")
		s.mu.Unlock()
		w.Header().Set("X-OAuth-Scopes", scopes)
	}

	s.mu.Lock()
	var retryAfter time.Duration
	limited := len(s.rateLimits[name]) > 0
	if limited {
		retryAfter = s.rateLimits[name][0]
		s.rateLimits[name] = s.rateLimits[name][1:]
	}
	var serverErr int
	if !limited && len(s.serverErrs[name]) > 0 {
		serverErr = s.serverErrs[name][0]
		s.serverErrs[name] = s.serverErrs[name][1:]
	}
	var injected string
	if !limited && serverErr == 0 && len(s.failures[name]) > 0 {
		injected = s.failures[name][0]
		s.failures[name] = s.failures[name][1:]
	}
	s.mu.Unlock()
	if limited {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter.Seconds()))))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	if serverErr != 0 {
		// Slack's edge answers a server error with an HTML page.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(serverErr)
		_, _ = io.WriteString(w, "<html><body><h1>"+strconv.Itoa(serverErr)+" "+http.StatusText(serverErr)+"</h1></body></html>")
		return
	}
	if injected != "" {
		writeResult(w, fail(injected))
		return
	}
	writeResult(w, m.fn(s, params))
}

// checkToken returns the error Slack answers for the token, or "". A token
// may come as "Authorization: Bearer …" or as the form field "token".
func (s *Server) checkToken(kind tokenKind, bearer, form string) string {
	token := bearer
	if token == "" {
		token = form
	}
	want, other := s.cfg.BotToken, s.cfg.AppToken
	if kind == appToken {
		want, other = other, want
	}
	switch token {
	case "":
		return "not_authed"
	case want:
		return ""
	case other:
		return "not_allowed_token_type"
	default:
		return "invalid_auth"
	}
}

func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// readParams returns the method's arguments from the query string and a
// form, multipart or JSON body, and the token of a form body. A token in the
// query string or a JSON body is ignored, as Slack does.
func readParams(r *http.Request) (params url.Values, bodyToken string, err error) {
	params = url.Values{}
	for k, v := range r.URL.Query() {
		if k != "token" {
			params[k] = v
		}
	}
	if r.Method != http.MethodPost {
		return params, "", nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFrameSize))
	if err != nil {
		return nil, "", err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, "", nil
	}
	mt, mtParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "", err
		}
		bodyToken = form.Get("token")
		form.Del("token")
		for k, v := range form {
			params[k] = v
		}
	case "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Header.Set("Content-Type", mime.FormatMediaType(mt, mtParams))
		if err := r.ParseMultipartForm(maxFrameSize); err != nil {
			return nil, "", err
		}
		if v := r.MultipartForm.Value["token"]; len(v) > 0 {
			bodyToken = v[0]
		}
		for k, v := range r.MultipartForm.Value {
			if k != "token" {
				params[k] = v
			}
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, "", err
		}
		for k, raw := range obj {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				params.Set(k, str)
			} else {
				params.Set(k, string(raw))
			}
		}
		params.Del("token")
	default:
		return nil, "", errUnsupportedBody
	}
	return params, bodyToken, nil
}

// errUnsupportedBody rejects bodies that are neither forms nor JSON.
var errUnsupportedBody = errors.New("unsupported content type")

func writeResult(w http.ResponseWriter, res apiResult) {
	body := map[string]any{"ok": res.err == ""}
	if res.err != "" {
		body["error"] = res.err
		if len(res.messages) > 0 {
			body["response_metadata"] = map[string]any{"messages": res.messages}
		}
	}
	for k, v := range res.fields {
		body[k] = v
	}
	writeJSON(w, http.StatusOK, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// FailNext makes the next n calls of the Web API method answer
// {"ok":false,"error":slackError}, after the token check.
func (s *Server) FailNext(method string, n int, slackError string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], slackError)
	}
}

// RateLimitNext makes the next n calls of the Web API method answer HTTP 429
// with Retry-After (retryAfter in seconds, rounded up), after the token
// check. slack-go turns that into *slack.RateLimitedError.
func (s *Server) RateLimitNext(method string, n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.rateLimits[method] = append(s.rateLimits[method], retryAfter)
	}
}

// ServerErrorNext makes the next n calls of the Web API method answer the
// HTTP status (a 5xx) with an HTML page, after the token check, without
// doing anything: a server error before Slack acted. slack-go turns that
// into slack.StatusCodeError. Rate limits (RateLimitNext) come first,
// FailNext's errors after.
func (s *Server) ServerErrorNext(method string, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.serverErrs[method] = append(s.serverErrs[method], status)
	}
}

func (s *Server) appsConnectionsOpen(url.Values) apiResult {
	return okResult(map[string]any{"url": s.newTicket()})
}

func (s *Server) authTest(url.Values) apiResult {
	fields := map[string]any{
		"url":                   "https://" + s.cfg.TeamDomain + ".slack.com/",
		"team":                  s.cfg.TeamName,
		"user":                  s.cfg.BotName,
		"team_id":               s.cfg.TeamID,
		"user_id":               s.cfg.BotUserID,
		"bot_id":                s.cfg.BotID,
		"is_enterprise_install": s.cfg.EnterpriseInstall,
	}
	if s.cfg.EnterpriseID != "" {
		fields["enterprise_id"] = s.cfg.EnterpriseID
	}
	return okResult(fields)
}

// User is a workspace member known to users.info.
type User struct {
	// ID is the user ID (U…); TeamID defaults to Config.TeamID.
	ID, TeamID string
	// Name is the user name; Email goes to profile.email.
	Name, Email string
	// IsAdmin, IsOwner and IsPrimaryOwner are the workspace roles.
	IsAdmin, IsOwner, IsPrimaryOwner bool
	// Deleted marks a deactivated user: Slack then leaves out the role
	// fields, which slack-go reads as false.
	Deleted bool

	// RealName is the full name; default Name.
	RealName string
	// Locale is answered when include_locale is true; default "en-US".
	Locale string
	// IsRestricted and IsUltraRestricted mark multi- and single-channel
	// guests; IsBot marks bot users.
	IsRestricted, IsUltraRestricted, IsBot bool
	// IsStranger marks a user of another organization seen through a
	// shared channel (Slack Connect); EnterpriseID is the user's Enterprise
	// Grid organization (enterprise_user.enterprise_id), if any.
	IsStranger   bool
	EnterpriseID string
}

// AddUser adds or replaces a user for users.info (and for chat.postMessage
// to a user ID, which posts to the bot's DM with the user).
func (s *Server) AddUser(u User) {
	if u.TeamID == "" {
		u.TeamID = s.cfg.TeamID
	}
	if u.RealName == "" {
		u.RealName = u.Name
	}
	if u.Locale == "" {
		u.Locale = "en-US"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// SetScopes replaces the bot token's scopes, as a reinstall of the app with
// other scopes would.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Scopes = slices.Clone(scopes)
}

// AddUserGroup adds or replaces a user group (S…) and its members for
// usergroups.users.list.
func (s *Server) AddUserGroup(id string, members []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = slices.Clone(members)
}

func (s *Server) usersInfo(p url.Values) apiResult {
	s.mu.Lock()
	u, found := s.users[p.Get("user")]
	s.mu.Unlock()
	if !found {
		return fail("user_not_found")
	}
	profile := map[string]any{
		"real_name":               u.RealName,
		"real_name_normalized":    u.RealName,
		"display_name":            u.Name,
		"display_name_normalized": u.Name,
		"avatar_hash":             "g" + randomHex(6)[:11],
		"image_24":                "https://secure.gravatar.com/avatar/x.jpg?s=24",
		"image_32":                "https://secure.gravatar.com/avatar/x.jpg?s=32",
		"image_48":                "https://secure.gravatar.com/avatar/x.jpg?s=48",
		"image_72":                "https://secure.gravatar.com/avatar/x.jpg?s=72",
		"image_192":               "https://secure.gravatar.com/avatar/x.jpg?s=192",
		"image_512":               "https://secure.gravatar.com/avatar/x.jpg?s=512",
		"team":                    u.TeamID,
	}
	if u.Email != "" {
		profile["email"] = u.Email
	}
	user := map[string]any{
		"id":          u.ID,
		"team_id":     u.TeamID,
		"name":        u.Name,
		"deleted":     u.Deleted,
		"profile":     profile,
		"is_bot":      u.IsBot,
		"is_app_user": false,
		"updated":     1700000000,
	}
	if u.IsStranger {
		user["is_stranger"] = true
	}
	if u.EnterpriseID != "" {
		user["enterprise_user"] = map[string]any{
			"id": u.ID, "enterprise_id": u.EnterpriseID, "enterprise_name": u.EnterpriseID,
			"is_admin": u.IsAdmin, "is_owner": u.IsOwner, "is_primary_owner": u.IsPrimaryOwner, "teams": []string{u.TeamID},
		}
	}
	if !u.Deleted {
		user["color"] = "9f69e7"
		user["real_name"] = u.RealName
		user["tz"] = "Europe/Berlin"
		user["tz_label"] = "Central European Time"
		user["tz_offset"] = 3600
		user["is_admin"] = u.IsAdmin
		user["is_owner"] = u.IsOwner
		user["is_primary_owner"] = u.IsPrimaryOwner
		user["is_restricted"] = u.IsRestricted
		user["is_ultra_restricted"] = u.IsUltraRestricted
		user["is_email_confirmed"] = true
		user["who_can_share_contact_card"] = "EVERYONE"
	}
	if p.Get("include_locale") == "true" {
		user["locale"] = u.Locale
	}
	return okResult(map[string]any{"user": user})
}

func (s *Server) usergroupsUsersList(p url.Values) apiResult {
	s.mu.Lock()
	members, found := s.groups[p.Get("usergroup")]
	s.mu.Unlock()
	if !found {
		return fail("no_such_subteam")
	}
	if members == nil {
		members = []string{}
	}
	return okResult(map[string]any{"users": members})
}

// channel is a conversation known to chat.postMessage.
type channel struct {
	member  bool
	private bool
}

// AddChannel adds or replaces a public channel. chat.postMessage to it
// succeeds when botIsMember, else answers not_in_channel. Unknown channel
// IDs, including D… IMs not added here, answer channel_not_found.
func (s *Server) AddChannel(id string, botIsMember bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[id] = channel{member: botIsMember}
}

// AddPrivateChannel adds or replaces a private channel: when the bot is not
// a member, chat.postMessage answers channel_not_found, as Slack hides
// private channels from non-members.
func (s *Server) AddPrivateChannel(id string, botIsMember bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[id] = channel{member: botIsMember, private: true}
}

// Message is a message posted with chat.postMessage.
type Message struct {
	// Channel is the channel argument as sent (a user ID for a DM).
	Channel string
	// Text is the text argument.
	Text string
	// Blocks is the blocks array, nil when none was sent.
	Blocks json.RawMessage
	// At is when it was posted.
	At time.Time
	// TS is the message's ts as answered.
	TS string
	// ThreadTS is the thread_ts argument, if any.
	ThreadTS string
}

// maxTextLength is Slack's limit for a message's text.
const maxTextLength = 40000

func (s *Server) chatPostMessage(p url.Values) apiResult {
	ch := p.Get("channel")
	text := p.Get("text")

	s.mu.Lock()
	c, isChannel := s.channels[ch]
	u, isUser := s.users[ch]
	s.mu.Unlock()
	answerChannel := ch
	switch {
	case ch == "":
		return fail("channel_not_found")
	case isChannel && c.member:
	case isChannel && !c.private:
		return fail("not_in_channel")
	case !isChannel && isUser && !u.Deleted:
		answerChannel = "D" + strings.TrimPrefix(ch, "U") // the bot's IM with the user
	default:
		return fail("channel_not_found")
	}

	var blocks json.RawMessage
	if b := p.Get("blocks"); b != "" {
		code, msgs := checkBlocks([]byte(b))
		if code != "" {
			return apiResult{err: code, messages: msgs}
		}
		var buf bytes.Buffer
		_ = json.Compact(&buf, []byte(b))
		blocks = buf.Bytes()
	}
	if text == "" && !nonEmptyArray(blocks) && !nonEmptyArray(json.RawMessage(p.Get("attachments"))) {
		return fail("no_text")
	}
	if runeCount(text) > maxTextLength {
		return fail("msg_too_long")
	}

	s.mu.Lock()
	m := Message{Channel: ch, Text: text, Blocks: blocks, At: time.Now(), TS: s.nextMessageTS(), ThreadTS: p.Get("thread_ts")}
	s.messages = append(s.messages, m)
	s.bump()
	s.mu.Unlock()
	return okResult(map[string]any{"channel": answerChannel, "ts": m.TS, "message": s.messageObject(m)})
}

// messageObject returns the message object Slack answers for a bot message.
func (s *Server) messageObject(m Message) json.RawMessage {
	obj := map[string]any{
		"type":   "message",
		"user":   s.cfg.BotUserID,
		"bot_id": s.cfg.BotID,
		"app_id": s.cfg.AppID,
		"team":   s.cfg.TeamID,
		"text":   m.Text,
		"ts":     m.TS,
	}
	if m.Blocks != nil {
		obj["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		obj["thread_ts"] = m.ThreadTS
	}
	b, _ := json.Marshal(obj)
	return b
}

// Messages returns the messages posted with chat.postMessage, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// WaitMessages blocks until at least n messages have been posted and
// returns them all.
func (s *Server) WaitMessages(ctx context.Context, n int) ([]Message, error) {
	var msgs []Message
	err := s.waitFor(ctx, strconv.Itoa(n)+" posted messages", func() bool {
		if len(s.messages) >= n {
			msgs = slices.Clone(s.messages)
			return true
		}
		return false
	})
	return msgs, err
}
