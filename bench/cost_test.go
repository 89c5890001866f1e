//go:build linux

package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"meetingbot/bot/slacktest"
	"meetingbot/handlers"
	"meetingbot/meeting/meetingtest"
)

// 4. Cost of a command and its click.

const (
	costPairs       = 500 // command + End click, for CPU and allocations
	costWarm        = 10
	costWorkers     = 4
	memCommands     = 10_000 // command + Cancel click, for memory
	memWorkers      = 8
	memMeetings     = 20
	memWorkspaceAdm = 500
	// sweptAfter is a wait after which every claim (61 s) and user look-up
	// (1 min) of memory has expired and been swept (once a minute).
	sweptAfter = 2*time.Minute + 10*time.Second
)

// BenchmarkCommandClickCost measures what a command and its click cost the
// program, alone in its child process: CPU time and allocations per pair,
// then memory after memCommands commands and once their prompts have
// expired. The program is built with testdata/probe.go, which reports
// these on a signal.
func BenchmarkCommandClickCost(b *testing.B) {
	for range b.N {
		pairCost(b)
		memory(b)
	}
}

// The lines of testdata/probe.go.
const (
	probeCounters = "probe-counters: " // on SIGUSR2: CPU ns, allocations, bytes allocated
	probeMemory   = "probe-memory: "   // on SIGUSR1: heap in use, RSS, in bytes
)

// probe signals the child c (built with the probe) and returns the numbers
// of the line it answers with.
func probe(tb testing.TB, c *child, sig syscall.Signal, prefix string) []uint64 {
	tb.Helper()
	n := c.lines(prefix)
	if err := c.cmd.Process.Signal(sig); err != nil {
		tb.Fatal(err)
	}
	var out []uint64
	for _, f := range strings.Fields(c.line(tb, prefix, n)) {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			tb.Fatalf("%s: line %q: %v", c.name, prefix, err)
		}
		out = append(out, v)
	}
	return out
}

// pairCost reports CPU time and allocations per command+End pair: the
// program's, from its probe, and this process's (the fakes and the driver).
func pairCost(b *testing.B) {
	br := startBot(b, botOpts{program: progBotProbe, meetings: costWarm + costPairs})
	defer br.close()
	ctx := ctxFor(b)
	next := 0
	pairs := func(n int) {
		first := next
		next += n
		if err := parallel(n, costWorkers, func(i int) error {
			return br.endPair(ctx, admin, meetingID(first+i))
		}); err != nil {
			b.Fatal(err)
		}
		if _, err := br.slack.WaitMessages(ctx, next); err != nil {
			b.Fatal(err)
		}
	}
	pairs(costWarm) // log in, open connections

	slackPort, huaweiPort := port(br.slack.APIURL()), port(br.huawei.URL())
	slackTW0, huaweiTW0 := timeWait(slackPort), timeWait(huaweiPort)
	runtime.GC()
	var m0, m1 runtime.MemStats
	bot0 := probe(b, br.prog, syscall.SIGUSR2, probeCounters)
	runtime.ReadMemStats(&m0)
	cpu0 := cpu()
	pairs(costPairs)
	cpu1 := cpu()
	runtime.ReadMemStats(&m1)
	bot1 := probe(b, br.prog, syscall.SIGUSR2, probeCounters)
	slackTW, huaweiTW := timeWait(slackPort)-slackTW0, timeWait(huaweiPort)-huaweiTW0

	per := func(x float64) float64 { return x / costPairs }
	b.ReportMetric(per(float64(bot1[0]-bot0[0])/1e3), "cpu-bot-us/pair")
	b.ReportMetric(per(float64(bot1[1]-bot0[1])), "allocs-bot/pair")
	b.ReportMetric(per(float64(bot1[2]-bot0[2]))/1024, "alloc-bot-KB/pair")
	b.ReportMetric(per(float64((cpu1 - cpu0).Microseconds())), "cpu-fakes+driver-us/pair")
	b.ReportMetric(per(float64(m1.Mallocs-m0.Mallocs)), "allocs-fakes+driver/pair")
	b.ReportMetric(per(float64(m1.TotalAlloc-m0.TotalAlloc))/1024, "alloc-fakes+driver-KB/pair")
	b.ReportMetric(per(float64(slackTW)), "slack-conns-closed/pair")
	b.ReportMetric(per(float64(huaweiTW)), "huawei-conns-closed/pair")
}

