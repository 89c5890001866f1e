//go:build linux

package bench

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"meetingbot/handlers"
	"meetingbot/internal/redistest"
	"meetingbot/meeting/meetingtest"
)

// 2. Click path.

const clickPairs = 200

// BenchmarkClickPath types the command, then clicks End, clickPairs times
// in a row (one meeting each). The click must make exactly one Huawei
// request, the stop. It reports the time from the click's envelope to the
// result replacing the prompt, and, for comparison, the fake Huawei's stop
// timed from a plain HTTP client.
func BenchmarkClickPath(b *testing.B) {
	var click, preStop, ending, direct durations
	for range b.N {
		br := startBot(b, botOpts{meetings: 2 * clickPairs})
		ctx := ctxFor(b)
		for i := range clickPairs {
			id := meetingID(i)
			prompt, err := br.prompt(ctx, admin, id)
			if err != nil {
				b.Fatal(err)
			}
			before := len(br.huawei.Requests())
			env, p, err := br.click(ctx, admin, handlers.ActionEnd, prompt, 2)
			if err != nil {
				b.Fatal(err)
			}
			if !strings.Contains(p[1].Text, "has ended") {
				b.Fatalf("meeting %s: result %q", id, p[1].Text)
			}
			if _, err := br.slack.WaitMessages(ctx, i+1); err != nil {
				b.Fatal(err)
			}
			after := br.huawei.Requests()[before:]
			if len(after) != 1 || after[0].Endpoint != meetingtest.EndpointStop {
				b.Fatalf("click %d: Huawei requests %v, want exactly one stop", i, endpoints(after))
			}
			click = append(click, p[1].At.Sub(env.SentAt))
			ending = append(ending, p[0].At.Sub(env.SentAt))
			preStop = append(preStop, after[0].At.Sub(env.SentAt))
		}
		for i := clickPairs; i < 2*clickPairs; i++ {
			d, err := directStop(ctx, br.huawei.URL(), meetingID(i))
			if err != nil {
				b.Fatal(err)
			}
			direct = append(direct, d)
		}
		br.close()
	}
	b.ReportMetric(ms(click.pct(0.5)), "click-p50-ms")
	b.ReportMetric(ms(click.pct(0.99)), "click-p99-ms")
	b.ReportMetric(ms(ending.pct(0.5)), "ending-post-p50-ms")
	b.ReportMetric(ms(preStop.pct(0.5)), "stop-sent-p50-ms")
	b.ReportMetric(ms(direct.pct(0.5)), "direct-stop-p50-ms")
	b.ReportMetric(ms(direct.pct(0.99)), "direct-stop-p99-ms")
	b.ReportMetric(1, "huawei-req/click") // any other count is a b.Fatal above
}

var plainHTTP = &http.Client{Timeout: 10 * time.Second}

// directStop fetches a control token for meeting id from the fake Huawei
// with the host password, then times one stop request.
func directStop(ctx context.Context, base, id string) (time.Duration, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/mmc/control/conferences/token?conferenceID="+id, nil)
	req.Header.Set("X-Password", chairPwd)
	req.Header.Set("X-Login-Type", "1")
	resp, err := plainHTTP.Do(req)
	if err != nil {
		return 0, err
	}
	var ans struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&ans)
	resp.Body.Close()
	if err != nil || ans.Data.Token == "" {
		return 0, fmt.Errorf("control token for %s: status %d, %v", id, resp.StatusCode, err)
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPut, base+"/v1/mmc/control/conferences/stop?conferenceID="+id, nil)
	req.Header.Set("X-Conference-Authorization", ans.Data.Token)
	start := time.Now()
	resp, err = plainHTTP.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("stop %s: status %d", id, resp.StatusCode)
	}
	return d, nil
}

// The load of BenchmarkClickClaims: each program gets claimClicks clicks,
// in blocks of claimBlock that take turns.
const (
	claimClicks = 400
	claimBlock  = 50
)

