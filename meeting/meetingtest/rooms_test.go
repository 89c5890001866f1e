package meetingtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"meetingbot/meeting/meetingtest"
)

// Alice's personal meeting ID holds 100000005, in progress.
const (
	roomMeeting = "100000005"
	roomID      = "6857291034"
)

// newRoomServer is newServer with edit applied to the configuration (nil
// keeps it) and alice's meeting in her personal meeting ID.
func newRoomServer(t *testing.T, edit func(*meetingtest.Config)) *meetingtest.Server {
	t.Helper()
	cfg := meetingtest.Config{AppID: testAppID, AppKey: testAppKey, Account: testAccount, Password: testPassword}
	if edit != nil {
		edit(&cfg)
	}
	srv := meetingtest.NewServer(cfg)
	t.Cleanup(srv.Close)
	for _, u := range []meetingtest.User{{ID: "alice", Name: "Alice"}, {ID: "bob", Name: "Bob"}, {ID: "dave", Name: "Dave", Admin: true}} {
		srv.AddUser(u)
	}
	srv.AddMeeting(meetingtest.Meeting{ID: "100000001", Subject: "Weekly sync", State: meetingtest.StateInProgress,
		ChairPassword: "111111", GuestPassword: "222222", Scheduler: "alice", Invitees: []string{"bob"}})
	srv.AddMeeting(meetingtest.Meeting{ID: roomMeeting, Subject: "Alice's room", State: meetingtest.StateInProgress,
		Start: srv.Now().Add(time.Minute), ChairPassword: "999999", GuestPassword: "888888",
		Scheduler: "alice", Invitees: []string{"bob"}, RoomID: roomID})
	return srv
}

// rawInfo decodes a ConferenceInfo keeping which keys it has.
func rawInfo(t *testing.T, raw json.RawMessage) (conferenceInfo, []string) {
	t.Helper()
	var c conferenceInfo
	decode(t, raw, &c)
	return c, keys(t, raw)
}

func TestRoomFields(t *testing.T) {
	srv := newRoomServer(t, nil)
	for _, user := range []string{"", "alice", "bob"} {
		t.Run("user "+user, func(t *testing.T) {
			tok := login(t, srv, user)

			r := confDetail(t, srv, tok, roomMeeting)
			if r.status != http.StatusOK {
				t.Fatalf("confDetail: got status %d, want 200 (body %s)", r.status, r.body)
			}
			var d struct {
				ConferenceData json.RawMessage `json:"conferenceData"`
			}
			decode(t, r.body, &d)
			c, ks := rawInfo(t, d.ConferenceData)
			if c.ConferenceID != roomMeeting || c.VmrFlag != 1 || c.VmrConferenceID != roomID || len(c.VmrID) != 32 {
				t.Errorf("confDetail: got conferenceID %q vmrFlag %d vmrConferenceID %q vmrID %q, want %s, 1, %s and a 32-digit ID",
					c.ConferenceID, c.VmrFlag, c.VmrConferenceID, c.VmrID, roomMeeting, roomID)
			}
			if !slices.Contains(ks, "vmrConferenceID") || !slices.Contains(ks, "vmrID") {
				t.Errorf("confDetail keys: got %v, want vmrConferenceID and vmrID", ks)
			}
			vmrID := c.VmrID

			// Every call takes the conferenceID: the room's ID is not one.
			wantError(t, confDetail(t, srv, tok, roomID), http.StatusBadRequest, "MMC.111070005")

			r = get(t, srv, "/v1/mmc/management/conferences/online", url.Values{"limit": {"10"}},
				map[string]string{"X-Access-Token": tok})
			var o struct {
				Data []json.RawMessage `json:"data"`
			}
			decode(t, r.body, &o)
			seen := map[string]bool{}
			for _, raw := range o.Data {
				c, ks := rawInfo(t, raw)
				seen[c.ConferenceID] = true
				switch c.ConferenceID {
				case roomMeeting:
					if c.VmrFlag != 1 || c.VmrConferenceID != roomID || c.VmrID != vmrID {
						t.Errorf("online: got vmrFlag %d vmrConferenceID %q vmrID %q, want 1, %s, %s", c.VmrFlag, c.VmrConferenceID, c.VmrID, roomID, vmrID)
					}
				default:
					if c.VmrFlag != 0 || slices.Contains(ks, "vmrConferenceID") || slices.Contains(ks, "vmrID") {
						t.Errorf("online %s: got vmrFlag %d and keys %v, want 0 and no room fields", c.ConferenceID, c.VmrFlag, ks)
					}
				}
			}
			if user != "" && !seen[roomMeeting] {
				t.Errorf("online: got %v, want the room's meeting listed", seen)
			}
		})
	}
}

// TestSearchKeyIsNotRoomID: no source says searchKey matches a room ID, so
// the fake does not, and a client that relies on it fails here.
func TestSearchKeyIsNotRoomID(t *testing.T) {
	srv := newRoomServer(t, nil)
	r := get(t, srv, "/v1/mmc/management/conferences/online", url.Values{"queryAll": {"true"}, "searchKey": {roomID}},
		map[string]string{"X-Access-Token": login(t, srv, "")})
	var o onlineResponse
	decode(t, r.body, &o)
	if o.Count != 0 || len(o.Data) != 0 {
		t.Errorf("searchKey=%s: got %d meetings, count %d, want none", roomID, len(o.Data), o.Count)
	}
}

