package meetingtest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"meetingbot/meeting/meetingtest"
)

func TestListensOnLoopback(t *testing.T) {
	srv := newServer(t)
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	if u.Hostname() != "127.0.0.1" || u.Port() == "" || strings.HasSuffix(srv.URL(), "/") {
		t.Errorf("URL: got %q, want http://127.0.0.1:<port> without a trailing slash", srv.URL())
	}
}

func TestRouting(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/v2/usg/acs/auth/appauth", 405, "POST"},
		{http.MethodPost, "/v1/mmc/management/conferences/confDetail", 405, "GET"},
		{http.MethodPost, "/v1/mmc/control/conferences/stop", 405, "PUT"},
		{http.MethodDelete, "/v1/mmc/control/conferences/token", 405, "GET"},
		{http.MethodGet, "/v1/mmc/management/conferences/confDetail/", 404, ""},
		{http.MethodGet, "/", 404, ""},
		{http.MethodGet, "/v1/mmc/management/conferences", 405, "DELETE"},
		// The fake does not serve CancelRecurringMeeting.
		{http.MethodDelete, "/v1/mmc/management/cycleconferences", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := do(t, newRequest(t, tt.method, srv.URL()+tt.path, nil, nil))
			wantError(t, r, tt.status, "APIG.0101")
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow: got %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestStateString(t *testing.T) {
	for st, want := range map[meetingtest.State]string{
		meetingtest.StateScheduled:  "Schedule",
		meetingtest.StateInProgress: "Created",
		meetingtest.StateEnded:      "Destroyed",
		meetingtest.State(9):        "State(9)",
	} {
		if got := st.String(); got != want {
			t.Errorf("State(%d).String(): got %q, want %q", int(st), got, want)
		}
	}
}

func TestMeetingReturnsACopy(t *testing.T) {
	srv := newServer(t)
	m, ok := srv.Meeting("100000001")
	if !ok {
		t.Fatal("Meeting(100000001): got not found, want found")
	}
	m.Invitees[0] = "mallory"
	if m2, _ := srv.Meeting("100000001"); m2.Invitees[0] != "bob" {
		t.Errorf("invitee after changing a copy: got %q, want bob", m2.Invitees[0])
	}
	if _, ok := srv.Meeting("1"); ok {
		t.Error("Meeting(1): got found, want not found")
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name       string
		fault      meetingtest.Fault
		wantStatus int
		wantCode   string // checked when set
		wantBody   string // checked when wantCode is empty
		wantCT     string // Content-Type prefix, checked when set
		wantHeader [2]string
	}{
		{name: "JSON error", fault: meetingtest.Fault{Status: 500, Code: "MMC.111070003", Msg: "CONF_EXCEPTION"},
			wantStatus: 500, wantCode: "MMC.111070003", wantCT: "application/json"},
		{name: "throttled", fault: meetingtest.Fault{Status: 429, Code: "APIG.0308", Header: http.Header{"Retry-After": {"2"}}},
			wantStatus: 429, wantCode: "APIG.0308", wantHeader: [2]string{"Retry-After", "2"}},
		{name: "HTML gateway page", fault: meetingtest.Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>", ContentType: "text/html"},
			wantStatus: 502, wantBody: "<html><body>Bad Gateway</body></html>", wantCT: "text/html"},
		{name: "JSON error as text", fault: meetingtest.Fault{Status: 500, Code: "MMC.111070003", ContentType: "text/plain"},
			wantStatus: 500, wantBody: `{"error_code":"MMC.111070003",`, wantCT: "text/plain"},
		{name: "empty body", fault: meetingtest.Fault{Status: 503}, wantStatus: 503, wantBody: ""},
		{name: "real answer with extra header", fault: meetingtest.Fault{Header: http.Header{"X-Apig-Ratelimit-Api": {"remain:0,limit:100,time:1 minute"}}},
			wantStatus: 200, wantHeader: [2]string{"X-Apig-Ratelimit-Api", "remain:0,limit:100,time:1 minute"}},
		{name: "delayed real answer", fault: meetingtest.Fault{Delay: 20 * time.Millisecond}, wantStatus: 200},
		{name: "delayed error", fault: meetingtest.Fault{Delay: 20 * time.Millisecond, Status: 500, Code: "MMC.111072049"},
			wantStatus: 500, wantCode: "MMC.111072049"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			tok := login(t, srv, "")
			srv.InjectFault(meetingtest.EndpointConfDetail, 1, tt.fault)
			start := time.Now()
			r := confDetail(t, srv, tok, "100000001")
			if tt.fault.Delay > 0 && time.Since(start) < tt.fault.Delay {
				t.Errorf("answered after %v, want at least %v", time.Since(start), tt.fault.Delay)
			}
			switch {
			case tt.wantCode != "":
				wantError(t, r, tt.wantStatus, tt.wantCode)
			case r.status != tt.wantStatus:
				t.Errorf("status: got %d, want %d", r.status, tt.wantStatus)
			case tt.wantStatus != 200 && tt.wantBody == "" && len(r.body) != 0:
				t.Errorf("body: got %q, want none", r.body)
			case tt.wantStatus != 200 && !strings.HasPrefix(string(r.body), tt.wantBody):
				t.Errorf("body: got %q, want %q", r.body, tt.wantBody)
			}
			if ct := r.header.Get("Content-Type"); tt.wantCT != "" && !strings.HasPrefix(ct, tt.wantCT) {
				t.Errorf("Content-Type: got %q, want %q", ct, tt.wantCT)
			}
			if k := tt.wantHeader[0]; k != "" && r.header.Get(k) != tt.wantHeader[1] {
				t.Errorf("%s: got %q, want %q", k, r.header.Get(k), tt.wantHeader[1])
			}
			if r.header.Get("X-Request-Id") == "" {
				t.Error("X-Request-Id: got none, want one")
			}
			// The fault is used up: the next request gets the real answer.
			if r := confDetail(t, srv, tok, "100000001"); r.status != http.StatusOK {
				t.Errorf("after the fault: got status %d, want 200", r.status)
			}
		})
	}
}

func TestFaultsQueueInOrder(t *testing.T) {
	srv := newServer(t)
	srv.InjectFault(meetingtest.EndpointStop, 2, meetingtest.Fault{Status: 502})
	srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Status: 500, Code: "MMC.111070003"})
	srv.InjectFault(meetingtest.EndpointConfDetail, 1, meetingtest.Fault{Status: 504}) // another endpoint
	chair := controlToken(t, srv, "100000001", "111111").Data.Token
	var got []int
	for range 4 {
		got = append(got, stop(t, srv, "100000001", chair).status)
	}
	want := []int{502, 502, 500, 200}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses: got %v, want %v", got, want)
		}
	}
}

