package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		{name: "swapped tokens", change: map[string]string{"SLACK_BOT_TOKEN": testAppToken, "SLACK_APP_TOKEN": testBotToken}, want: []string{"FAIL  configuration: SLACK_BOT_TOKEN: holds an app-level token", "look swapped"}},
		{name: "quoted value", change: map[string]string{"ENDMEETING_ADMIN_GROUPS": `"S0ADMINS"`}, want: []string{"WARN  ENDMEETING_ADMIN_GROUPS: the value is in quotes"}},
		{name: "every bad variable at once", change: map[string]string{"LOG_LEVEL": "loud", "ENDMEETING_CONFIRM_TIMEOUT": "soon", "SLACK_API_URL": "ftp://x"},
			want: []string{"FAIL  configuration: SLACK_API_URL", "FAIL  configuration: ENDMEETING_CONFIRM_TIMEOUT", "FAIL  configuration: LOG_LEVEL"}},
		{name: "Slack unreachable", change: map[string]string{"SLACK_API_URL": "http://127.0.0.1:1/api/"}, want: []string{"FAIL  SLACK_API_URL: Slack cannot be reached", "HTTPS_PROXY"}},
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

// TestCheckEnvFileQuotesAndTakenPort: check warns about quoted values in
// .env, which docker run --env-file would keep, and fails on a listen
// address that cannot be bound.
func TestCheckEnvFileQuotesAndTakenPort(t *testing.T) {
	s := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken})
	defer s.Close()
	s.AddUser(slacktest.User{ID: "UBOT", Name: "meetingbot", IsBot: true})
	hw := meetingtest.NewServer(meetingtest.Config{AppID: testAppID, AppKey: testAppKey})
	defer hw.Close()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	file := filepath.Join(t.TempDir(), ".env")
	content := "SLACK_BOT_TOKEN=\"" + testBotToken + "\"\nexport SLACK_APP_TOKEN='" + testAppToken + "'\nENDMEETING_ADMIN_USERS=" + admin + "\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"SLACK_API_URL": s.APIURL(), "HUAWEI_MEETING_ENDPOINT": hw.URL(), "HUAWEI_MEETING_APP_ID": testAppID,
		"HUAWEI_MEETING_APP_KEY": testAppKey, "ENDMEETING_HTTP_ADDR": taken.Addr().String(),
	}
	var out syncBuffer
	err = run(context.Background(), []string{"-env-file=" + file, "check"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &syncBuffer{})
	if err == nil {
		t.Errorf("check passed with a taken port:\n%s", out.String())
	}
	wantInOrder(t, out.String(),
		"WARN  SLACK_BOT_TOKEN: "+file+" has the value in quotes",
		"WARN  SLACK_APP_TOKEN: "+file+" has the value in quotes",
		"FAIL  ENDMEETING_HTTP_ADDR: "+taken.Addr().String()+" cannot be bound",
		"logged in with App ID")
	if strings.Contains(out.String(), testBotToken) || strings.Contains(out.String(), testAppToken) {
		t.Errorf("check printed a token:\n%s", out.String())
	}
}

// TestCheckSlackSilent: a Slack that accepts connections and never answers
// is reported with advice when the check's own deadline (10 s) ends, not
// after the HTTP client's.
func TestCheckSlackSilent(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 10 s deadline; skipped with -short")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered, until the test ends
		}
	}()
	hw := meetingtest.NewServer(meetingtest.Config{AppID: testAppID, AppKey: testAppKey})
	defer hw.Close()
	env := map[string]string{
		"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken, "SLACK_API_URL": "http://" + l.Addr().String() + "/api/",
		"HUAWEI_MEETING_ENDPOINT": hw.URL(), "HUAWEI_MEETING_APP_ID": testAppID, "HUAWEI_MEETING_APP_KEY": testAppKey,
		"ENDMEETING_ADMIN_USERS": admin,
	}
	var out syncBuffer
	start := time.Now()
	_ = run(context.Background(), []string{"-env-file=", "check"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &syncBuffer{})
	wantInOrder(t, out.String(), "FAIL  SLACK_API_URL: Slack cannot be reached", "logged in with App ID")
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("check took %v; a silent Slack must be reported at the 10 s deadline", d)
	}
}
