package main

import (
	"context"
	"strings"
	"testing"

	"meetingbot/bot/slacktest"
	"meetingbot/meeting/meetingtest"
)

func TestCheck(t *testing.T) {
	s := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken})
	defer s.Close()
	s.AddUser(slacktest.User{ID: "UBOT", Name: "meetingbot", IsBot: true})
	s.AddUserGroup("S0ADMINS", []string{admin})
	hw := meetingtest.NewServer(meetingtest.Config{AppID: testAppID, AppKey: testAppKey})
	defer hw.Close()
	good := map[string]string{
		"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken, "SLACK_API_URL": s.APIURL(),
		"HUAWEI_MEETING_ENDPOINT": hw.URL(), "HUAWEI_MEETING_APP_ID": testAppID, "HUAWEI_MEETING_APP_KEY": testAppKey,
		"ENDMEETING_ADMIN_GROUPS": "S0ADMINS",
	}
	tests := []struct {
		name    string
		change  map[string]string
		prepare func()
		want    []string
		ok      bool
	}{
		{name: "all good", want: []string{"ok    configuration", "workspace", "users.info answers", "Socket Mode", "user group S0ADMINS", "logged in with App ID", "All checks passed."}, ok: true},
		{name: "bad bot token", change: map[string]string{"SLACK_BOT_TOKEN": "xoxb-wrong"}, want: []string{"FAIL  SLACK_BOT_TOKEN", "invalid_auth"}},
		{name: "bad app token", change: map[string]string{"SLACK_APP_TOKEN": "xapp-wrong"}, want: []string{"FAIL  SLACK_APP_TOKEN", "invalid_auth"}},
		{name: "missing scope", prepare: func() { s.FailNext("usergroups.users.list", 1, "missing_scope") }, want: []string{"FAIL  ENDMEETING_ADMIN_GROUPS", "usergroups:read"}},
		{name: "bad app key", change: map[string]string{"HUAWEI_MEETING_APP_KEY": "wrong-key"}, want: []string{"FAIL  Huawei", "HUAWEI_MEETING_APP_KEY"}},
		{name: "no rule", change: map[string]string{"ENDMEETING_ADMIN_GROUPS": "", "ENDMEETING_HOST_IDENTITY": "off"}, want: []string{"FAIL  no permission rule"}},
		{name: "bad config", change: map[string]string{"ENDMEETING_CONFIRM_TIMEOUT": "soon"}, want: []string{"FAIL  configuration: ENDMEETING_CONFIRM_TIMEOUT"}},
		// Last: it changes the fake for good.
		{name: "missing scopes", prepare: func() { s.SetScopes("commands", "users:read") }, want: []string{"FAIL  SLACK_BOT_TOKEN: the bot token lacks the chat:write scope", "lacks the usergroups:read scope", "lacks the users:read.email scope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range good {
				env[k] = v
			}
			for k, v := range tt.change {
				env[k] = v
			}
			if tt.prepare != nil {
				tt.prepare()
			}
			var out, errs syncBuffer
			err := run(context.Background(), []string{"-env-file=", "check"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errs)
			if (err == nil) != tt.ok {
				t.Errorf("run = %v, want ok %v\n%s", err, tt.ok, out.String())
			}
			wantInOrder(t, out.String(), tt.want...)
			for _, secret := range []string{testBotToken, testAppToken, testAppKey, "ticket="} {
				if strings.Contains(out.String()+errs.String(), secret) {
					t.Errorf("check printed the secret %q", secret)
				}
			}
		})
	}
}
