package meetingtest

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"time"
)

// Endpoint names one of the API calls the fake serves, for fault injection
// and the request log.
type Endpoint string

// The endpoints the fake serves.
const (
	EndpointAppAuth      Endpoint = "appauth"      // POST /v2/usg/acs/auth/appauth
	EndpointAccountAuth  Endpoint = "accountauth"  // POST /v1/usg/acs/auth/account
	EndpointConfDetail   Endpoint = "confdetail"   // GET /v1/mmc/management/conferences/confDetail
	EndpointOnline       Endpoint = "online"       // GET /v1/mmc/management/conferences/online
	EndpointControlToken Endpoint = "controltoken" // GET /v1/mmc/control/conferences/token
	EndpointStop         Endpoint = "stop"         // PUT /v1/mmc/control/conferences/stop
	EndpointCancel       Endpoint = "cancel"       // DELETE /v1/mmc/management/conferences (CancelMeeting)
)

// Fault is an answer that replaces the real one. A Fault with a Status
// answers with that status and a JSON error body when Code or Msg is set,
// else with Body as is (possibly empty). A Fault without a Status answers for
// real, after Delay, with Header added. Hang wins over everything else. A
// request released from a Hang, a Delay or a Trickle (by its context or by
// Close) gets no more of its answer: its connection is dropped.
type Fault struct {
	Status      int           // HTTP status; 0 answers for real
	Code, Msg   string        // error_code and error_msg of a JSON error body
	Body        string        // raw body instead, such as an HTML gateway page
	ContentType string        // Content-Type of the answer; sniffed from Body when empty
	Header      http.Header   // extra headers, such as Retry-After
	Hang        bool          // never answer until the request's context ends or the server closes
	Delay       time.Duration // answer (really, or with Status if set) after this delay
	// Trickle sends the status line and the headers at once, then the
	// body (the real one, or the fault's with Status) a byte at a time,
	// spread over Trickle, and ends it only when Trickle has passed, as a
	// gateway whose upstream stalls mid-answer does. The body has no
	// Content-Length, so the client cannot tell that it is over before
	// the end: an empty body (the stop's 200) stalls for all of Trickle.
	Trickle time.Duration
}

// queuedFault is a Fault with the number of requests it still answers.
type queuedFault struct {
	f    Fault
	left int
}

// InjectFault makes the next n requests to ep get f instead of the real
// answer. Faults queue in order: a second InjectFault for ep takes effect
// when the first is used up. Faults apply whatever the request's method.
func (s *Server) InjectFault(ep Endpoint, n int, f Fault) {
	if n <= 0 {
		return
	}
	f.Header = f.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[ep] = append(s.faults[ep], &queuedFault{f: f, left: n})
}

// popFault takes one use of ep's first queued fault. The caller holds s.mu.
func (s *Server) popFault(ep Endpoint) *Fault {
	q := s.faults[ep]
	if len(q) == 0 {
		return nil
	}
	f := q[0].f
	q[0].left--
	if q[0].left == 0 {
		s.faults[ep] = q[1:]
	}
	return &f
}

// applyFault answers r with f; handle gives the real answer. A request
// released from a hang, a delay or a trickle gets no more of its answer: its
// connection is dropped.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault, handle http.HandlerFunc) {
	if f.Hang {
		s.await(r, nil) // nothing comes: only the release ends a hang
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		s.await(r, t.C)
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	answer := handle
	if f.Status != 0 {
		answer = func(w http.ResponseWriter, _ *http.Request) { writeFault(w, f) }
	}
	if f.Trickle <= 0 {
		answer(w, r)
		return
	}
	rec := httptest.NewRecorder()
	maps.Copy(rec.Header(), w.Header())
	answer(rec, r)
	s.trickle(w, r, rec, f.Trickle)
}

// writeFault writes the answer of a Fault with a Status.
func writeFault(w http.ResponseWriter, f Fault) {
	body, ct := []byte(f.Body), f.ContentType
	if f.Code != "" || f.Msg != "" {
		body = marshal(errorBody{Code: f.Code, Msg: f.Msg, RequestID: w.Header().Get(headerRequestID)})
		if ct == "" {
			ct = jsonContentType
		}
	}
	if ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write(body)
}

// trickle sends the recorded answer: its status line and headers at once,
// then its body a byte at a time over d, ending it when d has passed.
func (s *Server) trickle(w http.ResponseWriter, r *http.Request, rec *httptest.ResponseRecorder, d time.Duration) {
	body := rec.Body.Bytes()
	h := w.Header()
	clear(h)
	maps.Copy(h, rec.Header())
	h.Del("Content-Length")
	rc := http.NewResponseController(w)
	w.WriteHeader(rec.Code)
	_ = rc.Flush()
	end := time.Now().Add(d)
	step := d / time.Duration(len(body)+1)
	t := time.NewTimer(step)
	defer t.Stop()
	for i := 0; ; i++ {
		s.await(r, t.C)
		if i == len(body) {
			return
		}
		if _, err := w.Write(body[i : i+1]); err != nil {
			abort()
		}
		_ = rc.Flush()
		if i == len(body)-1 {
			t.Reset(time.Until(end))
		} else {
			t.Reset(step)
		}
	}
}

// await waits for c to deliver, and drops the connection (abort) when the
// request is released first, by its context or by Close. A nil c never
// delivers.
func (s *Server) await(r *http.Request, c <-chan time.Time) {
	select {
	case <-c:
	case <-r.Context().Done():
		abort()
	case <-s.closed:
		abort()
	}
}

// abort drops the connection without an answer. Returning from a handler
// without writing would send "200 OK" with an empty body, which is a
// successful stop.
func abort() {
	panic(http.ErrAbortHandler)
}
