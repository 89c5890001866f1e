package meetingtest

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"time"
)

// Control log-in lock-out: this many wrong passwords for one meeting within
// lockoutWindow lock its control log-in for lockoutDuration. Huawei documents
// only "a while"; these values are inferred.
const (
	maxWrongPasswords = 5
	lockoutWindow     = 10 * time.Minute
	lockoutDuration   = 10 * time.Minute
)

// Control roles, as data.role reports them.
const (
	roleGuest = 0
	roleChair = 1
)

// controlToken is a live control token.
type controlToken struct {
	conferenceID string
	role         int
	expires      time.Time
}

// lockout is the wrong-password record of one meeting.
type lockout struct {
	failures []time.Time // within lockoutWindow
	until    time.Time   // locked until then
}

type controlTokenResponse struct {
	Data           controlTokenData `json:"data"`
	AddressToken   string           `json:"addressToken"`
	GlobalPublicIP string           `json:"gloablPublicIP"` // Huawei's spelling
}

type controlTokenData struct {
	Token               string `json:"token"`
	TmpWsToken          string `json:"tmpWsToken"`
	WsURL               string `json:"wsURL"`
	Role                int    `json:"role"`
	ExpireTime          int64  `json:"expireTime"`          // Unix milliseconds
	ConfTokenExpireTime int64  `json:"confTokenExpireTime"` // seconds
}

// handleControlToken serves GET /v1/mmc/control/conferences/token: a control
// token for a password, or a fresh one for a live control token (keep-alive).
//
// With a password it checks, in this order (the order is inferred): the
// lock-out, the meeting and the password (both answered alike, so that a
// wrong password does not reveal whether the meeting exists), then the
// meeting's state. A right password does not clear earlier wrong ones.
func (s *Server) handleControlToken(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("conferenceID")
	if r.Header.Get(headerLoginType) != "1" || !isDigits(id) {
		writeError(w, errMMCParamInvalid)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.pruneControlTokens(now)

	var role int
	if tok := r.Header.Get(headerConferenceAuth); tok != "" {
		ct, ok := s.control[tok]
		if !ok || ct.conferenceID != id {
			writeError(w, errControlTokenAuthFail)
			return
		}
		role = ct.role
	} else {
		pw := r.Header.Get(headerPassword)
		if pw == "" {
			writeError(w, errMMCParamInvalid)
			return
		}
		lk := s.lockouts[id]
		if lk != nil && now.Before(lk.until) {
			writeError(w, errConfLoginLocked)
			return
		}
		m, ok := s.meetings[id]
		if !ok {
			writeError(w, errConfAuthFailed)
			return
		}
		switch {
		case m.ChairPassword != "" && subtle.ConstantTimeCompare([]byte(pw), []byte(m.ChairPassword)) == 1:
			role = roleChair
		case m.GuestPassword != "" && subtle.ConstantTimeCompare([]byte(pw), []byte(m.GuestPassword)) == 1:
			role = roleGuest
		default:
			s.recordWrongPassword(id, now)
			writeError(w, errConfAuthFailed)
			return
		}
	}
	if e, ok := stateError(s.meetings[id]); !ok {
		writeError(w, e)
		return
	}

	tok := randomToken("stb", 48)
	expires := now.Add(s.cfg.ControlTokenLifetime)
	s.control[tok] = &controlToken{conferenceID: id, role: role, expires: expires}
	tmpWsToken := randomToken("", 32)
	ws := url.URL{
		Scheme:   "wss",
		Host:     r.Host,
		Path:     "/cms/open/websocket/confctl/increment/conn",
		RawQuery: url.Values{"confID": {id}, "tmpWsToken": {tmpWsToken}}.Encode(),
	}
	writeJSON(w, http.StatusOK, controlTokenResponse{
		Data: controlTokenData{
			Token:               tok,
			TmpWsToken:          tmpWsToken,
			WsURL:               ws.String(),
			Role:                role,
			ExpireTime:          expires.UnixMilli(),
			ConfTokenExpireTime: int64(s.cfg.ControlTokenLifetime / time.Second),
		},
		AddressToken:   randomToken("", 32),
		GlobalPublicIP: "127.0.0.1",
	})
}

// recordWrongPassword counts a wrong password for the meeting and locks its
// control log-in after maxWrongPasswords within lockoutWindow. The caller
// holds s.mu.
func (s *Server) recordWrongPassword(id string, now time.Time) {
	lk := s.lockouts[id]
	if lk == nil {
		lk = &lockout{}
		s.lockouts[id] = lk
	}
	recent := lk.failures[:0]
	for _, t := range lk.failures {
		if now.Sub(t) < lockoutWindow {
			recent = append(recent, t)
		}
	}
	lk.failures = append(recent, now)
	if len(lk.failures) >= maxWrongPasswords {
		lk.until = now.Add(lockoutDuration)
		lk.failures = nil
	}
}

// stateError returns the error for controlling m in its state, if any.
func stateError(m *meetingRecord) (apiError, bool) {
	switch {
	case m == nil:
		return errConfAuthFailed, false
	case m.State == StateScheduled:
		return errConfNotStarted, false
	case m.State == StateEnded:
		return errConfIsClosed, false
	}
	return apiError{}, true
}

// pruneControlTokens forgets expired control tokens. The caller holds s.mu.
func (s *Server) pruneControlTokens(now time.Time) {
	for t, ct := range s.control {
		if !now.Before(ct.expires) {
			delete(s.control, t)
		}
	}
}

// handleStop serves PUT /v1/mmc/control/conferences/stop. It ignores any
// request body.
func (s *Server) handleStop(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("conferenceID")
	if !isDigits(id) {
		writeError(w, errMMCParamInvalid)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneControlTokens(s.now())
	ct, ok := s.control[r.Header.Get(headerConferenceAuth)]
	if !ok || ct.conferenceID != id {
		writeError(w, errControlTokenAuthFail)
		return
	}
	if ct.role != roleChair {
		writeError(w, errNoPermission)
		return
	}
	m := s.meetings[id]
	if e, ok := stateError(m); !ok {
		writeError(w, e)
		return
	}
	m.State = StateEnded
	w.WriteHeader(http.StatusOK)
}