// TestTrickle: a trickled answer has its status line and headers at once,
// and its body, a byte at a time, only when the trickle is over.
func TestTrickle(t *testing.T) {
	const d = 300 * time.Millisecond
	t.Run("real answer", func(t *testing.T) {
		srv := newServer(t)
		tok := login(t, srv, "")
		want := confDetail(t, srv, tok, "100000001")
		srv.InjectFault(meetingtest.EndpointConfDetail, 1, meetingtest.Fault{Trickle: d})
		start := time.Now()
		got := confDetail(t, srv, tok, "100000001")
		if took := time.Since(start); took < d {
			t.Errorf("answered in %v, want the body to take at least %v", took, d)
		}
		if got.status != http.StatusOK || got.header.Get("Content-Type") != want.header.Get("Content-Type") || len(got.body) != len(want.body) {
			t.Errorf("trickled answer: got %d %q, %d bytes; want %d %q, %d bytes",
				got.status, got.header.Get("Content-Type"), len(got.body), want.status, want.header.Get("Content-Type"), len(want.body))
		}
	})
	t.Run("error", func(t *testing.T) {
		srv := newServer(t)
		tok := login(t, srv, "")
		srv.InjectFault(meetingtest.EndpointConfDetail, 1, meetingtest.Fault{Status: 500, Code: "MMC.111070003", Trickle: d})
		wantError(t, confDetail(t, srv, tok, "100000001"), 500, "MMC.111070003")
	})
	// The stop's 200 has no body: the client has its status at once, and
	// waits for the end of the body until the trickle is over (here, until
	// Close drops the connection).
	t.Run("stop", func(t *testing.T) {
		srv := newServer(t)
		chair := controlToken(t, srv, "100000001", "111111").Data.Token
		srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Trickle: time.Hour})
		req := newRequest(t, http.MethodPut, srv.URL()+"/v1/mmc/control/conferences/stop?conferenceID=100000001", nil,
			map[string]string{"X-Conference-Authorization": chair})
		resp, err := (&http.Client{Timeout: time.Hour}).Do(req)
		if err != nil {
			t.Fatalf("trickled stop: %v", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("trickled stop: got status %d, request ID %q; want 200 with an ID", resp.StatusCode, resp.Header.Get("X-Request-Id"))
		}
		if m, _ := srv.Meeting("100000001"); m.State != meetingtest.StateEnded {
			t.Errorf("state: got %v, want ended (the real stop ran)", m.State)
		}
		read := make(chan error, 1)
		go func() {
			_, err := io.ReadAll(resp.Body)
			read <- err
		}()
		select {
		case err := <-read:
			t.Fatalf("the body ended (%v) before the trickle was over", err)
		case <-time.After(d):
		}
		srv.Close()
		select {
		case err := <-read:
			if err == nil {
				t.Error("body after Close: got a complete body, want a dropped connection")
			}
		case <-time.After(testTimeout):
			t.Fatal("Close did not release the trickle")
		}
	})
}

