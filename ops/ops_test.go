package ops

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServerAndSeries(t *testing.T) {
	m := NewMetrics("1.2.3", "abc123")
	m.QueueDepth(func() int { return 7 })
	m.Envelope("slash_commands")
	m.Envelope("something_new_from_slack")
	m.Request("stop", 200, 30*time.Millisecond)
	m.Request("confDetail", 503, time.Second)
	m.Request("appauth", 0, time.Second)
	m.TokenCache("access", true)
	m.Decided("click", "allowed", "failed", "claim_unavailable")
	m.TurnedAway("click")
	m.Reconnected("closed")
	m.Acked(200 * time.Microsecond)

	ready := errors.New("no Socket Mode connection to Slack is open")
	s, err := Listen("127.0.0.1:0", m, Checks{
		Alive: func() error { return nil },
		Ready: func(context.Context) error { return ready },
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr()
	if code, body := scrape(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := scrape(t, base+"/readyz"); code != 503 || body != ready.Error()+"\n" {
		t.Errorf("/readyz = %d %q, want 503 with the reason", code, body)
	}
	_, body := scrape(t, base+"/metrics")
	for _, want := range []string{
		`meetingbot_envelopes_total{type="other"} 1`,
		`meetingbot_huawei_requests_total{op="stop",status_class="2xx"} 1`,
		`meetingbot_huawei_requests_total{op="confDetail",status_class="5xx"} 1`,
		`meetingbot_huawei_requests_total{op="appauth",status_class="error"} 1`,
		`meetingbot_token_cache_lookups_total{cache="access",result="hit"} 1`,
		`meetingbot_claim_errors_total 1`,
		`meetingbot_busy_replies_total{kind="click"} 1`,
		`meetingbot_socket_reconnects_total{reason="closed"} 1`,
		`meetingbot_queue_depth 7`,
		`meetingbot_build_info{goversion="go`,
		`version="1.2.3"`,
		`go_goroutines`,
		`go_gc_duration_seconds`,
		`go_memory_classes_heap_objects_bytes`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, left := range []string{"process_", "go_memstats_heap", "go_memstats_alloc"} {
		if strings.Contains(body, "\n"+left) {
			t.Errorf("/metrics has %s series, which are left out", left)
		}
	}
	if strings.Contains(body, "something_new_from_slack") {
		t.Error("an unknown envelope type became a label value")
	}
	if code, _ := scrape(t, base+"/nothing"); code != 404 {
		t.Errorf("/nothing = %d, want 404", code)
	}
}

func TestListenTaken(t *testing.T) {
	s, err := Listen("127.0.0.1:0", NewMetrics("v", "r"), Checks{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Listen(s.Addr(), NewMetrics("v", "r"), Checks{}, slog.New(slog.DiscardHandler)); err == nil || !strings.HasPrefix(err.Error(), "ENDMEETING_HTTP_ADDR:") {
		t.Errorf("Listen on a taken port = %v", err)
	}
}

// TestMetricsUncompressed: the answer is plain text even to a scraper that
// accepts gzip, as Prometheus does; gzip cost more than the rest of a
// scrape (BenchmarkScrape).
func TestMetricsUncompressed(t *testing.T) {
	m := NewMetrics("1.2.3", "abc123")
	m.Envelope("hello")
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip, zstd")
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, req)
	if enc := w.Header().Get("Content-Encoding"); enc != "" {
		t.Errorf("Content-Encoding = %q, want none", enc)
	}
	if body := w.Body.String(); !strings.Contains(body, `meetingbot_envelopes_total{type="hello"} 1`) {
		t.Errorf("the answer lacks the envelope count:\n%.500s", body)
	}
}
