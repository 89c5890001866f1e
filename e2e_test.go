package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"meetingbot/bot"
	"meetingbot/bot/slacktest"
	"meetingbot/meeting/meetingtest"
)

// hostileTexts are command texts that must get the usage text in the ack
// and cause no Huawei request.
var hostileTexts = []string{
	"help", "HELP", "abc", "914044873&x=1", "914044873?x=1", "914044873#frag", "914044873/../stop",
	"../1", "..%2f1", "%39%31%34%30%34%34%38%37%33", "<tel:914044873|914044873>", "<https://example.test|914044873>",
	"<!channel> 914044873", "<@U123>", "12345", "123456789012345678901", "٩١٤٠٤٤٨٧٣", "۹۱۴۰۴۴۸۷۳",
	"914044873\x00", "914\x07044873", "914044873\u202e", "\u200b914044873", "914044873 914083136",
	"914--044--873", "-914044873", "914044873-", "914_044_873", "914.044.873", "0x36851b89",
	"9.14044873e8", "914044873; rm -rf /", "' OR 1=1 --", "914044873\nstop", "😀914044873",
	strings.Repeat("9", 10000), strings.Repeat("9 ", 5000),
}

func TestBadInputIsAnsweredInTheAck(t *testing.T) {
	h := start(t, nil)
	for _, text := range hostileTexts {
		t.Run(text[:min(len(text), 20)], func(t *testing.T) {
			env, ack := h.command(admin, channel, text)
			if !strings.Contains(string(ack.Payload), "/endmeeting") {
				t.Errorf("ack payload = %s, want the usage", ack.Payload)
			}
			if ack.Problem != "" {
				t.Errorf("Slack would reject the ack: %s", ack.Problem)
			}
			if p := h.slack.ResponsePosts(env.ResponseURL); len(p) != 0 {
				t.Errorf("response posts = %d, want 0", len(p))
			}
		})
	}
	if n := len(h.huawei.Requests()); n != 0 {
		t.Errorf("Huawei requests = %d, want 0", n)
	}
}

func TestDenied(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		setup func(h *harness)
		user  string
		ch    string
		want  string
	}{
		{name: "no rule", user: stranger, ch: channel, want: "not allowed"},
		{name: "channel not enabled", env: map[string]string{"ENDMEETING_CHANNELS": "C0OTHER"}, user: admin, ch: channel, want: "not enabled in this channel"},
		{name: "ordinary member", env: map[string]string{"ENDMEETING_ALLOW_WORKSPACE_ADMINS": "true"},
			setup: func(h *harness) { h.slack.AddUser(slacktest.User{ID: stranger, Name: "eve"}) }, user: stranger, ch: channel, want: "not allowed"},
		{name: "deleted admin", env: map[string]string{"ENDMEETING_ALLOW_WORKSPACE_ADMINS": "true"},
			setup: func(h *harness) {
				h.slack.AddUser(slacktest.User{ID: stranger, Name: "eve", IsAdmin: true, Deleted: true})
			}, user: stranger, ch: channel, want: "not allowed"},
		{name: "users.info fails", env: map[string]string{"ENDMEETING_ALLOW_WORKSPACE_ADMINS": "true"},
			setup: func(h *harness) {
				h.slack.AddUser(slacktest.User{ID: stranger, Name: "eve", IsAdmin: true})
				h.slack.FailNext("users.info", 1, "missing_scope")
			}, user: stranger, ch: channel, want: "could not check your permission"},
		{name: "usergroups fails", env: map[string]string{"ENDMEETING_ADMIN_GROUPS": "S0ADMINS"},
			setup: func(h *harness) {
				h.slack.AddUserGroup("S0ADMINS", []string{stranger})
				h.slack.FailNext("usergroups.users.list", 1, "plan_upgrade_required")
			}, user: stranger, ch: channel, want: "could not check your permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"ENDMEETING_HOST_IDENTITY": "off"} // the admin rules alone
			for k, v := range tt.env {
				vars[k] = v
			}
			h := start(t, vars)
			if tt.setup != nil {
				tt.setup(h)
			}
			env, ack := h.command(tt.user, tt.ch, meetingID)
			if ack.Payload != nil {
				t.Errorf("ack payload = %s, want empty", ack.Payload)
			}
			p := h.posts(env.ResponseURL, 1)[0]
			if !strings.Contains(p.Text, tt.want) || p.Blocks != nil || p.ResponseType != "ephemeral" {
				t.Errorf("reply = %q (blocks %s, %s), want an ephemeral %q without buttons", p.Text, p.Blocks, p.ResponseType, tt.want)
			}
			if !strings.Contains(p.Text, "ref `") {
				t.Errorf("reply %q has no reference ID", p.Text)
			}
			if n := len(h.huawei.Requests()); n != 0 {
				t.Errorf("Huawei requests = %v, want none", endpoints(h.huawei.Requests()))
			}
		})
	}
}

