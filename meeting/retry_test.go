package meeting_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

func TestServerErrorThenSuccess(t *testing.T) {
	tests := []struct {
		name  string
		ep    meetingtest.Endpoint
		fault meetingtest.Fault
	}{
		{"500 on stop", meetingtest.EndpointStop, meetingtest.Fault{Status: 500}},
		{"502 HTML on stop", meetingtest.EndpointStop, meetingtest.Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>", ContentType: "text/html"}},
		{"503 empty on confDetail", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 503}},
		{"500 CONF_EXCEPTION on control token", meetingtest.EndpointControlToken, meetingtest.Fault{Status: 500, Code: "MMC.111070003", Msg: "CONF_EXCEPTION"}},
		{"504 RESPONSE_TIME_OUT on log-in", meetingtest.EndpointAppAuth, meetingtest.Fault{Status: 504, Code: "MMC.111072049", Msg: "RESPONSE_TIME_OUT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			if tt.ep == meetingtest.EndpointStop {
				mustPrepare(t, c, liveID)
			}
			srv.InjectFault(tt.ep, 2, tt.fault)
			var err error
			if tt.ep == meetingtest.EndpointStop {
				_, err = c.Stop(testCtx(t), liveID)
			} else {
				_, err = c.Prepare(testCtx(t), liveID)
			}
			if err != nil {
				t.Fatalf("got error %v, want none after two failures", err)
			}
			if got := srv.Count(tt.ep); got != 3 {
				t.Errorf("requests to %s: got %d, want 3", tt.ep, got)
			}
		})
	}
}

// TestAmbiguousStop: a stop whose answer was lost (a server error) may have
// ended the meeting; "already ended" on the retry is then success.
func TestAmbiguousStop(t *testing.T) {
	tests := []struct {
		name    string
		first   *meetingtest.Fault
		wantErr error
	}{
		{"closed after a server error", &meetingtest.Fault{Status: 500}, nil},
		{"closed after throttling", &meetingtest.Fault{Status: 429, Code: "APIG.0308"}, meeting.ErrAlreadyEnded},
		{"closed at the first try", nil, meeting.ErrAlreadyEnded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			mustPrepare(t, c, liveID)
			srv.ResetLog()
			if tt.first != nil {
				srv.InjectFault(meetingtest.EndpointStop, 1, *tt.first)
			}
			srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Status: 400, Code: "MMC.111072006", Msg: "CONF_IS_CLOSED"})
			res, err := c.Stop(testCtx(t), liveID)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Stop: got error %v, want none", err)
				}
				if want := lastRequestID(t, srv, meetingtest.EndpointStop); res.RequestID != want {
					t.Errorf("RequestID: got %q, want %q", res.RequestID, want)
				}
			} else {
				wantClass(t, err, tt.wantErr)
			}
			want := 1
			if tt.first != nil {
				want = 2
			}
			wantCounts(t, srv, counts{meetingtest.EndpointStop: want})
		})
	}
}

func TestServerErrorsUntilDeadline(t *testing.T) {
	tests := []struct {
		name     string
		ctx      time.Duration // the caller's deadline; 0 for none
		policy   time.Duration // Config.Retry.Deadline
		deadline time.Duration // the one that applies
	}{
		{"context deadline", 300 * time.Millisecond, 5 * time.Second, 300 * time.Millisecond},
		{"policy deadline", 0, 400 * time.Millisecond, 400 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, func(cfg *meeting.Config) { cfg.Retry.Deadline = tt.policy })
			mustPrepare(t, c, liveID)
			srv.ResetLog()
			srv.InjectFault(meetingtest.EndpointStop, 1000, meetingtest.Fault{Status: 500, Code: "MMC.111070003", Msg: "CONF_EXCEPTION"})
			ctx := context.Background()
			if tt.ctx > 0 {
				ctx = timeout(t, tt.ctx)
			}
			start := time.Now()
			_, err := c.Stop(ctx, liveID)
			elapsed := time.Since(start)
			e := wantClass(t, err, meeting.ErrUnavailable)
			if e.Status != 500 || e.Code != "MMC.111070003" {
				t.Errorf("error: got status %d code %q, want the last failure: 500 MMC.111070003", e.Status, e.Code)
			}
			within(t, "Stop", elapsed, tt.deadline+lateness)
			if n := srv.Count(meetingtest.EndpointStop); n < 3 {
				t.Errorf("stop requests: got %d, want at least 3 (retried with backoff)", n)
			}
			checkBackoff(t, requestsTo(srv, meetingtest.EndpointStop), fastRetry.Base/2)
		})
	}
}

