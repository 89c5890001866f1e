//go:build linux

package bench

import (
	"errors"
	"sync"
	"testing"

	"meetingbot/bot/slacktest"
	"meetingbot/meeting/meetingtest"
)

// 3. Huawei calls.

const (
	callCommands = 200
	callMeetings = 20
)

// BenchmarkHuaweiCalls sends callCommands commands by an admin for
// callMeetings meetings at once to a freshly started program and counts
// the Huawei calls: one log-in, one control-token fetch per meeting.
func BenchmarkHuaweiCalls(b *testing.B) {
	var auth, ctlMax, detail int
	var prompt durations
	for range b.N {
		br := startBot(b, botOpts{meetings: callMeetings})
		ctx := ctxFor(b)
		envs := make([]slacktest.Envelope, callCommands)
		errs := make([]error, callCommands)
		var wg sync.WaitGroup
		for i := range callCommands {
			wg.Go(func() {
				envs[i], errs[i] = br.slack.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: channel, UserID: admin, Text: meetingID(i % callMeetings)})
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
		for i, e := range envs {
			p, err := br.slack.WaitResponsePosts(ctx, e.ResponseURL, 1)
			if err != nil {
				b.Fatalf("command %d: %v", i, err)
			}
			if p[0].Blocks == nil {
				b.Fatalf("command %d: reply %q, want a prompt", i, p[0].Text)
			}
			prompt = append(prompt, p[0].At.Sub(e.SentAt))
		}
		auth = br.huawei.Count(meetingtest.EndpointAppAuth)
		detail = br.huawei.Count(meetingtest.EndpointConfDetail)
		per := map[string]int{}
		for _, r := range br.huawei.Requests() {
			if r.Endpoint == meetingtest.EndpointControlToken {
				per[r.Query.Get("conferenceID")]++
			}
		}
		ctlMax = 0
		for i := range callMeetings {
			n := per[meetingID(i)]
			if n != 1 {
				b.Errorf("meeting %s: %d control-token fetches, want 1", meetingID(i), n)
			}
			ctlMax = max(ctlMax, n)
		}
		if auth != 1 {
			b.Errorf("log-ins (appauth) = %d, want 1", auth)
		}
		if b.Failed() {
			b.FailNow()
		}
		br.close()
	}
	b.ReportMetric(float64(auth), "auth-calls")
	b.ReportMetric(float64(ctlMax), "ctl-fetches/meeting")
	b.ReportMetric(float64(detail), "confdetail-calls")
	b.ReportMetric(ms(prompt.pct(0.5)), "prompt-p50-ms")
	b.ReportMetric(ms(prompt.pct(0.99)), "prompt-p99-ms")
}
