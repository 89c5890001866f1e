package meeting_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// TestErrorCodes maps each error code of docs/huawei-api.md (Errors) to
// its class, on a call where Huawei would send it. Final answers are asked
// once; server failures and throttling are retried until the deadline.
func TestErrorCodes(t *testing.T) {
	const (
		auth    = meetingtest.EndpointAppAuth
		account = meetingtest.EndpointAccountAuth
		details = meetingtest.EndpointConfDetail
		control = meetingtest.EndpointControlToken
		stop    = meetingtest.EndpointStop
	)
	tests := []struct {
		name     string
		ep       meetingtest.Endpoint
		status   int
		code     string
		msg      string
		want     error
		requests int // to ep; 0 for "retried: more than one"
	}{
		{"CONF_DATA_NOT_FOUND", details, 400, "MMC.111070005", "CONF_DATA_NOT_FOUND", meeting.ErrNotFound, 1},
		{"CONF_DATA_NOT_FOUND on stop", stop, 400, "MMC.111070005", "CONF_DATA_NOT_FOUND", meeting.ErrNotFound, 1},
		{"CONF_IS_CLOSED", stop, 400, "MMC.111072006", "CONF_IS_CLOSED", meeting.ErrAlreadyEnded, 1},
		{"CONF_IS_CLOSED on control token", control, 400, "MMC.111072006", "CONF_IS_CLOSED", meeting.ErrAlreadyEnded, 1},
		{"CONF_NOT_STARTED", control, 400, "MMC.111072005", "CONF_NOT_STARTED", meeting.ErrNotStarted, 1},
		{"CONF_NOT_FOUND_OR_AUTH_FAILED", control, 400, "MMC.111072065", "CONF_NOT_FOUND_OR_AUTH_FAILED", meeting.ErrNotFound, 1},
		{"CONF_CTR_LOGIN_LOCKED", control, 400, "MMC.111072064", "CONF_CTR_LOGIN_LOCKED", meeting.ErrLocked, 1},
		{"no permission on stop", stop, 403, "MMC.111070002", "", meeting.ErrNotPermitted, 1},
		{"no permission on details", details, 403, "MMC.111070002", "", meeting.ErrNotPermitted, 1},
		{"USER_TOKEN_AUTH_FAILED every time", details, 401, "MMC.118000001", "USER_TOKEN_AUTH_FAILED", meeting.ErrCredentials, 2},
		{"USER_TOKEN_AUTH_FAILED on control token", control, 401, "MMC.118000001", "USER_TOKEN_AUTH_FAILED", meeting.ErrNotPermitted, 1},
		{"USG on App ID log-in", auth, 401, "USG.000000003", "SIGNATURE_INVALID", meeting.ErrCredentials, 1},
		{"USG 400 on App ID log-in", auth, 400, "USG.000000001", "PARAM_INVALID", meeting.ErrCredentials, 1},
		{"USG 403 on App ID log-in", auth, 403, "USG.000000010", "", meeting.ErrCredentials, 1},
		{"account disabled", account, 412, "USG.000000011", "", meeting.ErrCredentials, 1},
		{"account locked", account, 423, "", "", meeting.ErrCredentials, 1},
		{"CONF_EXCEPTION", details, 500, "MMC.111070003", "CONF_EXCEPTION", meeting.ErrUnavailable, 0},
		{"CONF_EXCEPTION with 400", stop, 400, "MMC.111070003", "CONF_EXCEPTION", meeting.ErrUnavailable, 0},
		{"RESPONSE_TIME_OUT", control, 500, "MMC.111072049", "RESPONSE_TIME_OUT", meeting.ErrUnavailable, 0},
		{"RESPONSE_TIME_OUT with 400", stop, 400, "MMC.111072049", "RESPONSE_TIME_OUT", meeting.ErrUnavailable, 0},
		{"throttled", stop, 429, "APIG.0308", "", meeting.ErrThrottled, 0},
		{"throttled log-in", auth, 429, "APIG.0308", "", meeting.ErrThrottled, 0},
		{"server error on log-in", auth, 500, "", "", meeting.ErrUnavailable, 0},
		// An unknown code keeps its HTTP status's class.
		{"unknown 400", details, 400, "MMC.999999999", "SOMETHING_NEW", meeting.ErrUnexpected, 1},
		{"unknown 403", stop, 403, "MMC.999999999", "", meeting.ErrNotPermitted, 1},
		{"unknown 404", details, 404, "APIG.0101", "API_NOT_FOUND", meeting.ErrUnexpected, 1},
		{"unknown 503", stop, 503, "APIG.9999", "", meeting.ErrUnavailable, 0},
		{"unknown 409", control, 409, "MMC.999999999", "", meeting.ErrUnexpected, 1},
	}
	// The policy's deadline, not the context's, so that it bounds the
	// shared log-in and control-token calls too: they outlive their
	// callers' contexts.
	const deadline = 200 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, func(cfg *meeting.Config) {
				if tt.ep == account {
					accountAuth(cfg)
				}
				cfg.Retry.Deadline = deadline
			})
			if tt.ep == stop {
				mustPrepare(t, c, liveID)
			}
			srv.ResetLog()
			srv.InjectFault(tt.ep, 1000, meetingtest.Fault{Status: tt.status, Code: tt.code, Msg: tt.msg})
			var err error
			start := time.Now()
			if tt.ep == stop {
				_, err = c.Stop(context.Background(), liveID)
			} else {
				_, err = c.Prepare(context.Background(), liveID)
			}
			within(t, "the call", time.Since(start), deadline+lateness)
			e := wantClass(t, err, tt.want)
			if e.Status != tt.status || e.Code != tt.code || e.Msg != tt.msg {
				t.Errorf("error: got status %d code %q msg %q, want %d %q %q", e.Status, e.Code, e.Msg, tt.status, tt.code, tt.msg)
			}
			wantRequestID(t, srv, tt.ep, e.RequestID, tt.requests == 0)
			if got := meeting.RequestID(err); got != e.RequestID {
				t.Errorf("RequestID(err): got %q, want %q", got, e.RequestID)
			}
			n := srv.Count(tt.ep)
			switch {
			case tt.requests == 0 && n < 2:
				t.Errorf("requests to %s: got %d, want retries", tt.ep, n)
			case tt.requests != 0 && n != tt.requests:
				t.Errorf("requests to %s: got %d, want %d", tt.ep, n, tt.requests)
			}
			// A control-token or log-in failure stops the call there.
			if tt.ep == control || tt.ep == auth || tt.ep == account {
				if got := srv.Count(stop); got != 0 {
					t.Errorf("stop requests after a failed %s: got %d, want 0", tt.ep, got)
				}
			}
		})
	}
}

