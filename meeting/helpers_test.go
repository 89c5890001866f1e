package meeting_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"meetingbot/internal/syncbuf"
	"slices"
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// Credentials the fake accepts. They are distinctive so that a leak is easy
// to find in a log.
const (
	testAppID    = "app-id-7c41e2"
	testAppKey   = "app-key-SECRET-9f3b5d"
	testAccount  = "bot@corp.example"
	testPassword = "account-pw-SECRET-4d8e"

	hostPassword  = "host-pw-SECRET-771133"
	guestPassword = "guest-pw-SECRET-224466"
)

// Meetings of every fixture: liveID is in progress, hosted by the
// administrator, with bob invited; scheduledID has not started; endedID has
// ended.
const (
	liveID      = "914044873"
	scheduledID = "915276384"
	endedID     = "913650127"
)

// testTimeout bounds every wait of these tests.
const testTimeout = 5 * time.Second

// fastRetry keeps the suite fast while still exercising the backoff.
var fastRetry = meeting.Retry{
	Deadline: 2 * time.Second,
	Base:     10 * time.Millisecond,
	Max:      50 * time.Millisecond,
	Throttle: 20 * time.Millisecond,
}

// newServer starts a fake that accepts both test credentials, with the
// users bob (invited to liveID) and carol (a stranger), and the three
// meetings above.
func newServer(tb testing.TB, cfg meetingtest.Config) *meetingtest.Server {
	tb.Helper()
	if cfg.AppID == "" {
		cfg.AppID, cfg.AppKey = testAppID, testAppKey
	}
	if cfg.Account == "" {
		cfg.Account, cfg.Password = testAccount, testPassword
	}
	srv := meetingtest.NewServer(cfg)
	tb.Cleanup(srv.Close)
	srv.AddUser(meetingtest.User{ID: "bob", Name: "Bob"})
	srv.AddUser(meetingtest.User{ID: "carol", Name: "Carol"})
	addMeeting(srv, liveID, meetingtest.StateInProgress)
	addMeeting(srv, scheduledID, meetingtest.StateScheduled)
	addMeeting(srv, endedID, meetingtest.StateEnded)
	return srv
}

// addMeeting adds a meeting hosted by the administrator, with bob invited.
func addMeeting(srv *meetingtest.Server, id string, st meetingtest.State) {
	srv.AddMeeting(meetingtest.Meeting{
		ID: id, Subject: "Meeting " + id, State: st,
		ChairPassword: hostPassword, GuestPassword: guestPassword,
		Invitees: []string{"bob"},
	})
}

// newClient returns an App ID client for srv with fastRetry and srv's
// clock; edit changes the configuration first (nil keeps it).
func newClient(tb testing.TB, srv *meetingtest.Server, edit func(*meeting.Config)) *meeting.Client {
	tb.Helper()
	cfg := meeting.Config{
		Endpoint: srv.URL(),
		AppID:    testAppID,
		AppKey:   testAppKey,
		Now:      srv.Now,
		Retry:    fastRetry,
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := meeting.New(cfg)
	if err != nil {
		tb.Fatalf("meeting.New: %v", err)
	}
	return c
}

// accountAuth switches a configuration to account authentication.
func accountAuth(cfg *meeting.Config) {
	cfg.AppID, cfg.AppKey = "", ""
	cfg.Account, cfg.Password = testAccount, testPassword
}

// timeout returns a context that ends after d, or with the test.
func timeout(tb testing.TB, d time.Duration) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}

// testCtx is timeout(tb, testTimeout).
func testCtx(tb testing.TB) context.Context { return timeout(tb, testTimeout) }

// mustPrepare prepares id and fails the test on an error.
func mustPrepare(tb testing.TB, c *meeting.Client, id meeting.ID) meeting.Conference {
	tb.Helper()
	conf, err := c.Prepare(testCtx(tb), id)
	if err != nil {
		tb.Fatalf("Prepare(%s): got error %v, want none", id, err)
	}
	return conf
}

// counts is the fake's request count per endpoint.
type counts map[meetingtest.Endpoint]int

// countsOf reads the fake's counts of the endpoints the client uses.
func countsOf(srv *meetingtest.Server) counts {
	c := counts{}
	for _, ep := range []meetingtest.Endpoint{
		meetingtest.EndpointAppAuth, meetingtest.EndpointAccountAuth,
		meetingtest.EndpointConfDetail, meetingtest.EndpointOnline, meetingtest.EndpointControlToken,
		meetingtest.EndpointStop, meetingtest.EndpointCancel,
	} {
		if n := srv.Count(ep); n > 0 {
			c[ep] = n
		}
	}
	return c
}

