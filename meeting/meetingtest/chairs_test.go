package meetingtest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"meetingbot/meeting/meetingtest"
)

// TestChairs: a chairperson who did not schedule the meeting sees it, gets
// the host password and may end it, but may not cancel it.
func TestChairs(t *testing.T) {
	srv := newServer(t)
	srv.AddMeeting(meetingtest.Meeting{ID: "100000007", Subject: "Chaired", State: meetingtest.StateInProgress,
		ChairPassword: "777777", GuestPassword: "888888", Scheduler: "alice", Chairs: []string{"carol"}})
	tok := login(t, srv, "carol")

	d := confDetail(t, srv, tok, "100000007")
	if d.status != http.StatusOK || !strings.Contains(string(d.body), `"conferenceRole":"chair","password":"777777"`) {
		t.Errorf("confDetail as the chair: got %d %s, want the host password", d.status, d.body)
	}
	l := get(t, srv, "/v1/mmc/management/conferences/online", url.Values{"limit": {"10"}}, map[string]string{"X-Access-Token": tok})
	if !strings.Contains(string(l.body), `"conferenceID":"100000007"`) || strings.Contains(string(l.body), `"conferenceID":"100000001"`) {
		t.Errorf("online as the chair: got %s, want the chaired meeting alone", l.body)
	}
	wantError(t, cancelMeeting(t, srv, tok, url.Values{"conferenceID": {"100000007"}, "type": {"1"}}), http.StatusForbidden, "MMC.111070002")
	if m, _ := srv.Meeting("100000007"); m.State != meetingtest.StateInProgress {
		t.Errorf("after the refused cancel: state %v, want in progress", m.State)
	}
	if r := stop(t, srv, "100000007", controlToken(t, srv, "100000007", "777777").Data.Token); r.status != http.StatusOK {
		t.Errorf("stop by the chair: got %d %s, want 200", r.status, r.body)
	}
}
