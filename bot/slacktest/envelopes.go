package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Envelope describes an envelope pushed to the bot over Socket Mode.
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
}

// envelopeState is what the server knows of an envelope it sent.
type envelopeState struct {
	typ         string
	responseURL string
	payload     json.RawMessage
	deliveries  []*delivery // in order of sending
	acks        int
	duplicate   bool // reported in DuplicateAcks
}

// delivery is one write of an envelope to a connection.
type delivery struct {
	conn   int
	sentAt time.Time
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

// envelopeFrame is an envelope as Slack writes it.
type envelopeFrame struct {
	EnvelopeID             string          `json:"envelope_id"`
	Type                   string          `json:"type"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	Payload                json.RawMessage `json:"payload"`
}

func (e *envelopeState) frame(id string) []byte {
	b, _ := json.Marshal(envelopeFrame{
		EnvelopeID:             id,
		Type:                   e.typ,
		AcceptsResponsePayload: e.typ != "events_api",
		Payload:                e.payload,
	}) // cannot fail: newEnvelope checked the payload
	return b
}

// SendEnvelope pushes an envelope of type typ with payload (marshalled with
// encoding/json; a json.RawMessage goes as is) to the next open connection
// in turn, waiting for one while ctx allows. accepts_response_payload is
// true except for "events_api".
func (s *Server) SendEnvelope(ctx context.Context, typ string, payload any) (Envelope, error) {
	return s.sendEnvelope(ctx, typ, "", payload)
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
	return s.deliver(ctx, newEnvelopeID(), st)
}

// nextConnLocked picks the open connection after the one the last
// envelope went to, in order of number: a round-robin, deterministic as
// long as connections come and go the same way.
func (s *Server) nextConnLocked() *wsConn {
	live := s.liveLocked()
	if len(live) == 0 {
		return nil
	}
	next := live[0]
	for _, c := range live {
		if c.n > s.lastSpread {
			next = c
			break
		}
	}
	s.lastSpread = next.n
	return next
}

// deliver writes the envelope id to the next open connection in turn,
// waiting for one while ctx allows. The delivery is registered before the
// write, so that a fast ack finds it, and forgotten when the write fails;
// the next connection is then tried.
func (s *Server) deliver(ctx context.Context, id string, st *envelopeState) (Envelope, error) {
	what := "a Socket Mode connection (sending a " + st.typ + " envelope)"
	for {
		var (
			c *wsConn
			d *delivery
		)
		err := s.waitFor(ctx, what, func() bool {
			if s.closed {
				return false
			}
			if c = s.nextConnLocked(); c == nil {
				return false
			}
			d = &delivery{conn: c.n, sentAt: time.Now()}
			st.deliveries = append(st.deliveries, d)
			s.envelopes[id] = st
			return true
		})
		if err != nil {
			return Envelope{}, err
		}
		if err := c.writeText(st.frame(id)); err != nil {
			s.forget(c)
			s.undeliver(st, d)
			continue
		}
		return Envelope{ID: id, ResponseURL: st.responseURL, SentAt: d.sentAt, Type: st.typ, Conn: d.conn}, nil
	}
}

// undeliver forgets a delivery whose write failed.
func (s *Server) undeliver(st *envelopeState, d *delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.deliveries = slices.DeleteFunc(st.deliveries, func(x *delivery) bool { return x == d })
	s.bump()
}