func TestAllowedByGroupAndWorkspaceAdmin(t *testing.T) {
	h := start(t, map[string]string{"ENDMEETING_ADMIN_USERS": "", "ENDMEETING_ADMIN_GROUPS": "S0ADMINS", "ENDMEETING_ALLOW_WORKSPACE_ADMINS": "true"})
	h.slack.AddUserGroup("S0ADMINS", []string{"UGROUPIE"})
	h.slack.AddUser(slacktest.User{ID: "UOWNER", Name: "olga", IsPrimaryOwner: true})
	for _, user := range []string{"UGROUPIE", "UOWNER"} {
		h.prompt(user, channel) // fails the test unless a prompt with buttons arrives
	}
}

func TestMeetingProblemsAreReportedWithoutButtons(t *testing.T) {
	h := start(t, nil)
	h.huawei.AddMeeting(meetingtest.Meeting{ID: "123456789", Subject: "Later", State: meetingtest.StateScheduled, ChairPassword: "p1", GuestPassword: "p2"})
	h.huawei.AddMeeting(meetingtest.Meeting{ID: "223456789", Subject: "Done", State: meetingtest.StateEnded, ChairPassword: "p1", GuestPassword: "p2"})
	for _, tt := range []struct{ id, want string }{
		{"123456789", "has not started yet"},
		{"223456789", "was not found"},
		{"999999999", "was not found"},
	} {
		env, _ := h.command(admin, channel, tt.id)
		p := h.posts(env.ResponseURL, 1)[0]
		if !strings.Contains(p.Text, tt.want) || p.Blocks != nil {
			t.Errorf("%s: reply = %q (blocks %s), want %q without buttons", tt.id, p.Text, p.Blocks, tt.want)
		}
	}
	if n := h.huawei.Count(meetingtest.EndpointControlToken); n != 0 {
		t.Errorf("control-token fetches = %d, want 0", n)
	}
}

func TestHuaweiCredentialsRejected(t *testing.T) {
	h := start(t, map[string]string{"HUAWEI_MEETING_APP_KEY": "a-wrong-app-key"})
	env, _ := h.command(admin, channel, meetingID)
	p := h.posts(env.ResponseURL, 1)[0]
	if !strings.Contains(p.Text, "rejected the bot's credentials") || strings.Contains(p.Text, "USG") {
		t.Errorf("reply = %q, want the credentials message and nothing raw", p.Text)
	}
}

func TestAckIsNotHeldByAHangingHuawei(t *testing.T) {
	h := start(t, nil)
	h.huawei.InjectFault(meetingtest.EndpointAppAuth, 1, meetingtest.Fault{Hang: true})
	env, ack := h.command(admin, channel, meetingID)
	if ack.Payload != nil {
		t.Errorf("ack payload = %s, want empty", ack.Payload)
	}
	// The ack came while Huawei still hangs: nothing has been answered.
	if p := h.slack.ResponsePosts(env.ResponseURL); len(p) != 0 {
		t.Errorf("response posts before Huawei answered = %d, want 0", len(p))
	}
	// A second command is acked too, while the first still waits.
	h.command(admin, channel, "help")
}

