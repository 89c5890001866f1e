package meetingtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// User is a user of the enterprise, addressed by its App ID user ID. The
// user with the empty ID is the enterprise administrator: it always exists,
// and the Config's Account logs in as it.
type User struct {
	ID    string // App ID userId; "" is the enterprise administrator
	Name  string // display name, reported as name and scheduserName
	Admin bool   // an enterprise administrator: sees and may control every meeting
}

// State is the state of a meeting.
type State int

// The states of a meeting.
const (
	StateScheduled  State = iota // scheduled, not started
	StateInProgress              // in progress
	StateEnded                   // ended
)

// String returns the state as Huawei spells conferenceState.
func (st State) String() string {
	switch st {
	case StateScheduled:
		return "Schedule"
	case StateInProgress:
		return "Created"
	case StateEnded:
		return "Destroyed"
	}
	return fmt.Sprintf("State(%d)", int(st))
}

// Meeting is a meeting of the enterprise.
type Meeting struct {
	ID            string // digits: the conferenceID every call takes
	Subject       string
	Start, End    time.Time
	State         State
	ChairPassword string   // host password
	GuestPassword string   // participant password
	Scheduler     string   // user ID of the host; "" is the administrator
	Invitees      []string // user IDs
	// Chairs are user IDs invited as chairpersons (an attendee with the
	// chair role): like the scheduler they get the host password and may
	// end the meeting, but only the scheduler, who created it, or an
	// administrator may cancel it.
	Chairs []string
	// RoomID, when set, holds the meeting in a cloud meeting room or a
	// personal meeting ID with that meeting ID (digits): Huawei reports
	// vmrFlag 1 and RoomID as vmrConferenceID, the ID its clients show.
	// No call takes it: confDetail with it answers not found.
	RoomID string
	// VMRID is the room's internal ID (vmrID); made up when RoomID is set
	// and VMRID is not.
	VMRID string
	// Recurring makes the meeting one of a recurring series: Huawei
	// reports conferenceType 2, confType CYCLE and cycleParams, and the
	// fake refuses to cancel it with the plain CancelMeeting call.
	Recurring bool
}

// meetingRecord is a Meeting with what the fake adds to it.
type meetingRecord struct {
	Meeting
	confUUID string
}

func (m Meeting) clone() Meeting {
	m.Invitees = slices.Clone(m.Invitees)
	m.Chairs = slices.Clone(m.Chairs)
	return m
}

// unendedMeeting returns the meeting with the given ID unless it has ended:
// the management APIs (confDetail, CancelMeeting) answer for an ended
// meeting as for an unknown one. The caller holds s.mu.
func (s *Server) unendedMeeting(id string) (*meetingRecord, bool) {
	m, ok := s.meetings[id]
	if !ok || m.State == StateEnded {
		return nil, false
	}
	return m, true
}