// claimTarget is one meetingbot of BenchmarkClickClaims with the figures of
// its clicks so far.
type claimTarget struct {
	br           *botRun
	next         int       // the next meeting to end
	click, stops durations // click to result posted; click to the stop's arrival at Huawei
	// rc, when set, is a client of the program's Redis: before each click
	// the benchmark times one SET NX PX of its own, into rtt, so that
	// Redis is timed at the moments it serves the program.
	rc  *redis.Client
	rtt durations
}

// startClaimTarget starts meetingbot with env, on claimClicks+1 meetings,
// and ends the last one: the program is logged in, and its connections to
// Slack, Huawei and Redis are open.
func startClaimTarget(tb testing.TB, env map[string]string) *claimTarget {
	tb.Helper()
	t := &claimTarget{br: startBot(tb, botOpts{meetings: claimClicks + 1, env: env})}
	if err := t.br.endPair(ctxFor(tb), admin, meetingID(claimClicks)); err != nil {
		tb.Fatalf("%v\n%s", err, t.br.prog.output())
	}
	return t
}

// block types the command and clicks End for the next n meetings, one at
// a time, and checks that each click made exactly one Huawei request, the
// stop.
func (t *claimTarget) block(tb testing.TB, n int) {
	tb.Helper()
	ctx := ctxFor(tb)
	for range n {
		id := meetingID(t.next)
		t.next++
		prompt, err := t.br.prompt(ctx, admin, id)
		if err != nil {
			tb.Fatalf("%v\n%s", err, t.br.prog.output())
		}
		if t.rc != nil {
			t.rtt = append(t.rtt, setNX(tb, t.rc, id))
		}
		before := len(t.br.huawei.Requests())
		env, p, err := t.br.click(ctx, admin, handlers.ActionEnd, prompt, 2)
		if err != nil {
			tb.Fatalf("%v\n%s", err, t.br.prog.output())
		}
		if !strings.Contains(p[1].Text, "has ended") {
			tb.Fatalf("meeting %s: result %q", id, p[1].Text)
		}
		if _, err := t.br.slack.WaitMessages(ctx, t.next+1); err != nil { // +1: the warm-up's
			tb.Fatal(err)
		}
		after := t.br.huawei.Requests()[before:]
		if len(after) != 1 || after[0].Endpoint != meetingtest.EndpointStop {
			tb.Fatalf("meeting %s: Huawei requests %v, want exactly one stop", id, endpoints(after))
		}
		t.click = append(t.click, p[1].At.Sub(env.SentAt))
		t.stops = append(t.stops, after[0].At.Sub(env.SentAt))
	}
}

