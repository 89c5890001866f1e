package meeting_test

import (
	"net/http"
	"testing"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// bobsMtg is in progress, created by bob.
const bobsMtg = "918000001"

func TestCancel(t *testing.T) {
	tests := []struct {
		name    string
		user    string
		id      meeting.ID
		fault   func(*meetingtest.Server)
		lose    int // answers to CancelMeeting the transport drops
		wantErr error
		faked   bool // a fault answered for the fake, which kept the meeting
		// requests Huawei gets
		appauth, cancel int
	}{
		{name: "administrator, in progress", id: liveID, appauth: 1, cancel: 1},
		{name: "administrator, scheduled", id: scheduledID, appauth: 1, cancel: 1},
		{name: "administrator, someone else's", id: bobsMtg, appauth: 1, cancel: 1},
		{name: "creator", user: "bob", id: bobsMtg, appauth: 1, cancel: 1},
		{name: "invitee", user: "bob", id: liveID, wantErr: meeting.ErrNotPermitted, appauth: 1, cancel: 1},
		{name: "stranger", user: "carol", id: liveID, wantErr: meeting.ErrNotPermitted, appauth: 1, cancel: 1},
		{name: "ended", id: endedID, wantErr: meeting.ErrNotFound, appauth: 1, cancel: 1},
		{name: "unknown", id: "123456789", wantErr: meeting.ErrNotFound, appauth: 1, cancel: 1},
		{name: "room ID", id: roomID, wantErr: meeting.ErrNotFound, appauth: 1, cancel: 1},
		// The fake refuses a recurring meeting with a code no source gives.
		{name: "recurring", id: "917000001", wantErr: meeting.ErrUnexpected, appauth: 1, cancel: 1},
		{name: "access token rejected once", id: liveID, appauth: 2, cancel: 2,
			fault: func(s *meetingtest.Server) {
				s.InjectFault(meetingtest.EndpointCancel, 1, meetingtest.Fault{Status: 401, Code: "MMC.118000001"})
			}},
		{name: "access token rejected twice", id: liveID, wantErr: meeting.ErrCredentials, appauth: 2, cancel: 2,
			fault: func(s *meetingtest.Server) {
				s.InjectFault(meetingtest.EndpointCancel, 2, meetingtest.Fault{Status: 401, Code: "MMC.118000001"})
			}},
		{name: "403 without a code", id: liveID, wantErr: meeting.ErrNotPermitted, appauth: 1, cancel: 1,
			fault: func(s *meetingtest.Server) {
				s.InjectFault(meetingtest.EndpointCancel, 1, meetingtest.Fault{Status: 403, Body: "<html>Forbidden</html>"})
			}},
		{name: "server error, then success", id: liveID, appauth: 1, cancel: 2,
			fault: func(s *meetingtest.Server) {
				s.InjectFault(meetingtest.EndpointCancel, 1, meetingtest.Fault{Status: 500, Code: "MMC.111070003"})
			}},
		{name: "200 with a body", id: liveID, faked: true, appauth: 1, cancel: 1,
			fault: func(s *meetingtest.Server) {
				s.InjectFault(meetingtest.EndpointCancel, 1, meetingtest.Fault{Status: 200, Body: "not json"})
			}},
		// The first try cancelled the meeting, but its answer was lost: the
		// retry's not found is this call's own doing.
		{name: "answer lost", id: liveID, lose: 1, appauth: 1, cancel: 2},
		{name: "answer lost, then the token rejected", id: liveID, lose: 1, appauth: 2, cancel: 3,
			fault: func(s *meetingtest.Server) {
				s.InjectFault(meetingtest.EndpointCancel, 1, meetingtest.Fault{})
				s.InjectFault(meetingtest.EndpointCancel, 1, meetingtest.Fault{Status: 401, Code: "MMC.118000001"})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			addRooms(srv)
			srv.AddMeeting(meetingtest.Meeting{ID: bobsMtg, State: meetingtest.StateInProgress, Scheduler: "bob",
				ChairPassword: hostPassword, Invitees: []string{"carol"}})
			srv.AddMeeting(meetingtest.Meeting{ID: "917000001", State: meetingtest.StateInProgress, ChairPassword: hostPassword, Recurring: true})
			if tt.fault != nil {
				tt.fault(srv)
			}
			c := newClient(t, srv, func(cfg *meeting.Config) {
				cfg.UserID = tt.user
				if tt.lose > 0 {
					cfg.HTTPClient = &http.Client{Transport: &loseAnswers{path: "/v1/mmc/management/conferences", n: tt.lose}}
				}
			})
			_, existed := srv.Meeting(string(tt.id))
			res, err := c.Cancel(testCtx(t), tt.id)
			_, exists := srv.Meeting(string(tt.id))
			if tt.wantErr != nil {
				wantClass(t, err, tt.wantErr)
				if exists != existed {
					t.Errorf("meeting %s: exists %v after a failed cancel, want %v", tt.id, exists, existed)
				}
			} else {
				if err != nil {
					t.Fatalf("Cancel(%s): got error %v, want none", tt.id, err)
				}
				if exists != tt.faked {
					t.Errorf("meeting %s: exists %v after the cancel, want %v", tt.id, exists, tt.faked)
				}
				wantRequestID(t, srv, meetingtest.EndpointCancel, res.RequestID, false)
			}
			if got := srv.Count(meetingtest.EndpointAppAuth); got != tt.appauth {
				t.Errorf("log-ins: got %d, want %d", got, tt.appauth)
			}
			if got := len(srv.Requests()) - srv.Count(meetingtest.EndpointAppAuth); got != tt.cancel || srv.Count(meetingtest.EndpointCancel) != tt.cancel {
				t.Errorf("requests: got %d cancels of %d, want %d cancels only", srv.Count(meetingtest.EndpointCancel), got, tt.cancel)
			}
			for _, r := range requestsTo(srv, meetingtest.EndpointCancel) {
				q := r.Query
				if r.Method != http.MethodDelete || len(q) != 2 || len(q["conferenceID"]) != 1 || q.Get("conferenceID") != string(tt.id) ||
					len(q["type"]) != 1 || q.Get("type") != "1" {
					t.Errorf("request: got %s ?%s, want DELETE ?conferenceID=%s&type=1", r.Method, q.Encode(), tt.id)
				}
				if r.Header.Get("X-Access-Token") == "" || r.Header.Get("X-Conference-Authorization") != "" || r.Header.Get("X-Password") != "" {
					t.Errorf("request headers: got %v, want the access token only", r.Header)
				}
			}
		})
	}
}

// TestCancelDropsControlToken: after a cancel the warm control token is
// gone from the cache, so a later stop does not send it.
func TestCancelDropsControlToken(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	mustPrepare(t, c, liveID)
	if _, err := c.Cancel(testCtx(t), liveID); err != nil {
		t.Fatalf("Cancel: got error %v", err)
	}
	srv.ResetLog()
	_, err := c.Stop(testCtx(t), liveID)
	wantClass(t, err, meeting.ErrNotFound)
	wantCounts(t, srv, counts{meetingtest.EndpointConfDetail: 1})
}
