package meeting_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

func TestAuthMethods(t *testing.T) {
	tests := []struct {
		name string
		edit func(*meeting.Config)
		ep   meetingtest.Endpoint
	}{
		{"app id", nil, meetingtest.EndpointAppAuth},
		{"account", accountAuth, meetingtest.EndpointAccountAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, tt.edit)
			conf, err := c.Meeting(testCtx(t), liveID)
			if err != nil {
				t.Fatalf("Meeting: got error %v, want none", err)
			}
			if conf.ID != liveID || conf.Subject != "Meeting "+liveID || conf.State != meeting.StateInProgress {
				t.Errorf("Meeting: got %s %q %s, want %s %q %s", conf.ID, conf.Subject, conf.State, liveID, "Meeting "+liveID, meeting.StateInProgress)
			}
			if !conf.CanControl() {
				t.Errorf("CanControl: got false, want true for the administrator")
			}
			wantCounts(t, srv, counts{tt.ep: 1, meetingtest.EndpointConfDetail: 1})
			for _, r := range srv.Requests() {
				if r.Status != 200 {
					t.Errorf("fake answered %s with %d, want 200", r.Endpoint, r.Status)
				}
			}
		})
	}
}

func TestAuthWrongCredentials(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*meeting.Config)
		ep       meetingtest.Endpoint
		wantCode string // the fake's code for the refusal
	}{
		{"wrong app key", func(c *meeting.Config) { c.AppKey = "not-the-key" }, meetingtest.EndpointAppAuth, "USG.000000003"},
		{"wrong app id", func(c *meeting.Config) { c.AppID = "app-id-000000" }, meetingtest.EndpointAppAuth, "USG.000000006"},
		{"unknown user", func(c *meeting.Config) { c.UserID = "nobody" }, meetingtest.EndpointAppAuth, "USG.000000007"},
		{"wrong password", func(c *meeting.Config) { accountAuth(c); c.Password = "not-the-password" }, meetingtest.EndpointAccountAuth, "USG.000000008"},
		{"wrong account", func(c *meeting.Config) { accountAuth(c); c.Account = "eve@corp.example" }, meetingtest.EndpointAccountAuth, "USG.000000008"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, tt.edit)
			_, err := c.Prepare(testCtx(t), liveID)
			e := wantClass(t, err, meeting.ErrCredentials)
			if e.Status != 401 || e.Code != tt.wantCode {
				t.Errorf("error: got status %d code %q, want 401 %q", e.Status, e.Code, tt.wantCode)
			}
			// Bad credentials are final: one try, and no call that needs them.
			wantCounts(t, srv, counts{tt.ep: 1})
			if rs := srv.Requests(); len(rs) != 1 || rs[0].Status != 401 {
				t.Errorf("fake log: got %d requests (first status %v), want one refused with 401", len(rs), statuses(rs))
			}
		})
	}
}

func statuses(rs []meetingtest.Request) []int {
	var out []int
	for _, r := range rs {
		out = append(out, r.Status)
	}
	return out
}

func TestAccessTokenReused(t *testing.T) {
	tests := []struct {
		name string
		edit func(*meeting.Config)
		ep   meetingtest.Endpoint
	}{
		{"app id", nil, meetingtest.EndpointAppAuth},
		{"account", accountAuth, meetingtest.EndpointAccountAuth},
	}
	const n = 5
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, tt.edit)
			for i := range n {
				id := fmt.Sprintf("8000000%02d", i)
				addMeeting(srv, id, meetingtest.StateInProgress)
				mustPrepare(t, c, meeting.ID(id))
				if _, err := c.Stop(testCtx(t), meeting.ID(id)); err != nil {
					t.Fatalf("Stop(%s): got error %v, want none", id, err)
				}
				if _, err := c.Meeting(testCtx(t), liveID); err != nil {
					t.Fatalf("Meeting(%s): got error %v, want none", liveID, err)
				}
			}
			wantCounts(t, srv, counts{
				tt.ep:                            1,
				meetingtest.EndpointConfDetail:   2 * n,
				meetingtest.EndpointControlToken: n,
				meetingtest.EndpointStop:         n,
			})
			var tokens []string
			for _, r := range requestsTo(srv, meetingtest.EndpointConfDetail) {
				tokens = append(tokens, r.Header.Get("X-Access-Token"))
			}
			for _, tok := range tokens {
				if tok == "" || tok != tokens[0] {
					t.Fatalf("access tokens sent: got %d different, want one token reused", len(tokens))
				}
			}
		})
	}
}

