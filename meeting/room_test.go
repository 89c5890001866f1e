package meeting_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// endedRoomID is a room whose only meeting has ended.
const endedRoomID = "6857291099"

// onlineQueries returns the offset and queryAll of each online request,
// failing the test on a limit other than 100 or any other parameter.
func onlineQueries(tb testing.TB, srv *meetingtest.Server) (offsets []string, all []string) {
	tb.Helper()
	for _, r := range requestsTo(srv, meetingtest.EndpointOnline) {
		q := r.Query
		if q.Get("limit") != "100" || len(q["offset"]) != 1 || len(q["limit"]) != 1 || len(q["queryAll"]) > 1 {
			tb.Errorf("online query: got %q, want offset, limit=100 and at most queryAll", q.Encode())
		}
		for k := range q {
			if k != "offset" && k != "limit" && k != "queryAll" {
				tb.Errorf("online query: got parameter %q in %q, want none such (no searchKey)", k, q.Encode())
			}
		}
		offsets = append(offsets, q.Get("offset"))
		all = append(all, q.Get("queryAll"))
	}
	return offsets, all
}

func TestPrepareTyped(t *testing.T) {
	tests := []struct {
		name     string
		user     string
		typed    meeting.ID
		wantID   meeting.ID // "" when an error is wanted
		wantRoom meeting.ID
		wantErr  error
		wantAll  string // queryAll of the online requests
		fault    func(*meetingtest.Server)
		// requests Huawei gets, log-in aside
		confDetail, online, controlToken int
	}{
		{name: "conferenceID", typed: liveID, wantID: liveID,
			confDetail: 1, controlToken: 1},
		{name: "conferenceID of a room's meeting", typed: roomMtg, wantID: roomMtg, wantRoom: roomID,
			confDetail: 1, controlToken: 1},
		{name: "conferenceID that is also a room's ID", typed: liveID, wantID: liveID,
			confDetail: 1, controlToken: 1,
			fault: func(s *meetingtest.Server) {
				s.AddMeeting(meetingtest.Meeting{ID: "916000009", State: meetingtest.StateInProgress, ChairPassword: hostPassword, RoomID: liveID})
			}},
		{name: "room, administrator", typed: roomID, wantID: roomMtg, wantRoom: roomID,
			confDetail: 2, online: 1, controlToken: 1, wantAll: "true"},
		{name: "personal meeting ID, its host", user: "bob", typed: bobRoomID, wantID: bobRoomMtg, wantRoom: bobRoomID,
			confDetail: 2, online: 1, controlToken: 1},
		{name: "room, after a rejected access token", typed: roomID, wantID: roomMtg, wantRoom: roomID,
			confDetail: 2, online: 2, controlToken: 1, wantAll: "true",
			fault: func(s *meetingtest.Server) {
				s.InjectFault(meetingtest.EndpointOnline, 1, meetingtest.Fault{Status: 401, Code: "MMC.118000001"})
			}},
		{name: "room, invitee", user: "bob", typed: roomID, wantErr: meeting.ErrNotPermitted,
			confDetail: 2, online: 1},
		{name: "room, stranger", user: "carol", typed: roomID, wantErr: meeting.ErrNotFound,
			confDetail: 1, online: 1},
		{name: "room with nothing running", typed: endedRoomID, wantErr: meeting.ErrNotFound,
			confDetail: 1, online: 1, wantAll: "true"},
		{name: "unknown ID", typed: "123456789", wantErr: meeting.ErrNotFound,
			confDetail: 1, online: 1, wantAll: "true"},
		{name: "ended conferenceID", typed: endedID, wantErr: meeting.ErrNotFound,
			confDetail: 1, online: 1, wantAll: "true"},
		{name: "scheduled conferenceID", typed: scheduledID, wantErr: meeting.ErrNotStarted,
			confDetail: 1},
		{name: "details refused", typed: liveID, wantErr: meeting.ErrNotPermitted, confDetail: 1,
			fault: func(s *meetingtest.Server) {
				s.InjectFault(meetingtest.EndpointConfDetail, 1, meetingtest.Fault{Status: 403, Code: "MMC.111070002"})
			}},
		{name: "list refused", typed: roomID, wantErr: meeting.ErrNotPermitted, confDetail: 1, online: 1, wantAll: "true",
			fault: func(s *meetingtest.Server) {
				s.InjectFault(meetingtest.EndpointOnline, 1, meetingtest.Fault{Status: 403, Code: "MMC.111070002"})
			}},
		{name: "control log-in refused is not a room search", typed: liveID, wantErr: meeting.ErrNotFound, confDetail: 1, controlToken: 1,
			fault: func(s *meetingtest.Server) {
				s.InjectFault(meetingtest.EndpointControlToken, 1, meetingtest.Fault{Status: 400, Code: "MMC.111072065"})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			addRooms(srv)
			srv.AddMeeting(meetingtest.Meeting{ID: "916000003", State: meetingtest.StateEnded, ChairPassword: hostPassword, RoomID: endedRoomID})
			if tt.fault != nil {
				tt.fault(srv)
			}
			c := newClient(t, srv, func(cfg *meeting.Config) { cfg.UserID = tt.user })
			conf, err := c.PrepareTyped(testCtx(t), tt.typed)
			if tt.wantErr != nil {
				wantClass(t, err, tt.wantErr)
				if errors.Is(err, meeting.ErrSearchIncomplete) {
					t.Errorf("got error %v, want no ErrSearchIncomplete: the search saw every meeting", err)
				}
			} else {
				if err != nil {
					t.Fatalf("PrepareTyped(%s): got error %v, want none", tt.typed, err)
				}
				if conf.ID != tt.wantID || conf.RoomID != tt.wantRoom || !conf.CanControl() || conf.State != meeting.StateInProgress {
					t.Errorf("PrepareTyped(%s): got ID %s, room %q, can control %v, state %s, want %s, %q, true, in progress",
						tt.typed, conf.ID, conf.RoomID, conf.CanControl(), conf.State, tt.wantID, tt.wantRoom)
				}
				if want := tt.wantRoom; want != "" && conf.DisplayID() != want {
					t.Errorf("DisplayID: got %s, want %s", conf.DisplayID(), want)
				}
			}
			for ep, want := range map[meetingtest.Endpoint]int{
				meetingtest.EndpointConfDetail:   tt.confDetail,
				meetingtest.EndpointOnline:       tt.online,
				meetingtest.EndpointControlToken: tt.controlToken,
				meetingtest.EndpointStop:         0,
				meetingtest.EndpointCancel:       0,
			} {
				if got := srv.Count(ep); got != want {
					t.Errorf("requests to %s: got %d, want %d", ep, got, want)
				}
			}
			offsets, all := onlineQueries(t, srv)
			for i := range offsets {
				if offsets[i] != "0" || all[i] != tt.wantAll {
					t.Errorf("online request %d: got offset %s, queryAll %q, want 0, %q", i, offsets[i], all[i], tt.wantAll)
				}
			}
			if err != nil {
				return
			}
			// The control token is warm: the stop is one request, and it
			// ends the meeting behind the room.
			srv.ResetLog()
			if _, err := c.Stop(testCtx(t), conf.ID); err != nil {
				t.Fatalf("Stop(%s): got error %v", conf.ID, err)
			}
			if rs := srv.Requests(); len(rs) != 1 || rs[0].Endpoint != meetingtest.EndpointStop {
				t.Errorf("Stop: got requests %v, want one stop", endpoints(rs))
			}
			if m, _ := srv.Meeting(string(conf.ID)); m.State != meetingtest.StateEnded {
				t.Errorf("%s: got state %v, want ended", conf.ID, m.State)
			}
		})
	}
}