func TestDoubleClickEndsOnce(t *testing.T) {
	h := start(t, nil)
	value := h.prompt(admin, channel)
	const clicks = 50
	var wg sync.WaitGroup
	envs := make([]slacktest.Envelope, clicks)
	for i := range clicks {
		wg.Go(func() {
			env, err := h.slack.SendBlockAction(h.ctx(), slacktest.BlockAction{ChannelID: channel, UserID: admin, ActionID: "endmeeting_confirm", Value: value, IsEphemeral: true})
			if err != nil {
				t.Errorf("click %d: %v", i, err)
			}
			envs[i] = env
		})
	}
	wg.Wait()
	ended, answered := 0, 0
	for _, env := range envs {
		if _, err := h.slack.WaitAck(h.ctx(), env.ID); err != nil {
			t.Fatal(err)
		}
		first := h.posts(env.ResponseURL, 1)[0]
		switch {
		case strings.Contains(first.Text, "Ending meeting"):
			ended++
			h.posts(env.ResponseURL, 2)
		case strings.Contains(first.Text, "already been answered"):
			answered++
			if first.ReplaceOriginal {
				t.Errorf("the duplicate's reply replaces the prompt; it must not")
			}
		default:
			t.Errorf("click reply = %q", first.Text)
		}
	}
	if ended != 1 || answered != clicks-1 {
		t.Errorf("ended %d, answered %d; want 1 and %d", ended, answered, clicks-1)
	}
	if n := h.huawei.Count(meetingtest.EndpointStop); n != 1 {
		t.Errorf("stop requests = %d, want 1", n)
	}
}

// TestRetriedEnvelopesServedOnce: without Redis, one process still serves
// Slack's second delivery of an envelope (whose ack it did not see) once:
// a command shows one prompt, a click ends once and says nothing more.
func TestRetriedEnvelopesServedOnce(t *testing.T) {
	h := start(t, nil)
	cmd, _ := h.command(admin, channel, meetingID)
	p := h.posts(cmd.ResponseURL, 1)[0]
	h.redeliver(cmd, 0)
	value := buttonValue(t, p.Blocks, "endmeeting_confirm")
	click := h.click(admin, channel, "endmeeting_confirm", value)
	h.posts(click.ResponseURL, 2)
	h.redeliver(click, 0)
	h.waitLog(`"reason":"redelivered"`)
	time.Sleep(100 * time.Millisecond) // room for a second prompt or reply, were there one
	if got := h.slack.ResponsePosts(cmd.ResponseURL); len(got) != 1 {
		t.Errorf("prompts = %d, want 1", len(got))
	}
	if got := h.slack.ResponsePosts(click.ResponseURL); len(got) != 2 {
		t.Errorf("click posts = %d, want the first delivery's 2", len(got))
	}
	if n := h.huawei.Count(meetingtest.EndpointStop); n != 1 {
		t.Errorf("stop requests = %d, want 1", n)
	}
	if n := h.huawei.Count(meetingtest.EndpointConfDetail); n != 1 {
		t.Errorf("confDetail requests = %d, want 1: the first delivery of the command", n)
	}
	if !strings.Contains(h.logs.String(), "envelope served already") || !strings.Contains(h.logs.String(), `"reason":"redelivered"`) {
		t.Errorf("the logs do not record both redeliveries\nlogs:\n%s", h.logs)
	}
}

func TestCancel(t *testing.T) {
	h := start(t, nil)
	value, cancel := h.promptButtons(admin, channel)
	before := len(h.huawei.Requests())
	env := h.click(admin, channel, "endmeeting_cancel", cancel)
	p := h.posts(env.ResponseURL, 1)[0]
	if !p.ReplaceOriginal || !strings.HasPrefix(p.Text, "Cancelled.") {
		t.Errorf("cancel reply = %q (replace %v), want Cancelled. replacing the prompt", p.Text, p.ReplaceOriginal)
	}
	// The prompt is answered: a late click on End does nothing.
	env = h.click(admin, channel, "endmeeting_confirm", value)
	if p := h.posts(env.ResponseURL, 1)[0]; !strings.Contains(p.Text, "already been answered") {
		t.Errorf("End after Cancel = %q, want already answered", p.Text)
	}
	if n := len(h.huawei.Requests()) - before; n != 0 {
		t.Errorf("Huawei requests after the prompt = %d, want 0", n)
	}
}

