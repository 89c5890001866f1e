package meetingtest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"meetingbot/meeting/meetingtest"
)

func TestControlToken(t *testing.T) {
	tests := []struct {
		name     string
		id       string
		header   map[string]string
		wantRole int
		status   int // 0 for success
		code     string
	}{
		{name: "chair password", id: "100000001", header: map[string]string{"X-Password": "111111", "X-Login-Type": "1"}, wantRole: 1},
		{name: "guest password", id: "100000001", header: map[string]string{"X-Password": "222222", "X-Login-Type": "1"}, wantRole: 0},
		{name: "wrong password", id: "100000001", header: map[string]string{"X-Password": "000000", "X-Login-Type": "1"},
			status: 400, code: "MMC.111072065"},
		{name: "unknown meeting", id: "999999999", header: map[string]string{"X-Password": "111111", "X-Login-Type": "1"},
			status: 400, code: "MMC.111072065"},
		{name: "scheduled", id: "100000002", header: map[string]string{"X-Password": "333333", "X-Login-Type": "1"},
			status: 400, code: "MMC.111072005"},
		{name: "ended", id: "100000003", header: map[string]string{"X-Password": "555555", "X-Login-Type": "1"},
			status: 400, code: "MMC.111072006"},
		{name: "no X-Login-Type", id: "100000001", header: map[string]string{"X-Password": "111111"},
			status: 400, code: "MMC.111070001"},
		{name: "X-Login-Type 2", id: "100000001", header: map[string]string{"X-Password": "111111", "X-Login-Type": "2"},
			status: 400, code: "MMC.111070001"},
		{name: "no password", id: "100000001", header: map[string]string{"X-Login-Type": "1"},
			status: 400, code: "MMC.111070001"},
		{name: "ID not digits", id: "1000 0001", header: map[string]string{"X-Password": "111111", "X-Login-Type": "1"},
			status: 400, code: "MMC.111070001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			before := srv.Now()
			r := get(t, srv, "/v1/mmc/control/conferences/token", url.Values{"conferenceID": {tt.id}}, tt.header)
			if tt.status != 0 {
				wantError(t, r, tt.status, tt.code)
				return
			}
			if r.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %s)", r.status, r.body)
			}
			if got, want := keys(t, r.body), []string{"addressToken", "data", "gloablPublicIP"}; !slices.Equal(got, want) {
				t.Errorf("keys: got %v, want %v", got, want)
			}
			c := controlToken(t, srv, tt.id, tt.header["X-Password"])
			if c.Data.Role != tt.wantRole {
				t.Errorf("role: got %d, want %d", c.Data.Role, tt.wantRole)
			}
			if c.Data.Token == "" || c.Data.TmpWsToken == "" || !strings.HasPrefix(c.Data.WsURL, "wss://") {
				t.Errorf("token, tmpWsToken, wsURL: got %q, %q, %q", c.Data.Token, c.Data.TmpWsToken, c.Data.WsURL)
			}
			if want := before.Add(30 * time.Minute).UnixMilli(); c.Data.ExpireTime < want || c.Data.ExpireTime > want+2000 {
				t.Errorf("expireTime: got %d, want about %d (Unix milliseconds)", c.Data.ExpireTime, want)
			}
			if c.Data.ConfTokenExpireTime != 1800 {
				t.Errorf("confTokenExpireTime: got %d, want 1800", c.Data.ConfTokenExpireTime)
			}
		})
	}
}

func TestControlTokenNeedsNoAccessToken(t *testing.T) {
	srv := newServer(t)
	r := controlLogin(t, srv, "100000001", "111111")
	if r.status != http.StatusOK {
		t.Fatalf("status: got %d, want 200", r.status)
	}
	if n := srv.Count(meetingtest.EndpointAppAuth) + srv.Count(meetingtest.EndpointAccountAuth); n != 0 {
		t.Errorf("log-ins: got %d, want 0", n)
	}
}

func TestControlTokenKeepAlive(t *testing.T) {
	srv := newServer(t)
	srv.AddMeeting(meetingtest.Meeting{ID: "100000009", State: meetingtest.StateInProgress, ChairPassword: "999999"})
	keepAlive := func(id, tok string) response {
		return get(t, srv, "/v1/mmc/control/conferences/token", url.Values{"conferenceID": {id}},
			map[string]string{"X-Conference-Authorization": tok, "X-Login-Type": "1"})
	}
	for _, role := range []struct {
		password string
		want     int
	}{{"111111", 1}, {"222222", 0}} {
		old := controlToken(t, srv, "100000001", role.password)
		srv.Advance(20 * time.Minute)
		r := keepAlive("100000001", old.Data.Token)
		if r.status != http.StatusOK {
			t.Fatalf("keep-alive: got status %d, want 200 (body %s)", r.status, r.body)
		}
		var fresh controlTokenResponse
		decode(t, r.body, &fresh)
		if fresh.Data.Token == old.Data.Token || fresh.Data.Role != role.want {
			t.Errorf("keep-alive: got token %q role %d, want a new token with role %d", fresh.Data.Token, fresh.Data.Role, role.want)
		}
		srv.Advance(10 * time.Minute) // the old token expires, the fresh one lives
		wantError(t, keepAlive("100000001", old.Data.Token), http.StatusUnauthorized, "MMC.118000001")
		if r := keepAlive("100000001", fresh.Data.Token); r.status != http.StatusOK {
			t.Errorf("keep-alive with the fresh token: got status %d, want 200", r.status)
		}
		wantError(t, keepAlive("100000009", fresh.Data.Token), http.StatusUnauthorized, "MMC.118000001")
	}
	wantError(t, keepAlive("100000001", "stbUnknown"), http.StatusUnauthorized, "MMC.118000001")
}