// pagedServer returns a fake whose online list, for the administrator, is
// liveID followed by n more meetings in progress in start order, the one
// at index room (counting from liveID's 0) held in roomID; room < 1 puts
// none in a room.
func pagedServer(tb testing.TB, n, room int) *meetingtest.Server {
	tb.Helper()
	srv := newServer(tb, meetingtest.Config{})
	base := srv.Now().Add(time.Hour)
	for i := 1; i <= n; i++ {
		m := meetingtest.Meeting{ID: fmt.Sprintf("8%08d", i), State: meetingtest.StateInProgress,
			Start: base.Add(time.Duration(i) * time.Minute), ChairPassword: hostPassword}
		if i == room {
			m.RoomID = roomID
		}
		srv.AddMeeting(m)
	}
	return srv
}

func TestFindRoomPaging(t *testing.T) {
	tests := []struct {
		name       string
		meetings   int // besides liveID
		room       int // index of the room's meeting; 0 for none
		wantOnline int
		wantErr    bool
		incomplete bool
	}{
		{"first page", 150, 99, 1, false, false},
		{"second page", 150, 100, 2, false, false},
		{"third page", 299, 250, 3, false, false},
		{"last place searched", 700, 499, 5, false, false},
		{"not in a list of 300", 299, 0, 3, true, false},
		{"not in a list of exactly 500", 499, 0, 5, true, false},
		{"beyond the bound", 700, 500, 5, true, true},
		{"not in a list of 501", 500, 0, 5, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := pagedServer(t, tt.meetings, tt.room)
			c := newClient(t, srv, nil)
			conf, err := c.FindRoom(testCtx(t), roomID)
			if !tt.wantErr {
				if err != nil || conf.RoomID != roomID || conf.ID != meeting.ID(fmt.Sprintf("8%08d", tt.room)) {
					t.Fatalf("FindRoom: got %s in %q, %v, want the meeting at %d", conf.ID, conf.RoomID, err, tt.room)
				}
			} else {
				wantClass(t, err, meeting.ErrNotFound)
				if got := errors.Is(err, meeting.ErrSearchIncomplete); got != tt.incomplete {
					t.Errorf("got error %v, incomplete %v, want %v", err, got, tt.incomplete)
				}
				wantRequestID(t, srv, meetingtest.EndpointOnline, meeting.RequestID(err), false)
			}
			offsets, all := onlineQueries(t, srv)
			if len(offsets) != tt.wantOnline {
				t.Fatalf("online requests: got %d, want %d", len(offsets), tt.wantOnline)
			}
			for i := range offsets {
				if offsets[i] != strconv.Itoa(100*i) || all[i] != "true" {
					t.Errorf("online request %d: got offset %s, queryAll %q, want %d, true", i, offsets[i], all[i], 100*i)
				}
			}
			if n := srv.Count(meetingtest.EndpointConfDetail) + srv.Count(meetingtest.EndpointControlToken); n != 0 {
				t.Errorf("FindRoom made %d other requests, want none", n)
			}
		})
	}
}