// port returns the port of a http://127.0.0.1:port/… URL.
func port(u string) int {
	u = strings.TrimPrefix(u, "http://127.0.0.1:")
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[:i]
	}
	p, _ := strconv.Atoi(u)
	return p
}

// timeWait counts the TCP connections to 127.0.0.1:port in TIME_WAIT on the
// client's side: connections a client opened and then closed first, within
// the last minute. A client that keeps its connections open for reuse
// leaves none.
func timeWait(port int) int {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0
	}
	want := fmt.Sprintf("0100007F:%04X", port)
	n := 0
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 3 && f[2] == want && f[3] == "06" { // rem_address, st: TIME_WAIT
			n++
		}
	}
	return n
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// memory reports the program's heap and RSS after memCommands
// command+Cancel pairs, and after their prompts have expired.
func memory(b *testing.B) {
	br := startBot(b, botOpts{
		program:  progBotProbe,
		meetings: memMeetings,
		env:      map[string]string{"ENDMEETING_CONFIRM_TIMEOUT": "1s", "ENDMEETING_ALLOW_WORKSPACE_ADMINS": "true"},
		setup: func(s *slacktest.Server, _ *meetingtest.Server) {
			for i := range memWorkspaceAdm {
				s.AddUser(slacktest.User{ID: fmt.Sprintf("U0WS%04d", i), Name: fmt.Sprintf("wsadmin%d", i), IsAdmin: true})
			}
		},
	})
	defer br.close()
	mem := func() (heap, rss uint64) {
		v := probe(b, br.prog, syscall.SIGUSR1, probeMemory)
		return v[0], v[1]
	}
	startHeap, startRSS := mem()
	user := func(i int) string {
		if i%2 == 0 {
			return admin
		}
		return fmt.Sprintf("U0WS%04d", (i/2)%memWorkspaceAdm)
	}
	var expired, cancelled int
	var mu sync.Mutex
	pairs := func(first, n int) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*wait)
		defer cancel()
		if err := parallel(n, memWorkers, func(i int) error {
			i += first
			prompt, err := br.prompt(ctx, user(i), meetingID(i%memMeetings))
			if err != nil {
				return err
			}
			_, p, err := br.click(ctx, user(i), handlers.ActionCancel, prompt, 1)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case strings.HasPrefix(p[0].Text, "Cancelled."):
				cancelled++
			case strings.Contains(p[0].Text, "expired"):
				expired++
			default:
				return fmt.Errorf("cancel reply %q", p[0].Text)
			}
			return nil
		}); err != nil {
			b.Fatalf("%v\n%s", err, br.prog.output())
		}
	}
	pairs(0, memWorkers) // log in, open connections, warm the caches a little
	idleHeap, idleRSS := mem()
	pairs(memWorkers, memCommands)
	fullHeap, fullRSS := mem()
	w := expireWait(b)
	time.Sleep(w)
	waitHeap, waitRSS := mem()
	// In a long run (the caches swept), a second round of as many pairs
	// and the same wait: a program that keeps nothing past the caches'
	// lifetimes ends it where it ended the first.
	want := memWorkers + memCommands
	if w >= sweptAfter {
		pairs(want, memCommands)
		want += memCommands
		time.Sleep(w)
		heap2, rss2 := mem()
		b.ReportMetric(mb(heap2), "heap-expired2-MB")
		b.ReportMetric(mb(rss2), "rss-expired2-MB")
	}
	br.close()
	if cancelled+expired != want {
		b.Fatalf("cancelled %d + expired %d, want %d", cancelled, expired, want)
	}
	b.ReportMetric(mb(startHeap), "heap-start-MB")
	b.ReportMetric(mb(idleHeap), "heap-idle-MB")
	b.ReportMetric(mb(fullHeap), "heap-10k-MB")
	b.ReportMetric(mb(waitHeap), "heap-expired-MB")
	b.ReportMetric((float64(waitHeap)-float64(idleHeap))/memCommands, "heap-B/cmd")
	b.ReportMetric(mb(startRSS), "rss-start-MB")
	b.ReportMetric(mb(idleRSS), "rss-idle-MB")
	b.ReportMetric(mb(fullRSS), "rss-10k-MB")
	b.ReportMetric(mb(waitRSS), "rss-expired-MB")
	b.ReportMetric(float64(expired), "expired-clicks")
}

