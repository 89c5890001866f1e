package slacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const (
	// maxAckSize is Slack's limit for a Socket Mode response: frames of
	// 20 KB or more are dropped without notice.
	maxAckSize = 20 * 1024
	// maxFrameSize bounds what the fake reads from a WebSocket; larger
	// frames end the connection.
	maxFrameSize = 1 << 20
	// writeTimeout bounds every WebSocket write.
	writeTimeout = 5 * time.Second
	// debugHost is the Slack host name reported in hello and disconnect.
	debugHost = "applink-1"
)

// Ack is an acknowledgement received for an envelope this server sent.
type Ack struct {
	// EnvelopeID is the acked envelope.
	EnvelopeID string
	// Payload is the ack's payload, nil for an empty ack.
	Payload json.RawMessage
	// SentAt is when the envelope was sent (zero for unknown envelopes);
	// Slack shows the user an error when AckedAt-SentAt exceeds 3 s.
	SentAt time.Time
	// AckedAt is when the ack arrived.
	AckedAt time.Time
	// Problem is why Slack would reject the payload of a slash command ack
	// (for example invalid blocks), or "".
	Problem string
}

// InvalidAck is a WebSocket frame from the bot that Slack would drop.
type InvalidAck struct {
	// Raw is the frame as received.
	Raw []byte
	// Reason says why it was dropped.
	Reason string
	// At is when it arrived.
	At time.Time
}

type envelopeState struct {
	typ    string
	sentAt time.Time
	acks   int
}

// wsConn is one Socket Mode WebSocket connection.
type wsConn struct {
	ws        *websocket.Conn
	writeMu   sync.Mutex // gorilla allows one writer at a time
	done      chan struct{}
	closeOnce sync.Once
}

// close closes the connection abruptly, without a close frame.
func (c *wsConn) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

func (c *wsConn) writeText(b []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.ws.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// newTicket returns a single-use WebSocket URL, as apps.connections.open does.
func (s *Server) newTicket() string {
	ticket := randomHex(16)
	s.mu.Lock()
	s.tickets[ticket] = true
	s.mu.Unlock()
	return "ws" + s.base[len("http"):] + "/link/?ticket=" + ticket
}

// handleLink upgrades /link/?ticket=… to a Socket Mode connection and serves
// it until it ends.
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := !s.closed && ticket != "" && s.tickets[ticket]
	delete(s.tickets, ticket) // single use, even when the upgrade fails
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered with an HTTP error
	}
	ws.SetReadLimit(maxFrameSize)
	c := &wsConn{ws: ws, done: make(chan struct{})}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.close()
		return
	}
	s.conns[c] = struct{}{}
	open := len(s.conns)
	s.wg.Add(2) // this handler and the pinger
	s.mu.Unlock()
	defer s.wg.Done()
	defer s.forget(c)

	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": open,
		"connection_info": map[string]string{"app_id": s.cfg.AppID},
		"debug_info":      map[string]string{"host": debugHost},
	})
	if err := c.writeText(hello); err != nil {
		s.wg.Done() // the pinger never starts
		return
	}
	go s.ping(c)

	s.mu.Lock()
	if !s.closed {
		s.current = c
		s.connects++
		s.bump()
	}
	s.mu.Unlock()

	for {
		mt, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		s.receive(mt, data, time.Now())
	}
}

// ping sends PING control frames until the connection ends.
func (s *Server) ping(c *wsConn) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			// WriteControl may run concurrently with WriteMessage.
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(writeTimeout)); err != nil {
				c.close()
				return
			}
		}
	}
}

// forget closes c and removes it from the server.
func (s *Server) forget(c *wsConn) {
	c.close()
	s.mu.Lock()
	delete(s.conns, c)
	if s.current == c {
		s.current = nil
	}
	s.bump()
	s.mu.Unlock()
}

