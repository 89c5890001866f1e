package meetingtest

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
	ConferenceID    string          `json:"conferenceID"`
	Subject         string          `json:"subject"`
	StartTime       string          `json:"startTime"`
	EndTime         string          `json:"endTime"`
	TimeZoneID      string          `json:"timeZoneID"`
	ConferenceState string          `json:"conferenceState"`
	PasswordEntry   []passwordEntry `json:"passwordEntry"`
	UserUUID        string          `json:"userUUID"`
	ScheduserName   string          `json:"scheduserName"`
	ConfType        string          `json:"confType"`
	ConfUUID        string          `json:"confUUID"`
	Role            string          `json:"role"`
}

type passwordEntry struct {
	ConferenceRole string `json:"conferenceRole"`
	Password       string `json:"password"`
}

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
// for everyone who sees the meeting. The caller holds s.mu.
func (s *Server) conferenceInfo(m *meetingRecord, role string) conferenceInfo {
	var pw []passwordEntry
	if role == "chair" && m.ChairPassword != "" {
		pw = append(pw, passwordEntry{"chair", m.ChairPassword})
	}
	if m.GuestPassword != "" {
		pw = append(pw, passwordEntry{"general", m.GuestPassword})
	}
	return conferenceInfo{
		ConferenceID:    m.ID,
		Subject:         m.Subject,
		StartTime:       m.Start.UTC().Format(timeLayout),
		EndTime:         m.End.UTC().Format(timeLayout),
		TimeZoneID:      timeZoneUTC,
		ConferenceState: m.State.String(),
		PasswordEntry:   pw,
		UserUUID:        userUUID(m.Scheduler),
		ScheduserName:   s.displayName(m.Scheduler),
		ConfType:        "FUTURE",
		ConfUUID:        m.confUUID,
		Role:            role,
	}
}

// handleConfDetail serves GET /v1/mmc/management/conferences/confDetail.
func (s *Server) handleConfDetail(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	userID, ok := s.authenticate(r)
	if !ok {
		writeError(w, errUserTokenAuthFail)
		return
	}
	id := r.URL.Query().Get("conferenceID")
	if !isDigits(id) {
		writeError(w, errMMCParamInvalid)
		return
	}
	m, ok := s.meetings[id]
	if !ok || m.State == StateEnded {
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
		ConferenceData: s.conferenceInfo(m, role),
		Data:           page[any]{Offset: 0, Limit: defaultLimit, Count: 0, Data: []any{}},
	})
}

// handleOnline serves GET /v1/mmc/management/conferences/online.
func (s *Server) handleOnline(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	userID, ok := s.authenticate(r)
	if !ok {
		writeError(w, errUserTokenAuthFail)
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
	if queryAll && !s.isAdmin(userID) {
		writeError(w, errNoPermission)
		return
	}
	search := strings.ToLower(q.Get("searchKey"))

	var ms []*meetingRecord
	for _, m := range s.meetings {
		if m.State != StateInProgress {
			continue
		}
		if !queryAll && m.Scheduler != userID && !slices.Contains(m.Invitees, userID) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(m.Subject), search) && !strings.Contains(m.ID, search) {
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
		resp.Data = append(resp.Data, s.conferenceInfo(m, s.roleOf(userID, m)))
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
