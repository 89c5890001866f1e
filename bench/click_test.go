//go:build linux

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"meetingbot/handlers"
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
