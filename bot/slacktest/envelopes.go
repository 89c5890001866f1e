package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Envelope describes one delivery of an envelope to the bot over Socket
// Mode. An envelope sent to several connections, or sent again, has one
// Envelope per delivery, all with the same ID and ResponseURL.
type Envelope struct {
	// ID is the envelope_id the bot must ack.
	ID string
	// ResponseURL is the payload's response_url ("" for SendEnvelope).
	ResponseURL string
	// SentAt is when the envelope was written to the WebSocket.
	SentAt time.Time
	// Type is the envelope type: "slash_commands", "interactive", ….
	Type string
	// Conn is the number of the connection it was written to.
	Conn int
	// RetryAttempt and RetryReason are the envelope's retry_attempt and
	// retry_reason: 0 and "" for a first delivery, then set by Redeliver.
	RetryAttempt int
	RetryReason  string
}

// envelopeState is what the server knows of an envelope it sent.
type envelopeState struct {
	typ         string
	responseURL string
	payload     json.RawMessage
	deliveries  []*delivery // in order of sending
	retries     int         // the last retry_attempt handed out
	acks        int
	duplicate   bool // reported in DuplicateAcks
}

// delivery is one write of an envelope to a connection.
type delivery struct {
	conn    int
	attempt int
	reason  string
	sentAt  time.Time
}

// ackedDelivery returns the delivery an ack on conn answers: the latest on
// conn, else the latest on any connection.
func (e *envelopeState) ackedDelivery(conn int) *delivery {
	for _, d := range slices.Backward(e.deliveries) {
		if d.conn == conn {
			return d
		}
	}
	if len(e.deliveries) == 0 {
		return nil
	}
	return e.deliveries[len(e.deliveries)-1]
}