// TestFindRoomOddPages: a page shorter than asked for moves the next page's
// offset only by what it held, and a page that stops while Huawei still
// counts more ends the search as incomplete.
func TestFindRoomOddPages(t *testing.T) {
	entry := `{"conferenceID":"800000001","conferenceState":"Created"}`
	t.Run("short page", func(t *testing.T) {
		srv := pagedServer(t, 150, 120)
		srv.InjectFault(meetingtest.EndpointOnline, 1, meetingtest.Fault{Status: 200,
			Body: `{"offset":0,"limit":100,"count":151,"data":[` + entry + `,` + entry + `]}`})
		c := newClient(t, srv, nil)
		if conf, err := c.FindRoom(testCtx(t), roomID); err != nil || conf.ID != "800000120" {
			t.Fatalf("FindRoom: got %s, %v, want 800000120", conf.ID, err)
		}
		if offsets, _ := onlineQueries(t, srv); len(offsets) != 3 || offsets[1] != "2" || offsets[2] != "102" {
			t.Errorf("offsets: got %v, want 0, 2, 102", offsets)
		}
	})
	t.Run("empty page while more are counted", func(t *testing.T) {
		srv := pagedServer(t, 150, 120)
		srv.InjectFault(meetingtest.EndpointOnline, 1, meetingtest.Fault{Status: 200,
			Body: `{"offset":0,"limit":100,"count":151,"data":[]}`})
		c := newClient(t, srv, nil)
		_, err := c.FindRoom(testCtx(t), roomID)
		wantClass(t, err, meeting.ErrNotFound)
		if !errors.Is(err, meeting.ErrSearchIncomplete) || srv.Count(meetingtest.EndpointOnline) != 1 {
			t.Errorf("got %v after %d requests, want an incomplete search after 1", err, srv.Count(meetingtest.EndpointOnline))
		}
	})
	t.Run("undecodable page", func(t *testing.T) {
		srv := pagedServer(t, 10, 5)
		srv.InjectFault(meetingtest.EndpointOnline, 1, meetingtest.Fault{Status: 200, Body: `<html>gateway</html>`})
		c := newClient(t, srv, nil)
		_, err := c.FindRoom(testCtx(t), roomID)
		wantClass(t, err, meeting.ErrUnexpected)
	})
}

func TestFindRoomInvalidID(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	for _, id := range []meeting.ID{"", "12345", "6857291034&queryAll=true", "６８５７２９１０３４"} {
		if _, err := c.FindRoom(testCtx(t), id); !errors.Is(err, meeting.ErrInvalidID) {
			t.Errorf("FindRoom(%q): got %v, want ErrInvalidID", id, err)
		}
		if _, err := c.PrepareTyped(testCtx(t), id); !errors.Is(err, meeting.ErrInvalidID) {
			t.Errorf("PrepareTyped(%q): got %v, want ErrInvalidID", id, err)
		}
	}
	if rs := srv.Requests(); len(rs) != 0 {
		t.Errorf("got %d requests, want none", len(rs))
	}
}

// TestSeedRoom: the simulator's demo data has a meeting in alice's
// personal meeting ID, which she and the administrator can reach by it.
func TestSeedRoom(t *testing.T) {
	srv := meetingtest.NewServer(meetingtest.Config{AppID: testAppID, AppKey: testAppKey})
	t.Cleanup(srv.Close)
	var want meeting.ID
	for _, m := range srv.Seed() {
		if m.RoomID == meetingtest.SeedRoomID {
			want = meeting.ID(m.ID)
		}
	}
	for _, user := range []string{"alice", ""} {
		c := newClient(t, srv, func(cfg *meeting.Config) { cfg.UserID = user })
		conf, err := c.PrepareTyped(testCtx(t), meetingtest.SeedRoomID)
		if err != nil || conf.ID != want || conf.DisplayID() != meetingtest.SeedRoomID {
			t.Errorf("%q: PrepareTyped(%s): got %s shown as %s, %v, want %s shown as the room", user, meetingtest.SeedRoomID, conf.ID, conf.DisplayID(), err, want)
		}
	}
}
