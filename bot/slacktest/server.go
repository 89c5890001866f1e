// Package slacktest is a fake Slack for end-to-end tests of meetingbot: the
// Web API, the Socket Mode WebSocket and the response_url endpoints, served by
// one net/http/httptest server on 127.0.0.1.
//
// The fake speaks the wire format that slack-go v0.35.0 expects and is as
// strict as Slack where a bot can get things wrong: tokens are checked per
// method, WebSocket tickets are single-use, acks of 20 KB or more are dropped,
// a response_url takes at most 5 posts, chat.postMessage needs the bot in the
// channel and Block Kit limits are enforced. Tests drive it from the Slack
// side (SendSlashCommand, SendBlockAction, Disconnect, FailNext, ...) and
// inspect what the bot did (Acks, Messages, ResponsePosts, Calls, ...).
//
// # Several connections
//
// As in Slack, an app holds up to 10 Socket Mode connections at once, one
// per replica of the bot; an eleventh gets {"type":"disconnect",
// "reason":"too_many_websockets"} instead of hello and is closed. Each
// connection has a number, 0, 1, 2, … in order of acceptance (Connects is
// the next one), that Envelope.Conn and Ack.Conn report and that tests use
// to pick one. A connection is open, and takes envelopes, from its hello
// until it closes or is sent a disconnect (Connections, WaitOpen).
//
// SendSlashCommand, SendBlockAction and SendEnvelope give each envelope to
// one open connection, in turn by number (a round-robin), as Slack hands
// each envelope to one connection of its choice. The ...To variants
// deliver one envelope (same envelope_id, payload and response_url) to the
// connections a test names, or to every open one, as when one click
// reaches two replicas. Redeliver sends an envelope again on a chosen
// connection with retry_attempt 1, 2, … and a retry_reason, as Slack does
// when it saw no ack in time. An ack may come on any connection;
// DuplicateAcks reports envelopes acked more times than delivered.
// Disconnect and DropConnection act on all connections,
// DisconnectConn and DropConn on one, as when one replica's network fails.
package slacktest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// ErrClosed is returned by waits and sends on a Server that has been closed.
var ErrClosed = errors.New("slacktest: server closed")

// Config configures a fake Slack workspace with one installed app.
type Config struct {
	// BotToken is the only accepted bot token (xoxb-…). Required.
	BotToken string
	// AppToken is the only accepted app-level token (xapp-…), used for
	// apps.connections.open. Required.
	AppToken string
	// TeamID is the workspace ID; default "T0001".
	TeamID string
	// BotUserID is the bot's user ID; default "UBOT".
	BotUserID string
	// AppID is the app's ID; default "A0001".
	AppID string
	// PingInterval is how often WebSocket PING frames are sent; default 1s.
	// slack-go reconnects when it sees no PING for 30 s (OptionPingInterval).
	PingInterval time.Duration

	// BotID is the bot's bot ID (B…) reported by auth.test and on posted
	// messages; default "B0001".
	BotID string
	// BotName is the bot user's name reported by auth.test; default "meetingbot".
	BotName string
	// TeamDomain is the workspace's domain (<domain>.slack.com); default "acme".
	TeamDomain string
	// TeamName is the workspace's display name; default "Acme".
	TeamName string
	// EnterpriseID puts the workspace in an Enterprise Grid organization
	// (E…); EnterpriseInstall makes the app's install org-wide. Both show
	// in auth.test and in the payloads of commands and clicks.
	EnterpriseID      string
	EnterpriseInstall bool
	// Scopes are the bot token's scopes, answered in the X-OAuth-Scopes
	// header of every Web API call made with it; default those of the
	// project's manifest.yml.
	Scopes []string
}

func (c *Config) setDefaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.TeamID, "T0001")
	def(&c.BotUserID, "UBOT")
	def(&c.AppID, "A0001")
	def(&c.BotID, "B0001")
	def(&c.BotName, "meetingbot")
	def(&c.TeamDomain, "acme")
	def(&c.TeamName, "Acme")
	if c.Scopes == nil {
		c.Scopes = []string{"commands", "chat:write", "users:read", "usergroups:read", "users:read.email"}
	}
	if c.PingInterval <= 0 {
		c.PingInterval = time.Second
	}
}

