package meetingtest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"meetingbot/meeting/meetingtest"
)

func TestAppAuth(t *testing.T) {
	tests := []struct {
		name   string
		spoil  func(t *testing.T, srv *meetingtest.Server, a *appAuth)
		status int
		code   string // for failures
	}{
		{name: "administrator", spoil: func(*testing.T, *meetingtest.Server, *appAuth) {}, status: 200},
		{name: "user", spoil: func(_ *testing.T, srv *meetingtest.Server, a *appAuth) {
			*a = *validAppAuth(srv, "alice")
		}, status: 200},
		{name: "content type without charset", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.header["Content-Type"] = "application/json"
		}, status: 200},
		{name: "wrong signature", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			sig := []byte(sign(a.appID, a.appKey, a.userID, a.expireTime, a.nonce))
			if sig[0] == '0' { // another hex digit
				sig[0] = '1'
			} else {
				sig[0] = '0'
			}
			a.header["Authorization"] = authorizationHeader(string(sig), a.appID)
		}, status: 401, code: "USG.000000003"},
		{name: "wrong key", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.appKey = "not-the-key"
			a.header["Authorization"] = a.authorization()
		}, status: 401, code: "USG.000000003"},
		{name: "upper-case hex", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			sig := strings.ToUpper(sign(a.appID, a.appKey, a.userID, a.expireTime, a.nonce))
			a.header["Authorization"] = authorizationHeader(sig, a.appID)
		}, status: 401, code: "USG.000000002"},
		{name: "signed user differs from body", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.body["userId"] = "alice" // signed for the administrator
		}, status: 401, code: "USG.000000003"},
		{name: "expired expireTime", spoil: func(_ *testing.T, srv *meetingtest.Server, a *appAuth) {
			a.expireTime = srv.Now().Add(-time.Second).Unix()
			a.body["expireTime"] = a.expireTime
			a.header["Authorization"] = a.authorization()
		}, status: 401, code: "USG.000000004"},
		{name: "expireTime more than 24h ahead", spoil: func(_ *testing.T, srv *meetingtest.Server, a *appAuth) {
			a.expireTime = srv.Now().Add(25 * time.Hour).Unix()
			a.body["expireTime"] = a.expireTime
			a.header["Authorization"] = a.authorization()
		}, status: 401, code: "USG.000000004"},
		{name: "expireTime in milliseconds", spoil: func(_ *testing.T, srv *meetingtest.Server, a *appAuth) {
			a.expireTime = srv.Now().Add(10 * time.Minute).UnixMilli()
			a.body["expireTime"] = a.expireTime
			a.header["Authorization"] = a.authorization()
		}, status: 401, code: "USG.000000004"},
		{name: "reused nonce", spoil: func(t *testing.T, srv *meetingtest.Server, a *appAuth) {
			if r := do(t, a.request(t, srv)); r.status != 200 {
				t.Fatalf("first use of the nonce: got status %d, want 200", r.status)
			}
		}, status: 401, code: "USG.000000005"},
		{name: "missing X-Token-Type", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			delete(a.header, "X-Token-Type")
		}, status: 400, code: "USG.000000001"},
		{name: "wrong clientType", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.body["clientType"] = 71
		}, status: 400, code: "USG.000000001"},
		{name: "clientType as a string", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.body["clientType"] = "72"
		}, status: 400, code: "USG.000000001"},
		{name: "missing clientType", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			delete(a.body, "clientType")
		}, status: 400, code: "USG.000000001"},
		{name: "short nonce", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.nonce = strings.Repeat("n", 31)
			a.body["nonce"] = a.nonce
			a.header["Authorization"] = a.authorization()
		}, status: 400, code: "USG.000000001"},
		{name: "long nonce", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.nonce = strings.Repeat("n", 65)
			a.body["nonce"] = a.nonce
			a.header["Authorization"] = a.authorization()
		}, status: 400, code: "USG.000000001"},
		{name: "unknown user", spoil: func(_ *testing.T, srv *meetingtest.Server, a *appAuth) {
			*a = *validAppAuth(srv, "mallory")
		}, status: 401, code: "USG.000000007"},
		{name: "access names another app", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.header["Authorization"] = authorizationHeader(sign(a.appID, a.appKey, a.userID, a.expireTime, a.nonce), "other-app")
		}, status: 401, code: "USG.000000006"},
		{name: "unknown app", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.appID = "other-app"
			a.body["appId"] = a.appID
			a.header["Authorization"] = a.authorization()
		}, status: 401, code: "USG.000000006"},
		{name: "corpId in single-enterprise mode", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.body["corpId"] = "corp"
		}, status: 401, code: "USG.000000009"},
		{name: "no Authorization", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			delete(a.header, "Authorization")
		}, status: 401, code: "USG.000000002"},
		{name: "Authorization without access", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.header["Authorization"] = "HMAC-SHA256 signature=" + sign(a.appID, a.appKey, a.userID, a.expireTime, a.nonce)
		}, status: 401, code: "USG.000000002"},
		{name: "form content type", spoil: func(_ *testing.T, _ *meetingtest.Server, a *appAuth) {
			a.header["Content-Type"] = "application/x-www-form-urlencoded"
		}, status: 400, code: "USG.000000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			a := validAppAuth(srv, "")
			tt.spoil(t, srv, a)
			r := do(t, a.request(t, srv))
			if tt.status != http.StatusOK {
				wantError(t, r, tt.status, tt.code)
				return
			}
			if r.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %s)", r.status, r.body)
			}
		})
	}
}