// checkBackoff fails the test if two consecutive requests are closer than
// least.
func checkBackoff(t *testing.T, rs []meetingtest.Request, least time.Duration) {
	t.Helper()
	for i := 1; i < len(rs); i++ {
		if gap := rs[i].At.Sub(rs[i-1].At); gap < least {
			t.Errorf("requests %d and %d: %v apart, want at least %v", i-1, i, gap, least)
		}
	}
}

func TestHang(t *testing.T) {
	const deadline = 300 * time.Millisecond
	tests := []struct {
		name string
		ep   meetingtest.Endpoint
	}{
		{"log-in", meetingtest.EndpointAppAuth},
		{"details", meetingtest.EndpointConfDetail},
		{"control token", meetingtest.EndpointControlToken},
		{"stop", meetingtest.EndpointStop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			if tt.ep == meetingtest.EndpointStop {
				mustPrepare(t, c, liveID)
			}
			srv.InjectFault(tt.ep, 1, meetingtest.Fault{Hang: true})
			ctx := timeout(t, deadline)
			start := time.Now()
			var err error
			if tt.ep == meetingtest.EndpointStop {
				_, err = c.Stop(ctx, liveID)
			} else {
				_, err = c.Prepare(ctx, liveID)
			}
			within(t, "the call", time.Since(start), deadline+lateness)
			wantClass(t, err, meeting.ErrUnavailable)
			if tt.ep == meetingtest.EndpointStop {
				if m, _ := srv.Meeting(liveID); m.State != meetingtest.StateInProgress {
					t.Errorf("meeting state: got %v, want still in progress", m.State)
				}
			}
		})
	}
}

// TestHangWithoutContextDeadline: the policy's deadline bounds a call whose
// context has none.
func TestHangWithoutContextDeadline(t *testing.T) {
	const deadline = 300 * time.Millisecond
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, func(cfg *meeting.Config) { cfg.Retry.Deadline = deadline })
	mustPrepare(t, c, liveID)
	srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Hang: true})
	start := time.Now()
	_, err := c.Stop(context.Background(), liveID)
	within(t, "Stop", time.Since(start), deadline+lateness)
	wantClass(t, err, meeting.ErrUnavailable)
}

// TestCancelledIsNotHuawei: a caller who cancels gets its own error, not a
// Huawei failure.
func TestCancelledIsNotHuawei(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	mustPrepare(t, c, liveID)
	srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Stop(ctx, liveID)
	within(t, "Stop", time.Since(start), 50*time.Millisecond+lateness)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
}