// Server is a running fake Slack. All its methods are safe for concurrent use.
type Server struct {
	cfg      Config
	http     *httptest.Server
	base     string // "http://127.0.0.1:PORT"
	upgrader websocket.Upgrader

	wg sync.WaitGroup // WebSocket goroutines; Close waits for them

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
	closed  bool
	closing chan struct{} // closed by Close: releases delayed posts

	// Socket Mode.
	tickets     map[string]bool
	conns       map[*wsConn]struct{} // every open WebSocket, refused ones too
	byNum       map[int]*wsConn      // open connections by number, refused ones not
	connects    int                  // connections numbered so far
	lastSpread  int                  // number of the connection the last spread envelope went to
	envelopes   map[string]*envelopeState
	acks        []Ack
	duplicates  []string
	unknownAcks []Ack
	invalidAcks []InvalidAck

	// response_url.
	responses     map[string]*responseURL // by path
	responseDelay time.Duration

	// Web API.
	users      map[string]User
	groups     map[string][]string
	channels   map[string]channel
	messages   []Message
	failures   map[string][]string
	rateLimits map[string][]time.Duration
	serverErrs map[string][]int // HTTP statuses, by method
	calls      map[string]int
	lastTS     int64 // microseconds of the last message ts handed out
}

// NewServer starts a fake Slack on 127.0.0.1 with a random port. It panics
// when cfg lacks a token or no port can be opened, as httptest.NewServer does.
func NewServer(cfg Config) *Server {
	if cfg.BotToken == "" || cfg.AppToken == "" {
		panic("slacktest: Config.BotToken and Config.AppToken are required")
	}
	cfg.setDefaults()
	s := &Server{
		cfg:        cfg,
		changed:    make(chan struct{}),
		closing:    make(chan struct{}),
		tickets:    map[string]bool{},
		conns:      map[*wsConn]struct{}{},
		byNum:      map[int]*wsConn{},
		lastSpread: -1,
		envelopes:  map[string]*envelopeState{},
		responses:  map[string]*responseURL{},
		users:      map[string]User{},
		groups:     map[string][]string{},
		channels:   map[string]channel{},
		failures:   map[string][]string{},
		rateLimits: map[string][]time.Duration{},
		serverErrs: map[string][]int{},
		calls:      map[string]int{},
	}
	// slack-go dials with "Origin: https://api.slack.com", which gorilla's
	// default same-origin check would refuse; Slack accepts it.
	s.upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.handleAPI)
	mux.HandleFunc("/link/", s.handleLink)
	mux.HandleFunc("/commands/", s.handleResponseURL)
	mux.HandleFunc("/actions/", s.handleResponseURL)

	s.http = httptest.NewUnstartedServer(mux)
	// httptest may fall back to [::1]; the fake must listen on 127.0.0.1 only.
	_ = s.http.Listener.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("slacktest: listen on 127.0.0.1: %v", err))
	}
	s.http.Listener = l
	s.http.Start()
	s.base = s.http.URL
	return s
}

// APIURL returns the Web API base URL, ending with "/", for
// slack.OptionAPIURL or SLACK_API_URL.
func (s *Server) APIURL() string { return s.base + "/api/" }

// Close disconnects every WebSocket abruptly, shuts the server down and waits
// for all its goroutines. Waits in progress return ErrClosed. Close may be
// called more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.closing)
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.bump()
	s.mu.Unlock()

	for _, c := range conns {
		c.close()
	}
	s.http.Close()
	s.wg.Wait()
}

// bump wakes every waiter. The caller holds s.mu.
func (s *Server) bump() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond, called with s.mu held, is true, ctx ends or the
// server closes. what names the wait in errors.
func (s *Server) waitFor(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		ok := cond()
		ch, closed := s.changed, s.closed
		s.mu.Unlock()
		if ok {
			return nil
		}
		if closed {
			return fmt.Errorf("waiting for %s: %w", what, ErrClosed)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("slacktest: waiting for %s: %w", what, ctx.Err())
		case <-ch:
		}
	}
}

// Calls returns how many requests the Web API method (e.g.
// "chat.postMessage") has received, whatever their outcome.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// pathOf returns the path of a full URL or of a bare path.
func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			u = rest[j:]
		} else {
			u = "/"
		}
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}
