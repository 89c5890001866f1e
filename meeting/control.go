package meeting

import (
	"context"
	"errors"
	"meetingbot/internal/secret"
	"net/http"
	"net/url"
	"time"
)

// controlMargin is how long before its expiry a control token is dropped
// from the cache: at least a minute, so that a token is never used as it
// expires.
const controlMargin = 2 * time.Minute

// controlEntry is a cached meeting-control token.
type controlEntry struct {
	token    secret.Secret
	refresh  time.Time     // the expiry less controlMargin
	password secret.Secret // the host password it was fetched with, to fetch the next one
}

// controlAnswer is the body of the control-token call.
type controlAnswer struct {
	Data struct {
		Token      secret.Secret `json:"token"`
		Role       int           `json:"role"`       // 1 host, 0 participant
		ExpireTime int64         `json:"expireTime"` // Unix milliseconds
		Lifetime   int64         `json:"confTokenExpireTime"`
	} `json:"data"`
}

// controlKey is the cache key of a meeting's control token for the client's
// user. Each user has their own: a token fetched for an administrator (or
// for the meeting's host) must not serve another user's Stop, which Huawei
// would not check again.
func (c *Client) controlKey(id ID) string { return c.user + "\x00" + string(id) }

// cachedControl returns the meeting's cached control token, if it is fresh.
func (c *Client) cachedControl(id ID) (controlEntry, bool) {
	v, ok := c.control.Get(c.controlKey(id))
	if !ok {
		return controlEntry{}, false
	}
	e := v.(controlEntry)
	if !c.now().Before(e.refresh) {
		c.control.Delete(c.controlKey(id))
		return controlEntry{}, false
	}
	return e, true
}

// dropControl forgets the meeting's control token if it is still bad.
func (c *Client) dropControl(id ID, bad secret.Secret) {
	if e, ok := c.cachedControl(id); ok && e.token == bad {
		c.control.Delete(c.controlKey(id))
	}
}

// controlToken returns the meeting's control token, from the cache or from
// Huawei with the host password. Concurrent callers for one meeting share one
// fetch. A rejected password is never retried: Huawei locks control log-in
// after a few.
func (c *Client) controlToken(ctx context.Context, id ID, password secret.Secret) (controlEntry, error) {
	e, ok := c.cachedControl(id)
	c.observe.TokenCache("control", ok)
	if ok {
		return e, nil
	}
	ch := c.controls.DoChan(c.controlKey(id), func() (any, error) {
		if e, ok := c.cachedControl(id); ok {
			return e, nil
		}
		h := http.Header{}
		h.Set("X-Password", password.Reveal())
		h.Set("X-Login-Type", "1")
		resp, err := c.send(context.WithoutCancel(ctx), request{
			op: "controlToken", method: http.MethodGet,
			path:   "/v1/mmc/control/conferences/token",
			query:  url.Values{"conferenceID": {string(id)}},
			header: h,
		})
		if errors.Is(err, errTokenRejected) {
			e, _ := errors.AsType[*Error](err)
			e.Kind = ErrNotPermitted
			return nil, e
		}
		if err != nil {
			return nil, err
		}
		var ans controlAnswer
		if err := decodeJSON("controlToken", resp, &ans); err != nil {
			return nil, err
		}
		if ans.Data.Token == "" {
			return nil, &Error{Op: "controlToken", Kind: ErrUnexpected, Status: resp.status, RequestID: resp.requestID, Err: errors.New("no token in the answer")}
		}
		if ans.Data.Role != 1 {
			return nil, &Error{Op: "controlToken", Kind: ErrNotPermitted, Status: resp.status, RequestID: resp.requestID, Err: errors.New("the token is not a host's")}
		}
		now := c.now()
		expiry := time.UnixMilli(ans.Data.ExpireTime)
		if ans.Data.ExpireTime == 0 {
			expiry = now.Add(time.Duration(ans.Data.Lifetime) * time.Second)
		}
		e := controlEntry{token: ans.Data.Token, refresh: expiry.Add(-controlMargin), password: password}
		if ttl := e.refresh.Sub(now); ttl > 0 {
			c.control.Set(c.controlKey(id), e, ttl)
		}
		return e, nil
	})
	select {
	case <-ctx.Done():
		return controlEntry{}, waitError(ctx, "controlToken")
	case r := <-ch:
		if r.Err != nil {
			return controlEntry{}, r.Err
		}
		return r.Val.(controlEntry), nil
	}
}

// StopResult describes a meeting the client ended.
type StopResult struct {
	// RequestID is Huawei's X-Request-Id of the stop call.
	RequestID string
}

// Stop ends a meeting in progress (PUT /v1/mmc/control/conferences/stop) with
// its cached control token, or with one fetched now. When Huawei rejects the
// token (401), Stop fetches a new one and retries once. Server errors and
// network failures are retried with backoff until the context's deadline.
// An ended meeting is ErrAlreadyEnded, unless a try of this call whose
// answer was lost may have ended it, in which case it is success.
func (c *Client) Stop(ctx context.Context, id ID) (StopResult, error) {
	if err := id.Validate(); err != nil {
		return StopResult{}, err
	}
	e, ok := c.cachedControl(id)
	if ok { // a miss is counted by controlToken, which fetches one
		c.observe.TokenCache("control", true)
	}
	// ambiguous: an earlier try may have ended the meeting though its
	// answer was lost. Then "ended" or "gone" afterwards is this call's
	// own success, also across the token refresh below.
	ambiguous := false
	for try := 0; ; try++ {
		if !ok {
			var err error
			if e, err = c.freshControl(ctx, id, e.password); err != nil {
				if ambiguous && (errors.Is(err, ErrAlreadyEnded) || errors.Is(err, ErrNotFound)) {
					return StopResult{RequestID: RequestID(err)}, nil
				}
				return StopResult{}, err
			}
		}
		h := http.Header{}
		h.Set("X-Conference-Authorization", e.token.Reveal())
		resp, err := c.send(ctx, request{
			op: "stop", method: http.MethodPut,
			path:   "/v1/mmc/control/conferences/stop",
			query:  url.Values{"conferenceID": {string(id)}},
			header: h,
			noBody: true, // 200 is success, whatever follows it
		})
		ambiguous = ambiguous || resp.ambiguous
		switch {
		case err == nil:
			c.control.Delete(c.controlKey(id))
			return StopResult{RequestID: resp.requestID}, nil
		case errors.Is(err, ErrAlreadyEnded) && ambiguous:
			c.control.Delete(c.controlKey(id))
			return StopResult{RequestID: RequestID(err)}, nil
		case errors.Is(err, errTokenRejected):
			c.dropControl(id, e.token)
			if try == 0 {
				ok = false
				continue
			}
			se, _ := errors.AsType[*Error](err)
			se.Kind = ErrNotPermitted
			return StopResult{}, se
		default:
			if errors.Is(err, ErrAlreadyEnded) {
				c.control.Delete(c.controlKey(id))
			}
			return StopResult{}, err
		}
	}
}

// freshControl fetches a control token with the host password the last one
// was fetched with, or, without one, with the host password in the
// meeting's details.
func (c *Client) freshControl(ctx context.Context, id ID, password secret.Secret) (controlEntry, error) {
	if password == "" {
		conf, err := c.Meeting(ctx, id)
		if err != nil {
			return controlEntry{}, err
		}
		if err := conf.ready(); err != nil {
			return controlEntry{}, err
		}
		password = conf.hostPassword
	}
	return c.controlToken(ctx, id, password)
}