// BenchmarkClickClaims measures the click path of BenchmarkClickPath with
// the prompts' claims in the program's memory and in Redis (REDIS_URL, a
// redis-server on 127.0.0.1), side by side in one run (issue 13): four
// programs, each with fakes of its own, take turns in blocks of clicks, in
// the orders of a Williams square: in memory, Redis, in memory again and
// Redis again. The two of each kind are pooled; the two in memory are also
// the control, the difference between identical programs. Every click must
// make exactly one Huawei request, the stop. With Redis a command makes one
// Redis command (its envelope's de-duplication, bot.Deliveries) and a click
// one, its claim, a SET NX PX: redis-cmds/pair counts them in Redis's own
// commandstats, the most of the runs. For
// comparison the benchmark times one SET NX PX of its own, from this
// process to the same redis-server, before each click of a Redis program
// (so that Redis is timed at the moments it serves the program), and
// claimClicks of them back to back once the programs have stopped.
func BenchmarkClickClaims(b *testing.B) {
	var mem, red, memAgain, redAgain, rtt, hot durations
	var memStop, redStop durations
	var cmds []float64 // Redis commands per command + click pair, each run
	for range b.N {
		rd := redistest.Start(b)
		withRedis := map[string]string{"REDIS_URL": rd.URL()}
		ts := []*claimTarget{startClaimTarget(b, nil), startClaimTarget(b, withRedis), startClaimTarget(b, nil), startClaimTarget(b, withRedis)}
		rc := redis.NewClient(&redis.Options{Addr: rd.Addr()})
		if err := rc.Ping(ctxFor(b)).Err(); err != nil {
			b.Fatal(err)
		}
		ts[1].rc, ts[3].rc = rc, rc
		turns := make([]func(int), len(ts))
		for k, t := range ts {
			turns[k] = func(int) { t.block(b, claimBlock) }
		}
		before := rd.Calls()
		takeTurns(b, claimClicks/claimBlock, turns...)
		for _, t := range ts {
			t.br.close()
		}
		// The programs' commands: all but the benchmark's own SET NX
		// before each of their clicks, over their command + click pairs.
		asked := 0
		for _, n := range redistest.Since(before, rd.Calls()) {
			asked += n
		}
		pairs := len(ts[1].click) + len(ts[3].click)
		cmds = append(cmds, float64(asked-len(ts[1].rtt)-len(ts[3].rtt))/float64(pairs))
		for i := range claimClicks { // on a machine left quiet
			hot = append(hot, setNX(b, rc, strconv.Itoa(i)))
		}
		rc.Close()
		rd.Stop()
		rtt = append(append(rtt, ts[1].rtt...), ts[3].rtt...)
		mem, red = append(mem, ts[0].click...), append(red, ts[1].click...)
		memAgain, redAgain = append(memAgain, ts[2].click...), append(redAgain, ts[3].click...)
		memStop = append(append(memStop, ts[0].stops...), ts[2].stops...)
		redStop = append(append(redStop, ts[1].stops...), ts[3].stops...)
	}
	memAll, redAll := append(slices.Clone(mem), memAgain...), append(slices.Clone(red), redAgain...)
	b.ReportMetric(ms(memAll.pct(0.5)), "mem-p50-ms")
	b.ReportMetric(ms(memAll.pct(0.99)), "mem-p99-ms")
	b.ReportMetric(ms(redAll.pct(0.5)), "redis-p50-ms")
	b.ReportMetric(ms(redAll.pct(0.99)), "redis-p99-ms")
	b.ReportMetric(ms(redAll.pct(0.5)-memAll.pct(0.5)), "redis-mem-p50-ms")
	b.ReportMetric(ms(redAll.pct(0.99)-memAll.pct(0.99)), "redis-mem-p99-ms")
	b.ReportMetric(ms(memAgain.pct(0.5)-mem.pct(0.5)), "control-p50-ms")
	b.ReportMetric(ms(memAgain.pct(0.99)-mem.pct(0.99)), "control-p99-ms")
	b.ReportMetric(ms(redAgain.pct(0.99)-red.pct(0.99)), "control-redis-p99-ms")
	b.ReportMetric(ms(redStop.pct(0.5)-memStop.pct(0.5)), "redis-mem-stop-sent-p50-ms")
	b.ReportMetric(ms(rtt.pct(0.5)), "setnx-p50-ms")
	b.ReportMetric(ms(rtt.pct(0.99)), "setnx-p99-ms")
	b.ReportMetric(ms(hot.pct(0.5)), "setnx-quiet-p50-ms")
	b.ReportMetric(ms(hot.pct(0.99)), "setnx-quiet-p99-ms")
	b.ReportMetric(1, "huawei-req/click") // any other count is a b.Fatal in block
	b.ReportMetric(slices.Max(cmds), "redis-cmds/pair")
}

// setNX times one SET NX PX to Redis, as a claim is made, on a key of its
// own.
func setNX(tb testing.TB, rc *redis.Client, id string) time.Duration {
	tb.Helper()
	key := "bench:rtt:" + id + ":" + rand.Text()
	start := time.Now()
	won, err := rc.SetNX(ctxFor(tb), key, "bench", time.Minute).Result()
	d := time.Since(start)
	if err != nil || !won {
		tb.Fatalf("SET NX %s: won %v, %v", key, won, err)
	}
	return d
}