func TestAddMeetingRejectsBadRoomID(t *testing.T) {
	srv := newRoomServer(t, nil)
	for _, room := range []string{"12a", "1 2", "-1"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddMeeting with room ID %q: got no panic, want one", room)
				}
			}()
			srv.AddMeeting(meetingtest.Meeting{ID: "100000099", RoomID: room})
		}()
	}
	srv.AddMeeting(meetingtest.Meeting{ID: "100000098", RoomID: "123456", VMRID: "vmr-1"})
	if m, _ := srv.Meeting("100000098"); m.RoomID != "123456" || m.VMRID != "vmr-1" {
		t.Errorf("Meeting: got room %q, vmr %q, want 123456, vmr-1", m.RoomID, m.VMRID)
	}
}

func TestRecurringFields(t *testing.T) {
	srv := newRoomServer(t, nil)
	srv.AddMeeting(meetingtest.Meeting{ID: "100000006", State: meetingtest.StateInProgress, Scheduler: "alice",
		ChairPassword: "121212", Recurring: true})
	tok := login(t, srv, "alice")
	for _, tt := range []struct {
		id             string
		conferenceType int
		confType       string
		cycle          bool
	}{
		{"100000006", 2, "CYCLE", true},
		{"100000001", 0, "FUTURE", false},
	} {
		var d struct {
			ConferenceData json.RawMessage `json:"conferenceData"`
		}
		decode(t, confDetail(t, srv, tok, tt.id).body, &d)
		c, ks := rawInfo(t, d.ConferenceData)
		if c.ConferenceType != tt.conferenceType || c.ConfType != tt.confType || slices.Contains(ks, "cycleParams") != tt.cycle {
			t.Errorf("%s: got conferenceType %d, confType %q, cycleParams %v, want %d, %q, %v",
				tt.id, c.ConferenceType, c.ConfType, slices.Contains(ks, "cycleParams"), tt.conferenceType, tt.confType, tt.cycle)
		}
		if tt.cycle {
			var cp struct {
				CycleParams struct {
					StartDate, EndDate, Cycle string
				} `json:"cycleParams"`
			}
			decode(t, d.ConferenceData, &cp)
			if cp.CycleParams.Cycle != "Week" || cp.CycleParams.StartDate == "" || cp.CycleParams.EndDate == "" {
				t.Errorf("cycleParams: got %+v, want a weekly series with dates", cp.CycleParams)
			}
		}
	}
}

// TestOnlinePasswords: by default the online list carries the passwords
// confDetail would give the querier; with OnlineWithoutPasswords it has no
// passwordEntry at all, and confDetail still has them.
func TestOnlinePasswords(t *testing.T) {
	for _, without := range []bool{false, true} {
		t.Run("without "+strconv.FormatBool(without), func(t *testing.T) {
			srv := newRoomServer(t, func(cfg *meetingtest.Config) { cfg.OnlineWithoutPasswords = without })
			for _, tt := range []struct {
				user string
				want []string // the passwords of 100000001 in the list
			}{
				{"alice", []string{"chair=111111", "general=222222"}},
				{"bob", []string{"general=222222"}},
				{"", []string{"chair=111111", "general=222222"}},
			} {
				tok := login(t, srv, tt.user)
				r := get(t, srv, "/v1/mmc/management/conferences/online", url.Values{"queryAll": {"true"}},
					map[string]string{"X-Access-Token": tok})
				var o struct {
					Data []json.RawMessage `json:"data"`
				}
				decode(t, r.body, &o)
				if len(o.Data) == 0 {
					t.Fatalf("%s: got an empty list", tt.user)
				}
				for _, raw := range o.Data {
					c, ks := rawInfo(t, raw)
					if without {
						if slices.Contains(ks, "passwordEntry") {
							t.Errorf("%s: %s has passwordEntry %v, want none", tt.user, c.ConferenceID, c.passwords())
						}
						continue
					}
					if c.ConferenceID == "100000001" && !slices.Equal(c.passwords(), tt.want) {
						t.Errorf("%s: got passwords %v, want %v", tt.user, c.passwords(), tt.want)
					}
				}
				var d struct {
					ConferenceData conferenceInfo `json:"conferenceData"`
				}
				decode(t, confDetail(t, srv, tok, "100000001").body, &d)
				if got := d.ConferenceData.passwords(); !slices.Equal(got, tt.want) {
					t.Errorf("%s: confDetail passwords: got %v, want %v", tt.user, got, tt.want)
				}
			}
		})
	}
}

// TestOnlinePaging: pages of the list by offset and limit cover every
// meeting in progress once, in start order, with the total in count.
func TestOnlinePaging(t *testing.T) {
	srv := newRoomServer(t, nil)
	base := srv.Now().Add(time.Hour)
	var want []string
	for i := range 250 {
		id := fmt.Sprintf("2%08d", i)
		srv.AddMeeting(meetingtest.Meeting{ID: id, State: meetingtest.StateInProgress, Start: base.Add(time.Duration(i) * time.Minute)})
		want = append(want, id)
	}
	srv.AddMeeting(meetingtest.Meeting{ID: "300000000", State: meetingtest.StateScheduled})
	want = append([]string{"100000001", roomMeeting}, want...)
	tok := login(t, srv, "dave")
	var got []string
	for offset := 0; ; offset += 100 {
		r := get(t, srv, "/v1/mmc/management/conferences/online",
			url.Values{"queryAll": {"true"}, "offset": {strconv.Itoa(offset)}, "limit": {"100"}},
			map[string]string{"X-Access-Token": tok})
		var o onlineResponse
		decode(t, r.body, &o)
		if o.Count != len(want) || o.Offset != offset || o.Limit != 100 {
			t.Fatalf("offset %d: got count %d offset %d limit %d, want %d, %d, 100", offset, o.Count, o.Offset, o.Limit, len(want), offset)
		}
		if len(o.Data) == 0 {
			break
		}
		for _, c := range o.Data {
			got = append(got, c.ConferenceID)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged IDs: got %d (%v…), want %d (%v…)", len(got), got[:3], len(want), want[:3])
	}
}