func TestExpiredPrompt(t *testing.T) {
	h := start(t, map[string]string{"ENDMEETING_CONFIRM_TIMEOUT": "1s"})
	value := h.prompt(admin, channel)
	before := len(h.huawei.Requests())
	time.Sleep(1100 * time.Millisecond)
	env := h.click(admin, channel, "endmeeting_confirm", value)
	if p := h.posts(env.ResponseURL, 1)[0]; !strings.Contains(p.Text, "expired") || !p.ReplaceOriginal {
		t.Errorf("reply = %q, want the prompt replaced by an expiry notice", p.Text)
	}
	if n := len(h.huawei.Requests()) - before; n != 0 {
		t.Errorf("Huawei requests after expiry = %d, want 0", n)
	}
}

func TestOnlyTheRequesterCanConfirm(t *testing.T) {
	h := start(t, map[string]string{"ENDMEETING_ADMIN_USERS": admin + ",UOTHERADMIN"})
	value := h.prompt(admin, channel)
	env := h.click("UOTHERADMIN", channel, "endmeeting_confirm", value)
	if p := h.posts(env.ResponseURL, 1)[0]; !strings.Contains(p.Text, "Only <@"+admin+">") || p.ReplaceOriginal {
		t.Errorf("reply = %q (replace %v), want only-the-requester, not replacing", p.Text, p.ReplaceOriginal)
	}
	if n := h.huawei.Count(meetingtest.EndpointStop); n != 0 {
		t.Errorf("stop requests = %d, want 0", n)
	}
}

func TestChannelMessageFallsBackToResponseURL(t *testing.T) {
	for _, ch := range []string{outsider, "D0DIRECT"} {
		t.Run(ch, func(t *testing.T) {
			h := start(t, nil)
			value := h.prompt(admin, ch)
			env := h.click(admin, ch, "endmeeting_confirm", value)
			posts := h.posts(env.ResponseURL, 3)
			last := posts[2]
			if last.ResponseType != "in_channel" || last.ReplaceOriginal || !strings.Contains(last.Text, "ended meeting *Weekly sync*") {
				t.Errorf("public result = %q (%s, replace %v), want in_channel through response_url", last.Text, last.ResponseType, last.ReplaceOriginal)
			}
			if n := len(h.slack.Messages()); n != 0 {
				t.Errorf("chat.postMessage successes = %d, want 0", n)
			}
		})
	}
}

// TestChannelMessageAfterAServerError: chat.postMessage answers 500. The
// public result still reaches the channel, once: through the click's
// response_url, in_channel, and chat.postMessage is not tried again (by the
// bot or by slack-go's retries).
func TestChannelMessageAfterAServerError(t *testing.T) {
	h := start(t, nil)
	value := h.prompt(admin, channel)
	h.slack.ServerErrorNext("chat.postMessage", 1, http.StatusInternalServerError)
	env := h.click(admin, channel, "endmeeting_confirm", value)
	posts := h.posts(env.ResponseURL, 3)
	h.stop() // every reply has gone out: the counts below are final
	last := posts[2]
	if last.ResponseType != "in_channel" || last.ReplaceOriginal || !strings.Contains(last.Text, "ended meeting *Weekly sync*") {
		t.Errorf("public result = %q (%s, replace %v), want in_channel through response_url", last.Text, last.ResponseType, last.ReplaceOriginal)
	}
	public := 0
	for _, p := range h.slack.ResponsePosts(env.ResponseURL) {
		if p.ResponseType == "in_channel" {
			public++
		}
	}
	if n := h.slack.Calls("chat.postMessage"); n != 1 || public != 1 || len(h.slack.Messages()) != 0 {
		t.Errorf("chat.postMessage calls %d, in_channel posts %d, channel messages %d; want 1, 1, 0",
			n, public, len(h.slack.Messages()))
	}
	if !strings.Contains(h.logs.String(), `"reason":"http_status"`) {
		t.Errorf("the logs do not say why the result went through response_url:\n%s", h.logs)
	}
}