func TestStateErrors(t *testing.T) {
	tests := []struct {
		name    string
		id      meeting.ID
		user    string
		want    error
		wantReq counts
	}{
		{"scheduled", scheduledID, "", meeting.ErrNotStarted, counts{meetingtest.EndpointConfDetail: 1}},
		{"ended", endedID, "", meeting.ErrNotFound, counts{meetingtest.EndpointConfDetail: 1}},
		{"does not exist", "123456789", "", meeting.ErrNotFound, counts{meetingtest.EndpointConfDetail: 1}},
		{"guest", liveID, "bob", meeting.ErrNotPermitted, counts{meetingtest.EndpointConfDetail: 1}},
		{"stranger", liveID, "carol", meeting.ErrNotFound, counts{meetingtest.EndpointConfDetail: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, func(cfg *meeting.Config) { cfg.UserID = tt.user })
			conf, err := c.Prepare(testCtx(t), tt.id)
			e := wantClass(t, err, tt.want)
			want := lastRequestID(t, srv, meetingtest.EndpointConfDetail)
			if e.RequestID != want {
				t.Errorf("error RequestID: got %q, want %q", e.RequestID, want)
			}
			tt.wantReq[meetingtest.EndpointAppAuth] = 1
			wantCounts(t, srv, tt.wantReq)
			// Details read before the refusal come with it.
			if errors.Is(err, meeting.ErrNotStarted) || errors.Is(err, meeting.ErrNotPermitted) {
				if conf.ID != tt.id || conf.CanControl() != (tt.user == "") {
					t.Errorf("details: got ID %q CanControl %v, want %q %v", conf.ID, conf.CanControl(), tt.id, tt.user == "")
				}
			}
		})
	}
}

func TestStopEnded(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	mustPrepare(t, c, liveID)
	srv.SetState(liveID, meetingtest.StateEnded) // ended by someone else
	srv.ResetLog()

	_, err := c.Stop(testCtx(t), liveID)
	e := wantClass(t, err, meeting.ErrAlreadyEnded)
	if e.Code != "MMC.111072006" {
		t.Errorf("error code: got %q, want MMC.111072006", e.Code)
	}
	wantCounts(t, srv, counts{meetingtest.EndpointStop: 1})

	// The token of an ended meeting is forgotten; the details then say
	// the meeting is gone.
	srv.ResetLog()
	_, err = c.Stop(testCtx(t), liveID)
	wantClass(t, err, meeting.ErrNotFound)
	wantCounts(t, srv, counts{meetingtest.EndpointConfDetail: 1})
}