func TestAccessTokenExpiry(t *testing.T) {
	const lifetime = time.Hour
	tests := []struct {
		name      string
		advance   time.Duration
		wantLogIn int // log-ins after the first
	}{
		{"well within the lifetime", 30 * time.Minute, 0},
		{"within the refresh margin", lifetime - 2*time.Minute, 1},
		{"past the lifetime", lifetime + time.Second, 1},
		{"past two lifetimes", 2*lifetime + time.Second, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{AccessTokenLifetime: lifetime})
			c := newClient(t, srv, nil)
			if _, err := c.Meeting(testCtx(t), liveID); err != nil {
				t.Fatalf("Meeting: got error %v, want none", err)
			}
			srv.Advance(tt.advance)
			for range 3 {
				if _, err := c.Meeting(testCtx(t), liveID); err != nil {
					t.Fatalf("Meeting after %v: got error %v, want none", tt.advance, err)
				}
			}
			// A refreshed token is a refresh, not a rejection: no 401.
			wantCounts(t, srv, counts{meetingtest.EndpointAppAuth: 1 + tt.wantLogIn, meetingtest.EndpointConfDetail: 4})
			for _, r := range srv.Requests() {
				if r.Status != 200 {
					t.Errorf("fake answered %s with %d, want 200: the client used an expired token", r.Endpoint, r.Status)
				}
			}
		})
	}
}

func TestControlTokenExpiry(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
		fetched bool // whether Stop must fetch a new control token
	}{
		{"fresh", 0, false},
		{"well within 30 minutes", 20 * time.Minute, false},
		{"within the safety margin", 29 * time.Minute, true},
		{"past 30 minutes", 31 * time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			mustPrepare(t, c, liveID)
			srv.Advance(tt.advance)
			srv.ResetLog()
			if _, err := c.Stop(testCtx(t), liveID); err != nil {
				t.Fatalf("Stop: got error %v, want none", err)
			}
			want := counts{meetingtest.EndpointStop: 1}
			if tt.fetched {
				// The expired token is not kept, nor its password: the
				// details are read again for the host password.
				want[meetingtest.EndpointConfDetail] = 1
				want[meetingtest.EndpointControlToken] = 1
			}
			wantCounts(t, srv, want)
			if m, _ := srv.Meeting(liveID); m.State != meetingtest.StateEnded {
				t.Errorf("meeting state: got %v, want %v", m.State, meetingtest.StateEnded)
			}
		})
	}
}

