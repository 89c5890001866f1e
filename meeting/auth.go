package meeting

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"meetingbot/internal/secret"
	"net/http"
	"strconv"
	"time"
)

// clientType 72 is the API client type; Huawei keeps up to 64 live tokens per
// user for it, so the client logs in once and reuses the token.
const clientType = 72

// authenticator logs in to Huawei as a user.
type authenticator interface {
	login(ctx context.Context, s *shared, user string) (accessToken, error)
}

// accessToken is a cached X-Access-Token, or a cached refusal.
type accessToken struct {
	token   secret.Secret
	refresh time.Time // when to log in again: the expiry less a margin
	// err is Huawei's refusal of the user's credentials, kept until
	// refresh so that a user Huawei does not know (a host rule mapping
	// gone wrong) costs one log-in per refusalTTL, not one per command.
	err error
}

// refusalTTL is how long a refused log-in is remembered.
const refusalTTL = 30 * time.Second

// authAnswer is the body of both authentication calls.
type authAnswer struct {
	AccessToken secret.Secret `json:"accessToken"`
	ValidPeriod int64         `json:"validPeriod"` // seconds
	ExpireTime  int64         `json:"expireTime"`  // Unix seconds
}

// appIDAuth is App ID authentication (POST /v2/usg/acs/auth/appauth).
type appIDAuth struct {
	appID  string
	appKey secret.Secret
}

type appAuthBody struct {
	AppID      string `json:"appId"`
	ClientType int    `json:"clientType"`
	ExpireTime int64  `json:"expireTime"`
	Nonce      string `json:"nonce"`
	UserID     string `json:"userId,omitempty"`
}

func (a appIDAuth) login(ctx context.Context, s *shared, user string) (accessToken, error) {
	return s.authCall(ctx, request{op: "appauth", method: http.MethodPost, path: "/v2/usg/acs/auth/appauth",
		fresh: func() (http.Header, []byte, error) { return a.sign(s.now(), user) }, auth: true})
}

// sign makes the header and body of one log-in try. Each try needs its own:
// Huawei accepts a nonce only once, and a try whose answer was lost may
// have used it.
func (a appIDAuth) sign(now time.Time, user string) (http.Header, []byte, error) {
	var raw [24]byte
	_, _ = rand.Read(raw[:])
	nonce := hex.EncodeToString(raw[:]) // 48 characters; Huawei wants 32 to 64
	expire := now.Add(10 * time.Minute).Unix()
	mac := hmac.New(sha256.New, []byte(a.appKey.Reveal()))
	mac.Write([]byte(a.appID + ":" + user + ":" + strconv.FormatInt(expire, 10) + ":" + nonce))
	body, err := json.Marshal(appAuthBody{AppID: a.appID, ClientType: clientType, ExpireTime: expire, Nonce: nonce, UserID: user})
	if err != nil {
		return nil, nil, err
	}
	h := http.Header{}
	h.Set("Authorization", "HMAC-SHA256 signature="+hex.EncodeToString(mac.Sum(nil))+",access="+base64.StdEncoding.EncodeToString([]byte(a.appID)))
	h.Set("X-Token-Type", "LongTicket")
	h.Set("Content-Type", "application/json; charset=UTF-8")
	return h, body, nil
}

// accountAuth is account and password authentication (POST /v1/usg/acs/auth/account).
type accountAuth struct {
	account  string
	password secret.Secret
}

func (a accountAuth) login(ctx context.Context, s *shared, user string) (accessToken, error) {
	if user != "" {
		return accessToken{}, errors.New("account authentication cannot act as another user")
	}
	body, err := json.Marshal(struct {
		Account    string `json:"account"`
		ClientType int    `json:"clientType"`
	}{a.account, clientType})
	if err != nil {
		return accessToken{}, err
	}
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(a.account+":"+a.password.Reveal())))
	h.Set("Content-Type", "application/json;charset=UTF-8")
	return s.authCall(ctx, request{op: "accountauth", method: http.MethodPost, path: "/v1/usg/acs/auth/account", header: h, body: body, auth: true})
}

