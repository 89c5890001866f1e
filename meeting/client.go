package meeting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"meetingbot/internal/endpoint"
	"meetingbot/internal/secret"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/patrickmn/go-cache"
	"golang.org/x/sync/singleflight"

	"meetingbot/internal/neterr"
)

// DefaultEndpoint is Huawei Cloud Meeting's API host for the Chinese mainland.
const DefaultEndpoint = "https://api.meeting.huaweicloud.com"

// maxBody caps what the client reads of any answer; Huawei's answers are a
// few KB, and a gateway page must not fill memory.
const maxBody = 256 << 10

// Config configures a Client. Exactly one of the two credentials must be set:
// AppID and AppKey, or Account and Password.
type Config struct {
	Endpoint string // base URL; DefaultEndpoint when empty

	AppID  string
	AppKey secret.Secret
	// UserID is the App ID user the client acts as; empty acts as the
	// enterprise administrator.
	UserID string

	Account  string
	Password secret.Secret

	// HTTPClient sends the requests; a client with timeouts when nil.
	HTTPClient *http.Client
	// Now is the clock used for token expiry; time.Now when nil.
	Now func() time.Time
	// Logger gets one debug record per HTTP request; discarded when nil.
	Logger *slog.Logger
	// Retry sets the backoff for server errors, throttling and network
	// failures; DefaultRetry when zero.
	Retry Retry
	// Observer, when set, is told of every HTTP request and every token
	// cache look-up, for metrics.
	Observer Observer
}

// Observer is told what the client does, for metrics. Its methods must be
// quick and safe for concurrent use.
type Observer interface {
	// Request is one HTTP request: its operation (appauth, confDetail,
	// stop, …), the HTTP status (0 when no answer came) and how long it took.
	Request(op string, status int, d time.Duration)
	// TokenCache is one look-up in a token cache ("access" or "control").
	TokenCache(kind string, hit bool)
}

// noObserver observes nothing.
type noObserver struct{}

func (noObserver) Request(string, int, time.Duration) {}
func (noObserver) TokenCache(string, bool)            {}

// Retry is the retry policy for calls that may be tried again.
type Retry struct {
	// Deadline bounds a call with all its retries, unless the context has
	// an earlier deadline.
	Deadline time.Duration
	// Base and Max bound the exponential backoff after a server error or a
	// network failure; each wait is drawn between half and all of it.
	Base, Max time.Duration
	// Throttle is the least wait after a 429 (longer if Retry-After says so);
	// each wait is drawn between it and twice it.
	Throttle time.Duration
}

// DefaultRetry is the policy whose values stand in for the zero fields of
// Config.Retry.
var DefaultRetry = Retry{Deadline: 20 * time.Second, Base: 250 * time.Millisecond, Max: 4 * time.Second, Throttle: 2500 * time.Millisecond}

// ConfigError is a problem with one field of a Config, named as in Go
// (AppID, AppKey, UserID, Account, Password, Endpoint), so that a caller can
// say which of its settings is wrong.
type ConfigError struct {
	Field   string
	Problem string
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Problem }

// Validate reports every problem of a configuration that cannot work, each
// a *ConfigError, joined with errors.Join.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, problem string) { errs = append(errs, &ConfigError{field, problem}) }
	appID := c.AppID != "" || c.AppKey != ""
	account := c.Account != "" || c.Password != ""
	switch {
	case appID && account:
		bad("Account", "set either the App ID credentials or the account credentials, not both")
	case !appID && !account:
		bad("AppID", "no Huawei credentials: set the App ID and App Key, or the account and password")
	}
	if appID && c.AppID == "" {
		bad("AppID", "required with the App Key")
	}
	if appID && c.AppKey == "" {
		bad("AppKey", "required with the App ID")
	}
	if account && c.Account == "" {
		bad("Account", "required with the password")
	}
	if account && c.Password == "" {
		bad("Password", "required with the account")
	}
	if account && c.UserID != "" {
		bad("UserID", "works only with App ID authentication")
	}
	if c.Endpoint != "" {
		if p := endpoint.Problem(c.Endpoint); p != "" {
			bad("Endpoint", p)
		}
	}
	return errors.Join(errs...)
}

// Client calls Huawei Cloud Meeting as one Huawei user. Clients made with As
// share the caches of the client they come from. A Client is safe for
// concurrent use.
type Client struct {
	*shared
	user string // App ID user ID; "" for the administrator or the account
}

