package meetingtest

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	timeLayout   = "2006-01-02 15:04" // startTime and endTime, in UTC
	timeZoneUTC  = "56"               // Huawei's timeZoneID for the times it sends
	defaultLimit = 20
	maxLimit     = 500
)

// conferenceInfo is Huawei's ConferenceInfo, as confDetail's conferenceData
// and as the items of online.
type conferenceInfo struct {
	ConferenceID    string `json:"conferenceID"`
	Subject         string `json:"subject"`
	StartTime       string `json:"startTime"`
	EndTime         string `json:"endTime"`
	TimeZoneID      string `json:"timeZoneID"`
	ConferenceState string `json:"conferenceState"`
	// PasswordEntry is left out (nil) where the online list carries no
	// passwords (Config.OnlineWithoutPasswords).
	PasswordEntry  *[]passwordEntry `json:"passwordEntry,omitempty"`
	UserUUID       string           `json:"userUUID"`
	ScheduserName  string           `json:"scheduserName"`
	ConferenceType int              `json:"conferenceType"` // 0 ordinary, 2 recurring
	ConfType       string           `json:"confType"`       // FUTURE, IMMEDIATELY or CYCLE
	CycleParams    *cycleParams     `json:"cycleParams,omitempty"`
	ConfUUID       string           `json:"confUUID"`
	Role           string           `json:"role"`
	// VmrFlag is 1 for a meeting held in a cloud meeting room or a
	// personal meeting ID, whose ID people see is VmrConferenceID.
	VmrFlag         int    `json:"vmrFlag"`
	VmrConferenceID string `json:"vmrConferenceID,omitempty"`
	VmrID           string `json:"vmrID,omitempty"`
}

type passwordEntry struct {
	ConferenceRole string `json:"conferenceRole"`
	Password       string `json:"password"`
}

// cycleParams is Huawei's CycleParams, the rule of a recurring series.
type cycleParams struct {
	StartDate     string `json:"startDate"` // YYYY-MM-DD
	EndDate       string `json:"endDate"`
	Cycle         string `json:"cycle"` // Day, Week or Month
	Interval      int    `json:"interval"`
	Point         []int  `json:"point"`
	PreRemindDays int    `json:"preRemindDays"`
}

// confType values, and conferenceType's for a recurring meeting.
const (
	confTypeFuture         = "FUTURE"
	confTypeCycle          = "CYCLE"
	conferenceTypeCycle    = 2
	conferenceTypeOrdinary = 0
)

// page is Huawei's paging object.
type page[T any] struct {
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
	Count  int `json:"count"`
	Data   []T `json:"data"`
}

type confDetailResponse struct {
	ConferenceData conferenceInfo `json:"conferenceData"`
	Data           page[any]      `json:"data"`
}

// conferenceInfo describes m as the user may see it: the chair password
// only for chairs (the scheduler and administrators), the guest password
// for everyone who sees the meeting; without passwords, no passwordEntry at
// all. The caller holds s.mu.
func (s *Server) conferenceInfo(m *meetingRecord, role string, passwords bool) conferenceInfo {
	ci := conferenceInfo{
		ConferenceID:    m.ID,
		Subject:         m.Subject,
		StartTime:       m.Start.UTC().Format(timeLayout),
		EndTime:         m.End.UTC().Format(timeLayout),
		TimeZoneID:      timeZoneUTC,
		ConferenceState: m.State.String(),
		UserUUID:        userUUID(m.Scheduler),
		ScheduserName:   s.displayName(m.Scheduler),
		ConferenceType:  conferenceTypeOrdinary,
		ConfType:        confTypeFuture,
		ConfUUID:        m.confUUID,
		Role:            role,
	}
	if passwords {
		pw := []passwordEntry{}
		if role == "chair" && m.ChairPassword != "" {
			pw = append(pw, passwordEntry{"chair", m.ChairPassword})
		}
		if m.GuestPassword != "" {
			pw = append(pw, passwordEntry{"general", m.GuestPassword})
		}
		ci.PasswordEntry = &pw
	}
	if m.Recurring {
		ci.ConferenceType, ci.ConfType = conferenceTypeCycle, confTypeCycle
		ci.CycleParams = &cycleParams{
			StartDate: m.Start.UTC().Format(time.DateOnly),
			EndDate:   m.Start.UTC().AddDate(0, 3, 0).Format(time.DateOnly),
			Cycle:     "Week", Interval: 1, Point: []int{int(m.Start.UTC().Weekday())},
			PreRemindDays: 1,
		}
	}
	if m.RoomID != "" {
		ci.VmrFlag, ci.VmrConferenceID, ci.VmrID = 1, m.RoomID, m.VMRID
	}
	return ci
}

