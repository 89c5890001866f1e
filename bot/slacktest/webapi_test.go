package slacktest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"meetingbot/bot/slacktest"
)

func TestAuthTest(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct{ name, token, wantErr string }{
		{"bot token", testBotToken, ""},
		{"wrong token", "xoxb-wrong", "invalid_auth"},
		{"app token", testAppToken, "not_allowed_token_type"},
		{"no token", "", "not_authed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := newAPI(srv, tc.token, testAppToken).AuthTestContext(timeout(t))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("got %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.TeamID != "T0001" || res.UserID != "UBOT" || res.BotID != "B0001" ||
				res.URL != "https://acme.slack.com/" || res.Team != "Acme" || res.User != "meetingbot" {
				t.Errorf("got %+v", res)
			}
		})
	}
	if got := srv.Calls("auth.test"); got != 4 {
		t.Errorf("got %d calls, want 4", got)
	}
}

func TestPostMessage(t *testing.T) {
	srv := newServer(t)
	srv.AddChannel("CMEMBER", true)
	srv.AddChannel("COTHER", false)
	srv.AddPrivateChannel("GSECRET", false)
	srv.AddUser(slacktest.User{ID: "U1", Name: "alice"})
	api := newAPI(srv, testBotToken, testAppToken)
	button := slack.NewButtonBlockElement("end", "914044873", slack.NewTextBlockObject(slack.PlainTextType, "End meeting", false, false)).
		WithStyle(slack.StyleDanger).
		WithConfirm(slack.NewConfirmationBlockObject(
			slack.NewTextBlockObject(slack.PlainTextType, "End the meeting?", false, false),
			slack.NewTextBlockObject(slack.MarkdownType, "Everyone will be removed.", false, false),
			slack.NewTextBlockObject(slack.PlainTextType, "End", false, false),
			slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		).WithStyle(slack.StyleDanger))
	longButton := slack.NewButtonBlockElement("end", "v", slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("x", 76), false, false))

	for _, tc := range []struct {
		name        string
		channel     string
		opts        []slack.MsgOption
		wantErr     string
		wantChannel string
	}{
		{"member", "CMEMBER", []slack.MsgOption{slack.MsgOptionText("hello", false)}, "", "CMEMBER"},
		{"blocks only", "CMEMBER", []slack.MsgOption{slack.MsgOptionBlocks(slack.NewActionBlock("confirm", button))}, "", "CMEMBER"},
		{"user ID opens the bot's DM", "U1", []slack.MsgOption{slack.MsgOptionText("hi", false)}, "", "D1"},
		{"not a member", "COTHER", []slack.MsgOption{slack.MsgOptionText("hello", false)}, "not_in_channel", ""},
		{"private, not a member", "GSECRET", []slack.MsgOption{slack.MsgOptionText("hello", false)}, "channel_not_found", ""},
		{"unknown", "CNOPE", []slack.MsgOption{slack.MsgOptionText("hello", false)}, "channel_not_found", ""},
		{"IM", "D0123", []slack.MsgOption{slack.MsgOptionText("hello", false)}, "channel_not_found", ""},
		{"no text", "CMEMBER", nil, "no_text", ""},
		{"button label too long", "CMEMBER", []slack.MsgOption{slack.MsgOptionBlocks(slack.NewActionBlock("b", longButton))}, "invalid_blocks", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.Messages())
			ch, ts, err := api.PostMessageContext(timeout(t), tc.channel, tc.opts...)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("got %v, want %s", err, tc.wantErr)
				}
				if got := len(srv.Messages()); got != before {
					t.Errorf("got %d messages, want %d", got, before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ch != tc.wantChannel || ts == "" {
				t.Errorf("got channel %q ts %q, want %q", ch, ts, tc.wantChannel)
			}
			msgs := srv.Messages()
			if len(msgs) != before+1 {
				t.Fatalf("got %d messages, want %d", len(msgs), before+1)
			}
			if m := msgs[before]; m.Channel != tc.channel || m.TS != ts {
				t.Errorf("got %+v", m)
			}
		})
	}

	msgs, err := srv.WaitMessages(timeout(t), 3)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []map[string]any
	if err := json.Unmarshal(msgs[1].Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 1 || blocks[0]["block_id"] != "confirm" || msgs[1].Text != "" {
		t.Errorf("got %s", msgs[1].Blocks)
	}
	if msgs[0].TS >= msgs[1].TS {
		t.Errorf("got ts %s then %s, want increasing", msgs[0].TS, msgs[1].TS)
	}
}