// shared is the state all the views of one Client have in common.
type shared struct {
	endpoint string
	http     *http.Client
	now      func() time.Time
	log      *slog.Logger
	retry    Retry
	auth     authenticator
	observe  Observer

	mu       sync.Mutex
	access   map[string]accessToken // by user ID
	logins   singleflight.Group     // by user ID
	control  *cache.Cache           // controlEntry by user and meeting ID (controlKey)
	controls singleflight.Group     // by controlKey
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &shared{
		endpoint: strings.TrimRight(cfg.Endpoint, "/"),
		http:     cfg.HTTPClient,
		now:      cfg.Now,
		log:      cfg.Logger,
		retry:    cfg.Retry,
		observe:  cfg.Observer,
		access:   make(map[string]accessToken),
		control:  cache.New(cache.NoExpiration, 0), // swept by Sweep, not by a janitor goroutine
	}
	if s.endpoint == "" {
		s.endpoint = DefaultEndpoint
	}
	if s.http == nil {
		// A slow Huawei answer (10 s) must still arrive: a try gets 15 s
		// for the headers, the whole call Retry.Deadline.
		s.http = &http.Client{
			Timeout: 20 * time.Second,
			Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				TLSHandshakeTimeout:   5 * time.Second,
				ResponseHeaderTimeout: 15 * time.Second,
				IdleConnTimeout:       90 * time.Second,
				MaxIdleConnsPerHost:   32,
				ForceAttemptHTTP2:     true,
			},
		}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.observe == nil {
		s.observe = noObserver{}
	}
	// Each unset field of the policy takes its default, so that a half-set
	// policy never retries without waiting or fails at once.
	for _, f := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&s.retry.Deadline, DefaultRetry.Deadline},
		{&s.retry.Base, DefaultRetry.Base},
		{&s.retry.Max, DefaultRetry.Max},
		{&s.retry.Throttle, DefaultRetry.Throttle},
	} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	if cfg.AppID != "" {
		s.auth = appIDAuth{appID: cfg.AppID, appKey: cfg.AppKey}
	} else {
		s.auth = accountAuth{account: cfg.Account, password: cfg.Password}
	}
	return &Client{shared: s, user: cfg.UserID}, nil
}

// As returns a client that acts as the App ID user userID, sharing this
// client's caches. It fails with account authentication, which can act only
// as the account.
func (c *Client) As(userID string) (*Client, error) {
	if _, ok := c.auth.(appIDAuth); !ok && userID != "" {
		return nil, errors.New("acting as another user needs App ID authentication")
	}
	return &Client{shared: c.shared, user: userID}, nil
}

// Sweep drops expired control tokens and access tokens past their refresh
// time. Call it now and then; the caches own no goroutine of their own.
func (c *Client) Sweep() {
	c.control.DeleteExpired()
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for user, t := range c.access {
		if !now.Before(t.refresh) {
			delete(c.access, user)
		}
	}
}

// Close closes the idle connections to Huawei, so that no goroutine of the
// client outlives its use.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Endpoint returns the base URL the client calls.
func (c *Client) Endpoint() string { return c.endpoint }

// request is one HTTP call to Huawei.
type request struct {
	op     string // for errors and logs
	method string
	path   string
	query  url.Values
	header http.Header
	body   []byte
	auth   bool // an authentication call: 4xx means bad credentials
	noBody bool // a 2xx status says all: the body of a 2xx is not read
	// fresh, when set, makes the header and body anew for each try, in
	// place of header and body.
	fresh func() (http.Header, []byte, error)
}

// response is a 2xx answer.
type response struct {
	status    int
	header    http.Header
	body      []byte
	requestID string
	// ambiguous is set when an earlier try failed in a way that leaves
	// open whether Huawei acted on it (a network failure or a server error).
	ambiguous bool
}

// send makes the request, retrying server errors, throttling and network
// failures with backoff and jitter until the context's deadline, or the
// policy's when the context has none. Other failures are returned at once.
func (s *shared) send(ctx context.Context, r request) (response, error) {
	// The policy's deadline bounds the call; an earlier one of the caller's wins.
	ctx, cancel := context.WithTimeout(ctx, s.retry.Deadline)
	defer cancel()
	ambiguous := false
	var answered *Error // Huawei's last answer to a failed try
	for attempt := 0; ; attempt++ {
		resp, retryAfter, err := s.sendOnce(ctx, r)
		resp.ambiguous = ambiguous
		if err == nil || !retryable(err) {
			return resp, err
		}
		if e, ok := errors.AsType[*Error](err); ok && e.Status != 0 {
			answered = e
		} else if answered != nil && ctx.Err() != nil {
			// The deadline cut this try short: Huawei's last answer
			// (a 429, a 5xx) says better why the call failed.
			return resp, answered
		}
		ambiguous = ambiguous || errors.Is(err, ErrUnavailable)
		wait := s.backoff(attempt, err, retryAfter)
		if deadline, _ := ctx.Deadline(); time.Until(deadline) <= wait {
			return resp, err // no time for another try: report the last failure now
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return resp, err
		case <-t.C:
		}
	}
}

