package ops

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// BenchmarkScrape is one /metrics answer to a request that accepts gzip, as
// Prometheus sends it, from
// series filled as a day of commands and clicks fills them.
func BenchmarkScrape(b *testing.B) {
	m := NewMetrics("v1", "abc")
	m.QueueDepth(func() int { return 0 })
	for _, op := range []string{"appauth", "confdetail", "controltoken", "stop", "online", "cancel"} {
		for i := range 50 {
			m.Request(op, 200, time.Duration(i)*time.Millisecond)
		}
		m.Request(op, 0, time.Second)
		m.Request(op, 429, time.Second)
	}
	for _, typ := range []string{"slash_commands", "interactive", "hello"} {
		m.Envelope(typ)
	}
	m.Acked(time.Millisecond)
	m.Decided("command", "allowed", "prompted", "")
	m.Decided("click", "allowed", "ended", "")
	m.TokenCache("access", true)
	m.TokenCache("control", false)
	// The handler as it ships, and the same with gzip, which it dropped,
	// side by side.
	gz := handlerOpts(m.reg)
	gz.DisableCompression = false
	for _, tt := range []struct {
		name string
		h    http.Handler
	}{
		{"shipped", m.Handler()},
		{"gzip", promhttp.HandlerFor(m.reg, gz)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			size := 0
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
				req.Header.Set("Accept-Encoding", "gzip")
				w := httptest.NewRecorder()
				tt.h.ServeHTTP(w, req)
				n, _ := io.Copy(io.Discard, w.Body)
				size = int(n)
			}
			b.ReportMetric(float64(size)/1024, "answer-KB")
		})
	}
}

// BenchmarkHooksPerPair is the metrics' work for one command + End pair,
// as the program calls the hooks: two envelopes and their acks, two
// decisions, confDetail and stop with their token-cache look-ups.
func BenchmarkHooksPerPair(b *testing.B) {
	m := NewMetrics("v1", "abc")
	b.ReportAllocs()
	for b.Loop() {
		m.Envelope("slash_commands")
		m.Acked(40 * time.Microsecond)
		m.TokenCache("access", true)
		m.Request("confdetail", 200, 2*time.Millisecond)
		m.Decided("command", "allowed", "prompted", "")
		m.Envelope("interactive")
		m.Acked(35 * time.Microsecond)
		m.TokenCache("control", true)
		m.Request("stop", 200, 3*time.Millisecond)
		m.Decided("click", "allowed", "ended", "")
	}
}
