package meetingtest

import (
	"net/http"
	"net/url"
	"time"
)

// Request is one request the fake received, as recorded in its log.
type Request struct {
	Endpoint  Endpoint    // "" for a path the fake does not serve
	Method    string      // HTTP method
	Path      string      // URL path
	Query     url.Values  // URL query
	Header    http.Header // request headers, including credentials
	Body      string      // request body (at most 1 MiB)
	Status    int         // status answered; 0 while in flight or when never answered (Hang)
	RequestID string      // the X-Request-Id answered
	At        time.Time   // arrival, by the fake's clock
}

// Requests returns the log of requests in arrival order, including those
// still in flight.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	for i, r := range s.log {
		out[i] = *r
		out[i].Query = cloneValues(r.Query)
		out[i].Header = r.Header.Clone()
	}
	return out
}

// Count returns how many requests to ep the log holds.
func (s *Server) Count(ep Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Endpoint == ep {
			n++
		}
	}
	return n
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

func cloneValues(v url.Values) url.Values {
	return url.Values(http.Header(v).Clone())
}
