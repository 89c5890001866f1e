package meeting_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// hostedServer returns a fake where bob hosts bobHosts meetings in
// progress and is invited to invited more (besides liveID); one of the
// invitations, noGuestPw, has no guest password, so a list with passwords
// carries none for bob.
func hostedServer(tb testing.TB, cfg meetingtest.Config, bobHosts, invited int) (srv *meetingtest.Server, hosted []string) {
	tb.Helper()
	srv = newServer(tb, cfg)
	base := srv.Now().Add(time.Hour)
	for i := range bobHosts + invited {
		m := meetingtest.Meeting{ID: fmt.Sprintf("5%08d", i), State: meetingtest.StateInProgress,
			Start: base.Add(time.Duration(i) * time.Minute), ChairPassword: hostPassword, GuestPassword: guestPassword}
		// Hosted and invited in turn, while both last.
		if i%2 == 0 && len(hosted) < bobHosts || i-len(hosted) >= invited {
			m.Scheduler = "bob"
			hosted = append(hosted, m.ID)
		} else {
			m.Invitees = []string{"bob"}
		}
		srv.AddMeeting(m)
	}
	srv.AddMeeting(meetingtest.Meeting{ID: noGuestPw, State: meetingtest.StateInProgress, Start: base.Add(-time.Minute),
		ChairPassword: hostPassword, Invitees: []string{"bob"}})
	return srv, hosted
}

const noGuestPw = "599999999"

func TestHosted(t *testing.T) {
	tests := []struct {
		name       string
		without    bool
		concurrent int
		confDetail int // requests Hosted makes
	}{
		// Every entry carries a password but noGuestPw, which carries none.
		{"list with passwords", false, 4, 1},
		{"list without passwords", true, 4, 7},
		{"list without passwords, one at a time", true, 1, 7},
		{"list without passwords, concurrency below one", true, -3, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, hosted := hostedServer(t, meetingtest.Config{OnlineWithoutPasswords: tt.without}, 3, 2)
			c := newClient(t, srv, func(cfg *meeting.Config) { cfg.UserID = "bob" })
			confs, _, err := c.Online(testCtx(t), false, 100)
			if err != nil || len(confs) != 7 {
				t.Fatalf("Online: got %d meetings, %v, want 7", len(confs), err)
			}
			srv.ResetLog()
			got, err := c.Hosted(testCtx(t), confs, tt.concurrent)
			if err != nil {
				t.Fatalf("Hosted: got error %v", err)
			}
			if ids := idsOf(got); !slices.Equal(ids, hosted) {
				t.Errorf("Hosted: got %v, want %v", ids, hosted)
			}
			for _, conf := range got {
				if !conf.CanControl() || !conf.HostKnown() {
					t.Errorf("Hosted: %s can control %v, host known %v, want both", conf.ID, conf.CanControl(), conf.HostKnown())
				}
			}
			if n := srv.Count(meetingtest.EndpointConfDetail); n != tt.confDetail || len(srv.Requests()) != n {
				t.Errorf("requests: got %d details of %d, want %d details only", n, len(srv.Requests()), tt.confDetail)
			}
		})
	}
}

// inFlight is a transport that counts the details requests under way.
type inFlight struct {
	mu       sync.Mutex
	now, max int
}

func (f *inFlight) RoundTrip(req *http.Request) (*http.Response, error) {
	counted := req.URL.Path == "/v1/mmc/management/conferences/confDetail"
	if counted {
		f.mu.Lock()
		f.now++
		f.max = max(f.max, f.now)
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.now--
			f.mu.Unlock()
		}()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestHostedBounded: Hosted runs at most the concurrency asked for, and
// never more than 8, however many meetings wait.
func TestHostedBounded(t *testing.T) {
	for _, tt := range []struct{ asked, want int }{{3, 3}, {100, 8}} {
		t.Run(fmt.Sprint(tt.asked), func(t *testing.T) {
			srv, hosted := hostedServer(t, meetingtest.Config{OnlineWithoutPasswords: true}, 12, 12)
			f := &inFlight{}
			c := newClient(t, srv, func(cfg *meeting.Config) {
				cfg.UserID = "bob"
				cfg.HTTPClient = &http.Client{Transport: f}
			})
			confs, _, err := c.Online(testCtx(t), false, 100)
			if err != nil {
				t.Fatal(err)
			}
			srv.InjectFault(meetingtest.EndpointConfDetail, len(confs), meetingtest.Fault{Delay: 20 * time.Millisecond})
			got, err := c.Hosted(testCtx(t), confs, tt.asked)
			if err != nil || !slices.Equal(idsOf(got), hosted) {
				t.Fatalf("Hosted: got %v, %v, want %v", idsOf(got), err, hosted)
			}
			if f.max != tt.want {
				t.Errorf("details requests at once: got at most %d, want %d", f.max, tt.want)
			}
		})
	}
}

// TestHostedFailures: meetings gone or refused are not hosted; any other
// failure is returned, with the meetings settled as hosted.
func TestHostedFailures(t *testing.T) {
	srv, hosted := hostedServer(t, meetingtest.Config{OnlineWithoutPasswords: true}, 3, 2)
	c := newClient(t, srv, func(cfg *meeting.Config) { cfg.UserID = "bob" })
	confs, _, err := c.Online(testCtx(t), false, 100)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("gone or refused", func(t *testing.T) {
		srv.SetState(hosted[0], meetingtest.StateEnded)
		defer srv.SetState(hosted[0], meetingtest.StateInProgress)
		srv.InjectFault(meetingtest.EndpointConfDetail, 1, meetingtest.Fault{Status: 403, Code: "MMC.111070002"})
		got, err := c.Hosted(testCtx(t), confs, 1)
		// The first request (liveID, bob's invitation) is refused; the
		// ended meeting is not found.
		if err != nil || !slices.Equal(idsOf(got), hosted[1:]) {
			t.Errorf("Hosted: got %v, %v, want %v and no error", idsOf(got), err, hosted[1:])
		}
	})
	t.Run("unexpected answer", func(t *testing.T) {
		srv.ResetLog()
		// One at a time in list order: liveID, noGuestPw, hosted[0], then
		// the failure.
		srv.InjectFault(meetingtest.EndpointConfDetail, 3, meetingtest.Fault{})
		srv.InjectFault(meetingtest.EndpointConfDetail, 1, meetingtest.Fault{Status: 400, Code: "MMC.999"})
		got, err := c.Hosted(testCtx(t), confs, 1)
		wantClass(t, err, meeting.ErrUnexpected)
		if !slices.Equal(idsOf(got), hosted[:1]) {
			t.Errorf("Hosted: got %v, want %v with the error", idsOf(got), hosted[:1])
		}
		if n := srv.Count(meetingtest.EndpointConfDetail); n != 4 {
			t.Errorf("details requests: got %d, want 4 (none after the failure)", n)
		}
	})
	t.Run("caller gave up", func(t *testing.T) {
		srv.ResetLog()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		got, err := c.Hosted(ctx, confs, 2)
		if !errors.Is(err, context.Canceled) || len(got) != 0 {
			t.Errorf("Hosted: got %v, %v, want nothing and context.Canceled", idsOf(got), err)
		}
	})
	t.Run("all known", func(t *testing.T) {
		srv.ResetLog()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		got, err := c.Hosted(ctx, nil, 2)
		if err != nil || len(got) != 0 || len(srv.Requests()) != 0 {
			t.Errorf("Hosted(nil): got %v, %v after %d requests, want nothing", got, err, len(srv.Requests()))
		}
	})
}
