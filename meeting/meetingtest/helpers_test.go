package meetingtest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"meetingbot/meeting/meetingtest"
)

const (
	testAppID    = "a1b2c3d4e5f6"
	testAppKey   = "k3y-0f-the-app"
	testAccount  = "bot@corp.example"
	testPassword = "s3cret:with:colons"
)

// testTimeout bounds every wait of these tests.
const testTimeout = 5 * time.Second

// newServer starts a fake with test credentials, users and meetings:
// alice hosts 100000001 (in progress), bob is invited to it, carol is a
// stranger and dave an administrator; 100000002 is scheduled and 100000003
// ended, both hosted by alice.
func newServer(t *testing.T) *meetingtest.Server {
	t.Helper()
	srv := meetingtest.NewServer(meetingtest.Config{
		AppID: testAppID, AppKey: testAppKey,
		Account: testAccount, Password: testPassword,
	})
	t.Cleanup(srv.Close)
	for _, u := range []meetingtest.User{
		{ID: "alice", Name: "Alice"},
		{ID: "bob", Name: "Bob"},
		{ID: "carol", Name: "Carol"},
		{ID: "dave", Name: "Dave", Admin: true},
	} {
		srv.AddUser(u)
	}
	start := time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC)
	for _, m := range []meetingtest.Meeting{
		{ID: "100000001", Subject: "Weekly sync", State: meetingtest.StateInProgress, Start: start, End: start.Add(time.Hour),
			ChairPassword: "111111", GuestPassword: "222222", Scheduler: "alice", Invitees: []string{"bob"}},
		{ID: "100000002", Subject: "Planning", State: meetingtest.StateScheduled,
			ChairPassword: "333333", GuestPassword: "444444", Scheduler: "alice", Invitees: []string{"bob"}},
		{ID: "100000003", Subject: "Retro", State: meetingtest.StateEnded,
			ChairPassword: "555555", GuestPassword: "666666", Scheduler: "alice", Invitees: []string{"bob"}},
	} {
		srv.AddMeeting(m)
	}
	return srv
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errorBody is Huawei's error body.
type errorBody struct {
	Code      string `json:"error_code"`
	Msg       string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

func (r response) errorBody(t *testing.T) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return e
}

// do sends req with a bounded client and reads the whole answer.
func do(t *testing.T, req *http.Request) response {
	t.Helper()
	c := &http.Client{Timeout: testTimeout}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func newRequest(t *testing.T, method, u string, body []byte, header map[string]string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return req
}

// wantError checks an error answer's status and error_code, and that the
// body is JSON carrying the response's request ID.
func wantError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status: got %d, want %d (body %s)", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !isJSONType(ct) {
		t.Errorf("Content-Type: got %q, want application/json", ct)
	}
	e := r.errorBody(t)
	if e.Code != code {
		t.Errorf("error_code: got %q, want %q (msg %q)", e.Code, code, e.Msg)
	}
	if id := r.header.Get("X-Request-Id"); e.RequestID != id || id == "" {
		t.Errorf("request_id: got %q, want the X-Request-Id %q", e.RequestID, id)
	}
}

func isJSONType(ct string) bool {
	return strings.HasPrefix(ct, "application/json")
}

// sign computes the App ID signature as Huawei documents it.
func sign(appID, appKey, userID string, expireTime int64, nonce string) string {
	mac := hmac.New(sha256.New, []byte(appKey))
	mac.Write([]byte(appID + ":" + userID + ":" + strconv.FormatInt(expireTime, 10) + ":" + nonce))
	return hex.EncodeToString(mac.Sum(nil))
}

func newNonce() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b) // 48 characters
}

// appAuth is an App ID log-in request that cases may spoil.
type appAuth struct {
	appID, appKey, userID string
	expireTime            int64
	nonce                 string
	body                  map[string]any // sent as the body; filled from the fields above
	header                map[string]string
}

// validAppAuth returns a correct log-in request for userID at the fake's time.
func validAppAuth(srv *meetingtest.Server, userID string) *appAuth {
	a := &appAuth{
		appID: testAppID, appKey: testAppKey, userID: userID,
		expireTime: srv.Now().Add(10 * time.Minute).Unix(),
		nonce:      newNonce(),
	}
	a.body = map[string]any{
		"appId": a.appID, "clientType": 72, "expireTime": a.expireTime, "nonce": a.nonce,
	}
	if userID != "" {
		a.body["userId"] = userID
	}
	a.header = map[string]string{
		"Content-Type":  "application/json; charset=UTF-8",
		"X-Token-Type":  "LongTicket",
		"Authorization": a.authorization(),
	}
	return a
}

