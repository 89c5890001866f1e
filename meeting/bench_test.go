package meeting_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// BenchmarkStopWarm measures the stop a click makes after the command's
// Prepare warmed the control token: it must be a single HTTP request.
func BenchmarkStopWarm(b *testing.B) {
	srv := newServer(b, meetingtest.Config{})
	c := newClient(b, srv, nil)
	ctx := context.Background()
	requests := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		id := meeting.ID(fmt.Sprintf("7%011d", i))
		addMeeting(srv, string(id), meetingtest.StateInProgress)
		if _, err := c.Prepare(ctx, id); err != nil {
			b.Fatalf("Prepare(%s): %v", id, err)
		}
		srv.ResetLog()
		b.StartTimer()

		if _, err := c.Stop(ctx, id); err != nil {
			b.Fatalf("Stop(%s): %v", id, err)
		}

		b.StopTimer()
		rs := srv.Requests()
		if len(rs) != 1 || rs[0].Endpoint != meetingtest.EndpointStop {
			b.Fatalf("Stop(%s): got %d requests %v, want exactly one stop", id, len(rs), endpoints(rs))
		}
		requests += len(rs)
		b.StartTimer()
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/stop")
}

func endpoints(rs []meetingtest.Request) []meetingtest.Endpoint {
	var out []meetingtest.Endpoint
	for _, r := range rs {
		out = append(out, r.Endpoint)
	}
	return out
}

// BenchmarkPrepareTyped measures the Huawei requests a typed ID costs to
// resolve and prepare, log-in aside: a conferenceID costs what Prepare does
// (details and control token), a room's ID one failed details call, one
// online-list request per page of 100 meetings up to the room's, then
// Prepare. The room's meeting is the last in the list.
func BenchmarkPrepareTyped(b *testing.B) {
	for _, bc := range []struct {
		name   string
		room   bool
		before int // meetings in progress listed before the room's
	}{
		{"conferenceID", false, 0},
		{"room ID, first page", true, 0},
		{"room ID, third page", true, 250},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := newServer(b, meetingtest.Config{})
			base := srv.Now().Add(time.Hour)
			for i := range bc.before {
				srv.AddMeeting(meetingtest.Meeting{ID: fmt.Sprintf("8%08d", i), State: meetingtest.StateInProgress,
					Start: base.Add(time.Duration(i) * time.Minute)})
			}
			c := newClient(b, srv, nil)
			ctx := context.Background()
			if err := c.Login(ctx); err != nil {
				b.Fatal(err)
			}
			requests, online := 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				id := fmt.Sprintf("7%011d", i)
				m := meetingtest.Meeting{ID: id, State: meetingtest.StateInProgress, ChairPassword: hostPassword,
					Start: base.Add(24 * time.Hour)}
				typed := meeting.ID(id)
				if bc.room {
					m.RoomID, typed = roomID, roomID
				}
				srv.AddMeeting(m)
				srv.ResetLog()
				b.StartTimer()

				conf, err := c.PrepareTyped(ctx, typed)

				b.StopTimer()
				if err != nil || conf.ID != meeting.ID(id) {
					b.Fatalf("PrepareTyped(%s): got %s, %v, want %s", typed, conf.ID, err, id)
				}
				requests += len(srv.Requests())
				online += srv.Count(meetingtest.EndpointOnline)
				srv.SetState(id, meetingtest.StateEnded) // the room is free again
				b.StartTimer()
			}
			b.ReportMetric(float64(requests)/float64(b.N), "requests/resolve")
			b.ReportMetric(float64(online)/float64(b.N), "online/resolve")
		})
	}
}