// wantCounts fails the test unless the fake saw exactly want.
func wantCounts(tb testing.TB, srv *meetingtest.Server, want counts) {
	tb.Helper()
	got := countsOf(srv)
	for _, ep := range []meetingtest.Endpoint{
		meetingtest.EndpointAppAuth, meetingtest.EndpointAccountAuth,
		meetingtest.EndpointConfDetail, meetingtest.EndpointOnline, meetingtest.EndpointControlToken,
		meetingtest.EndpointStop, meetingtest.EndpointCancel,
	} {
		if got[ep] != want[ep] {
			tb.Errorf("requests to %s: got %d, want %d (all: got %v, want %v)", ep, got[ep], want[ep], got, want)
		}
	}
}

// requestsTo returns the fake's log of the requests to ep.
func requestsTo(srv *meetingtest.Server, ep meetingtest.Endpoint) []meetingtest.Request {
	var out []meetingtest.Request
	for _, r := range srv.Requests() {
		if r.Endpoint == ep {
			out = append(out, r)
		}
	}
	return out
}

// lastRequestID returns the X-Request-Id of the fake's last answer on ep.
func lastRequestID(tb testing.TB, srv *meetingtest.Server, ep meetingtest.Endpoint) string {
	tb.Helper()
	rs := requestsTo(srv, ep)
	if len(rs) == 0 {
		tb.Fatalf("no request to %s in the fake's log", ep)
	}
	return rs[len(rs)-1].RequestID
}

// wantRequestID fails the test unless got is the X-Request-Id of one of the
// fake's answers on ep: the last, or for a retried call whose last try the
// deadline cut short, the one before.
func wantRequestID(tb testing.TB, srv *meetingtest.Server, ep meetingtest.Endpoint, got string, retried bool) {
	tb.Helper()
	rs := requestsTo(srv, ep)
	if len(rs) == 0 {
		tb.Fatalf("no request to %s in the fake's log", ep)
	}
	want := []string{rs[len(rs)-1].RequestID}
	if retried && len(rs) > 1 {
		want = append(want, rs[len(rs)-2].RequestID)
	}
	if !slices.Contains(want, got) {
		tb.Errorf("request ID: got %q, want one of %q", got, want)
	}
}

// sentinels are the classes an *meeting.Error can match.
var sentinels = []error{
	meeting.ErrNotFound, meeting.ErrAlreadyEnded, meeting.ErrNotStarted,
	meeting.ErrNotPermitted, meeting.ErrLocked, meeting.ErrCredentials,
	meeting.ErrThrottled, meeting.ErrUnavailable, meeting.ErrUnexpected,
}

// wantClass fails the test unless err is a *meeting.Error that matches want
// and no other class.
func wantClass(tb testing.TB, err, want error) *meeting.Error {
	tb.Helper()
	if !errors.Is(err, want) {
		tb.Fatalf("got error %v, want one matching %v", err, want)
	}
	e, ok := errors.AsType[*meeting.Error](err)
	if !ok {
		tb.Fatalf("got error %T %v, want a *meeting.Error", err, err)
	}
	var matched []error
	for _, s := range sentinels {
		if errors.Is(err, s) {
			matched = append(matched, s)
		}
	}
	if len(matched) != 1 {
		tb.Errorf("error %v matches %v, want exactly one class", err, matched)
	}
	return e
}

// within fails the test unless d is at most limit.
func within(tb testing.TB, what string, d, limit time.Duration) {
	tb.Helper()
	if d > limit {
		tb.Errorf("%s took %v, want at most %v", what, d, limit)
	}
}

// lateness is how late a call may return after its deadline: scheduling
// under -race, not another try.
const lateness = 2 * time.Second

// syncBuffer is a buffer that a logger may write to from several goroutines.
type syncBuffer = syncbuf.Buffer

var _ io.Writer = (*syncBuffer)(nil)

// jsonLogger returns a debug-level JSON logger writing to buf.
func jsonLogger(buf io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// secretsSeen returns every credential and token the client sent the fake,
// read from its request log.
func secretsSeen(srv *meetingtest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		for _, h := range []string{"X-Access-Token", "X-Conference-Authorization", "X-Password", "Authorization"} {
			if v := r.Header.Get(h); v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// describe prints err in every way a log or a reply might.
func describe(err error) string {
	return fmt.Sprintf("%v | %+v | %#v | %s | %q", err, err, err, err, err)
}