func TestThrottled(t *testing.T) {
	throttled := meetingtest.Fault{Status: 429, Code: "APIG.0308", Msg: "The throttling threshold has been reached"}
	tests := []struct {
		name      string
		faults    int
		fault     meetingtest.Fault
		wantErr   error
		wantStops int // exact; 0 means "more than 2"
		least     time.Duration
	}{
		{"clears", 2, throttled, nil, 3, fastRetry.Throttle},
		{"until the deadline", 1000, throttled, meeting.ErrThrottled, 0, fastRetry.Throttle},
		{"bare 429", 2, meetingtest.Fault{Status: 429}, nil, 3, fastRetry.Throttle},
		{"Retry-After past the deadline", 1000, meetingtest.Fault{Status: 429, Code: "APIG.0308", Header: http.Header{"Retry-After": {"5"}}}, meeting.ErrThrottled, 1, 0},
	}
	const deadline = 400 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			mustPrepare(t, c, liveID)
			srv.ResetLog()
			srv.InjectFault(meetingtest.EndpointStop, tt.faults, tt.fault)
			start := time.Now()
			_, err := c.Stop(timeout(t, deadline), liveID)
			elapsed := time.Since(start)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Stop: got error %v, want none", err)
				}
			} else {
				e := wantClass(t, err, tt.wantErr)
				if e.Status != 429 {
					t.Errorf("error status: got %d, want 429", e.Status)
				}
			}
			within(t, "Stop", elapsed, deadline+lateness)
			n := srv.Count(meetingtest.EndpointStop)
			switch {
			case tt.wantStops == 0 && n <= 2:
				t.Errorf("stop requests: got %d, want more than 2", n)
			case tt.wantStops != 0 && n != tt.wantStops:
				t.Errorf("stop requests: got %d, want %d", n, tt.wantStops)
			}
			checkBackoff(t, requestsTo(srv, meetingtest.EndpointStop), tt.least)
		})
	}
}

func TestOddBodies(t *testing.T) {
	html := "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>\x00\x1b[31m</body></html>"
	huge := strings.Repeat("x", 300<<10)
	hugeJSON := `{"error_code":"MMC.111070005","error_msg":"` + strings.Repeat("A", 300<<10) + `"}`
	bigJSON := `{"error_code":"MMC.111070005","error_msg":"\u0007\u2028\u001b[31m` + strings.Repeat("A", 100<<10) + `"}`
	tests := []struct {
		name    string
		ep      meetingtest.Endpoint
		fault   meetingtest.Fault
		wantErr error
		once    bool // not retried
	}{
		{"HTML 400", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 400, Body: html, ContentType: "text/html"}, meeting.ErrUnexpected, true},
		{"HTML 403", meetingtest.EndpointStop, meetingtest.Fault{Status: 403, Body: html, ContentType: "text/html"}, meeting.ErrNotPermitted, true},
		{"HTML 502", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 502, Body: html, ContentType: "text/html"}, meeting.ErrUnavailable, false},
		{"HTML 200", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 200, Body: html, ContentType: "text/html"}, meeting.ErrUnexpected, true},
		{"HTML 200 on control token", meetingtest.EndpointControlToken, meetingtest.Fault{Status: 200, Body: html, ContentType: "text/html"}, meeting.ErrUnexpected, true},
		{"HTML 200 on log-in", meetingtest.EndpointAppAuth, meetingtest.Fault{Status: 200, Body: html, ContentType: "text/html"}, meeting.ErrUnexpected, true},
		{"empty 400", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 400}, meeting.ErrUnexpected, true},
		{"empty 404", meetingtest.EndpointStop, meetingtest.Fault{Status: 404}, meeting.ErrUnexpected, true},
		{"empty 500", meetingtest.EndpointStop, meetingtest.Fault{Status: 500}, meeting.ErrUnavailable, false},
		{"empty 200 on details", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 200}, meeting.ErrUnexpected, true},
		{"empty 200 on control token", meetingtest.EndpointControlToken, meetingtest.Fault{Status: 200}, meeting.ErrUnexpected, true},
		{"JSON null 200 on details", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 200, Body: "null", ContentType: "application/json"}, meeting.ErrUnexpected, true},
		{"another meeting's details", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 200, Body: `{"conferenceData":{"conferenceID":"111111111","conferenceState":"Created"}}`, ContentType: "application/json"}, meeting.ErrUnexpected, true},
		{"guest control token", meetingtest.EndpointControlToken, meetingtest.Fault{Status: 200, Body: `{"data":{"token":"stbGUEST","role":0,"confTokenExpireTime":1800}}`, ContentType: "application/json"}, meeting.ErrNotPermitted, true},
		{"huge 200", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 200, Body: huge}, meeting.ErrUnexpected, true},
		{"huge 400", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 400, Body: huge}, meeting.ErrUnexpected, true},
		{"huge JSON 400", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 400, Body: hugeJSON, ContentType: "application/json"}, meeting.ErrUnexpected, true},
		{"big JSON 400", meetingtest.EndpointConfDetail, meetingtest.Fault{Status: 400, Body: bigJSON, ContentType: "application/json"}, meeting.ErrNotFound, true},
		{"huge 500", meetingtest.EndpointStop, meetingtest.Fault{Status: 500, Body: huge}, meeting.ErrUnavailable, false},
	}
	const deadline = 250 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			if tt.ep == meetingtest.EndpointStop {
				mustPrepare(t, c, liveID)
			}
			srv.InjectFault(tt.ep, 1000, tt.fault)
			var err error
			start := time.Now()
			if tt.ep == meetingtest.EndpointStop {
				_, err = c.Stop(timeout(t, deadline), liveID)
			} else {
				_, err = c.Prepare(timeout(t, deadline), liveID)
			}
			within(t, "the call", time.Since(start), deadline+lateness)
			e := wantClass(t, err, tt.wantErr)
			if e.Status != tt.fault.Status {
				t.Errorf("error status: got %d, want %d", e.Status, tt.fault.Status)
			}
			wantRequestID(t, srv, tt.ep, e.RequestID, !tt.once)
			n := srv.Count(tt.ep)
			if tt.once && n != 1 {
				t.Errorf("requests to %s: got %d, want 1", tt.ep, n)
			}
			if !tt.once && n < 2 {
				t.Errorf("requests to %s: got %d, want retries", tt.ep, n)
			}
			// Nothing of the body reaches the error: it may be anything.
			msg := err.Error()
			if len(msg) > 300 || strings.ContainsAny(msg, "\x00\x07\x1b\u2028") || strings.Contains(msg, "Bad Gateway") ||
				strings.Contains(msg, "xxxxxxxx") || strings.Contains(msg, strings.Repeat("A", 61)) {
				t.Errorf("error message: got %d bytes %.200q, want a short clean line", len(msg), msg)
			}
		})
	}
}