func TestAccessTokenRejected(t *testing.T) {
	tests := []struct {
		name      string
		faults    int // 401s injected on confDetail
		wantErr   error
		wantLogIn int
	}{
		{"one 401 then success", 1, nil, 2},
		{"401 twice", 2, meeting.ErrCredentials, 2},
		{"401 three times", 3, meeting.ErrCredentials, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			if _, err := c.Meeting(testCtx(t), liveID); err != nil {
				t.Fatalf("first Meeting: got error %v, want none", err)
			}
			srv.InjectFault(meetingtest.EndpointConfDetail, tt.faults, meetingtest.Fault{Status: 401, Code: "MMC.118000001", Msg: "USER_TOKEN_AUTH_FAILED"})
			_, err := c.Meeting(testCtx(t), liveID)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Meeting: got error %v, want none", err)
				}
			} else {
				e := wantClass(t, err, tt.wantErr)
				if e.Status != 401 || e.Code != "MMC.118000001" {
					t.Errorf("error: got status %d code %q, want 401 MMC.118000001", e.Status, e.Code)
				}
			}
			// One log-in again and one retry, never a loop.
			wantCounts(t, srv, counts{meetingtest.EndpointAppAuth: tt.wantLogIn, meetingtest.EndpointConfDetail: 3})
			rs := requestsTo(srv, meetingtest.EndpointConfDetail)
			if rs[1].Header.Get("X-Access-Token") == rs[2].Header.Get("X-Access-Token") {
				t.Errorf("the retry after a 401 sent the rejected access token again")
			}
			// The new token is kept.
			if tt.wantErr == nil {
				srv.ResetLog()
				if _, err := c.Meeting(testCtx(t), liveID); err != nil {
					t.Fatalf("Meeting after the refresh: got error %v, want none", err)
				}
				wantCounts(t, srv, counts{meetingtest.EndpointConfDetail: 1})
			}
		})
	}
}

func TestControlTokenRejectedOnStop(t *testing.T) {
	tests := []struct {
		name     string
		faults   int // 401s injected on stop
		wantErr  error
		wantStop int
	}{
		{"one 401 then success", 1, nil, 2},
		{"401 twice", 2, meeting.ErrNotPermitted, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			mustPrepare(t, c, liveID)
			srv.ResetLog()
			srv.InjectFault(meetingtest.EndpointStop, tt.faults, meetingtest.Fault{Status: 401, Code: "MMC.118000001", Msg: "USER_TOKEN_AUTH_FAILED"})
			_, err := c.Stop(testCtx(t), liveID)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Stop: got error %v, want none", err)
				}
			} else {
				wantClass(t, err, tt.wantErr)
			}
			// The new control token comes with the cached host password:
			// no details call, no log-in.
			wantCounts(t, srv, counts{meetingtest.EndpointControlToken: 1, meetingtest.EndpointStop: tt.wantStop})
			if got := requestsTo(srv, meetingtest.EndpointControlToken)[0].Header.Get("X-Password"); got != hostPassword {
				t.Errorf("control token fetched with password %q, want the host password", got)
			}
			rs := requestsTo(srv, meetingtest.EndpointStop)
			if a, b := rs[0].Header.Get("X-Conference-Authorization"), rs[1].Header.Get("X-Conference-Authorization"); a == b {
				t.Errorf("the retried stop sent the rejected control token again")
			}
		})
	}
}

// TestWrongHostPasswordNotRetried changes the host password after the
// control token was cached: when the token is then rejected, the new
// control-token request fails on the old password, and the client must not
// try it again (Huawei locks control log-in after a few).
func TestWrongHostPasswordNotRetried(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	mustPrepare(t, c, liveID)
	m, _ := srv.Meeting(liveID)
	m.ChairPassword = "host-pw-changed"
	srv.AddMeeting(m)
	srv.ResetLog()
	srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Status: 401, Code: "MMC.118000001", Msg: "USER_TOKEN_AUTH_FAILED"})

	_, err := c.Stop(testCtx(t), liveID)
	e := wantClass(t, err, meeting.ErrNotFound)
	if e.Code != "MMC.111072065" {
		t.Errorf("error code: got %q, want MMC.111072065", e.Code)
	}
	wantCounts(t, srv, counts{meetingtest.EndpointStop: 1, meetingtest.EndpointControlToken: 1})
}