// envelopeFrame is an envelope as Slack writes it, in Slack's field order.
// Slack puts retry_attempt and retry_reason in every events_api envelope
// (0 and "" the first time) and, in captures, in no first delivery of
// another type; slack-go reads them as socketmode.Request.RetryAttempt and
// RetryReason.
type envelopeFrame struct {
	EnvelopeID             string          `json:"envelope_id"`
	Payload                json.RawMessage `json:"payload"`
	Type                   string          `json:"type"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	RetryAttempt           *int            `json:"retry_attempt,omitempty"`
	RetryReason            *string         `json:"retry_reason,omitempty"`
}

func (e *envelopeState) frame(id string, attempt int, reason string) []byte {
	f := envelopeFrame{
		EnvelopeID:             id,
		Payload:                e.payload,
		Type:                   e.typ,
		AcceptsResponsePayload: e.typ != "events_api",
	}
	if attempt > 0 || e.typ == "events_api" {
		f.RetryAttempt, f.RetryReason = &attempt, &reason
	}
	b, _ := json.Marshal(f) // cannot fail: newEnvelope checked the payload
	return b
}

// SendEnvelope pushes an envelope of type typ with payload (marshalled with
// encoding/json; a json.RawMessage goes as is) to the next open connection
// in turn, waiting for one while ctx allows. accepts_response_payload is
// true except for "events_api".
func (s *Server) SendEnvelope(ctx context.Context, typ string, payload any) (Envelope, error) {
	return s.sendEnvelope(ctx, typ, "", payload)
}

// SendEnvelopeTo pushes one envelope, as SendEnvelope builds it, to each
// of the connections numbered conns, or to every open connection when
// conns is empty, and returns one Envelope per delivery, in that order.
// It waits, while ctx allows, for named connections not connected yet (or
// for one open connection when conns is empty); a named connection that
// has closed is ErrNotOpen. A connection whose write fails is dropped and
// named in the error, next to the deliveries that succeeded. Explicit
// sends leave the round-robin's turn alone.
func (s *Server) SendEnvelopeTo(ctx context.Context, typ string, payload any, conns ...int) ([]Envelope, error) {
	return s.sendEnvelopeTo(ctx, typ, "", payload, conns)
}

// Redeliver sends the envelope of env again on the connection numbered
// conn, with the same envelope_id and payload, as Slack does when it saw
// no ack in time: retry_attempt is one more than the last, retry_reason is
// reason (for example "timeout"). It waits while conn has not connected
// yet and ctx allows; a closed conn is ErrNotOpen.
func (s *Server) Redeliver(ctx context.Context, env Envelope, conn int, reason string) (Envelope, error) {
	s.mu.Lock()
	st := s.envelopes[env.ID]
	s.mu.Unlock()
	if st == nil {
		return Envelope{}, fmt.Errorf("slacktest: envelope %q was never sent", env.ID)
	}
	envs, err := s.deliver(ctx, env.ID, st, toConns([]int{conn}), retry{redeliver: true, reason: reason})
	if err != nil {
		return Envelope{}, err
	}
	return envs[0], nil
}

func (s *Server) newEnvelope(typ, responseURL string, payload any) (*envelopeState, error) {
	raw, isRaw := payload.(json.RawMessage)
	if !isRaw {
		var err error
		if raw, err = json.Marshal(payload); err != nil {
			return nil, fmt.Errorf("slacktest: marshal %s payload: %w", typ, err)
		}
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("slacktest: %s payload is not valid JSON", typ)
	}
	return &envelopeState{typ: typ, responseURL: responseURL, payload: raw}, nil
}

func (s *Server) sendEnvelope(ctx context.Context, typ, responseURL string, payload any) (Envelope, error) {
	st, err := s.newEnvelope(typ, responseURL, payload)
	if err != nil {
		return Envelope{}, err
	}
	envs, err := s.deliver(ctx, newEnvelopeID(), st, (*Server).nextConnLocked, retry{chooseAgain: true})
	if err != nil {
		return Envelope{}, err
	}
	return envs[0], nil
}

func (s *Server) sendEnvelopeTo(ctx context.Context, typ, responseURL string, payload any, conns []int) ([]Envelope, error) {
	st, err := s.newEnvelope(typ, responseURL, payload)
	if err != nil {
		return nil, err
	}
	if len(conns) == 0 {
		return s.deliver(ctx, newEnvelopeID(), st, allLive, retry{chooseAgain: true})
	}
	return s.deliver(ctx, newEnvelopeID(), st, toConns(conns), retry{})
}

// A chooser picks, with s.mu held, the connections to write an envelope
// to. It returns ok false to wait for a change, or an error to give up.
type chooser func(s *Server) (conns []*wsConn, ok bool, err error)

// retry says how deliver sends an envelope again.
type retry struct {
	// redeliver makes the delivery a retry: retry_attempt one more than
	// the last, retry_reason reason.
	redeliver bool
	reason    string
	// chooseAgain makes deliver ask its chooser again when every write
	// failed, as Slack moves on to another connection.
	chooseAgain bool
}

// nextConnLocked picks the open connection after the one the last
// envelope went to, in order of number: a round-robin, deterministic as
// long as connections come and go the same way.
func (s *Server) nextConnLocked() ([]*wsConn, bool, error) {
	live := s.liveLocked()
	if len(live) == 0 {
		return nil, false, nil
	}
	next := live[0]
	for _, c := range live {
		if c.n > s.lastSpread {
			next = c
			break
		}
	}
	s.lastSpread = next.n
	return []*wsConn{next}, true, nil
}

// allLive picks every open connection that takes envelopes.
func allLive(s *Server) ([]*wsConn, bool, error) {
	live := s.liveLocked()
	return live, len(live) > 0, nil
}

// toConns picks the connections numbered ns, waiting for those not yet
// connected. A connection told to disconnect still counts: the test chose it.
func toConns(ns []int) chooser {
	ns = slices.Clone(ns)
	return func(s *Server) ([]*wsConn, bool, error) {
		conns := make([]*wsConn, 0, len(ns))
		for _, n := range ns {
			c := s.byNum[n]
			switch {
			case n < 0 || (n < s.connects && c == nil):
				return nil, false, fmt.Errorf("sending to connection %d: %w", n, ErrNotOpen)
			case c == nil || !c.ready:
				return nil, false, nil // not connected yet, or hello not sent
			}
			conns = append(conns, c)
		}
		return conns, true, nil
	}
}

// deliver writes the envelope id to the connections choose picks. Each
// delivery is registered before its write, so that a fast ack finds it,
// and forgotten when the write fails.
func (s *Server) deliver(ctx context.Context, id string, st *envelopeState, choose chooser, r retry) ([]Envelope, error) {
	what := "a Socket Mode connection (sending a " + st.typ + " envelope)"
	for {
		var (
			conns     []*wsConn
			delivs    []*delivery
			chooseErr error
		)
		err := s.waitFor(ctx, what, func() bool {
			if s.closed {
				return false
			}
			var ok bool
			conns, ok, chooseErr = choose(s)
			if chooseErr != nil {
				return true
			}
			if !ok {
				return false
			}
			attempt, reason := 0, ""
			if r.redeliver {
				st.retries++
				attempt, reason = st.retries, r.reason
			}
			now := time.Now()
			delivs = delivs[:0]
			for _, c := range conns {
				d := &delivery{conn: c.n, attempt: attempt, reason: reason, sentAt: now}
				st.deliveries = append(st.deliveries, d)
				delivs = append(delivs, d)
			}
			s.envelopes[id] = st
			return true
		})
		if err != nil {
			return nil, err
		}
		if chooseErr != nil {
			return nil, chooseErr
		}

		var (
			envs   []Envelope
			failed []error
		)
		for i, c := range conns {
			d := delivs[i]
			if err := c.writeText(st.frame(id, d.attempt, d.reason)); err != nil {
				s.forget(c)
				s.undeliver(st, d)
				failed = append(failed, fmt.Errorf("writing to connection %d: %w: %w", c.n, ErrNotOpen, err))
				continue
			}
			envs = append(envs, Envelope{
				ID: id, ResponseURL: st.responseURL, SentAt: d.sentAt, Type: st.typ,
				Conn: d.conn, RetryAttempt: d.attempt, RetryReason: d.reason,
			})
		}
		if len(failed) > 0 && len(envs) == 0 && r.chooseAgain {
			continue // the next connection in turn, as Slack would
		}
		return envs, errors.Join(failed...)
	}
}

// undeliver forgets a delivery whose write failed.
func (s *Server) undeliver(st *envelopeState, d *delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.deliveries = slices.DeleteFunc(st.deliveries, func(x *delivery) bool { return x == d })
	s.bump()
}