func TestRateLimitedChannelMessageWaitsThenPosts(t *testing.T) {
	h := start(t, nil)
	value := h.prompt(admin, channel)
	h.slack.RateLimitNext("chat.postMessage", 1, time.Second)
	env := h.click(admin, channel, "endmeeting_confirm", value)
	h.posts(env.ResponseURL, 2)
	if _, err := h.slack.WaitMessages(h.ctx(), 1); err != nil {
		t.Fatalf("no channel message after the 429: %v", err)
	}
	if n := h.slack.Calls("chat.postMessage"); n != 2 {
		t.Errorf("chat.postMessage calls = %d, want 2 (429, then the post)", n)
	}
	if p := h.slack.ResponsePosts(env.ResponseURL); len(p) != 2 {
		t.Errorf("response posts = %d, want 2 (no fallback needed)", len(p))
	}
}

func TestClickAfterReconnect(t *testing.T) {
	for _, tt := range []struct {
		name string
		cut  func(s *slacktest.Server)
	}{
		{"refresh_requested", func(s *slacktest.Server) { s.Disconnect("refresh_requested") }},
		{"dropped connection", func(s *slacktest.Server) { s.DropConnection() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, nil)
			value := h.prompt(admin, channel)
			tt.cut(h.slack)
			if err := h.slack.WaitConnects(h.ctx(), 2); err != nil {
				t.Fatalf("the bot did not reconnect: %v", err)
			}
			env := h.click(admin, channel, "endmeeting_confirm", value)
			if p := h.posts(env.ResponseURL, 2)[1]; !strings.Contains(p.Text, "has ended") {
				t.Errorf("result = %q, want ended", p.Text)
			}
			if n := h.huawei.Count(meetingtest.EndpointStop); n != 1 {
				t.Errorf("stop requests = %d, want 1", n)
			}
			if d := h.slack.DuplicateAcks(); len(d) > 0 {
				t.Errorf("envelopes acked twice: %v", d)
			}
		})
	}
}

func TestShutdownFinishesTheStopInFlight(t *testing.T) {
	h := start(t, nil)
	value := h.prompt(admin, channel)
	h.huawei.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Delay: 500 * time.Millisecond})
	env := h.click(admin, channel, "endmeeting_confirm", value)
	h.posts(env.ResponseURL, 1) // "Ending…": the stop is in flight
	h.stop()                    // like SIGTERM: run must finish the stop and return nil
	if p := h.slack.ResponsePosts(env.ResponseURL); len(p) != 2 || !strings.Contains(p[1].Text, "has ended") {
		t.Errorf("posts after shutdown = %d, want the result posted before exit", len(p))
	}
	if n := len(h.slack.Messages()); n != 1 {
		t.Errorf("channel messages = %d, want 1", n)
	}
}

func TestBadSlackTokensEndTheProgram(t *testing.T) {
	s := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken})
	defer s.Close()
	for _, tt := range []struct{ name, bot, app string }{
		{"bot token", "xoxb-wrong", testAppToken},
		{"app token", testBotToken, "xapp-wrong"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{
				"SLACK_BOT_TOKEN": tt.bot, "SLACK_APP_TOKEN": tt.app, "SLACK_API_URL": s.APIURL(),
				"HUAWEI_MEETING_APP_ID": testAppID, "HUAWEI_MEETING_APP_KEY": testAppKey,
			}
			var logs syncBuffer
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := run(ctx, []string{"-env-file="}, func(k string) string { return env[k] }, strings.NewReader(""), &logs, &logs)
			if !errors.Is(err, bot.ErrAuth) {
				t.Fatalf("run = %v, want an error matching bot.ErrAuth", err)
			}
			if ctx.Err() != nil {
				t.Errorf("run retried until the test's deadline; it must stop at once")
			}
			if strings.Contains(err.Error()+logs.String(), tt.bot) || strings.Contains(err.Error()+logs.String(), tt.app) {
				t.Errorf("a token was printed: %v", err)
			}
		})
	}
}