// expireWait is how long memory waits after the commands before it
// measures again: 3 s by default, so that every prompt (1 s) has expired.
// The program sweeps its caches once a minute; a claim lives 61 s with a
// 1 s confirm timeout, a user look-up 1 minute.
// MEETINGBOT_BENCH_EXPIRE_WAIT (a Go duration, at most 15m) waits longer to
// see the sweeps, and from sweptAfter on memory runs a second round.
func expireWait(tb testing.TB) time.Duration {
	tb.Helper()
	v := os.Getenv("MEETINGBOT_BENCH_EXPIRE_WAIT")
	if v == "" {
		return 3 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > 15*time.Minute {
		tb.Fatalf("MEETINGBOT_BENCH_EXPIRE_WAIT=%q: want a Go duration up to 15m", v)
	}
	return d
}

// The load of BenchmarkMetricsCost: each program gets metricsPairs
// command+End pairs, costWorkers in flight, in blocks of metricsBlock that
// take turns; then metricsScrapes scrapes of each program with metrics.
const (
	metricsPairs   = 800
	metricsBlock   = 100
	metricsScrapes = 200
	scrapeEvery    = time.Second
)

// metricsTarget is one meetingbot-probe of BenchmarkMetricsCost.
type metricsTarget struct {
	br      *botRun
	metrics string // the URL of its /metrics; "" without metrics
	next    int    // the next meeting to end
}

// startMetricsTarget starts meetingbot-probe, with /metrics on a free port
// of 127.0.0.1 when metrics is set, and ends costWarm meetings: it is
// logged in and its connections are open.
func startMetricsTarget(tb testing.TB, metrics bool) *metricsTarget {
	tb.Helper()
	o := botOpts{program: progBotProbe, meetings: costWarm + metricsPairs}
	var addr string
	if metrics {
		addr = freeAddr(tb)
		o.env = map[string]string{"ENDMEETING_HTTP_ADDR": addr}
	}
	t := &metricsTarget{br: startBot(tb, o)}
	if metrics {
		t.metrics = "http://" + addr + "/metrics"
	}
	t.pairs(tb, costWarm)
	return t
}

// freeAddr returns 127.0.0.1 and a port that was free a moment ago (the
// program refuses port 0).
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// pairs ends the next n meetings, command and End click, costWorkers at a
// time.
func (t *metricsTarget) pairs(tb testing.TB, n int) {
	tb.Helper()
	ctx := ctxFor(tb)
	first := t.next
	t.next += n
	if err := parallel(n, costWorkers, func(i int) error {
		return t.br.endPair(ctx, admin, meetingID(first+i))
	}); err != nil {
		tb.Fatalf("%v\n%s", err, t.br.prog.output())
	}
	if _, err := t.br.slack.WaitMessages(ctx, t.next); err != nil {
		tb.Fatal(err)
	}
}

// cpu is the program's CPU time so far, from its probe.
func (t *metricsTarget) cpu(tb testing.TB) time.Duration {
	tb.Helper()
	return time.Duration(probe(tb, t.br.prog, syscall.SIGUSR2, probeCounters)[0])
}

// getHealthz gets url, a /healthz, reads the whole answer, checks it is
// 200, and returns how long that took.
func getHealthz(ctx context.Context, url string) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := plainHTTP.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return d, err
}

