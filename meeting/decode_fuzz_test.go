package meeting

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// FuzzDecodeError: whatever body and status Huawei (or a gateway in front
// of it) sends, decodeError classifies it into exactly one class, never
// panics, and keeps only short printable ASCII of the body.
func FuzzDecodeError(f *testing.F) {
	for _, seed := range []struct {
		status int
		body   string
	}{
		{400, `{"error_code":"MMC.111070005","error_msg":"CONF_DATA_NOT_FOUND","request_id":"abc"}`},
		{401, `{"error_code":"MMC.118000001","error_msg":"USER_TOKEN_AUTH_FAILED"}`},
		{429, `{"error_code":"APIG.0308","error_msg":"throttled"}`},
		{502, `<html><body>Bad Gateway</body></html>`},
		{500, ``},
		{403, `{"error_code":null}`},
		{400, `{"error_code":"\u0000\n` + strings.Repeat("A", 500) + `"}`},
		{404, `[1,2,3]`},
	} {
		f.Add(seed.status, []byte(seed.body), true)
		f.Add(seed.status, []byte(seed.body), false)
	}
	classes := []error{ErrNotFound, ErrAlreadyEnded, ErrNotStarted, ErrNotPermitted, ErrLocked,
		ErrCredentials, ErrThrottled, ErrUnavailable, ErrUnexpected, errTokenRejected}
	f.Fuzz(func(t *testing.T, status int, body []byte, auth bool) {
		h := http.Header{}
		h.Set("X-Request-Id", "rid-1")
		e := decodeError("op", auth, status, h, body)
		n := 0
		for _, c := range classes {
			if errors.Is(e, c) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("decodeError(%d, %q) matches %d classes, want 1", status, body, n)
		}
		for _, s := range []string{e.Code, e.Msg, e.RequestID} {
			if len(s) > 64 {
				t.Fatalf("field %q longer than 64 bytes", s)
			}
			for i := 0; i < len(s); i++ {
				if s[i] < 0x20 || s[i] >= 0x7f {
					t.Fatalf("field %q has a non-printable byte", s)
				}
			}
		}
		_ = e.Error()
	})
}