func TestHostRuleNeedsAppID(t *testing.T) {
	for _, name := range []string{"ENDMEETING_HOST_IDENTITY", "ENDMEETING_HOST_MAP"} {
		env := map[string]string{
			"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken,
			"HUAWEI_MEETING_ACCOUNT": "bot@corp.example", "HUAWEI_MEETING_PASSWORD": "pw",
			"ENDMEETING_HOST_IDENTITY": "email",
		}
		if name == "ENDMEETING_HOST_MAP" {
			env["ENDMEETING_HOST_IDENTITY"] = ""
			env[name] = "UALICE=alice"
		}
		err := run(context.Background(), []string{"-env-file="}, func(k string) string { return env[k] }, strings.NewReader(""), &syncBuffer{}, &syncBuffer{})
		if err == nil || !strings.HasPrefix(err.Error(), name+":") || !strings.Contains(err.Error(), "App ID") {
			t.Errorf("run = %v, want %s: … App ID …", err, name)
		}
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	base := map[string]string{
		"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken,
		"HUAWEI_MEETING_APP_ID": testAppID, "HUAWEI_MEETING_APP_KEY": testAppKey,
	}
	for _, tt := range []struct{ name, value string }{
		{"SLACK_BOT_TOKEN", ""},
		{"SLACK_BOT_TOKEN", "xapp-not-a-bot-token"},
		{"SLACK_APP_TOKEN", ""},
		{"SLACK_API_URL", "ftp://example.test"},
		{"HUAWEI_MEETING_ENDPOINT", "not a url"},
		{"SLACK_API_URL", "http://slack.example.test/api/"},
		{"HUAWEI_MEETING_ENDPOINT", "http://10.0.0.5:8080"},
		{"HUAWEI_MEETING_ENDPOINT", "https://user:password@api.example.test"},
		{"HUAWEI_MEETING_APP_KEY", ""},
		{"ENDMEETING_ADMIN_USERS", "alice"},
		{"ENDMEETING_ADMIN_GROUPS", "U123,admins"},
		{"ENDMEETING_CHANNELS", "#general"},
		{"ENDMEETING_ALLOW_WORKSPACE_ADMINS", "yes"},
		{"ENDMEETING_CONFIRM_TIMEOUT", "2"},
		{"ENDMEETING_CONFIRM_TIMEOUT", "48h"},
		{"ENDMEETING_HOST_IDENTITY", "maybe"},
		{"ENDMEETING_HOST_MAP", "alice"},
		{"ENDMEETING_HOST_MAP", "U1=alice"},
		{"ENDMEETING_HOST_MAP", "UALICE=al ice"},
		{"ENDMEETING_HOST_MAP", "UALICE=a,UALICE=b"},
		{"ENDMEETING_BUTTON_KEY", "too-short"},
		{"LOG_LEVEL", "loud"},
		{"LOG_FORMAT", "xml"},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			env[tt.name] = tt.value
			err := run(context.Background(), []string{"-env-file="}, func(k string) string { return env[k] }, strings.NewReader(""), &syncBuffer{}, &syncBuffer{})
			if err == nil || !strings.HasPrefix(err.Error(), tt.name+":") || strings.Contains(err.Error(), "\n") {
				t.Errorf("run = %v, want one line starting with %s:", err, tt.name)
			}
			if err != nil && (strings.Contains(err.Error(), testBotToken) || strings.Contains(err.Error(), "password")) {
				t.Errorf("the error shows a token: %v", err)
			}
		})
	}
}