func TestAppAuthRefusedWithoutAppIDConfigured(t *testing.T) {
	srv := meetingtest.NewServer(meetingtest.Config{Account: testAccount, Password: testPassword})
	defer srv.Close()
	a := validAppAuth(srv, "")
	a.appID, a.appKey = "", ""
	a.body["appId"] = ""
	a.header["Authorization"] = a.authorization()
	wantError(t, do(t, a.request(t, srv)), 401, "USG.000000002") // empty access
	a = validAppAuth(srv, "")
	wantError(t, do(t, a.request(t, srv)), 401, "USG.000000006")
}

func TestAuthResponse(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name          string
		req           func() *http.Request
		wantAdminType int
		wantName      string
	}{
		{"app ID administrator", func() *http.Request { return validAppAuth(srv, "").request(t, srv) }, 0, testAccount},
		{"app ID user", func() *http.Request { return validAppAuth(srv, "alice").request(t, srv) }, 2, "Alice"},
		{"app ID other administrator", func() *http.Request { return validAppAuth(srv, "dave").request(t, srv) }, 1, "Dave"},
		{"account", func() *http.Request { return accountRequest(t, srv, testAccount, testPassword, nil) }, 0, testAccount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Now()
			r := do(t, tt.req())
			if r.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %s)", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !isJSONType(ct) {
				t.Errorf("Content-Type: got %q, want application/json", ct)
			}
			wantKeys := []string{"accessToken", "clientType", "createTime", "expireTime", "refreshToken",
				"refreshValidPeriod", "tokenType", "user", "validPeriod"}
			if got := keys(t, r.body); !slices.Equal(got, wantKeys) {
				t.Errorf("keys: got %v, want %v", got, wantKeys)
			}
			var a authResponse
			if err := json.Unmarshal(r.body, &a); err != nil {
				t.Fatal(err)
			}
			if a.AccessToken == "" || a.RefreshToken == "" {
				t.Errorf("tokens: got access %q, refresh %q, want both set", a.AccessToken, a.RefreshToken)
			}
			if a.ValidPeriod != 12*3600 {
				t.Errorf("validPeriod: got %d, want %d", a.ValidPeriod, 12*3600)
			}
			if want := before.Add(12 * time.Hour).Unix(); a.ExpireTime < want || a.ExpireTime > want+2 {
				t.Errorf("expireTime: got %d, want about %d (Unix seconds)", a.ExpireTime, want)
			}
			if want := before.UnixMilli(); a.CreateTime < want || a.CreateTime > want+2000 {
				t.Errorf("createTime: got %d, want about %d (Unix milliseconds)", a.CreateTime, want)
			}
			if a.TokenType != 0 || a.ClientType != 72 || a.RefreshValidPeriod != 2592000 {
				t.Errorf("tokenType, clientType, refreshValidPeriod: got %d, %d, %d, want 0, 72, 2592000",
					a.TokenType, a.ClientType, a.RefreshValidPeriod)
			}
			if a.User.AdminType != tt.wantAdminType || a.User.Name != tt.wantName || a.User.UserID == "" {
				t.Errorf("user: got %+v, want adminType %d, name %q, a userId", a.User, tt.wantAdminType, tt.wantName)
			}
			if id := r.header.Get("X-Request-Id"); len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
				t.Errorf("X-Request-Id: got %q, want 32 hex digits", id)
			}
		})
	}
}

