package slacktest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
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
	// maxConnections is how many Socket Mode connections Slack lets one app
	// hold at once.
	maxConnections = 10
	// reasonTooManyWebsockets is the disconnect reason Slack sends on a
	// connection beyond maxConnections.
	reasonTooManyWebsockets = "too_many_websockets"
)

// ErrNotOpen is returned when a test names a Socket Mode connection that
// is not open: it has been closed, or its number was never handed out.
var ErrNotOpen = errors.New("slacktest: connection not open")

// Ack is an acknowledgement received for an envelope this server sent.
type Ack struct {
	// EnvelopeID is the acked envelope.
	EnvelopeID string
	// Payload is the ack's payload, nil for an empty ack.
	Payload json.RawMessage
	// Conn is the number of the connection the ack came on; it may differ
	// from the one the envelope went to, as slack-go sends a queued ack on
	// its next connection.
	Conn int
	// SentAt is when the envelope was sent (zero for unknown envelopes):
	// its latest delivery on Conn, or its latest delivery when Conn had
	// none. Slack shows the user an error when AckedAt-SentAt exceeds 3 s.
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
	// Conn is the number of the connection it came on.
	Conn int
	// At is when it arrived.
	At time.Time
}

// wsConn is one Socket Mode WebSocket connection.
type wsConn struct {
	ws *websocket.Conn
	// n is the connection's number: 0, 1, 2, … in order of acceptance;
	// -1 for a connection refused beyond maxConnections.
	n         int
	writeMu   sync.Mutex // gorilla allows one writer at a time
	done      chan struct{}
	closeOnce sync.Once

	// Guarded by Server.mu.
	ready bool // hello has been sent
	told  bool // disconnect has been sent: no more envelopes by default
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

// live reports whether envelopes go to c by default. The caller holds
// Server.mu.
func (c *wsConn) live() bool { return c.ready && !c.told }

// newTicket returns a single-use WebSocket URL, as apps.connections.open does.
func (s *Server) newTicket() string {
	ticket := randomHex(16)
	s.mu.Lock()
	s.tickets[ticket] = true
	s.mu.Unlock()
	return "ws" + s.base[len("http"):] + "/link/?ticket=" + ticket
}

// disconnectFrame is the frame Slack sends before it closes a connection.
func disconnectFrame(reason string) []byte {
	msg, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]string{"host": debugHost},
	})
	return msg
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
	c := &wsConn{ws: ws, n: -1, done: make(chan struct{})}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.close()
		return
	}
	open := len(s.byNum) + 1 // num_connections counts the new one
	refused := open > maxConnections
	if !refused {
		c.n = s.connects
		s.connects++
		s.byNum[c.n] = c
		s.wg.Add(1) // the pinger
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1) // this handler
	s.bump()
	s.mu.Unlock()
	defer s.wg.Done()
	defer s.forget(c)

	if refused {
		// Slack answers an app's eleventh connection with this instead of
		// hello; the fake then closes it, as it is of no use.
		_ = c.writeText(disconnectFrame(reasonTooManyWebsockets))
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(writeTimeout))
		return
	}

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
	c.ready = true
	s.bump()
	s.mu.Unlock()

	for {
		mt, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		s.receive(c, mt, data, time.Now())
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
	if c.n >= 0 && s.byNum[c.n] == c {
		delete(s.byNum, c.n)
	}
	s.bump()
	s.mu.Unlock()
}

// liveLocked returns the connections that take envelopes by default, in
// order of number. The caller holds s.mu.
func (s *Server) liveLocked() []*wsConn {
	var live []*wsConn
	for _, c := range s.byNum {
		if c.live() {
			live = append(live, c)
		}
	}
	slices.SortFunc(live, func(a, b *wsConn) int { return cmp.Compare(a.n, b.n) })
	return live
}

// receive records one frame from the bot, received on c.
func (s *Server) receive(c *wsConn, mt int, data []byte, at time.Time) {
	invalid := func(reason string) {
		s.mu.Lock()
		s.invalidAcks = append(s.invalidAcks, InvalidAck{Raw: data, Reason: reason, Conn: c.n, At: at})
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
	ack := Ack{EnvelopeID: msg.EnvelopeID, Conn: c.n, AckedAt: at}
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
	if d := env.ackedDelivery(c.n); d != nil {
		ack.SentAt = d.sentAt
	}
	if env.typ == "slash_commands" && ack.Payload != nil {
		ack.Problem = checkSlashAckPayload(ack.Payload)
	}
	env.acks++
	if env.acks > len(env.deliveries) && !env.duplicate {
		env.duplicate = true
		s.duplicates = append(s.duplicates, msg.EnvelopeID)
	}
	s.acks = append(s.acks, ack)
}

// WaitConnected blocks until a client is connected and has been sent hello.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.waitFor(ctx, "a Socket Mode connection", func() bool { return len(s.liveLocked()) > 0 })
}