func TestHangReleasedByClientTimeout(t *testing.T) {
	srv := newServer(t)
	srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Hang: true})
	chair := controlToken(t, srv, "100000001", "111111").Data.Token
	c := &http.Client{Timeout: 100 * time.Millisecond}
	req := newRequest(t, http.MethodPut, srv.URL()+"/v1/mmc/control/conferences/stop?conferenceID=100000001", nil,
		map[string]string{"X-Conference-Authorization": chair})
	start := time.Now()
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("hung stop: got status %d, want a timeout", resp.StatusCode)
	}
	if d := time.Since(start); d > testTimeout {
		t.Errorf("gave up after %v, want about 100ms", d)
	}
	if m, _ := srv.Meeting("100000001"); m.State != meetingtest.StateInProgress {
		t.Errorf("state after a hung stop: got %v, want %v", m.State, meetingtest.StateInProgress)
	}
	// The hang is used up.
	if r := stop(t, srv, "100000001", chair); r.status != http.StatusOK {
		t.Errorf("next stop: got status %d, want 200", r.status)
	}
	reqs := srv.Requests()
	if got := reqs[len(reqs)-2]; got.Endpoint != meetingtest.EndpointStop || got.Status != 0 {
		t.Errorf("logged hung request: got endpoint %q status %d, want stop with status 0", got.Endpoint, got.Status)
	}
}