func TestInvalidBlocksExplainWhy(t *testing.T) {
	srv := newServer(t)
	srv.AddChannel("C1", true)
	for _, tc := range []struct{ name, blocks, wantErr, wantMsg string }{
		{"not JSON", `[{`, "invalid_blocks_format", ""},
		{"not an array", `{"type":"divider"}`, "invalid_blocks_format", ""},
		{"no type", `[{}]`, "invalid_blocks", "missing required field: type [json-pointer:/blocks/0/type]"},
		{"value too long", `[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"value":"` +
			strings.Repeat("v", 2001) + `"}]}]`, "invalid_blocks", "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]"},
		{"confirm title too long", `[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"confirm":{` +
			`"title":{"type":"plain_text","text":"` + strings.Repeat("t", 101) + `"},"text":{"type":"mrkdwn","text":"t"},` +
			`"confirm":{"type":"plain_text","text":"y"},"deny":{"type":"plain_text","text":"n"}}}]}]`,
			"invalid_blocks", "[json-pointer:/blocks/0/elements/0/confirm/title/text]"},
		{"duplicate action_id", `[{"type":"actions","elements":[` +
			`{"type":"button","action_id":"a","text":{"type":"plain_text","text":"x"}},` +
			`{"type":"button","action_id":"a","text":{"type":"plain_text","text":"y"}}]}]`,
			"invalid_blocks", "[json-pointer:/blocks/0/elements/1/action_id]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := postForm(t, srv, "chat.postMessage", url.Values{
				"token": {testBotToken}, "channel": {"C1"}, "blocks": {tc.blocks},
			})
			if res.OK || res.Error != tc.wantErr {
				t.Fatalf("got ok %v error %q, want %q", res.OK, res.Error, tc.wantErr)
			}
			if tc.wantMsg != "" && !strings.Contains(strings.Join(res.ResponseMetadata.Messages, "\n"), tc.wantMsg) {
				t.Errorf("got messages %q, want one with %q", res.ResponseMetadata.Messages, tc.wantMsg)
			}
		})
	}
}

type apiResponse struct {
	OK               bool   `json:"ok"`
	Error            string `json:"error"`
	ResponseMetadata struct {
		Messages []string `json:"messages"`
	} `json:"response_metadata"`
}

// postForm calls a Web API method with a form body, as slack-go does.
func postForm(t *testing.T, srv *slacktest.Server, method string, form url.Values) apiResponse {
	t.Helper()
	resp, err := http.PostForm(srv.APIURL()+method, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got HTTP %d, want 200", resp.StatusCode)
	}
	var res apiResponse
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestUnknownMethodAndTokenPlaces(t *testing.T) {
	srv := newServer(t)
	if res := postForm(t, srv, "chat.update", url.Values{"token": {testBotToken}}); res.Error != "unknown_method" {
		t.Errorf("got %+v, want unknown_method", res)
	}
	if got := srv.Calls("chat.update"); got != 1 {
		t.Errorf("got %d calls, want 1", got)
	}

	// A bearer token is accepted as well as a form token; a query token is not.
	req, _ := http.NewRequest(http.MethodPost, srv.APIURL()+"auth.test?token="+testBotToken, strings.NewReader(""))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"not_authed"`) {
		t.Errorf("got %s for a query token, want not_authed", body)
	}
	req, _ = http.NewRequest(http.MethodPost, srv.APIURL()+"auth.test", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+testBotToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"ok":true`) {
		t.Errorf("got %s for a bearer token, want ok", body)
	}
}

