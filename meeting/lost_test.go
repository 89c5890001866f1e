package meeting_test

import (
	"errors"
	"net/http"
	"sync"
	"testing"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// loseAnswers is a transport that lets the first n requests to path reach
// the server and then drops their answers, as a connection reset after
// Huawei acted would.
type loseAnswers struct {
	path string
	n    int

	mu   sync.Mutex
	lost int
}

func (l *loseAnswers) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || req.URL.Path != l.path {
		return resp, err
	}
	l.mu.Lock()
	lose := l.lost < l.n
	if lose {
		l.lost++
	}
	l.mu.Unlock()
	if !lose {
		return resp, nil
	}
	resp.Body.Close()
	return nil, errors.New("connection reset by peer")
}

// TestLostAnswers: the answer to a request Huawei acted on is lost; the
// retry must still succeed.
func TestLostAnswers(t *testing.T) {
	tests := []struct {
		name string
		path string
		ep   meetingtest.Endpoint
		edit func(*meeting.Config)
	}{
		{"App ID log-in", "/v2/usg/acs/auth/appauth", meetingtest.EndpointAppAuth, nil},
		{"account log-in", "/v1/usg/acs/auth/account", meetingtest.EndpointAccountAuth, accountAuth},
		{"details", "/v1/mmc/management/conferences/confDetail", meetingtest.EndpointConfDetail, nil},
		{"control token", "/v1/mmc/control/conferences/token", meetingtest.EndpointControlToken, nil},
		// The first stop ended the meeting: the retry's "already ended"
		// is the client's own doing, so success.
		{"stop", "/v1/mmc/control/conferences/stop", meetingtest.EndpointStop, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, func(cfg *meeting.Config) {
				if tt.edit != nil {
					tt.edit(cfg)
				}
				cfg.HTTPClient = &http.Client{Transport: &loseAnswers{path: tt.path, n: 1}}
			})
			mustPrepare(t, c, liveID)
			if _, err := c.Stop(testCtx(t), liveID); err != nil {
				t.Fatalf("Stop: got error %v, want none", err)
			}
			if got := srv.Count(tt.ep); got != 2 {
				t.Errorf("requests to %s: got %d, want 2", tt.ep, got)
			}
			if m, _ := srv.Meeting(liveID); m.State != meetingtest.StateEnded {
				t.Errorf("meeting state: got %v, want %v", m.State, meetingtest.StateEnded)
			}
		})
	}
}

// TestLostStopAnswerThenTokenRejected: the first stop ended the meeting but
// its answer was lost; Huawei then rejects the control token (as it may for
// an ended meeting), and the refetch finds the meeting closed. The stop was
// this call's own: success.
func TestLostStopAnswerThenTokenRejected(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, func(cfg *meeting.Config) {
		cfg.HTTPClient = &http.Client{Transport: &loseAnswers{path: "/v1/mmc/control/conferences/stop", n: 1}}
	})
	mustPrepare(t, c, liveID)
	srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{}) // the first stop is answered for real (then lost)
	srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Status: 401, Code: "MMC.118000001", Msg: "USER_TOKEN_AUTH_FAILED"})
	if _, err := c.Stop(testCtx(t), liveID); err != nil {
		t.Fatalf("Stop: got error %v, want success", err)
	}
	if m, _ := srv.Meeting(string(liveID)); m.State != meetingtest.StateEnded {
		t.Errorf("state = %v, want ended", m.State)
	}
}