func TestHangReleasedByContext(t *testing.T) {
	srv := newServer(t)
	srv.InjectFault(meetingtest.EndpointAppAuth, 1, meetingtest.Fault{Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req := validAppAuth(srv, "").request(t, srv).WithContext(ctx)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("hung log-in: got status %d, want an error", resp.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error: got %v, want context.DeadlineExceeded", err)
	}
}

func TestCloseReleasesHungRequests(t *testing.T) {
	srv := meetingtest.NewServer(meetingtest.Config{})
	srv.AddMeeting(meetingtest.Meeting{ID: "123456789", State: meetingtest.StateInProgress, ChairPassword: "1"})
	srv.InjectFault(meetingtest.EndpointControlToken, 1, meetingtest.Fault{Hang: true})
	srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Delay: time.Hour})

	c := &http.Client{Timeout: testTimeout}
	errs := make(chan error, 2)
	for _, path := range []string{"token", "stop"} {
		method := http.MethodGet
		if path == "stop" {
			method = http.MethodPut
		}
		req := newRequest(t, method, srv.URL()+"/v1/mmc/control/conferences/"+path+"?conferenceID=123456789", nil,
			map[string]string{"X-Password": "1", "X-Login-Type": "1"})
		go func() {
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
				err = errors.New("got an answer: " + resp.Status)
			}
			errs <- err
		}()
	}
	waitFor(t, "both requests to arrive", func() bool {
		return srv.Count(meetingtest.EndpointControlToken) == 1 && srv.Count(meetingtest.EndpointStop) == 1
	})

	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(testTimeout):
		t.Fatal("Close did not return")
	}
	for range 2 {
		select {
		case err := <-errs:
			if err == nil || strings.HasPrefix(err.Error(), "got an answer") || errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("released request: got %v, want a dropped connection", err)
			}
		case <-time.After(testTimeout):
			t.Fatal("request not released")
		}
	}
	srv.Close() // a second Close is harmless
}

func TestRequestLog(t *testing.T) {
	srv := newServer(t)
	srv.Advance(time.Hour)
	tok := login(t, srv, "")
	r := confDetail(t, srv, tok, "100000001")
	do(t, newRequest(t, http.MethodGet, srv.URL()+"/nowhere", nil, nil))

	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("log: got %d requests, want 3", len(reqs))
	}
	got := reqs[1]
	if got.Endpoint != meetingtest.EndpointConfDetail || got.Method != http.MethodGet ||
		got.Path != "/v1/mmc/management/conferences/confDetail" || got.Query.Get("conferenceID") != "100000001" ||
		got.Header.Get("X-Access-Token") != tok || got.Status != http.StatusOK {
		t.Errorf("confDetail entry: got %+v", got)
	}
	if got.RequestID != r.header.Get("X-Request-Id") || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(got.RequestID) {
		t.Errorf("RequestID: got %q, want the answered X-Request-Id %q", got.RequestID, r.header.Get("X-Request-Id"))
	}
	if d := got.At.Sub(time.Now().Add(time.Hour)); d > time.Second || d < -time.Second {
		t.Errorf("At: got %v, want about an hour from now (the fake's clock)", got.At)
	}
	if !strings.Contains(reqs[0].Body, `"clientType":72`) {
		t.Errorf("log-in body: got %q, want the JSON sent", reqs[0].Body)
	}
	if reqs[2].Endpoint != "" || reqs[2].Status != http.StatusNotFound {
		t.Errorf("unknown path entry: got endpoint %q status %d, want \"\" and 404", reqs[2].Endpoint, reqs[2].Status)
	}

	reqs[1].Header.Set("X-Access-Token", "changed")
	if srv.Requests()[1].Header.Get("X-Access-Token") != tok {
		t.Error("Requests: changing the returned log changed the server's log")
	}
	if n := srv.Count(meetingtest.EndpointConfDetail); n != 1 {
		t.Errorf("Count(confdetail): got %d, want 1", n)
	}
	if n := srv.Count(meetingtest.EndpointStop); n != 0 {
		t.Errorf("Count(stop): got %d, want 0", n)
	}
	srv.ResetLog()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("after ResetLog: got %d requests, want 0", n)
	}
}

