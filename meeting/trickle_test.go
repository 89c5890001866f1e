package meeting_test

import (
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// TestStopIsDecidedOnTheStatusLine: Huawei's 200 to a stop is success,
// whatever follows it. A body that stalls after the status (here for a
// minute) must not turn the ended meeting into a failure, nor hold the call.
func TestStopIsDecidedOnTheStatusLine(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	// Without a read of the body, the policy's deadline never comes into it.
	c := newClient(t, srv, func(cfg *meeting.Config) { cfg.Retry.Deadline = time.Minute })
	mustPrepare(t, c, liveID)
	srv.ResetLog()
	srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Trickle: time.Minute})
	res, err := c.Stop(testCtx(t), liveID)
	if err != nil {
		t.Fatalf("Stop: got error %v, want success on the 200", err)
	}
	if want := lastRequestID(t, srv, meetingtest.EndpointStop); res.RequestID != want {
		t.Errorf("RequestID: got %q, want %q", res.RequestID, want)
	}
	wantCounts(t, srv, counts{meetingtest.EndpointStop: 1})
	if m, _ := srv.Meeting(liveID); m.State != meetingtest.StateEnded {
		t.Errorf("meeting state: got %v, want %v", m.State, meetingtest.StateEnded)
	}
}

// TestOtherAnswersAreReadWithinTheDeadline: calls whose body is their
// answer still read it, bounded by the call's deadline.
func TestOtherAnswersAreReadWithinTheDeadline(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	srv.InjectFault(meetingtest.EndpointConfDetail, 100, meetingtest.Fault{Trickle: time.Minute})
	start := time.Now()
	_, err := c.Prepare(testCtx(t), liveID)
	within(t, "Prepare", time.Since(start), fastRetry.Deadline+lateness)
	wantClass(t, err, meeting.ErrUnavailable)
	wantCounts(t, srv, counts{meetingtest.EndpointAppAuth: 1, meetingtest.EndpointConfDetail: 1})
}
