package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"meetingbot/internal/redistest"
)

// freeAddr returns a 127.0.0.1 address with a port free just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitStatus polls url until it answers want, for up to 10 s.
func waitStatus(t *testing.T, url string, want int) string {
	t.Helper()
	var code int
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if code, body = get(t, url); code == want {
			return body
		}
	}
	t.Fatalf("GET %s = %d %q, want %d", url, code, body, want)
	return ""
}

// TestHealthReadinessMetrics runs the bot with ENDMEETING_HTTP_ADDR and
// REDIS_URL: /healthz is 200, /readyz follows the Socket Mode connection
// and Redis, and /metrics has the meetingbot_ series with no IDs in them.
func TestHealthReadinessMetrics(t *testing.T) {
	rd := redistest.Start(t)
	addr := freeAddr(t)
	h := start(t, map[string]string{"ENDMEETING_HTTP_ADDR": addr, "REDIS_URL": rd.URL()})
	base := "http://" + addr
	if code, body := get(t, base+"/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz = %d %q, want 200 ok", code, body)
	}
	waitStatus(t, base+"/readyz", 200)

	// A command and a click, for the series to count.
	value := h.prompt(admin, channel)
	env := h.click(admin, channel, "endmeeting_confirm", value)
	h.posts(env.ResponseURL, 2)

	// The click's audit record, which the series count, follows its replies.
	var m string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, m = get(t, base+"/metrics"); strings.Contains(m, `kind="click",outcome="ended"`) {
			break
		}
	}
	for _, want := range []string{
		`meetingbot_envelopes_total{type="slash_commands"} 1`,
		`meetingbot_envelopes_total{type="interactive"} 1`,
		`meetingbot_ack_duration_seconds_count 2`,
		`meetingbot_decisions_total{decision="allowed",kind="command",outcome="prompted"} 1`,
		`meetingbot_decisions_total{decision="allowed",kind="click",outcome="ended"} 1`,
		`meetingbot_huawei_requests_total{op="stop",status_class="2xx"} 1`,
		`meetingbot_huawei_request_duration_seconds_count{op="confDetail"} 1`,
		`meetingbot_token_cache_lookups_total{cache="control",result="hit"} 1`,
		`meetingbot_token_cache_lookups_total{cache="control",result="miss"} 1`,
		`meetingbot_queue_depth 0`,
		`meetingbot_claim_errors_total 0`,
		`meetingbot_build_info{goversion="go`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, id := range []string{admin, channel, meetingID, "T0001", testAppID} {
		if strings.Contains(m, id) {
			t.Errorf("/metrics names %q: labels must carry no IDs", id)
		}
	}

	// Readiness follows the connection: a drop turns it to 503 within
	// seconds, and the reconnect back to 200.
	h.slack.FailNext("apps.connections.open", 4, "internal_error") // slack-go retries with backoff
	h.slack.DropConnection()
	body := waitStatus(t, base+"/readyz", 503)
	if !strings.Contains(body, "Socket Mode") || strings.Count(body, "\n") != 1 {
		t.Errorf("/readyz body = %q, want one line about the connection", body)
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz while reconnecting = %d, want 200: the process is alive", code)
	}
	waitStatus(t, base+"/readyz", 200)
	if _, m := get(t, base+"/metrics"); !strings.Contains(m, "meetingbot_socket_reconnects_total{reason=") {
		t.Errorf("/metrics lacks the reconnect")
	}
	// And Redis.
	rd.Stop()
	if body := waitStatus(t, base+"/readyz", 503); !strings.Contains(body, "redis") {
		t.Errorf("/readyz body = %q, want the Redis named", body)
	}
	rd.Restart()
	waitStatus(t, base+"/readyz", 200)

	// The listener closes with the program.
	h.stop()
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after the program stopped", addr)
	}
}

// TestListenFailureNamesTheVariable: a port that cannot be bound ends the
// program at start, with the variable named.
func TestListenFailureNamesTheVariable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	env := map[string]string{
		"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken,
		"HUAWEI_MEETING_APP_ID": testAppID, "HUAWEI_MEETING_APP_KEY": testAppKey,
		"ENDMEETING_HTTP_ADDR": l.Addr().String(),
	}
	err = run(t.Context(), []string{"-env-file="}, func(k string) string { return env[k] }, strings.NewReader(""), &syncBuffer{}, &syncBuffer{})
	if err == nil || !strings.HasPrefix(err.Error(), "ENDMEETING_HTTP_ADDR:") {
		t.Errorf("run with a taken port = %v, want an error naming ENDMEETING_HTTP_ADDR", err)
	}
}
