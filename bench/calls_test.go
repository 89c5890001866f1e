//go:build linux

package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"meetingbot/bot/slacktest"
	"meetingbot/handlers"
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

// The load of BenchmarkHuaweiRoomCalls: roomMeetings meetings in progress,
// roomEach commands of each kind of ID. The meetings typed by their
// conferenceID are 0..roomEach-1; those typed by their room's ID are held in
// rooms at the places roomFirstPage+k (on the online list's first page of
// 100) and roomSecondPage+k (on its second). The list is sorted by start
// time, then by conferenceID, and every meeting starts at the same minute,
// so meeting i is at place i.
const (
	roomMeetings   = 250
	roomEach       = 20
	roomFirstPage  = 40
	roomSecondPage = 140
	roomPage       = 100 // meeting.roomPageSize
	roomWarm       = roomMeetings - 1
)

// noRoomID is the k-th ID typed that is neither a conferenceID nor a room's.
func noRoomID(k int) string { return fmt.Sprintf("69%08d", k) }

// roomKind is one kind of ID typed, with the Huawei requests its command
// must make, no more and no fewer.
type roomKind struct {
	name   string
	id     func(k int) string // the ID typed
	stop   func(k int) string // the conferenceID its click stops; nil: no prompt
	want   map[meetingtest.Endpoint]int
	prompt durations // command to reply, over every run
}

// BenchmarkHuaweiRoomCalls counts the Huawei requests of a command for
// each kind of meeting ID (issue 12), on a program logged in already, one
// command at a time: a conferenceID (its details and a control token), the
// ID of a cloud meeting room whose meeting is on the online list's first
// page (the ID first tried as a conferenceID, then one online-list request,
// then the details of the meeting found and a control token), a room on
// the second page (one more online-list request), and an ID that is
// neither (the details tried, then every page of the list). Each count
// must be exact, and each click on the prompts must make exactly one
// request, the stop of the meeting's conferenceID.
func BenchmarkHuaweiRoomCalls(b *testing.B) {
	pages := (roomMeetings + roomPage - 1) / roomPage
	kinds := []*roomKind{
		{name: "id", id: func(k int) string { return meetingID(k) }, stop: func(k int) string { return meetingID(k) },
			want: map[meetingtest.Endpoint]int{meetingtest.EndpointConfDetail: 1, meetingtest.EndpointControlToken: 1}},
		{name: "room1", id: func(k int) string { return roomID(roomFirstPage + k) }, stop: func(k int) string { return meetingID(roomFirstPage + k) },
			want: map[meetingtest.Endpoint]int{meetingtest.EndpointConfDetail: 2, meetingtest.EndpointOnline: 1, meetingtest.EndpointControlToken: 1}},
		{name: "room2", id: func(k int) string { return roomID(roomSecondPage + k) }, stop: func(k int) string { return meetingID(roomSecondPage + k) },
			want: map[meetingtest.Endpoint]int{meetingtest.EndpointConfDetail: 2, meetingtest.EndpointOnline: 2, meetingtest.EndpointControlToken: 1}},
		{name: "noroom", id: noRoomID,
			want: map[meetingtest.Endpoint]int{meetingtest.EndpointConfDetail: 1, meetingtest.EndpointOnline: pages}},
	}
	var rooms []int
	for k := range roomEach {
		rooms = append(rooms, roomFirstPage+k, roomSecondPage+k)
	}
	for range b.N {
		br := startBot(b, botOpts{meetings: roomMeetings, rooms: rooms})
		ctx := ctxFor(b)
		if _, err := br.prompt(ctx, admin, meetingID(roomWarm)); err != nil { // log in
			b.Fatal(err)
		}
		type pending struct {
			prompt json.RawMessage
			stop   string
		}
		var prompts []pending
		for k := range roomEach {
			for _, kd := range kinds {
				before := len(br.huawei.Requests())
				env, err := br.slack.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: channel, UserID: admin, Text: kd.id(k)})
				if err != nil {
					b.Fatal(err)
				}
				p, err := br.slack.WaitResponsePosts(ctx, env.ResponseURL, 1)
				if err != nil {
					b.Fatalf("%s %s: %v", kd.name, kd.id(k), err)
				}
				switch {
				case kd.stop != nil && p[0].Blocks == nil:
					b.Fatalf("%s %s: reply %q, want a prompt", kd.name, kd.id(k), p[0].Text)
				case kd.stop == nil && !strings.Contains(p[0].Text, "was not found"):
					b.Fatalf("%s %s: reply %q, want not found", kd.name, kd.id(k), p[0].Text)
				}
				kd.prompt = append(kd.prompt, p[0].At.Sub(env.SentAt))
				got := map[meetingtest.Endpoint]int{}
				for _, r := range br.huawei.Requests()[before:] {
					got[r.Endpoint]++
				}
				if !maps.Equal(got, kd.want) {
					b.Fatalf("%s %s: Huawei requests %v, want %v", kd.name, kd.id(k), got, kd.want)
				}
				if kd.stop != nil {
					prompts = append(prompts, pending{p[0].Blocks, kd.stop(k)})
				}
			}
		}
		// The clicks come after every command: a meeting ended moves those
		// after it a place back on the list.
		for i, pd := range prompts {
			before := len(br.huawei.Requests())
			_, p, err := br.click(ctx, admin, handlers.ActionEnd, pd.prompt, 2)
			if err != nil {
				b.Fatal(err)
			}
			if !strings.Contains(p[1].Text, "has ended") {
				b.Fatalf("meeting %s: result %q", pd.stop, p[1].Text)
			}
			if _, err := br.slack.WaitMessages(ctx, i+1); err != nil {
				b.Fatal(err)
			}
			after := br.huawei.Requests()[before:]
			if len(after) != 1 || after[0].Endpoint != meetingtest.EndpointStop || after[0].Query.Get("conferenceID") != pd.stop {
				b.Fatalf("click %d: Huawei requests %v, want exactly one stop of %s", i, endpoints(after), pd.stop)
			}
		}
		br.close()
	}
	for _, kd := range kinds {
		n := 0
		for _, c := range kd.want {
			n += c
		}
		b.ReportMetric(float64(n), "huawei-req/cmd-"+kd.name) // any other count is a b.Fatal above
		b.ReportMetric(float64(kd.want[meetingtest.EndpointOnline]), "online-req/cmd-"+kd.name)
		b.ReportMetric(ms(kd.prompt.pct(0.5)), "reply-"+kd.name+"-p50-ms")
		b.ReportMetric(ms(kd.prompt.max()), "reply-"+kd.name+"-max-ms")
	}
	b.ReportMetric(1, "huawei-req/click") // likewise
}