// backoff returns how long to wait before the next attempt.
func (s *shared) backoff(attempt int, err error, retryAfter time.Duration) time.Duration {
	if errors.Is(err, ErrThrottled) {
		d := s.retry.Throttle + rand.N(s.retry.Throttle+1)
		return max(d, retryAfter)
	}
	d := s.retry.Max
	if attempt < 16 {
		d = min(s.retry.Base<<attempt, s.retry.Max)
	}
	return d/2 + rand.N(d/2+1)
}

// sendOnce makes one attempt. It also returns the Retry-After of a 429.
func (s *shared) sendOnce(ctx context.Context, r request) (response, time.Duration, error) {
	if r.fresh != nil {
		var err error
		if r.header, r.body, err = r.fresh(); err != nil {
			return response{}, 0, &Error{Op: r.op, Kind: ErrUnexpected, Err: err}
		}
	}
	u := s.endpoint + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return response{}, 0, &Error{Op: r.op, Kind: ErrUnexpected, Err: err}
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := s.http.Do(req)
	if err != nil {
		s.observe.Request(r.op, 0, time.Since(start))
		s.log.LogAttrs(ctx, slog.LevelDebug, "huawei request failed", slog.String("op", r.op),
			slog.Float64("duration_ms", ms(time.Since(start))), slog.String("error", neterr.Describe(err)))
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return response{}, 0, ctx.Err() // the caller gave up: not Huawei's fault
		}
		return response{}, 0, &Error{Op: r.op, Kind: ErrUnavailable, Err: errors.New(neterr.Describe(err))}
	}
	defer resp.Body.Close()
	// A 2xx to a call whose status says all (a stop) is decided on the
	// status line: its body is not read, so that a body that stalls can
	// neither hold the call nor turn the success into a failure; closing it
	// unread costs only the connection. Every other body is read, bounded
	// in size by maxBody and in time by the context and the HTTP client.
	success := resp.StatusCode >= 200 && resp.StatusCode <= 299
	var data []byte
	if !success || !r.noBody {
		data, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	}
	rid := printable(resp.Header.Get("X-Request-Id"), 64)
	s.observe.Request(r.op, resp.StatusCode, time.Since(start))
	s.log.LogAttrs(ctx, slog.LevelDebug, "huawei request", slog.String("op", r.op),
		slog.Int("status", resp.StatusCode), slog.String("request_id", rid),
		slog.Float64("duration_ms", ms(time.Since(start))))
	if err != nil {
		return response{}, 0, &Error{Op: r.op, Kind: ErrUnavailable, Status: resp.StatusCode, RequestID: rid, Err: errors.New(neterr.Describe(err))}
	}
	if !success {
		return response{}, retryAfter(resp.Header), decodeError(r.op, r.auth, resp.StatusCode, resp.Header, data)
	}
	if len(data) > maxBody {
		return response{}, 0, &Error{Op: r.op, Kind: ErrUnexpected, Status: resp.StatusCode, RequestID: rid, Err: errors.New("answer too large")}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data, requestID: rid}, 0, nil
}

// waitError is the error of a caller whose context ended while it waited for
// a call it shares with other callers (a log-in, a control token), which
// goes on without it. As in sendOnce, a deadline is Huawei being slow
// (ErrUnavailable) and a cancellation is the caller's own doing.
func waitError(ctx context.Context, op string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Op: op, Kind: ErrUnavailable, Err: errors.New("timeout")}
	}
	return ctx.Err()
}

// ms is d in milliseconds, for logs.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// retryAfter reads a Retry-After header given in seconds.
func retryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || n < 0 || n > 60 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// decodeJSON decodes a 2xx body into v.
func decodeJSON(op string, resp response, v any) error {
	if err := json.Unmarshal(resp.body, v); err != nil {
		return &Error{Op: op, Kind: ErrUnexpected, Status: resp.status, RequestID: resp.requestID, Err: fmt.Errorf("decoding the answer: %w", err)}
	}
	return nil
}