func TestControlLockout(t *testing.T) {
	srv := newServer(t)
	for i := range 5 {
		r := controlLogin(t, srv, "100000001", "000000")
		wantError(t, r, http.StatusBadRequest, "MMC.111072065")
		if t.Failed() {
			t.Fatalf("wrong password %d", i+1)
		}
	}
	for _, pw := range []string{"111111", "000000", "222222"} {
		r := controlLogin(t, srv, "100000001", pw)
		wantError(t, r, http.StatusBadRequest, "MMC.111072064")
		if msg := r.errorBody(t).Msg; msg != "CONF_CTR_LOGIN_LOCKED" {
			t.Errorf("error_msg: got %q, want CONF_CTR_LOGIN_LOCKED", msg)
		}
	}
	// Other meetings are not locked.
	srv.AddMeeting(meetingtest.Meeting{ID: "100000009", State: meetingtest.StateInProgress, ChairPassword: "999999"})
	controlToken(t, srv, "100000009", "999999")
	srv.Advance(10*time.Minute - time.Second)
	wantError(t, controlLogin(t, srv, "100000001", "111111"), http.StatusBadRequest, "MMC.111072064")
	srv.Advance(time.Second)
	if c := controlToken(t, srv, "100000001", "111111"); c.Data.Role != 1 {
		t.Errorf("after the lock-out: got role %d, want 1", c.Data.Role)
	}
}

func TestControlLockoutCountsOnlyRecentFailures(t *testing.T) {
	srv := newServer(t)
	for range 4 {
		controlLogin(t, srv, "100000001", "000000")
	}
	srv.Advance(10 * time.Minute)
	controlLogin(t, srv, "100000001", "000000") // the earlier four are out of the window
	if c := controlToken(t, srv, "100000001", "111111"); c.Data.Role != 1 {
		t.Errorf("got role %d, want 1", c.Data.Role)
	}
}

func TestStop(t *testing.T) {
	srv := newServer(t)
	srv.AddMeeting(meetingtest.Meeting{ID: "100000009", State: meetingtest.StateInProgress, ChairPassword: "999999"})
	chair := controlToken(t, srv, "100000001", "111111").Data.Token
	guest := controlToken(t, srv, "100000001", "222222").Data.Token
	other := controlToken(t, srv, "100000009", "999999").Data.Token

	wantError(t, stop(t, srv, "100000001", ""), http.StatusUnauthorized, "MMC.118000001")
	wantError(t, stop(t, srv, "100000001", "stbUnknown"), http.StatusUnauthorized, "MMC.118000001")
	wantError(t, stop(t, srv, "100000001", other), http.StatusUnauthorized, "MMC.118000001")
	wantError(t, stop(t, srv, "100000001", guest), http.StatusForbidden, "MMC.111070002")
	wantError(t, stop(t, srv, "1000-00001", chair), http.StatusBadRequest, "MMC.111070001")
	if m, _ := srv.Meeting("100000001"); m.State != meetingtest.StateInProgress {
		t.Fatalf("state after refused stops: got %v, want %v", m.State, meetingtest.StateInProgress)
	}

	// Any body is ignored.
	req := newRequest(t, http.MethodPut, srv.URL()+"/v1/mmc/control/conferences/stop?conferenceID=100000001",
		[]byte(`{"ignored":true}`), map[string]string{"X-Conference-Authorization": chair, "Content-Type": "application/json"})
	r := do(t, req)
	if r.status != http.StatusOK || len(r.body) != 0 {
		t.Fatalf("stop: got status %d body %q, want 200 with an empty body", r.status, r.body)
	}
	if m, _ := srv.Meeting("100000001"); m.State != meetingtest.StateEnded {
		t.Errorf("state: got %v, want %v", m.State, meetingtest.StateEnded)
	}
	r = stop(t, srv, "100000001", chair)
	wantError(t, r, http.StatusBadRequest, "MMC.111072006")
	if msg := r.errorBody(t).Msg; msg != "CONF_IS_CLOSED" {
		t.Errorf("error_msg: got %q, want CONF_IS_CLOSED", msg)
	}
	wantError(t, controlLogin(t, srv, "100000001", "111111"), http.StatusBadRequest, "MMC.111072006")
	wantError(t, confDetail(t, srv, login(t, srv, ""), "100000001"), http.StatusBadRequest, "MMC.111070005")
}

func TestStopWithExpiredControlToken(t *testing.T) {
	srv := newServer(t)
	chair := controlToken(t, srv, "100000001", "111111").Data.Token
	srv.Advance(30 * time.Minute)
	wantError(t, stop(t, srv, "100000001", chair), http.StatusUnauthorized, "MMC.118000001")
}

func TestControlTokenLifetimeConfig(t *testing.T) {
	srv := meetingtest.NewServer(meetingtest.Config{ControlTokenLifetime: time.Minute})
	defer srv.Close()
	srv.AddMeeting(meetingtest.Meeting{ID: "123456789", State: meetingtest.StateInProgress, ChairPassword: "1"})
	c := controlToken(t, srv, "123456789", "1")
	if c.Data.ConfTokenExpireTime != 60 {
		t.Errorf("confTokenExpireTime: got %d, want 60", c.Data.ConfTokenExpireTime)
	}
	srv.Advance(time.Minute)
	wantError(t, stop(t, srv, "123456789", c.Data.Token), http.StatusUnauthorized, "MMC.118000001")
}