// programGCs scrapes url, untimed, and returns the program's number of
// completed collections, go_gc_duration_seconds_count.
func programGCs(tb testing.TB, ctx context.Context, url string) int {
	tb.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := plainHTTP.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "go_gc_duration_seconds_count "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				tb.Fatalf("%q: %v", line, err)
			}
			return n
		}
	}
	tb.Fatalf("%s has no go_gc_duration_seconds_count", url)
	return 0
}

// scrape gets url, reads the whole answer, checks it is the program's
// metrics, and returns how long that took and the answer's size.
func scrape(ctx context.Context, url string) (time.Duration, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	resp, err := plainHTTP.Do(req)
	if err != nil {
		return 0, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	switch {
	case err != nil:
		return 0, 0, err
	case resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`meetingbot_decisions_total{decision="allowed",kind="click",outcome="ended"}`)):
		return 0, 0, fmt.Errorf("GET %s: status %d, %d bytes without the clicks ended", url, resp.StatusCode, len(body))
	}
	return d, len(body), nil
}

// BenchmarkMetricsCost measures what the metrics cost (issue 14): the CPU
// of a command+End pair in meetingbot-probe with ENDMEETING_HTTP_ADDR set
// and without it, side by side in one run: four programs, each with fakes
// of its own, take turns in blocks of pairs, in the orders of a Williams
// square: without metrics, with metrics and /metrics scraped every
// scrapeEvery throughout, without again, and with metrics never scraped
// during the turns (the hooks' cost alone); the four roles rotate over the
// four slots from one workload to the next. Each program's CPU is read by
// its probe before the first turn and after the last, so that it holds the
// program's idle time during the others' turns and every scrape; the two
// without metrics are pooled as the base, and are also the control. Then
// metricsScrapes scrapes of each program with metrics, one at a time,
// timed from this process: the whole answer read; then as many again, each
// after a GET /healthz, the floor of any request to the program here.
func BenchmarkMetricsCost(b *testing.B) {
	var off, offFirst, offAgain, scrapedOn, unscrapedOn, pairs time.Duration // CPU
	var scrapeTimes, healthTimes, pairedScrapes durations
	var scrapeCPU time.Duration
	var scrapes, size, scraped int
	var scrapeGCs, benchGCs int // collections during the timed scrapes: programs', this process'
	for i := range b.N {
		// ts is by role: without, scraped, without again, unscraped. The
		// roles rotate over the slots from one workload to the next, so
		// that no role keeps a slot: the order the programs start in, and
		// their places in the Williams square of their turns.
		slots := make([]int, 4) // role of each slot
		for k := range slots {
			slots[k] = (k + i) % 4
		}
		ts := make([]*metricsTarget, 4)
		for _, role := range slots {
			ts[role] = startMetricsTarget(b, role%2 == 1)
		}
		with := []*metricsTarget{ts[1], ts[3]}
		cpu0 := make([]time.Duration, len(ts))
		for k, t := range ts {
			cpu0[k] = t.cpu(b)
		}
		ctx, stop := context.WithCancel(ctxFor(b))
		scraperDone := make(chan error, 1)
		go func() { // every scrapeEvery, until stop
			tick := time.NewTicker(scrapeEvery)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					scraperDone <- nil
					return
				case <-tick.C:
				}
				if _, _, err := scrape(ctx, ts[1].metrics); err != nil && ctx.Err() == nil {
					scraperDone <- err
					return
				}
				scrapes++
			}
		}()
		turns := make([]func(int), len(ts))
		for k, role := range slots {
			t := ts[role]
			turns[k] = func(int) { t.pairs(b, metricsBlock) }
		}
		takeTurns(b, metricsPairs/metricsBlock, turns...)
		stop()
		if err := <-scraperDone; err != nil {
			b.Fatal(err)
		}
		spent := make([]time.Duration, len(ts))
		for k, t := range ts {
			spent[k] = t.cpu(b) - cpu0[k]
		}
		off, offFirst, offAgain = off+spent[0]+spent[2], offFirst+spent[0], offAgain+spent[2]
		scrapedOn, unscrapedOn = scrapedOn+spent[1], unscrapedOn+spent[3]
		pairs += metricsPairs

		// The scrapes alone, on programs that have done their work. This
		// process holds eight fakes and their records, so a collection
		// of its own heap runs for milliseconds and slows every request
		// it times meanwhile; Prometheus scrapes from another process.
		// So its collector is paused while it times scrapes (they
		// allocate a few MB here); the programs' collectors are not, and
		// their collections are counted from go_gc_duration_seconds_count.
		ctx = ctxFor(b)
		gcs0 := []int{programGCs(b, ctx, with[0].metrics), programGCs(b, ctx, with[1].metrics)}
		runtime.GC()
		gcPercent := debug.SetGCPercent(-1)
		var ms0 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		before := []time.Duration{with[0].cpu(b), with[1].cpu(b)}
		for range metricsScrapes {
			for _, t := range with {
				d, n, err := scrape(ctx, t.metrics)
				if err != nil {
					b.Fatal(err)
				}
				scrapeTimes = append(scrapeTimes, d)
				size = n
				scraped++
			}
		}
		scrapeCPU += with[0].cpu(b) - before[0] + with[1].cpu(b) - before[1]
		// The floor of a scrape's time: as many GET /healthz, which does
		// next to nothing, alternating with scrapes, so that both meet the
		// machine alike.
		for range metricsScrapes {
			for _, t := range with {
				d, err := getHealthz(ctx, strings.TrimSuffix(t.metrics, "/metrics")+"/healthz")
				if err != nil {
					b.Fatal(err)
				}
				healthTimes = append(healthTimes, d)
				d, _, err = scrape(ctx, t.metrics)
				if err != nil {
					b.Fatal(err)
				}
				pairedScrapes = append(pairedScrapes, d)
			}
		}
		var ms1 runtime.MemStats
		runtime.ReadMemStats(&ms1)
		debug.SetGCPercent(gcPercent)
		benchGCs += int(ms1.NumGC - ms0.NumGC)
		for k, t := range with {
			scrapeGCs += programGCs(b, ctx, t.metrics) - gcs0[k]
		}
		for _, t := range ts {
			t.br.close()
		}
	}
	us := func(d time.Duration, n int) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(n) }
	b.ReportMetric(us(off, 2*int(pairs)), "cpu-off-us/pair")
	b.ReportMetric(us(scrapedOn, int(pairs)), "cpu-on-us/pair")
	b.ReportMetric(us(unscrapedOn, int(pairs)), "cpu-unscraped-us/pair")
	b.ReportMetric(2*float64(scrapedOn)/float64(off), "on/off")
	b.ReportMetric(2*float64(unscrapedOn)/float64(off), "unscraped/off")
	b.ReportMetric(float64(offAgain)/float64(offFirst), "control-off-again/off")
	b.ReportMetric(float64(scrapes)/float64(b.N), "scrapes-during")
	b.ReportMetric(ms(scrapeTimes.pct(0.5)), "scrape-p50-ms")
	b.ReportMetric(ms(scrapeTimes.pct(0.99)), "scrape-p99-ms")
	b.ReportMetric(ms(healthTimes.pct(0.5)), "healthz-p50-ms")
	b.ReportMetric(ms(healthTimes.pct(0.99)), "healthz-p99-ms")
	b.ReportMetric(ms(pairedScrapes.pct(0.99)-healthTimes.pct(0.99)), "scrape-healthz-p99-ms")
	b.ReportMetric(us(scrapeCPU, scraped), "scrape-cpu-us")
	// Per 100 timed requests (scrapes and GET /healthz): the programs'
	// collections, and this process' (0 unless it had to collect).
	b.ReportMetric(100*float64(scrapeGCs)/float64(2*scraped), "program-gcs/100req")
	b.ReportMetric(100*float64(benchGCs)/float64(2*scraped), "bench-gcs/100req")
	b.ReportMetric(float64(size)/1024, "scrape-KB")
}