// receive records one frame from the bot.
func (s *Server) receive(mt int, data []byte, at time.Time) {
	invalid := func(reason string) {
		s.mu.Lock()
		s.invalidAcks = append(s.invalidAcks, InvalidAck{Raw: data, Reason: reason, At: at})
		s.bump()
		s.mu.Unlock()
	}
	if mt != websocket.TextMessage {
		invalid("not a text frame")
		return
	}
	if len(data) >= maxAckSize {
		invalid(fmt.Sprintf("%d bytes: Slack drops Socket Mode responses of 20 KB (%d bytes) or more", len(data), maxAckSize))
		return
	}
	var msg struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(data, &msg); err != nil {
		invalid("not a JSON object: " + err.Error())
		return
	}
	if msg.EnvelopeID == "" {
		invalid("no envelope_id")
		return
	}
	ack := Ack{EnvelopeID: msg.EnvelopeID, AckedAt: at}
	if p := bytes.TrimSpace(msg.Payload); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		ack.Payload = p
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.bump()
	env, ok := s.envelopes[msg.EnvelopeID]
	if !ok {
		s.unknownAcks = append(s.unknownAcks, ack)
		return
	}
	ack.SentAt = env.sentAt
	if env.typ == "slash_commands" && ack.Payload != nil {
		ack.Problem = checkSlashAckPayload(ack.Payload)
	}
	env.acks++
	if env.acks == 2 {
		s.duplicates = append(s.duplicates, msg.EnvelopeID)
	}
	s.acks = append(s.acks, ack)
}

// WaitConnected blocks until a client is connected and has been sent hello.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.waitFor(ctx, "a Socket Mode connection", func() bool { return s.current != nil })
}

// WaitConnects blocks until at least n WebSocket connections have been
// accepted and the latest is current, for example after Disconnect.
func (s *Server) WaitConnects(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d Socket Mode connections", n), func() bool {
		return s.connects >= n && s.current != nil
	})
}

// Connects returns how many WebSocket connections have been accepted so far.
func (s *Server) Connects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

// WaitAck blocks until the envelope has been acked and returns its first ack.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	var ack Ack
	s.mu.Lock()
	_, known := s.envelopes[envelopeID]
	s.mu.Unlock()
	if !known {
		return Ack{}, fmt.Errorf("slacktest: envelope %q was never sent", envelopeID)
	}
	err := s.waitFor(ctx, "the ack of envelope "+envelopeID, func() bool {
		for _, a := range s.acks {
			if a.EnvelopeID == envelopeID {
				ack = a
				return true
			}
		}
		return false
	})
	return ack, err
}

// Acks returns every ack received for envelopes this server sent, in order
// of arrival, duplicates included.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acks)
}

// DuplicateAcks returns the IDs of envelopes acked more than once, each once:
// a bug in the bot.
func (s *Server) DuplicateAcks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.duplicates)
}

// UnknownAcks returns acks for envelope IDs this server never sent.
func (s *Server) UnknownAcks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unknownAcks)
}

// InvalidAcks returns frames from the bot that Slack would drop: too large
// (20 KB or more), not JSON, binary, or without envelope_id.
func (s *Server) InvalidAcks() []InvalidAck {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.invalidAcks)
}

// Disconnect sends {"type":"disconnect","reason":reason,…} on the current
// connection, as Slack does before it refreshes a connection
// ("refresh_requested", "warning", "link_disabled"). The connection stays
// open (acks on it still count) but is no longer current: later sends wait
// for the client's next connection. Without a current connection Disconnect
// does nothing.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	c := s.current
	s.current = nil
	s.bump()
	s.mu.Unlock()
	if c == nil {
		return
	}
	msg, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]string{"host": debugHost},
	})
	if err := c.writeText(msg); err != nil {
		s.forget(c)
	}
}

// DropConnection closes the current WebSocket abruptly, without a close
// frame, as a network failure would.
func (s *Server) DropConnection() {
	s.mu.Lock()
	c := s.current
	s.current = nil
	s.bump()
	s.mu.Unlock()
	if c != nil {
		s.forget(c)
	}
}
