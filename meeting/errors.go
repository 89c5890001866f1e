package meeting

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The classes of failure a caller can tell apart with errors.Is. Every error
// the Client returns for a Huawei answer or a network failure is an *Error
// that matches exactly one of them.
var (
	// ErrNotFound: the meeting does not exist, is not visible to the account,
	// or its ID and host password do not match.
	ErrNotFound = errors.New("meeting not found")
	// ErrAlreadyEnded: the meeting has ended. A final answer, never retried.
	ErrAlreadyEnded = errors.New("meeting already ended")
	// ErrNotStarted: the meeting is scheduled but not in progress.
	ErrNotStarted = errors.New("meeting not started")
	// ErrNotPermitted: the account may not control this meeting (no host
	// password, or Huawei answered 403).
	ErrNotPermitted = errors.New("not permitted to control the meeting")
	// ErrLocked: Huawei locked control log-in after wrong host passwords.
	ErrLocked = errors.New("meeting control log-in locked")
	// ErrCredentials: Huawei rejected the bot's credentials or access token.
	ErrCredentials = errors.New("huawei rejected the credentials")
	// ErrThrottled: Huawei's gateway throttled the calls (429) until the deadline.
	ErrThrottled = errors.New("huawei throttled the request")
	// ErrUnavailable: a server error, a timeout or a network failure that
	// lasted until the deadline.
	ErrUnavailable = errors.New("huawei unavailable")
	// ErrUnexpected: an answer the client does not understand (an unknown
	// 4xx code, a malformed body).
	ErrUnexpected = errors.New("unexpected answer from huawei")
)

// Error is a failed call to Huawei. It keeps what an operator needs in the
// log; none of it is meant for chat users.
type Error struct {
	Op        string // the call: "auth", "confDetail", "controlToken", "stop", ...
	Kind      error  // one of the Err* sentinels
	Status    int    // HTTP status, 0 for a network failure
	Code      string // Huawei's error_code, if any
	Msg       string // Huawei's error_msg, if any (a constant name, never shown to users)
	RequestID string // the X-Request-Id header
	Err       error  // the underlying network or decoding error, if any
}

// Error describes the failure for the log: the call, the class, and what
// Huawei said, without any response body.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("huawei ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Kind.Error())
	if e.Status != 0 {
		fmt.Fprintf(&b, " (status %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, ", %s", e.Code)
		}
		if e.Msg != "" {
			fmt.Fprintf(&b, " %s", e.Msg)
		}
		if e.RequestID != "" {
			fmt.Fprintf(&b, ", request %s", e.RequestID)
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Is matches the error's class.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// RequestID returns Huawei's X-Request-Id of the call that failed, or "".
func RequestID(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.RequestID
	}
	return ""
}

// errTokenRejected marks a 401 on a call made with an access token: the
// caller logs in again and retries once.
var errTokenRejected = errors.New("access token rejected")

// Huawei's error codes (docs/huawei-api.md, Errors).
const (
	codeDataNotFound    = "MMC.111070005"
	codeClosed          = "MMC.111072006"
	codeNotStarted      = "MMC.111072005"
	codeNotFoundOrAuth  = "MMC.111072065"
	codeLoginLocked     = "MMC.111072064"
	codeNoPermission    = "MMC.111070002"
	codeTokenAuthFailed = "MMC.118000001"
	codeServerException = "MMC.111070003"
	codeResponseTimeout = "MMC.111072049"
	codeThrottled       = "APIG.0308"
	codeAuthPrefix      = "USG."
)

// errorBody is Huawei's error body.
type errorBody struct {
	Code      string `json:"error_code"`
	Msg       string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

// decodeError turns a non-2xx answer into an *Error. It never fails: a body
// that is empty, HTML or not Huawei's shape leaves Code empty and the
// status decides.
func decodeError(op string, auth bool, status int, header http.Header, body []byte) *Error {
	e := &Error{Op: op, Status: status, RequestID: printable(header.Get("X-Request-Id"), 64)}
	var eb errorBody
	if len(body) > 0 && json.Unmarshal(body, &eb) == nil {
		e.Code = printable(eb.Code, 40)
		e.Msg = printable(eb.Msg, 60)
		if e.RequestID == "" {
			e.RequestID = printable(eb.RequestID, 64)
		}
	}
	e.Kind = classify(auth, status, e.Code)
	return e
}

// classify maps an HTTP status and error_code to a class: the status first,
// then the code; an unknown code keeps its status's class.
func classify(auth bool, status int, code string) error {
	switch code {
	case codeDataNotFound, codeNotFoundOrAuth:
		return ErrNotFound
	case codeClosed:
		return ErrAlreadyEnded
	case codeNotStarted:
		return ErrNotStarted
	case codeLoginLocked:
		return ErrLocked
	case codeNoPermission:
		return ErrNotPermitted
	case codeThrottled:
		return ErrThrottled
	case codeServerException, codeResponseTimeout:
		return ErrUnavailable
	}
	switch {
	case status >= 500:
		return ErrUnavailable
	case status == http.StatusTooManyRequests:
		return ErrThrottled
	case auth && (status == http.StatusBadRequest || status == http.StatusUnauthorized ||
		status == http.StatusForbidden || status == http.StatusPreconditionFailed ||
		status == http.StatusLocked || strings.HasPrefix(code, codeAuthPrefix)):
		return ErrCredentials
	case status == http.StatusUnauthorized || code == codeTokenAuthFailed:
		return errTokenRejected
	case status == http.StatusForbidden:
		return ErrNotPermitted
	}
	return ErrUnexpected
}

// retryable reports whether a call that failed with err may be tried again.
func retryable(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, ErrThrottled)
}

// printable keeps at most n bytes of s and drops anything that is not
// printable ASCII, so that a hostile body cannot put control characters or
// floods of text into a log line.
func printable(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < n; i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		}
	}
	return b.String()
}