func TestConcurrentFirstUse(t *testing.T) {
	tests := []struct {
		name  string
		delay time.Duration // of the log-in, to make the callers overlap more
	}{
		{"no delay", 0},
		{"slow log-in", 50 * time.Millisecond},
	}
	const n = 20
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{})
			c := newClient(t, srv, nil)
			if tt.delay > 0 {
				srv.InjectFault(meetingtest.EndpointAppAuth, 1, meetingtest.Fault{Delay: tt.delay})
				srv.InjectFault(meetingtest.EndpointControlToken, 1, meetingtest.Fault{Delay: tt.delay})
			}
			ctx := testCtx(t)
			start := make(chan struct{})
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					_, errs[i] = c.Prepare(ctx, liveID)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Prepare %d: got error %v, want none", i, err)
				}
			}
			if got := srv.Count(meetingtest.EndpointAppAuth); got != 1 {
				t.Errorf("log-ins: got %d, want 1", got)
			}
			if got := srv.Count(meetingtest.EndpointControlToken); got != 1 {
				t.Errorf("control-token fetches: got %d, want 1", got)
			}
		})
	}
}

// TestSharedLogInOutlivesCaller checks that a caller who gives up does not
// spoil the log-in it shares with others.
func TestSharedLogInOutlivesCaller(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	srv.InjectFault(meetingtest.EndpointAppAuth, 1, meetingtest.Fault{Delay: 200 * time.Millisecond})

	impatient, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Meeting(impatient, liveID)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let it start the log-in
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("cancelled Meeting: got no error, want one")
		}
	case <-time.After(testTimeout):
		t.Fatalf("cancelled Meeting did not return within %v", testTimeout)
	}
	if _, err := c.Meeting(testCtx(t), liveID); err != nil {
		t.Fatalf("patient Meeting: got error %v, want none", err)
	}
	if got := srv.Count(meetingtest.EndpointAppAuth); got != 1 {
		t.Errorf("log-ins: got %d, want 1 (shared)", got)
	}
}

func TestActAsUser(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	admin := newClient(t, srv, nil)
	bob, err := admin.As("bob")
	if err != nil {
		t.Fatalf("As(bob): got error %v, want none", err)
	}
	if _, err := bob.Meeting(testCtx(t), liveID); err != nil {
		t.Fatalf("bob's Meeting: got error %v, want none", err)
	}
	if _, err := admin.Meeting(testCtx(t), liveID); err != nil {
		t.Fatalf("admin's Meeting: got error %v, want none", err)
	}
	// One token per user, each reused.
	if _, err := bob.Meeting(testCtx(t), liveID); err != nil {
		t.Fatalf("bob's second Meeting: got error %v, want none", err)
	}
	var users []string
	for _, r := range requestsTo(srv, meetingtest.EndpointAppAuth) {
		users = append(users, userIDOf(r.Body))
	}
	if strings.Join(users, ",") != "bob," {
		t.Errorf("log-ins as: got %q, want [bob, administrator]", users)
	}

	acct := newClient(t, srv, accountAuth)
	if _, err := acct.As("bob"); err == nil {
		t.Errorf("account client As(bob): got no error, want one")
	}
}

