package meetingtest_test

import (
	"net/http"
	"net/url"
	"testing"

	"meetingbot/meeting/meetingtest"
)

// cancelMeeting sends CancelMeeting with the query and, unless it is empty,
// the access token.
func cancelMeeting(t *testing.T, srv *meetingtest.Server, token string, q url.Values) response {
	t.Helper()
	h := map[string]string{}
	if token != "" {
		h["X-Access-Token"] = token
	}
	return do(t, newRequest(t, http.MethodDelete, srv.URL()+"/v1/mmc/management/conferences?"+q.Encode(), nil, h))
}

func TestCancel(t *testing.T) {
	cancelType1 := func(id string) url.Values { return url.Values{"conferenceID": {id}, "type": {"1"}} }
	tests := []struct {
		name     string
		user     string
		query    url.Values
		status   int
		code     string // error_code when status is not 200
		wantGone string // the meeting that must be gone after a 200
	}{
		{"administrator, in progress", "", cancelType1("100000001"), 200, "", "100000001"},
		{"another administrator", "dave", cancelType1("100000001"), 200, "", "100000001"},
		{"scheduler, in progress", "alice", cancelType1("100000001"), 200, "", "100000001"},
		{"scheduler, scheduled, no type", "alice", url.Values{"conferenceID": {"100000002"}}, 200, "", "100000002"},
		{"scheduler, scheduled, type 1", "alice", cancelType1("100000002"), 200, "", "100000002"},
		{"invitee", "bob", cancelType1("100000001"), 403, "MMC.111070002", ""},
		{"invitee, scheduled", "bob", cancelType1("100000002"), 403, "MMC.111070002", ""},
		{"stranger", "carol", cancelType1("100000001"), 403, "MMC.111070002", ""},
		{"in progress without type 1", "alice", url.Values{"conferenceID": {"100000001"}}, 400, "MMC.111072011", ""},
		{"in progress, administrator without type 1", "", url.Values{"conferenceID": {"100000001"}}, 400, "MMC.111072011", ""},
		{"ended", "alice", cancelType1("100000003"), 400, "MMC.111070005", ""},
		{"unknown", "", cancelType1("999999999"), 400, "MMC.111070005", ""},
		{"room ID", "alice", cancelType1(roomID), 400, "MMC.111070005", ""},
		{"recurring", "alice", cancelType1("100000006"), 400, "MMC.111072012", ""},
		{"type 2", "alice", url.Values{"conferenceID": {"100000001"}, "type": {"2"}}, 400, "MMC.111070001", ""},
		{"type twice", "alice", url.Values{"conferenceID": {"100000001"}, "type": {"1", "1"}}, 400, "MMC.111070001", ""},
		{"no ID", "alice", url.Values{"type": {"1"}}, 400, "MMC.111070001", ""},
		{"two IDs", "", url.Values{"conferenceID": {"100000001", "100000002"}, "type": {"1"}}, 400, "MMC.111070001", ""},
		{"ID not digits", "alice", cancelType1("100-000-001"), 400, "MMC.111070001", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.AddMeeting(meetingtest.Meeting{ID: "100000006", State: meetingtest.StateInProgress, Scheduler: "alice",
				ChairPassword: "121212", Recurring: true})
			srv.AddMeeting(meetingtest.Meeting{ID: roomMeeting, State: meetingtest.StateInProgress, Scheduler: "alice",
				ChairPassword: "999999", RoomID: roomID})
			before, _ := srv.Meeting("100000001")
			tok := login(t, srv, tt.user)
			r := cancelMeeting(t, srv, tok, tt.query)
			if tt.status != http.StatusOK {
				wantError(t, r, tt.status, tt.code)
				if m, ok := srv.Meeting("100000001"); !ok || m.State != before.State {
					t.Errorf("100000001 after a refused cancel: got %v, %v, want it unchanged", m.State, ok)
				}
				return
			}
			if r.status != http.StatusOK || len(r.body) != 0 {
				t.Fatalf("got status %d, body %q, want 200 and no body", r.status, r.body)
			}
			if _, ok := srv.Meeting(tt.wantGone); ok {
				t.Errorf("Meeting(%s): still there after the cancel", tt.wantGone)
			}
			wantError(t, confDetail(t, srv, login(t, srv, "alice"), tt.wantGone), http.StatusBadRequest, "MMC.111070005")
			wantError(t, cancelMeeting(t, srv, tok, tt.query), http.StatusBadRequest, "MMC.111070005")
			rs := srv.Requests()
			if got := srv.Count(meetingtest.EndpointCancel); got != 2 {
				t.Errorf("Count(cancel): got %d, want 2 (log %v)", got, rs)
			}
		})
	}
}

// TestCancelledIsGone: after a cancel, the meeting's control token no
// longer works, its host password gets no new one, and it cannot be
// brought back.
func TestCancelledIsGone(t *testing.T) {
	srv := newServer(t)
	ct := controlToken(t, srv, "100000001", "111111")
	r := cancelMeeting(t, srv, login(t, srv, "alice"), url.Values{"conferenceID": {"100000001"}, "type": {"1"}})
	if r.status != http.StatusOK {
		t.Fatalf("cancel: got status %d (body %s), want 200", r.status, r.body)
	}
	wantError(t, stop(t, srv, "100000001", ct.Data.Token), http.StatusUnauthorized, "MMC.118000001")
	wantError(t, controlLogin(t, srv, "100000001", "111111"), http.StatusBadRequest, "MMC.111072065")
	r = get(t, srv, "/v1/mmc/management/conferences/online", url.Values{"queryAll": {"true"}},
		map[string]string{"X-Access-Token": login(t, srv, "")})
	var o onlineResponse
	decode(t, r.body, &o)
	if o.Count != 0 {
		t.Errorf("online after the cancel: got count %d, want 0", o.Count)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("SetState on a cancelled meeting: got no panic, want one")
		}
	}()
	srv.SetState("100000001", meetingtest.StateInProgress)
}

func TestCancelNeedsAccessToken(t *testing.T) {
	srv := newServer(t)
	q := url.Values{"conferenceID": {"100000001"}, "type": {"1"}}
	wantError(t, cancelMeeting(t, srv, "", q), http.StatusUnauthorized, "MMC.118000001")
	wantError(t, cancelMeeting(t, srv, "cnr-not-a-token", q), http.StatusUnauthorized, "MMC.118000001")
	r := get(t, srv, "/v1/mmc/management/conferences", q, map[string]string{"X-Access-Token": login(t, srv, "")})
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != http.MethodDelete {
		t.Errorf("GET: got status %d, Allow %q, want 405 and DELETE", r.status, r.header.Get("Allow"))
	}
	if _, ok := srv.Meeting("100000001"); !ok {
		t.Errorf("the meeting is gone after refused cancels")
	}
	for _, r := range srv.Requests() {
		if r.Path == "/v1/mmc/management/conferences" && r.Endpoint != meetingtest.EndpointCancel {
			t.Errorf("log: got endpoint %q for %s, want %q", r.Endpoint, r.Path, meetingtest.EndpointCancel)
		}
	}
}