func (a *appAuth) authorization() string {
	return authorizationHeader(sign(a.appID, a.appKey, a.userID, a.expireTime, a.nonce), a.appID)
}

func authorizationHeader(signature, appID string) string {
	return "HMAC-SHA256 signature=" + signature + ",access=" + base64.StdEncoding.EncodeToString([]byte(appID))
}

func (a *appAuth) request(t *testing.T, srv *meetingtest.Server) *http.Request {
	t.Helper()
	b, err := json.Marshal(a.body)
	if err != nil {
		t.Fatal(err)
	}
	return newRequest(t, http.MethodPost, srv.URL()+"/v2/usg/acs/auth/appauth", b, a.header)
}

// authResponse is the log-in answer.
type authResponse struct {
	AccessToken        string `json:"accessToken"`
	ValidPeriod        int64  `json:"validPeriod"`
	ExpireTime         int64  `json:"expireTime"`
	CreateTime         int64  `json:"createTime"`
	TokenType          int    `json:"tokenType"`
	ClientType         int    `json:"clientType"`
	RefreshToken       string `json:"refreshToken"`
	RefreshValidPeriod int64  `json:"refreshValidPeriod"`
	User               struct {
		UserID    string `json:"userId"`
		AdminType int    `json:"adminType"`
		Name      string `json:"name"`
	} `json:"user"`
}

// login logs in as userID with App ID credentials and returns the access token.
func login(t *testing.T, srv *meetingtest.Server, userID string) string {
	t.Helper()
	r := do(t, validAppAuth(srv, userID).request(t, srv))
	if r.status != http.StatusOK {
		t.Fatalf("log in as %q: got status %d, want 200 (body %s)", userID, r.status, r.body)
	}
	var a authResponse
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatal(err)
	}
	return a.AccessToken
}

// get sends a GET with the query and headers.
func get(t *testing.T, srv *meetingtest.Server, path string, q url.Values, header map[string]string) response {
	t.Helper()
	return do(t, newRequest(t, http.MethodGet, srv.URL()+path+"?"+q.Encode(), nil, header))
}

func confDetail(t *testing.T, srv *meetingtest.Server, token, id string) response {
	t.Helper()
	return get(t, srv, "/v1/mmc/management/conferences/confDetail",
		url.Values{"conferenceID": {id}}, map[string]string{"X-Access-Token": token})
}

// controlTokenResponse is the control-token answer.
type controlTokenResponse struct {
	Data struct {
		Token               string `json:"token"`
		TmpWsToken          string `json:"tmpWsToken"`
		WsURL               string `json:"wsURL"`
		Role                int    `json:"role"`
		ExpireTime          int64  `json:"expireTime"`
		ConfTokenExpireTime int64  `json:"confTokenExpireTime"`
	} `json:"data"`
	AddressToken   string `json:"addressToken"`
	GlobalPublicIP string `json:"gloablPublicIP"`
}

// controlLogin asks for a control token with a password.
func controlLogin(t *testing.T, srv *meetingtest.Server, id, password string) response {
	t.Helper()
	return get(t, srv, "/v1/mmc/control/conferences/token", url.Values{"conferenceID": {id}},
		map[string]string{"X-Password": password, "X-Login-Type": "1"})
}

// controlToken gets a control token with a password, failing the test
// unless it is granted.
func controlToken(t *testing.T, srv *meetingtest.Server, id, password string) controlTokenResponse {
	t.Helper()
	r := controlLogin(t, srv, id, password)
	if r.status != http.StatusOK {
		t.Fatalf("control token for %s: got status %d, want 200 (body %s)", id, r.status, r.body)
	}
	var c controlTokenResponse
	if err := json.Unmarshal(r.body, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func stop(t *testing.T, srv *meetingtest.Server, id, controlToken string) response {
	t.Helper()
	h := map[string]string{}
	if controlToken != "" {
		h["X-Conference-Authorization"] = controlToken
	}
	return do(t, newRequest(t, http.MethodPut,
		srv.URL()+"/v1/mmc/control/conferences/stop?"+url.Values{"conferenceID": {id}}.Encode(), nil, h))
}

// keys returns the sorted keys of a JSON object.
func keys(t *testing.T, raw []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("JSON object %q: %v", raw, err)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// waitFor polls cond until it holds or testTimeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
}