// handleConfDetail serves GET /v1/mmc/management/conferences/confDetail.
func (s *Server) handleConfDetail(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	userID, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	id := r.URL.Query().Get("conferenceID")
	if !isDigits(id) {
		writeError(w, errMMCParamInvalid)
		return
	}
	m, ok := s.unendedMeeting(id)
	if !ok {
		writeError(w, errConfDataNotFound)
		return
	}
	role := s.roleOf(userID, m)
	if role == "" {
		// Huawei does not tell a stranger that the meeting exists.
		writeError(w, errConfDataNotFound)
		return
	}
	writeJSON(w, http.StatusOK, confDetailResponse{
		ConferenceData: s.conferenceInfo(m, role, true),
		Data:           page[any]{Offset: 0, Limit: defaultLimit, Count: 0, Data: []any{}},
	})
}

// handleOnline serves GET /v1/mmc/management/conferences/online: the
// meetings in progress the user created or was invited to, or with
// queryAll=true and an administrator's token every meeting in progress,
// sorted by start time. Huawei documents queryAll as valid only for
// administrators, and the SDK's model says it has no effect for anyone else:
// the fake ignores it for them. searchKey matches the subject, the
// scheduler's name and the conferenceID, as documented; not the room ID,
// which no source says it matches.
func (s *Server) handleOnline(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	userID, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	offset, okOffset := intParam(q.Get("offset"), 0, 0, -1)
	limit, okLimit := intParam(q.Get("limit"), defaultLimit, 1, maxLimit)
	queryAll, okAll := boolParam(q.Get("queryAll"))
	if !okOffset || !okLimit || !okAll {
		writeError(w, errMMCParamInvalid)
		return
	}
	queryAll = queryAll && s.isAdmin(userID)
	search := strings.ToLower(q.Get("searchKey"))

	var ms []*meetingRecord
	for _, m := range s.meetings {
		if m.State != StateInProgress {
			continue
		}
		if !queryAll && m.Scheduler != userID && !slices.Contains(m.Invitees, userID) && !slices.Contains(m.Chairs, userID) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(m.Subject), search) &&
			!strings.Contains(strings.ToLower(s.displayName(m.Scheduler)), search) && !strings.Contains(m.ID, search) {
			continue
		}
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *meetingRecord) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID))
	})
	resp := page[conferenceInfo]{Offset: offset, Limit: limit, Count: len(ms), Data: []conferenceInfo{}}
	start := min(offset, len(ms))
	for _, m := range ms[start : start+min(limit, len(ms)-start)] {
		resp.Data = append(resp.Data, s.conferenceInfo(m, s.roleOf(userID, m), !s.cfg.OnlineWithoutPasswords))
	}
	writeJSON(w, http.StatusOK, resp)
}

// intParam parses an optional integer query parameter within [lo, hi]; a
// negative hi means no upper bound.
func intParam(v string, def, lo, hi int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || (hi >= 0 && n > hi) {
		return 0, false
	}
	return n, true
}

// boolParam parses an optional "true" or "false" query parameter.
func boolParam(v string) (bool, bool) {
	switch v {
	case "", "false":
		return false, true
	case "true":
		return true, true
	}
	return false, false
}