// TestDeadlineKeepsLastAnswer: when the deadline cuts a retry short, the
// error is Huawei's last answer, with its status, code and request ID, not
// a bare timeout.
func TestDeadlineKeepsLastAnswer(t *testing.T) {
	const deadline = 300 * time.Millisecond
	tests := []struct {
		name       string
		first      *meetingtest.Fault
		want       error
		wantStatus int
		wantCode   string
	}{
		{"throttled, then a hang", &meetingtest.Fault{Status: 429, Code: "APIG.0308"}, meeting.ErrThrottled, 429, "APIG.0308"},
		{"server error, then a hang", &meetingtest.Fault{Status: 503, Code: "MMC.111072049"}, meeting.ErrUnavailable, 503, "MMC.111072049"},
		{"a hang only", nil, meeting.ErrUnavailable, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			mustPrepare(t, c, liveID)
			srv.ResetLog()
			if tt.first != nil {
				srv.InjectFault(meetingtest.EndpointStop, 1, *tt.first)
			}
			srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Hang: true})
			start := time.Now()
			_, err := c.Stop(timeout(t, deadline), liveID)
			within(t, "Stop", time.Since(start), deadline+lateness)
			e := wantClass(t, err, tt.want)
			if e.Status != tt.wantStatus || e.Code != tt.wantCode {
				t.Errorf("error: got status %d code %q, want %d %q", e.Status, e.Code, tt.wantStatus, tt.wantCode)
			}
			if tt.first != nil {
				if want := requestsTo(srv, meetingtest.EndpointStop)[0].RequestID; e.RequestID != want {
					t.Errorf("error RequestID: got %q, want the answered try's %q", e.RequestID, want)
				}
			}
		})
	}
}

// TestHugeSuccessOnStop: a 200 on stop means the meeting ended, whatever
// body comes with it; the body is not read.
func TestHugeSuccessOnStop(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	mustPrepare(t, c, liveID)
	srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Status: 200, Body: strings.Repeat("x", 300<<10)})
	if _, err := c.Stop(timeout(t, 2*time.Second), liveID); err != nil {
		t.Errorf("Stop = %v, want success", err)
	}
}
