// Package ops serves what operators and orchestrators ask of a running
// meetingbot: /healthz, /readyz and Prometheus metrics at /metrics. It is
// the one package that speaks Prometheus (client_golang); the packages it
// observes tell it through their own small Observer interfaces, which
// *Metrics implements and package main wires.
package ops

import (
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the meetingbot_ series. Its labels are bounded: envelope
// types, decisions, outcomes, error classes, Huawei operations and status
// classes, cache names, reasons; never a user, team, channel or meeting ID.
type Metrics struct {
	reg           *prometheus.Registry
	envelopes     *prometheus.CounterVec
	ack           prometheus.Histogram
	decisions     *prometheus.CounterVec
	huawei        *prometheus.CounterVec
	huaweiLatency *prometheus.HistogramVec
	tokenCache    *prometheus.CounterVec
	reconnects    *prometheus.CounterVec
	busy          *prometheus.CounterVec
	claimErrors   prometheus.Counter
}

// envelopeTypes are the Socket Mode envelope types counted by name; any
// other is counted as "other", so that Slack cannot grow the label set.
var envelopeTypes = map[string]bool{
	"slash_commands": true, "interactive": true, "events_api": true, "hello": true, "disconnect": true,
}

// heapObjects picks the runtime/metrics sample of the heap's objects,
// exported as go_memory_classes_heap_objects_bytes.
var heapObjects = regexp.MustCompile(`^/memory/classes/heap/objects:bytes$`)

// NewMetrics returns the series, registered with a registry of their own
// (with the Go runtime's basic ones), and build info for version and
// revision.
func NewMetrics(version, revision string) *Metrics {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{
		reg: reg,
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meetingbot_envelopes_total", Help: "Socket Mode envelopes received, by type.",
		}, []string{"type"}),
		ack: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "meetingbot_ack_duration_seconds", Help: "The bot's own time from receiving an envelope to queueing its ack.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .1, .5, 1, 3},
		}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meetingbot_decisions_total", Help: "Commands and clicks, by kind, decision and outcome, as the audit log records them.",
		}, []string{"kind", "decision", "outcome"}),
		huawei: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meetingbot_huawei_requests_total", Help: "HTTP requests to Huawei Cloud Meeting, by operation and status class (2xx, 4xx, 5xx, or error when no answer came).",
		}, []string{"op", "status_class"}),
		huaweiLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "meetingbot_huawei_request_duration_seconds", Help: "Time of one HTTP request to Huawei Cloud Meeting, by operation.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20},
		}, []string{"op"}),
		tokenCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meetingbot_token_cache_lookups_total", Help: "Look-ups in the Huawei token caches, by cache (access, control) and result (hit, miss).",
		}, []string{"cache", "result"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meetingbot_socket_reconnects_total", Help: "Socket Mode connections opened again after one was lost, by reason (closed, connection_error).",
		}, []string{"reason"}),
		busy: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meetingbot_busy_replies_total", Help: "Commands and clicks turned away with a busy reply because the worker queue was full, by kind.",
		}, []string{"kind"}),
		claimErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "meetingbot_claim_errors_total", Help: "Clicks refused because the shared claims (Redis) could not be asked.",
		}),
	}
	for _, c := range []prometheus.Collector{m.envelopes, m.ack, m.decisions, m.huawei, m.huaweiLatency, m.tokenCache, m.reconnects, m.busy, m.claimErrors} {
		f(c)
	}
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "meetingbot_build_info", Help: "The running build: version, revision and Go version; always 1.",
	}, []string{"version", "revision", "goversion"})
	info.WithLabelValues(version, revision, runtime.Version()).Set(1)
	f(info)
	// Only the Go runtime's few basic series (goroutines, threads, GC
	// pauses, GOGC, GOMEMLIMIT, GOMAXPROCS) and one of memory, the bytes
	// of live and unswept heap objects: the process collector read /proc
	// at every scrape and was about half of a scrape's time, and 24 of the
	// 25 go_memstats_ series were a third of the answer (BENCHMARKS.md), for
	// figures the orchestrator mostly has anyway.
	f(collectors.NewGoCollector(
		collectors.WithGoCollectorMemStatsMetricsDisabled(),
		collectors.WithGoCollectorRuntimeMetrics(collectors.GoRuntimeMetricsRule{Matcher: heapObjects}),
	))
	return m
}

// QueueDepth adds meetingbot_queue_depth, read from queued at each scrape.
func (m *Metrics) QueueDepth(queued func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "meetingbot_queue_depth", Help: "Commands and clicks waiting for a worker.",
	}, func() float64 { return float64(queued()) }))
}

// Handler serves the series in Prometheus' text format, uncompressed: the
// answer is about 10 KB, and gzip took half of a scrape's CPU
// (BenchmarkScrape).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, handlerOpts(m.reg))
}

func handlerOpts(reg *prometheus.Registry) promhttp.HandlerOpts {
	return promhttp.HandlerOpts{Registry: reg, DisableCompression: true}
}

// Envelope counts an envelope received (bot.Observer).
func (m *Metrics) Envelope(typ string) {
	if !envelopeTypes[typ] {
		typ = "other"
	}
	m.envelopes.WithLabelValues(typ).Inc()
}

// Acked observes the bot's own time to queue an ack (bot.Observer).
func (m *Metrics) Acked(d time.Duration) { m.ack.Observe(d.Seconds()) }

// TurnedAway counts a busy reply (bot.Observer).
func (m *Metrics) TurnedAway(kind string) { m.busy.WithLabelValues(kind).Inc() }

// Reconnected counts a reconnect (bot.Observer).
func (m *Metrics) Reconnected(reason string) { m.reconnects.WithLabelValues(reason).Inc() }

// ClaimUnavailable is the error class of a click refused for want of a
// claim: handlers.ClassClaim, which package main's tests hold it to (ops
// imports none of the packages it observes).
const ClaimUnavailable = "claim_unavailable"

// Decided counts a decision (handlers.Observer).
func (m *Metrics) Decided(kind, decision, outcome, errorClass string) {
	m.decisions.WithLabelValues(kind, decision, outcome).Inc()
	if errorClass == ClaimUnavailable {
		m.claimErrors.Inc()
	}
}

// Request counts and times a Huawei request (meeting.Observer).
func (m *Metrics) Request(op string, status int, d time.Duration) {
	class := "error"
	if status > 0 {
		class = strconv.Itoa(status/100) + "xx"
	}
	m.huawei.WithLabelValues(op, class).Inc()
	m.huaweiLatency.WithLabelValues(op).Observe(d.Seconds())
}

// TokenCache counts a token-cache look-up (meeting.Observer).
func (m *Metrics) TokenCache(cache string, hit bool) {
	result := "miss"
	if hit {
		result = "hit"
	}
	m.tokenCache.WithLabelValues(cache, result).Inc()
}
