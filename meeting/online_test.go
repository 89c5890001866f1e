package meeting_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

func TestOnline(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	for i := range 3 {
		addMeeting(srv, fmt.Sprintf("60000000%d", i), meetingtest.StateInProgress)
	}
	// Carol hosts this one; bob is not invited.
	srv.AddMeeting(meetingtest.Meeting{ID: "600000009", State: meetingtest.StateInProgress, Scheduler: "carol", ChairPassword: hostPassword})
	// An ID the client could not use again is left out. It started last,
	// so that it comes last.
	srv.AddMeeting(meetingtest.Meeting{ID: "12345", State: meetingtest.StateInProgress, ChairPassword: hostPassword, Start: srv.Now().Add(time.Hour)})
	tests := []struct {
		name      string
		user      string
		all       bool
		limit     int
		wantIDs   int
		wantCount int
		wantLimit string
		wantErr   error
	}{
		{"administrator, all", "", true, 100, 5, 6, "100", nil},
		{"administrator, limited", "", true, 2, 2, 6, "2", nil},
		{"limit below one", "", true, 0, 1, 6, "1", nil},
		{"limit above Huawei's", "", true, 10000, 5, 6, "500", nil},
		{"guest, own", "bob", false, 100, 4, 4, "100", nil},
		{"host, own", "carol", false, 100, 1, 1, "100", nil},
		// Huawei ignores queryAll for anyone but an administrator.
		{"not an administrator, all", "carol", true, 100, 1, 1, "100", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetLog()
			c := newClient(t, srv, func(cfg *meeting.Config) { cfg.UserID = tt.user })
			confs, count, err := c.Online(testCtx(t), tt.all, tt.limit)
			if tt.wantErr != nil {
				wantClass(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Online: got error %v, want none", err)
			}
			if len(confs) != tt.wantIDs || count != tt.wantCount {
				t.Errorf("Online: got %d meetings, count %d, want %d, %d", len(confs), count, tt.wantIDs, tt.wantCount)
			}
			for _, conf := range confs {
				if conf.ID.Validate() != nil || conf.State != meeting.StateInProgress {
					t.Errorf("Online: got %s in state %s, want valid IDs in progress", conf.ID, conf.State)
				}
			}
			rs := requestsTo(srv, meetingtest.EndpointOnline)
			if len(rs) != 1 {
				t.Fatalf("online requests: got %d, want 1", len(rs))
			}
			q := rs[0].Query
			wantAll := ""
			if tt.all {
				wantAll = "true"
			}
			if q.Get("limit") != tt.wantLimit || q.Get("offset") != "0" || q.Get("queryAll") != wantAll {
				t.Errorf("query: got %q, want offset=0 limit=%s queryAll=%q", q.Encode(), tt.wantLimit, wantAll)
			}
			if n, _ := strconv.Atoi(q.Get("limit")); n < 1 || n > 500 {
				t.Errorf("limit: got %d, want 1 to 500", n)
			}
			if ids := idsOf(confs); slices.Contains(ids, "12345") {
				t.Errorf("Online: got %v, want the short ID left out", ids)
			}
		})
	}
}

func idsOf(confs []meeting.Conference) []string {
	var out []string
	for _, c := range confs {
		out = append(out, string(c.ID))
	}
	return out
}