// accountRequest builds an account log-in; body nil sends the right one.
func accountRequest(t *testing.T, srv *meetingtest.Server, account, password string, body map[string]any) *http.Request {
	t.Helper()
	if body == nil {
		body = map[string]any{"account": account, "clientType": 72}
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return newRequest(t, http.MethodPost, srv.URL()+"/v1/usg/acs/auth/account", b, map[string]string{
		"Content-Type":  "application/json;charset=UTF-8",
		"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(account+":"+password)),
	})
}

func TestAccountAuth(t *testing.T) {
	tests := []struct {
		name   string
		req    func(t *testing.T, srv *meetingtest.Server) *http.Request
		status int
		code   string
	}{
		{"right", func(t *testing.T, srv *meetingtest.Server) *http.Request {
			return accountRequest(t, srv, testAccount, testPassword, nil)
		}, 200, ""},
		{"wrong password", func(t *testing.T, srv *meetingtest.Server) *http.Request {
			return accountRequest(t, srv, testAccount, "guess", nil)
		}, 401, "USG.000000008"},
		{"unknown account", func(t *testing.T, srv *meetingtest.Server) *http.Request {
			return accountRequest(t, srv, "eve@corp.example", testPassword, nil)
		}, 401, "USG.000000008"},
		{"body names another account", func(t *testing.T, srv *meetingtest.Server) *http.Request {
			return accountRequest(t, srv, testAccount, testPassword, map[string]any{"account": "eve", "clientType": 72})
		}, 400, "USG.000000001"},
		{"wrong clientType", func(t *testing.T, srv *meetingtest.Server) *http.Request {
			return accountRequest(t, srv, testAccount, testPassword, map[string]any{"account": testAccount, "clientType": 0})
		}, 400, "USG.000000001"},
		{"not Basic", func(t *testing.T, srv *meetingtest.Server) *http.Request {
			r := accountRequest(t, srv, testAccount, testPassword, nil)
			r.Header.Set("Authorization", "Bearer x")
			return r
		}, 401, "USG.000000002"},
		{"malformed JSON", func(t *testing.T, srv *meetingtest.Server) *http.Request {
			r := accountRequest(t, srv, testAccount, testPassword, nil)
			return newRequest(t, http.MethodPost, r.URL.String(), []byte(`{"account":`), map[string]string{
				"Content-Type": "application/json", "Authorization": r.Header.Get("Authorization"),
			})
		}, 400, "USG.000000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			r := do(t, tt.req(t, srv))
			if tt.status != http.StatusOK {
				wantError(t, r, tt.status, tt.code)
				return
			}
			if r.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %s)", r.status, r.body)
			}
		})
	}
}

func TestAccountAuthRefusedWithoutAccountConfigured(t *testing.T) {
	srv := meetingtest.NewServer(meetingtest.Config{AppID: testAppID, AppKey: testAppKey})
	defer srv.Close()
	wantError(t, do(t, accountRequest(t, srv, "", "", nil)), 401, "USG.000000002")
	wantError(t, do(t, accountRequest(t, srv, "admin", "", nil)), 401, "USG.000000008")
}

func TestAccessToken(t *testing.T) {
	srv := newServer(t)
	tok := login(t, srv, "")

	if r := confDetail(t, srv, tok, "100000001"); r.status != http.StatusOK {
		t.Fatalf("fresh token: got status %d, want 200 (body %s)", r.status, r.body)
	}
	wantError(t, confDetail(t, srv, "", "100000001"), 401, "MMC.118000001")
	wantError(t, confDetail(t, srv, "cnrUnknown", "100000001"), 401, "MMC.118000001")

	srv.Advance(12*time.Hour - time.Minute)
	if r := confDetail(t, srv, tok, "100000001"); r.status != http.StatusOK {
		t.Fatalf("token a minute before expiry: got status %d, want 200", r.status)
	}
	srv.Advance(time.Minute)
	r := confDetail(t, srv, tok, "100000001")
	wantError(t, r, 401, "MMC.118000001")
	if msg := r.errorBody(t).Msg; msg != "USER_TOKEN_AUTH_FAILED" {
		t.Errorf("error_msg: got %q, want USER_TOKEN_AUTH_FAILED", msg)
	}
}

func TestAccessTokenLifetimeConfig(t *testing.T) {
	srv := meetingtest.NewServer(meetingtest.Config{AppID: testAppID, AppKey: testAppKey, AccessTokenLifetime: time.Hour})
	defer srv.Close()
	srv.AddMeeting(meetingtest.Meeting{ID: "123456789", State: meetingtest.StateInProgress})
	tok := login(t, srv, "")
	srv.Advance(time.Hour)
	wantError(t, confDetail(t, srv, tok, "123456789"), 401, "MMC.118000001")
}

func TestSixtyFifthTokenEvictsOldest(t *testing.T) {
	srv := newServer(t)
	var toks []string
	for range 65 {
		toks = append(toks, login(t, srv, "alice"))
	}
	wantError(t, confDetail(t, srv, toks[0], "100000001"), 401, "MMC.118000001")
	for _, i := range []int{1, 64} {
		if r := confDetail(t, srv, toks[i], "100000001"); r.status != http.StatusOK {
			t.Errorf("token %d: got status %d, want 200", i+1, r.status)
		}
	}
	// Another user's tokens are counted apart.
	if r := confDetail(t, srv, login(t, srv, "bob"), "100000001"); r.status != http.StatusOK {
		t.Errorf("bob's token: got status %d, want 200", r.status)
	}
}

func TestExpiredTokensDoNotCountAgainstTheLimit(t *testing.T) {
	srv := newServer(t)
	for range 64 {
		login(t, srv, "alice")
	}
	srv.Advance(13 * time.Hour)
	first := login(t, srv, "alice")
	for range 63 {
		login(t, srv, "alice")
	}
	if r := confDetail(t, srv, first, "100000001"); r.status != http.StatusOK {
		t.Errorf("first of 64 live tokens: got status %d, want 200", r.status)
	}
}
