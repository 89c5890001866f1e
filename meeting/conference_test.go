package meeting_test

import (
	"fmt"
	"strings"
	"testing"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// Meetings in rooms: roomMtg is in progress in the cloud meeting room
// roomID, hosted by the administrator with bob invited; bobRoomMtg is in
// progress in bob's personal meeting ID bobRoomID, hosted by bob.
const (
	roomMtg    = "916000001"
	roomID     = "6857291034"
	bobRoomMtg = "916000002"
	bobRoomID  = "6857291035"
)

// addRooms adds roomMtg and bobRoomMtg to srv.
func addRooms(srv *meetingtest.Server) {
	srv.AddMeeting(meetingtest.Meeting{ID: roomMtg, Subject: "Room meeting", State: meetingtest.StateInProgress,
		ChairPassword: hostPassword, GuestPassword: guestPassword, Invitees: []string{"bob"}, RoomID: roomID})
	srv.AddMeeting(meetingtest.Meeting{ID: bobRoomMtg, Subject: "Bob's room", State: meetingtest.StateInProgress,
		ChairPassword: hostPassword, GuestPassword: guestPassword, Scheduler: "bob", RoomID: bobRoomID})
}

func TestConferenceRoom(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	addRooms(srv)
	c := newClient(t, srv, nil)
	for _, tt := range []struct {
		id, room, display meeting.ID
	}{
		{roomMtg, roomID, roomID},
		{liveID, "", liveID},
	} {
		conf, err := c.Meeting(testCtx(t), tt.id)
		if err != nil {
			t.Fatalf("Meeting(%s): got error %v", tt.id, err)
		}
		if conf.ID != tt.id || conf.RoomID != tt.room || conf.DisplayID() != tt.display {
			t.Errorf("Meeting(%s): got ID %s, room %q, display %s, want %s, %q, %s", tt.id, conf.ID, conf.RoomID, conf.DisplayID(), tt.id, tt.room, tt.display)
		}
		if got := fmt.Sprintf("%+v", conf); tt.room != "" && !strings.Contains(got, string(tt.room)) {
			t.Errorf("%%+v: got %q, want the room ID shown", got)
		}
	}
	confs, _, err := c.Online(testCtx(t), true, 100)
	if err != nil {
		t.Fatalf("Online: got error %v", err)
	}
	rooms := map[meeting.ID]meeting.ID{}
	for _, conf := range confs {
		rooms[conf.ID] = conf.RoomID
	}
	if rooms[roomMtg] != roomID || rooms[bobRoomMtg] != bobRoomID || rooms[liveID] != "" {
		t.Errorf("Online: got rooms %v, want %s in %s, %s in %s, %s in none", rooms, roomMtg, roomID, bobRoomMtg, bobRoomID, liveID)
	}
}

// TestConferenceDecoding: what the client makes of the room, recurring and
// password fields, from answers the fake would not give.
func TestConferenceDecoding(t *testing.T) {
	tests := []struct {
		name      string
		fields    string // added to a minimal conferenceData
		room      meeting.ID
		recurring bool
		canCtl    bool
	}{
		{"plain", ``, "", false, false},
		{"room", `,"vmrFlag":1,"vmrConferenceID":"6857291034","vmrID":"x"`, "6857291034", false, false},
		{"room ID without the flag", `,"vmrFlag":0,"vmrConferenceID":"6857291034"`, "", false, false},
		{"flag without a room ID", `,"vmrFlag":1`, "", false, false},
		{"room ID not digits", `,"vmrFlag":1,"vmrConferenceID":"68572&x=1"`, "", false, false},
		{"room ID too short", `,"vmrFlag":1,"vmrConferenceID":"12345"`, "", false, false},
		{"conferenceType 2", `,"conferenceType":2`, "", true, false},
		{"conferenceType 0", `,"conferenceType":0,"confType":"FUTURE"`, "", false, false},
		{"confType CYCLE", `,"confType":"CYCLE"`, "", true, false},
		{"cycleParams", `,"cycleParams":{"startDate":"2030-01-01","endDate":"2030-03-01","cycle":"Week"}`, "", true, false},
		{"cycleParams null", `,"cycleParams":null`, "", false, false},
		{"cycleSubConfID", `,"cycleSubConfID":"5f1c0e"`, "", true, false},
		{"chair password", `,"passwordEntry":[{"conferenceRole":"chair","password":"1"},{"conferenceRole":"general","password":"2"}]`, "", false, true},
		{"guest password", `,"passwordEntry":[{"conferenceRole":"general","password":"2"}]`, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			body := `{"conferenceData":{"conferenceID":"` + liveID + `","conferenceState":"Created"` + tt.fields + `}}`
			srv.InjectFault(meetingtest.EndpointConfDetail, 1, meetingtest.Fault{Status: 200, Body: body})
			conf, err := c.Meeting(testCtx(t), liveID)
			if err != nil {
				t.Fatalf("Meeting: got error %v", err)
			}
			if conf.RoomID != tt.room || conf.Recurring != tt.recurring || conf.CanControl() != tt.canCtl || !conf.HostKnown() {
				t.Errorf("got room %q, recurring %v, can control %v, host known %v, want %q, %v, %v, true",
					conf.RoomID, conf.Recurring, conf.CanControl(), conf.HostKnown(), tt.room, tt.recurring, tt.canCtl)
			}
		})
	}
}

func TestConferenceRecurring(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	srv.AddMeeting(meetingtest.Meeting{ID: "917000001", State: meetingtest.StateInProgress, ChairPassword: hostPassword, Recurring: true})
	c := newClient(t, srv, nil)
	for id, want := range map[meeting.ID]bool{"917000001": true, liveID: false} {
		conf, err := c.Meeting(testCtx(t), id)
		if err != nil || conf.Recurring != want {
			t.Errorf("Meeting(%s): got recurring %v, error %v, want %v, none", id, conf.Recurring, err, want)
		}
	}
}

// TestHostKnown: details always say whether the user hosts the meeting; a
// list entry only when it carries passwords.
func TestHostKnown(t *testing.T) {
	tests := []struct {
		name    string
		without bool
		user    string
		known   bool
		canCtl  bool
	}{
		{"host, list with passwords", false, "", true, true},
		{"guest, list with passwords", false, "bob", true, false},
		{"host, list without passwords", true, "", false, false},
		{"guest, list without passwords", true, "bob", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{OnlineWithoutPasswords: tt.without})
			c := newClient(t, srv, func(cfg *meeting.Config) { cfg.UserID = tt.user })
			confs, _, err := c.Online(testCtx(t), false, 100)
			if err != nil || len(confs) != 1 || confs[0].ID != liveID {
				t.Fatalf("Online: got %v, %v, want %s alone", idsOf(confs), err, liveID)
			}
			if confs[0].HostKnown() != tt.known || confs[0].CanControl() != tt.canCtl {
				t.Errorf("list: got host known %v, can control %v, want %v, %v", confs[0].HostKnown(), confs[0].CanControl(), tt.known, tt.canCtl)
			}
			conf, err := c.Meeting(testCtx(t), liveID)
			if err != nil || !conf.HostKnown() || conf.CanControl() != (tt.user == "") {
				t.Errorf("details: got host known %v, can control %v, error %v, want true, %v, none", conf.HostKnown(), conf.CanControl(), err, tt.user == "")
			}
		})
	}
}