// AddUser adds u to the enterprise, or replaces the user with its ID. Adding
// the empty ID renames the administrator, which stays an administrator.
func (s *Server) AddUser(u User) {
	if u.ID == "" {
		u.Admin = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// AddMeeting adds m, or replaces the meeting with its ID. A zero Start is
// the current minute by the fake's clock; a zero End is an hour after Start.
// It panics if m.ID, or m.RoomID when set, is not digits. It does not stop
// two meetings in progress from sharing a room, which Huawei presumably
// does not allow, so that a test can see what a client makes of it.
func (s *Server) AddMeeting(m Meeting) {
	if !isDigits(m.ID) {
		panic(fmt.Sprintf("meetingtest: AddMeeting: ID %q is not digits", m.ID))
	}
	if m.RoomID != "" && !isDigits(m.RoomID) {
		panic(fmt.Sprintf("meetingtest: AddMeeting: room ID %q is not digits", m.RoomID))
	}
	m = m.clone()
	if m.RoomID != "" && m.VMRID == "" {
		m.VMRID = randomHex(16)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Start.IsZero() {
		m.Start = s.now().Truncate(time.Minute)
	}
	if m.End.IsZero() {
		m.End = m.Start.Add(time.Hour)
	}
	s.meetings[m.ID] = &meetingRecord{Meeting: m, confUUID: randomHex(16)}
}

// Meeting returns the current state of the meeting with the given ID.
func (s *Server) Meeting(id string) (Meeting, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meetings[id]
	if !ok {
		return Meeting{}, false
	}
	return m.Meeting.clone(), true
}

// SetState sets the state of the meeting with the given ID. It panics if
// there is no such meeting.
func (s *Server) SetState(id string, st State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meetings[id]
	if !ok {
		panic(fmt.Sprintf("meetingtest: SetState: no meeting %q", id))
	}
	m.State = st
}

// SeedRoomID is the personal meeting ID of Seed's user "alice", which holds
// one of Seed's meetings in progress: the ID alice's Huawei client shows
// for it, and the one she would type.
const SeedRoomID = "6857291034"

// Seed adds demo data for the console simulator and returns the meetings it
// added: three in progress, one scheduled and one ended. It also adds the
// user "alice", who hosts two of the meetings in progress, one of them in her
// personal meeting ID (SeedRoomID), and is invited to the third. Their times
// are relative to the fake's clock.
func (s *Server) Seed() []Meeting {
	s.AddUser(User{ID: "alice", Name: "Alice Example"})
	now := s.Now().Truncate(time.Minute)
	ms := []Meeting{
		{
			ID: "914083136", Subject: "Weekly sync",
			Start: now.Add(-15 * time.Minute), End: now.Add(45 * time.Minute),
			State: StateInProgress, ChairPassword: "123456", GuestPassword: "654321",
			Invitees: []string{"alice"},
		},
		{
			ID: "914044873", Subject: "Design review",
			Start: now.Add(-30 * time.Minute), End: now.Add(30 * time.Minute),
			State: StateInProgress, ChairPassword: "246810", GuestPassword: "135790",
			Scheduler: "alice",
		},
		{
			ID: "915276384", Subject: "Quarterly planning",
			Start: now.Add(2 * time.Hour), End: now.Add(3 * time.Hour),
			State: StateScheduled, ChairPassword: "112233", GuestPassword: "445566",
		},
		{
			ID: "913650127", Subject: "Retrospective",
			Start: now.Add(-3 * time.Hour), End: now.Add(-2 * time.Hour),
			State: StateEnded, ChairPassword: "778899", GuestPassword: "998877",
		},
		{
			ID: "916385027", Subject: "Alice's office hours",
			Start: now.Add(-5 * time.Minute), End: now.Add(55 * time.Minute),
			State: StateInProgress, ChairPassword: "864209", GuestPassword: "975310",
			Scheduler: "alice", RoomID: SeedRoomID, VMRID: "ff80808167ef1edf0167f339533d05a6",
		},
	}
	for _, m := range ms {
		s.AddMeeting(m)
	}
	return ms
}

// userLocked returns the user with the given ID. The caller holds s.mu.
func (s *Server) userLocked(id string) (User, bool) {
	if u, ok := s.users[id]; ok {
		return u, true
	}
	if id == "" {
		name := s.cfg.Account
		if name == "" {
			name = "admin"
		}
		return User{Name: name, Admin: true}, true
	}
	return User{}, false
}

// userUUID is the Huawei-side UUID of a user: stable, 32 hex digits.
func userUUID(id string) string {
	sum := sha256.Sum256([]byte("meetingtest user " + id))
	return hex.EncodeToString(sum[:16])
}

// displayName is the name reported for a user ID, known or not.
func (s *Server) displayName(id string) string {
	if u, ok := s.userLocked(id); ok && u.Name != "" {
		return u.Name
	}
	return id
}

// isAdmin reports whether the user is an enterprise administrator. The
// caller holds s.mu.
func (s *Server) isAdmin(userID string) bool {
	u, ok := s.userLocked(userID)
	return ok && u.Admin
}

// roleOf returns the user's role in m: "chair" for the scheduler, its
// chairs and administrators, "general" for invitees, "" for anyone else.
func (s *Server) roleOf(userID string, m *meetingRecord) string {
	switch {
	case s.isAdmin(userID) || m.Scheduler == userID || slices.Contains(m.Chairs, userID):
		return "chair"
	case slices.Contains(m.Invitees, userID):
		return "general"
	}
	return ""
}

func isDigits(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