func TestSlackUnreachableAtStartIsWaitedOut(t *testing.T) {
	s := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken, PingInterval: 200 * time.Millisecond})
	defer s.Close()
	hw := meetingtest.NewServer(meetingtest.Config{AppID: testAppID, AppKey: testAppKey})
	defer hw.Close()
	// Slack answers auth.test with 429 twice: not a verdict on the token.
	s.RateLimitNext("auth.test", 2, 0)
	env := map[string]string{
		"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken, "SLACK_API_URL": s.APIURL(),
		"HUAWEI_MEETING_ENDPOINT": hw.URL(), "HUAWEI_MEETING_APP_ID": testAppID, "HUAWEI_MEETING_APP_KEY": testAppKey,
		"ENDMEETING_ADMIN_USERS": admin,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs syncBuffer
	go func() {
		done <- run(ctx, []string{"-env-file="}, func(k string) string { return env[k] }, strings.NewReader(""), &logs, &logs)
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := s.WaitConnected(wctx); err != nil {
		t.Fatalf("the bot did not connect after the outage: %v\n%s", err, logs.String())
	}
	if n := s.Calls("auth.test"); n < 3 {
		t.Errorf("auth.test calls = %d, want 3 (two failures, then success)", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run = %v, want nil", err)
	}
}

func TestSlackModeWithSimulator(t *testing.T) {
	s := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken, PingInterval: 200 * time.Millisecond})
	defer s.Close()
	env := map[string]string{
		"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken, "SLACK_API_URL": s.APIURL(),
		"ENDMEETING_ADMIN_USERS": admin,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs syncBuffer
	go func() {
		done <- run(ctx, []string{"-env-file=", "-simulate"}, func(k string) string { return env[k] }, strings.NewReader(""), &logs, &logs)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run = %v, want nil", err)
		}
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := s.WaitConnected(wctx); err != nil {
		t.Fatalf("not connected: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "simulator") {
		t.Errorf("the log does not say that Huawei is simulated:\n%s", logs.String())
	}
	env2, err := s.SendSlashCommand(wctx, slacktest.SlashCommand{ChannelID: channel, UserID: admin, Text: "914083136"})
	if err != nil {
		t.Fatal(err)
	}
	posts, err := s.WaitResponsePosts(wctx, env2.ResponseURL, 1)
	if err != nil {
		t.Fatalf("no reply: %v\n%s", err, logs.String())
	}
	if !strings.Contains(posts[0].Text, "Weekly sync") || posts[0].Blocks == nil {
		t.Errorf("reply = %q, want a prompt for the simulator's Weekly sync", posts[0].Text)
	}
}

func TestSlackModeNeedsHuaweiOrSimulate(t *testing.T) {
	env := map[string]string{"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken}
	err := run(context.Background(), []string{"-env-file="}, func(k string) string { return env[k] }, strings.NewReader(""), &syncBuffer{}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "-simulate") {
		t.Errorf("run = %v, want an error pointing to the credentials and -simulate", err)
	}
}

// TestConfigReportsEveryProblem: a broken configuration with three bad
// variables gets three lines, each naming its variable.
func TestConfigReportsEveryProblem(t *testing.T) {
	env := map[string]string{
		"SLACK_BOT_TOKEN":            testBotToken,
		"SLACK_APP_TOKEN":            "xoxb-swapped",
		"HUAWEI_MEETING_APP_ID":      testAppID,
		"ENDMEETING_ADMIN_GROUPS":    "admins,U123",
		"ENDMEETING_CONFIRM_TIMEOUT": "2",
	}
	err := run(context.Background(), []string{"-env-file="}, func(k string) string { return env[k] }, strings.NewReader(""), &syncBuffer{}, &syncBuffer{})
	if err == nil {
		t.Fatal("run = nil, want the configuration's problems")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"SLACK_APP_TOKEN: ", "HUAWEI_MEETING_APP_KEY: ", "ENDMEETING_ADMIN_GROUPS: ", "ENDMEETING_CONFIRM_TIMEOUT: "}
	if len(lines) != len(want) {
		t.Fatalf("run = %d lines, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want it to start with %q", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[2], `"admins"`) || !strings.Contains(lines[2], `"U123"`) {
		t.Errorf("line %q, want both bad group IDs on it", lines[2])
	}
}

// TestBadEnvFileShowsNoSecret: a .env file that does not parse is named,
// and nothing of its content reaches the error.
func TestBadEnvFileShowsNoSecret(t *testing.T) {
	for _, content := range []string{
		"SLACK_BOT_TOKEN=\"xoxb-1111-SECRETVALUE\nSLACK_APP_TOKEN=xapp-2222-SECRETVALUE\n",
		"BAD LINE here\nHUAWEI_MEETING_APP_KEY=SECRETVALUE\n",
	} {
		file := filepath.Join(t.TempDir(), ".env")
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		err := run(context.Background(), []string{"-env-file=" + file, "check"}, func(string) string { return "" }, strings.NewReader(""), &syncBuffer{}, &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), file) || strings.Contains(err.Error(), "SECRETVALUE") {
			t.Errorf("run with a broken .env = %v, want the file named and none of its content", err)
		}
	}
}
