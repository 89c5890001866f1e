package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
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
}

// envelopeFrame is an envelope as Slack writes it.
type envelopeFrame struct {
	EnvelopeID             string `json:"envelope_id"`
	Type                   string `json:"type"`
	AcceptsResponsePayload bool   `json:"accepts_response_payload"`
	Payload                any    `json:"payload"`
}

// SendEnvelope pushes an envelope of type typ with payload (marshalled with
// encoding/json; a json.RawMessage goes as is) to the current connection,
// waiting for one while ctx allows. accepts_response_payload is true except
// for "events_api".
func (s *Server) SendEnvelope(ctx context.Context, typ string, payload any) (Envelope, error) {
	return s.sendEnvelope(ctx, typ, "", payload)
}

func (s *Server) sendEnvelope(ctx context.Context, typ, responseURL string, payload any) (Envelope, error) {
	id := newEnvelopeID()
	frame, err := json.Marshal(envelopeFrame{
		EnvelopeID:             id,
		Type:                   typ,
		AcceptsResponsePayload: typ != "events_api",
		Payload:                payload,
	})
	if err != nil {
		return Envelope{}, fmt.Errorf("slacktest: marshal %s payload: %w", typ, err)
	}
	env := &envelopeState{typ: typ}
	var sentAt time.Time
	err = s.write(ctx, "sending a "+typ+" envelope", frame, func() {
		// Registered before the write, so that a fast ack finds it.
		sentAt = time.Now()
		env.sentAt = sentAt
		s.envelopes[id] = env
	})
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{ID: id, ResponseURL: responseURL, SentAt: sentAt, Type: typ}, nil
}

// write writes frame to the current connection, waiting for one while ctx
// allows. before, if not nil, runs with s.mu held just before each attempt.
// A connection that fails the write is dropped and the next one is tried.
func (s *Server) write(ctx context.Context, what string, frame []byte, before func()) error {
	for {
		var c *wsConn
		if err := s.waitFor(ctx, "a Socket Mode connection ("+what+")", func() bool {
			c = s.current
			if c != nil && before != nil {
				before()
			}
			return c != nil
		}); err != nil {
			return err
		}
		if err := c.writeText(frame); err != nil {
			s.forget(c)
			continue
		}
		return nil
	}
}
