package meeting_test

import (
	"context"
	"fmt"
	"testing"

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