func TestRateLimitAndFailNext(t *testing.T) {
	srv := newServer(t)
	srv.AddChannel("C1", true)
	api := newAPI(srv, testBotToken, testAppToken)
	srv.RateLimitNext("chat.postMessage", 1, 1500*time.Millisecond)
	srv.FailNext("chat.postMessage", 1, "fatal_error")

	_, _, err := api.PostMessageContext(timeout(t), "C1", slack.MsgOptionText("one", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Fatalf("got %v, want *slack.RateLimitedError with 2s", err)
	}
	_, _, err = api.PostMessageContext(timeout(t), "C1", slack.MsgOptionText("two", false))
	if err == nil || err.Error() != "fatal_error" {
		t.Fatalf("got %v, want fatal_error", err)
	}
	if _, _, err = api.PostMessageContext(timeout(t), "C1", slack.MsgOptionText("three", false)); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("chat.postMessage"); got != 3 {
		t.Errorf("got %d calls, want 3", got)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].Text != "three" {
		t.Errorf("got %+v, want only three", msgs)
	}
}

func TestServerErrorNext(t *testing.T) {
	srv := newServer(t)
	srv.AddChannel("C1", true)
	api := newAPI(srv, testBotToken, testAppToken)
	srv.ServerErrorNext("chat.postMessage", 1, http.StatusInternalServerError)
	srv.ServerErrorNext("chat.postMessage", 1, http.StatusServiceUnavailable)
	for _, want := range []int{500, 503} {
		_, _, err := api.PostMessageContext(timeout(t), "C1", slack.MsgOptionText("lost", false))
		var sc slack.StatusCodeError
		if !errors.As(err, &sc) || sc.Code != want {
			t.Fatalf("got %v, want slack.StatusCodeError %d", err, want)
		}
	}
	if _, _, err := api.PostMessageContext(timeout(t), "C1", slack.MsgOptionText("posted", false)); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("chat.postMessage"); got != 3 {
		t.Errorf("got %d calls, want 3", got)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].Text != "posted" {
		t.Errorf("got %+v, want only the post after the server errors", msgs)
	}
}

func TestUsersInfo(t *testing.T) {
	srv := newServer(t)
	srv.AddUser(slacktest.User{ID: "UADMIN", Name: "alice", Email: "alice@example.com", IsAdmin: true})
	srv.AddUser(slacktest.User{ID: "UOWNER", Name: "bob", IsOwner: true, IsPrimaryOwner: true})
	srv.AddUser(slacktest.User{ID: "UGONE", Name: "carol", IsAdmin: true, Deleted: true})
	api := newAPI(srv, testBotToken, testAppToken)

	u, err := api.GetUserInfoContext(timeout(t), "UADMIN")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "UADMIN" || u.TeamID != "T0001" || u.Name != "alice" || !u.IsAdmin || u.IsOwner ||
		u.Deleted || u.Profile.Email != "alice@example.com" || u.Locale != "en-US" {
		t.Errorf("got %+v", u)
	}
	u, err = api.GetUserInfoContext(timeout(t), "UOWNER")
	if err != nil {
		t.Fatal(err)
	}
	if !u.IsOwner || !u.IsPrimaryOwner || u.IsAdmin || u.Profile.Email != "" {
		t.Errorf("got %+v", u)
	}
	u, err = api.GetUserInfoContext(timeout(t), "UGONE")
	if err != nil {
		t.Fatal(err)
	}
	if !u.Deleted || u.IsAdmin {
		t.Errorf("got deleted %v admin %v, want a deleted user without roles", u.Deleted, u.IsAdmin)
	}
	if _, err := api.GetUserInfoContext(timeout(t), "UNOPE"); err == nil || err.Error() != "user_not_found" {
		t.Errorf("got %v, want user_not_found", err)
	}
}

func TestUserGroupMembers(t *testing.T) {
	srv := newServer(t)
	srv.AddUserGroup("SADMINS", []string{"U1", "U2"})
	srv.AddUserGroup("SEMPTY", nil)
	api := newAPI(srv, testBotToken, testAppToken)

	got, err := api.GetUserGroupMembersContext(timeout(t), "SADMINS")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "U1,U2" {
		t.Errorf("got %v, want [U1 U2]", got)
	}
	got, err = api.GetUserGroupMembersContext(timeout(t), "SEMPTY")
	if err != nil || len(got) != 0 {
		t.Errorf("got %v, %v, want no members", got, err)
	}
	if _, err := api.GetUserGroupMembersContext(timeout(t), "SNOPE"); err == nil || err.Error() != "no_such_subteam" {
		t.Errorf("got %v, want no_such_subteam", err)
	}
}
