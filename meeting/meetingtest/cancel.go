package meetingtest

import "net/http"

// handleCancel serves DELETE /v1/mmc/management/conferences (CancelMeeting):
// it cancels a meeting's reservation and, with type=1, ends it if it is in
// progress. An enterprise administrator may cancel any meeting of the
// enterprise, an ordinary user only the meetings they scheduled; anyone else
// gets 403 (whether Huawei tells a stranger 403 or not found is not
// documented). A cancelled meeting is gone: confDetail answers not found,
// its control tokens stop working and nobody can rejoin. 200 has no body.
//
// It checks, in this order (the order is inferred): the access token, the
// parameters, that the meeting exists and has not ended, the permission,
// that the meeting is not recurring, and type=1 for a meeting in progress.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	userID, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	id, typ := q.Get("conferenceID"), q.Get("type")
	if !isDigits(id) || len(q["conferenceID"]) != 1 || (typ != "" && typ != "1") || len(q["type"]) > 1 {
		writeError(w, errMMCParamInvalid)
		return
	}
	m, ok := s.unendedMeeting(id)
	if !ok {
		writeError(w, errConfDataNotFound)
		return
	}
	if !s.isAdmin(userID) && m.Scheduler != userID {
		writeError(w, errNoPermission)
		return
	}
	if m.Recurring {
		writeError(w, errCycleConf)
		return
	}
	if m.State == StateInProgress && typ != "1" {
		writeError(w, errConfInProgress)
		return
	}
	delete(s.meetings, id)
	for tok, ct := range s.control {
		if ct.conferenceID == id {
			delete(s.control, tok)
		}
	}
	w.WriteHeader(http.StatusOK)
}
