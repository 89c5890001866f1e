package meetingtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Header names the fake reads or writes.
const (
	headerRequestID      = "X-Request-Id"
	headerAccessToken    = "X-Access-Token"
	headerConferenceAuth = "X-Conference-Authorization"
	headerPassword       = "X-Password"
	headerLoginType      = "X-Login-Type"
	headerTokenType      = "X-Token-Type"
)

// maxBodyBytes bounds what the fake reads of a request body.
const maxBodyBytes = 1 << 20

// Config is what a Server accepts as credentials and how long its tokens live.
type Config struct {
	// AppID and AppKey are the App ID credentials the server accepts. With an
	// empty AppID every App ID log-in is refused.
	AppID, AppKey string
	// Account and Password are the account credentials the server accepts;
	// they log in as the enterprise administrator. With an empty Account every
	// account log-in is refused.
	Account, Password string
	// AccessTokenLifetime is how long an access token lives; default 12h.
	AccessTokenLifetime time.Duration
	// ControlTokenLifetime is how long a control token lives; default 30m.
	ControlTokenLifetime time.Duration
	// OnlineWithoutPasswords makes the online list leave out passwordEntry
	// altogether. Whether Huawei's list carries it is not documented; the
	// one published example of the list's answer shows it, with a chair
	// and a general entry (their values masked), so by default the fake's
	// list carries the passwords confDetail would give the querier.
	OnlineWithoutPasswords bool
}

// Server is a fake Huawei Cloud Meeting server on 127.0.0.1 with a random
// port. It is safe for concurrent use.
type Server struct {
	cfg    Config
	ts     *httptest.Server
	routes map[string]route

	closeOnce sync.Once
	closed    chan struct{} // closed by Close: releases hung and delayed requests

	mu       sync.Mutex
	offset   time.Duration // fake clock: real time plus offset
	users    map[string]User
	meetings map[string]*meetingRecord
	access   map[string]*accessToken
	userToks map[string][]string // user ID to its live access tokens, oldest first
	nonces   map[string]time.Time
	control  map[string]*controlToken
	lockouts map[string]*lockout
	faults   map[Endpoint][]*queuedFault
	log      []*Request
}

// route is one API: the method it takes and its handler.
type route struct {
	ep      Endpoint
	method  string
	handler func(http.ResponseWriter, *http.Request)
}

// NewServer starts a fake server that accepts the credentials in cfg. The
// caller must Close it.
func NewServer(cfg Config) *Server {
	if cfg.AccessTokenLifetime <= 0 {
		cfg.AccessTokenLifetime = 12 * time.Hour
	}
	if cfg.ControlTokenLifetime <= 0 {
		cfg.ControlTokenLifetime = 30 * time.Minute
	}
	s := &Server{
		cfg:      cfg,
		closed:   make(chan struct{}),
		users:    map[string]User{},
		meetings: map[string]*meetingRecord{},
		access:   map[string]*accessToken{},
		userToks: map[string][]string{},
		nonces:   map[string]time.Time{},
		control:  map[string]*controlToken{},
		lockouts: map[string]*lockout{},
		faults:   map[Endpoint][]*queuedFault{},
	}
	s.routes = map[string]route{
		"/v2/usg/acs/auth/appauth":                  {EndpointAppAuth, http.MethodPost, s.handleAppAuth},
		"/v1/usg/acs/auth/account":                  {EndpointAccountAuth, http.MethodPost, s.handleAccountAuth},
		"/v1/mmc/management/conferences/confDetail": {EndpointConfDetail, http.MethodGet, s.handleConfDetail},
		"/v1/mmc/management/conferences/online":     {EndpointOnline, http.MethodGet, s.handleOnline},
		"/v1/mmc/control/conferences/token":         {EndpointControlToken, http.MethodGet, s.handleControlToken},
		"/v1/mmc/control/conferences/stop":          {EndpointStop, http.MethodPut, s.handleStop},
		"/v1/mmc/management/conferences":            {EndpointCancel, http.MethodDelete, s.handleCancel},
	}

	// httptest falls back to [::1] when 127.0.0.1 is unavailable; the fake
	// promises 127.0.0.1, so it brings its own listener.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("meetingtest: listen on 127.0.0.1: " + err.Error())
	}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	_ = s.ts.Listener.Close()
	s.ts.Listener = l
	s.ts.Start()
	return s
}

// URL returns the server's base URL, such as "http://127.0.0.1:41234", with
// no trailing slash.
func (s *Server) URL() string { return s.ts.URL }

// Close releases hung and delayed requests, shuts the server down and waits
// for its handlers to return.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Now returns the fake's time: real time plus what Advance added.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// now is Now for callers that hold s.mu.
func (s *Server) now() time.Time { return time.Now().Add(s.offset) }

// Advance moves the fake's clock forward by d (backward if d is negative).
// Tokens, nonces and lock-outs expire by this clock.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// serveHTTP logs the request, applies a queued fault if any, and routes.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := randomHex(16)
	w.Header().Set(headerRequestID, reqID)

	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	r.Body = io.NopCloser(bytes.NewReader(body))

	rt, known := s.routes[r.URL.Path]
	rec := &Request{
		Endpoint:  rt.ep,
		Method:    r.Method,
		Path:      r.URL.Path,
		Query:     r.URL.Query(),
		Header:    r.Header.Clone(),
		Body:      string(body),
		RequestID: reqID,
	}
	s.mu.Lock()
	rec.At = s.now()
	s.log = append(s.log, rec)
	var f *Fault
	if known {
		f = s.popFault(rt.ep)
	}
	s.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		rec.Status = sw.status
		s.mu.Unlock()
	}()

	handle := func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !known:
			writeError(w, errNotFound)
		case r.Method != rt.method:
			w.Header().Set("Allow", rt.method)
			writeError(w, errMethodNotAllowed)
		default:
			rt.handler(w, r)
		}
	}
	if f != nil {
		s.applyFault(sw, r, *f, handle)
		return
	}
	handle(sw, r)
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// randomHex returns n random bytes as lower-case hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// randomToken returns a random token in the style of Huawei's examples: a
// three-letter prefix and alphanumerics.
func randomToken(prefix string, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}