// WaitConnects blocks until at least n WebSocket connections have been
// accepted and the latest is open and takes envelopes, for example after
// Disconnect.
func (s *Server) WaitConnects(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d Socket Mode connections", n), func() bool {
		latest := s.byNum[s.connects-1]
		return s.connects >= n && latest != nil && latest.live()
	})
}

// Connects returns how many WebSocket connections have been accepted so
// far, refused ones (beyond 10 at once) excepted. It is also the number the
// next connection will get.
func (s *Server) Connects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

// WaitOpen blocks until at least n connections are open at once and take
// envelopes (hello sent, no disconnect sent).
func (s *Server) WaitOpen(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d open Socket Mode connections", n), func() bool {
		return len(s.liveLocked()) >= n
	})
}

// Connections returns how many connections are open now and take
// envelopes (hello sent, no disconnect sent).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.liveLocked())
}

// WaitAck blocks until the envelope has been acked and returns its first ack.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	acks, err := s.WaitAcks(ctx, envelopeID, 1)
	if err != nil {
		return Ack{}, err
	}
	return acks[0], nil
}

// WaitAcks blocks until the envelope has been acked at least n times (on
// any connections) and returns its acks in order of arrival.
func (s *Server) WaitAcks(ctx context.Context, envelopeID string, n int) ([]Ack, error) {
	s.mu.Lock()
	_, known := s.envelopes[envelopeID]
	s.mu.Unlock()
	if !known {
		return nil, fmt.Errorf("slacktest: envelope %q was never sent", envelopeID)
	}
	var acks []Ack
	err := s.waitFor(ctx, "the acks of envelope "+envelopeID, func() bool {
		acks = acks[:0]
		for _, a := range s.acks {
			if a.EnvelopeID == envelopeID {
				acks = append(acks, a)
			}
		}
		return len(acks) >= n
	})
	if err != nil {
		return nil, err
	}
	return acks, nil
}

// Acks returns every ack received for envelopes this server sent, in order
// of arrival, duplicates included.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acks)
}

// DuplicateAcks returns the IDs of envelopes acked more times than they
// were delivered, counting every connection, each ID once: a bug in the
// bot. An envelope sent once and acked twice is one, whichever connections
// the acks came on; an envelope delivered on two connections (SendTo,
// Redeliver) and acked once on each is not.
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

// Disconnect sends {"type":"disconnect","reason":reason,…} on every open
// connection that takes envelopes, as Slack does before it refreshes
// connections ("refresh_requested", "warning", "link_disabled"). The
// connections stay open (acks on them still count) but take no more
// envelopes by default: later sends go to the others, or wait for the
// clients' next connections. Without such a connection Disconnect does
// nothing.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	live := s.liveLocked()
	for _, c := range live {
		c.told = true
	}
	s.bump()
	s.mu.Unlock()
	for _, c := range live {
		_ = s.sendDisconnect(c, reason)
	}
}

// DisconnectConn is Disconnect for the connection numbered conn alone. It
// returns ErrNotOpen when that connection is not open.
func (s *Server) DisconnectConn(conn int, reason string) error {
	s.mu.Lock()
	c := s.byNum[conn]
	if c == nil || !c.ready {
		s.mu.Unlock()
		return fmt.Errorf("disconnecting connection %d: %w", conn, ErrNotOpen)
	}
	c.told = true
	s.bump()
	s.mu.Unlock()
	return s.sendDisconnect(c, reason)
}

// sendDisconnect writes a disconnect frame to c, dropping c when it fails.
func (s *Server) sendDisconnect(c *wsConn, reason string) error {
	if err := c.writeText(disconnectFrame(reason)); err != nil {
		s.forget(c)
		return fmt.Errorf("slacktest: disconnecting connection %d: %w", c.n, err)
	}
	return nil
}

// DropConnection closes every open WebSocket abruptly, without a close
// frame, as a network failure would.
func (s *Server) DropConnection() {
	s.mu.Lock()
	conns := make([]*wsConn, 0, len(s.byNum))
	for _, c := range s.byNum {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		s.forget(c)
	}
}

// DropConn is DropConnection for the connection numbered conn alone, as
// when one replica loses its network. It returns ErrNotOpen when that
// connection is not open.
func (s *Server) DropConn(conn int) error {
	s.mu.Lock()
	c := s.byNum[conn]
	s.mu.Unlock()
	if c == nil {
		return fmt.Errorf("dropping connection %d: %w", conn, ErrNotOpen)
	}
	s.forget(c)
	return nil
}