func TestStopCold(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	res, err := c.Stop(testCtx(t), liveID)
	if err != nil {
		t.Fatalf("Stop: got error %v, want none", err)
	}
	if want := lastRequestID(t, srv, meetingtest.EndpointStop); res.RequestID != want {
		t.Errorf("RequestID: got %q, want %q", res.RequestID, want)
	}
	wantCounts(t, srv, counts{
		meetingtest.EndpointAppAuth: 1, meetingtest.EndpointConfDetail: 1,
		meetingtest.EndpointControlToken: 1, meetingtest.EndpointStop: 1,
	})
	if m, _ := srv.Meeting(liveID); m.State != meetingtest.StateEnded {
		t.Errorf("meeting state: got %v, want %v", m.State, meetingtest.StateEnded)
	}

	// A second stop finds nothing to stop.
	_, err = c.Stop(testCtx(t), liveID)
	wantClass(t, err, meeting.ErrNotFound)
}

func TestStopNotStarted(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	_, err := c.Stop(testCtx(t), scheduledID)
	wantClass(t, err, meeting.ErrNotStarted)
	wantCounts(t, srv, counts{meetingtest.EndpointAppAuth: 1, meetingtest.EndpointConfDetail: 1})
}

func TestPrepareDetails(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	start := time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC)
	srv.AddMeeting(meetingtest.Meeting{
		ID: "777000111", Subject: "Design review", State: meetingtest.StateInProgress,
		Start: start, End: start.Add(90 * time.Minute), ChairPassword: hostPassword, GuestPassword: guestPassword,
	})
	c := newClient(t, srv, nil)
	conf := mustPrepare(t, c, "777000111")
	if conf.ID != "777000111" || conf.Subject != "Design review" || conf.State != meeting.StateInProgress ||
		!conf.Start.Equal(start) || !conf.End.Equal(start.Add(90*time.Minute)) || !conf.CanControl() {
		t.Errorf("Prepare: got %+v, want the meeting's details", conf)
	}
	if want := lastRequestID(t, srv, meetingtest.EndpointConfDetail); conf.RequestID != want {
		t.Errorf("RequestID: got %q, want %q", conf.RequestID, want)
	}
	if got := requestsTo(srv, meetingtest.EndpointControlToken)[0].Header.Get("X-Password"); got != hostPassword {
		t.Errorf("control token fetched with %q, want the host password", got)
	}
}

func TestRequestID(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	srv.InjectFault(meetingtest.EndpointConfDetail, 1, meetingtest.Fault{Status: 400, Code: "MMC.111070005", Msg: "CONF_DATA_NOT_FOUND"})
	_, err := c.Meeting(testCtx(t), liveID)
	want := lastRequestID(t, srv, meetingtest.EndpointConfDetail)
	if want == "" {
		t.Fatalf("the fake sent no X-Request-Id")
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"error", err, want},
		{"wrapped", fmt.Errorf("ending the meeting: %w", err), want},
		{"joined", errors.Join(errors.New("other"), err), want},
		{"nil", nil, ""},
		{"not Huawei's", errors.New("boom"), ""},
		{"invalid ID", func() error { _, err := meeting.ParseID("x"); return err }(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := meeting.RequestID(tt.err); got != tt.want {
				t.Errorf("RequestID: got %q, want %q", got, tt.want)
			}
		})
	}
	e := wantClass(t, err, meeting.ErrNotFound)
	if e.Op != "confDetail" || e.Status != 400 || e.Code != "MMC.111070005" || e.Msg != "CONF_DATA_NOT_FOUND" {
		t.Errorf("error fields: got %+v, want op confDetail, 400, MMC.111070005, CONF_DATA_NOT_FOUND", *e)
	}
	if msg := err.Error(); msg != fmt.Sprintf("huawei confDetail: meeting not found (status 400, MMC.111070005 CONF_DATA_NOT_FOUND, request %s)", want) {
		t.Errorf("Error(): got %q", msg)
	}
}

// TestRequestIDSanitised: a hostile X-Request-Id is cut and cleaned before it
// reaches an error or a log.
func TestRequestIDSanitised(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	// The fake's own X-Request-Id comes first; a second one does not replace
	// it, so the fault sets a hostile error body's request_id instead.
	srv.InjectFault(meetingtest.EndpointConfDetail, 1, meetingtest.Fault{
		Status: 400, ContentType: "application/json",
		Body: `{"error_code":"MMC.111070005\n","error_msg":"X\u001b[2J","request_id":"abc"}`,
	})
	_, err := c.Meeting(testCtx(t), liveID)
	e := wantClass(t, err, meeting.ErrNotFound)
	if e.Code != "MMC.111070005" || e.Msg != "X[2J" {
		t.Errorf("error: got code %q msg %q, want control characters dropped", e.Code, e.Msg)
	}
}