// userIDOf returns the userId of an App ID log-in body.
func userIDOf(body string) string {
	_, after, ok := strings.Cut(body, `"userId":"`)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(after, `"`)
	return id
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		cfg    meeting.Config
		fields []string // the fields named, in order; none when valid
	}{
		{"app id", meeting.Config{AppID: "a", AppKey: "k"}, nil},
		{"app id as user", meeting.Config{AppID: "a", AppKey: "k", UserID: "u"}, nil},
		{"account", meeting.Config{Account: "a", Password: "p"}, nil},
		{"https endpoint", meeting.Config{AppID: "a", AppKey: "k", Endpoint: "https://api-intl.meeting.huaweicloud.com"}, nil},
		{"nothing", meeting.Config{}, []string{"AppID"}},
		{"both", meeting.Config{AppID: "a", AppKey: "k", Account: "a", Password: "p"}, []string{"Account"}},
		{"app id without key", meeting.Config{AppID: "a"}, []string{"AppKey"}},
		{"key without app id", meeting.Config{AppKey: "k"}, []string{"AppID"}},
		{"account without password", meeting.Config{Account: "a"}, []string{"Password"}},
		{"password without account", meeting.Config{Password: "p"}, []string{"Account"}},
		{"account as user", meeting.Config{Account: "a", Password: "p", UserID: "u"}, []string{"UserID"}},
		{"endpoint with query", meeting.Config{AppID: "a", AppKey: "k", Endpoint: "https://h/?x=1"}, []string{"Endpoint"}},
		{"endpoint not http", meeting.Config{AppID: "a", AppKey: "k", Endpoint: "ftp://h"}, []string{"Endpoint"}},
		{"endpoint without host", meeting.Config{AppID: "a", AppKey: "k", Endpoint: "https://"}, []string{"Endpoint"}},
		{"endpoint with user info", meeting.Config{AppID: "a", AppKey: "k", Endpoint: "https://u:p@h"}, []string{"Endpoint"}},
		{"every problem at once", meeting.Config{AppKey: "k", Password: "p", UserID: "u", Endpoint: "ftp://h"},
			[]string{"Account", "AppID", "Account", "UserID", "Endpoint"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			var got []string
			if err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					ce, ok := e.(*meeting.ConfigError)
					if !ok {
						t.Fatalf("Validate error %v (%T) is not a *ConfigError", e, e)
					}
					got = append(got, ce.Field)
				}
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("Validate names %q (%v), want %q", got, err, tt.fields)
			}
			if _, err := meeting.New(tt.cfg); (err == nil) != (tt.fields == nil) {
				t.Errorf("New: got error %v, want ok=%v", err, tt.fields == nil)
			}
		})
	}
}

// TestControlTokenIsPerUser: a control token the administrator warmed must
// not let another user's Stop through: Huawei checks only the token, so the
// client keeps one per user and meeting.
func TestControlTokenIsPerUser(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	srv.AddUser(meetingtest.User{ID: "alice"})
	admin := newClient(t, srv, nil)
	mustPrepare(t, admin, liveID) // the administrator's token is now cached
	alice, err := admin.As("alice")
	if err != nil {
		t.Fatal(err)
	}
	_, err = alice.Stop(testCtx(t), liveID)
	if !errors.Is(err, meeting.ErrNotFound) && !errors.Is(err, meeting.ErrNotPermitted) {
		t.Errorf("alice's Stop of a meeting she does not host = %v, want not found or not permitted", err)
	}
	if m, _ := srv.Meeting(string(liveID)); m.State == meetingtest.StateEnded {
		t.Errorf("alice ended a meeting she does not host with the administrator's cached token")
	}
	if _, err := admin.Stop(testCtx(t), liveID); err != nil {
		t.Errorf("the administrator's Stop = %v, want success", err)
	}
}

// TestRefusedLoginIsRemembered: a user Huawei refuses costs one log-in per
// half minute, not one per call, and is tried again after that.
func TestRefusedLoginIsRemembered(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	ghost, err := c.As("nobody@corp.example")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := ghost.Prepare(testCtx(t), liveID); !errors.Is(err, meeting.ErrCredentials) {
			t.Fatalf("Prepare as an unknown user = %v, want ErrCredentials", err)
		}
	}
	if n := srv.Count(meetingtest.EndpointAppAuth); n != 1 {
		t.Errorf("log-ins after 3 refused calls = %d, want 1", n)
	}
	srv.AddUser(meetingtest.User{ID: "nobody@corp.example"})
	srv.Advance(31 * time.Second)
	if _, err := ghost.Meeting(testCtx(t), liveID); errors.Is(err, meeting.ErrCredentials) {
		t.Errorf("after the refusal expired: %v, want a new log-in that succeeds", err)
	}
	if n := srv.Count(meetingtest.EndpointAppAuth); n != 2 {
		t.Errorf("log-ins = %d, want 2", n)
	}
}