// authCall sends an authentication request and reads the token out of it.
func (s *shared) authCall(ctx context.Context, r request) (accessToken, error) {
	resp, err := s.send(ctx, r)
	if err != nil {
		return accessToken{}, err
	}
	var ans authAnswer
	if err := decodeJSON(r.op, resp, &ans); err != nil {
		return accessToken{}, err
	}
	if ans.AccessToken == "" {
		return accessToken{}, &Error{Op: r.op, Kind: ErrUnexpected, Status: resp.status, RequestID: resp.requestID, Err: errors.New("no access token in the answer")}
	}
	now := s.now()
	expiry := time.Unix(ans.ExpireTime, 0)
	if ans.ExpireTime == 0 {
		expiry = now.Add(time.Duration(ans.ValidPeriod) * time.Second)
	}
	// Log in again a little before the expiry, so that a token never
	// expires between the check and its use.
	margin := min(5*time.Minute, expiry.Sub(now)/4)
	return accessToken{token: ans.AccessToken, refresh: expiry.Add(-margin)}, nil
}

// accessToken returns the cached access token of the client's user, logging
// in when there is none or it is about to expire. Concurrent callers share
// one log-in.
func (c *Client) accessToken(ctx context.Context) (secret.Secret, error) {
	c.mu.Lock()
	t, ok := c.access[c.user]
	c.mu.Unlock()
	hit := ok && c.now().Before(t.refresh)
	c.observe.TokenCache("access", hit)
	if hit {
		return t.token, t.err
	}
	ch := c.logins.DoChan(c.user, func() (any, error) {
		// The log-in outlives a caller that gives up, so that the others
		// sharing it still get the token.
		ctx := context.WithoutCancel(ctx)
		// A caller that missed the cache just before an earlier log-in
		// stored its token must not log in again.
		c.mu.Lock()
		t, ok := c.access[c.user]
		c.mu.Unlock()
		if ok && c.now().Before(t.refresh) {
			return t.token, t.err
		}
		t, err := c.auth.login(ctx, c.shared, c.user)
		if errors.Is(err, ErrCredentials) {
			c.mu.Lock()
			c.access[c.user] = accessToken{err: err, refresh: c.now().Add(refusalTTL)}
			c.mu.Unlock()
		}
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.access[c.user] = t
		c.mu.Unlock()
		return t.token, nil
	})
	select {
	case <-ctx.Done():
		return "", waitError(ctx, "auth")
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(secret.Secret), nil
	}
}

// dropAccessToken forgets the user's access token if it is still bad, so
// that the next caller logs in again; a token another caller has already
// replaced is kept.
func (c *Client) dropAccessToken(bad secret.Secret) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.access[c.user]; ok && t.token == bad {
		delete(c.access, c.user)
	}
}

// withAccessToken sends r with the user's access token. When Huawei rejects
// the token (401), it logs in again and retries once. The response is
// ambiguous when any try was.
func (c *Client) withAccessToken(ctx context.Context, r request) (response, error) {
	ambiguous := false
	for try := 0; ; try++ {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return response{ambiguous: ambiguous}, err
		}
		if r.header == nil {
			r.header = http.Header{}
		}
		r.header.Set("X-Access-Token", tok.Reveal())
		resp, err := c.send(ctx, r)
		ambiguous = ambiguous || resp.ambiguous
		resp.ambiguous = ambiguous
		if !errors.Is(err, errTokenRejected) {
			return resp, err
		}
		c.dropAccessToken(tok)
		if try == 1 {
			e, _ := errors.AsType[*Error](err)
			e.Kind = ErrCredentials
			return resp, e
		}
	}
}

// Login makes sure the client can log in: it returns the cached access token's
// state or logs in once. It is for start-up checks.
func (c *Client) Login(ctx context.Context) error {
	_, err := c.accessToken(ctx)
	return err
}