func TestSeed(t *testing.T) {
	srv := meetingtest.NewServer(meetingtest.Config{Account: testAccount, Password: testPassword})
	defer srv.Close()
	ms := srv.Seed()
	counts := map[meetingtest.State]int{}
	subjects := map[string]bool{}
	var rooms []meetingtest.Meeting
	for _, m := range ms {
		counts[m.State]++
		subjects[m.Subject] = true
		if !regexp.MustCompile(`^[0-9]{9}$`).MatchString(m.ID) {
			t.Errorf("ID: got %q, want 9 digits", m.ID)
		}
		if m.RoomID != "" {
			rooms = append(rooms, m)
		}
		if got, ok := srv.Meeting(m.ID); !ok || got.State != m.State {
			t.Errorf("Meeting(%s): got %v %v, want the seeded meeting", m.ID, got.State, ok)
		}
		if m.ChairPassword == "" || m.GuestPassword == "" {
			t.Errorf("meeting %s: got passwords %q and %q, want both set", m.ID, m.ChairPassword, m.GuestPassword)
		}
	}
	if counts[meetingtest.StateInProgress] != 3 || counts[meetingtest.StateScheduled] != 1 || counts[meetingtest.StateEnded] != 1 {
		t.Errorf("states: got %v, want 3 in progress, 1 scheduled, 1 ended", counts)
	}
	// The IDs tests and the README use stay as they were.
	for i, id := range []string{"914083136", "914044873", "915276384", "913650127"} {
		if ms[i].ID != id {
			t.Errorf("meeting %d: got ID %s, want %s", i, ms[i].ID, id)
		}
	}
	if len(rooms) != 1 || rooms[0].RoomID != meetingtest.SeedRoomID || rooms[0].Scheduler != "alice" ||
		rooms[0].State != meetingtest.StateInProgress || rooms[0].RoomID == rooms[0].ID {
		t.Errorf("rooms: got %+v, want one meeting in progress in alice's personal meeting ID %s", rooms, meetingtest.SeedRoomID)
	}
	if !subjects["Weekly sync"] {
		t.Errorf("subjects: got %v, want one to be Weekly sync", subjects)
	}

	// The whole flow works against the seeded data with account credentials.
	r := do(t, accountRequest(t, srv, testAccount, testPassword, nil))
	var a authResponse
	decode(t, r.body, &a)
	r = get(t, srv, "/v1/mmc/management/conferences/online", url.Values{"queryAll": {"true"}},
		map[string]string{"X-Access-Token": a.AccessToken})
	var o onlineResponse
	decode(t, r.body, &o)
	if o.Count != 3 {
		t.Fatalf("online count: got %d, want 3", o.Count)
	}
	id := o.Data[0].ConferenceID
	var d struct {
		ConferenceData conferenceInfo `json:"conferenceData"`
	}
	decode(t, confDetail(t, srv, a.AccessToken, id).body, &d)
	chair := ""
	for _, p := range d.ConferenceData.PasswordEntry {
		if p.ConferenceRole == "chair" {
			chair = p.Password
		}
	}
	c := controlToken(t, srv, id, chair)
	if r := stop(t, srv, id, c.Data.Token); r.status != http.StatusOK {
		t.Fatalf("stop: got status %d, want 200", r.status)
	}
	if m, _ := srv.Meeting(id); m.State != meetingtest.StateEnded {
		t.Errorf("state: got %v, want %v", m.State, meetingtest.StateEnded)
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := newServer(t)
	t.Run("group", func(t *testing.T) {
		for i := range 8 {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				tok := login(t, srv, "alice")
				confDetail(t, srv, tok, "100000001")
				controlToken(t, srv, "100000001", "111111")
				srv.Advance(time.Millisecond)
				srv.InjectFault(meetingtest.EndpointOnline, 1, meetingtest.Fault{Status: 500})
				get(t, srv, "/v1/mmc/management/conferences/online", nil, map[string]string{"X-Access-Token": tok})
				srv.AddMeeting(meetingtest.Meeting{ID: "20000000" + strconv.Itoa(i), State: meetingtest.StateInProgress})
				srv.SetState("20000000"+strconv.Itoa(i), meetingtest.StateEnded)
				srv.Requests()
				srv.Count(meetingtest.EndpointStop)
			})
		}
	})
	if n := srv.Count(meetingtest.EndpointOnline); n != 8 {
		t.Errorf("Count(online): got %d, want 8", n)
	}
}
