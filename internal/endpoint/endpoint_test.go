package endpoint

import (
	"strings"
	"testing"
)

func TestProblem(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want string // a part of the problem; "" for none
	}{
		{"https://api.meeting.huaweicloud.com", ""},
		{"https://slack.com/api/", ""},
		{"https://10.0.0.5:8443/gateway", ""},
		{"http://127.0.0.1:8080", ""},
		{"http://127.9.9.9", ""},
		{"http://[::1]:8080/api/", ""},
		{"http://localhost:9000", ""},
		{"http://LOCALHOST.:9000", ""},
		{"http://api.meeting.huaweicloud.com", "plain http is accepted only for a loopback host"},
		{"http://10.0.0.5:8080", "plain http is accepted only for a loopback host"},
		{"http://localhost.example.com", "plain http is accepted only for a loopback host"},
		{"http://127.0.0.1.nip.io", "plain http is accepted only for a loopback host"},
		{"http://[::ffff:10.0.0.1]", "plain http is accepted only for a loopback host"},
		{"ftp://example.com", "must be an https URL"},
		{"api.meeting.huaweicloud.com", "must be an https URL"},
		{"https://", "must be an https URL"},
		{"https://:8080", "must be an https URL"},
		{"http://:8080", "must be an https URL"},
		{"https:opaque", "must be an https URL"},
		{"https://example.com/?a=1", "no query"},
		{"https://example.com/#x", "no query, fragment"},
		{"https://user:pass@example.com", "user name"},
		{"", "must be an https URL"},
		{"https://exa mple.com", "must be an https URL"},
	} {
		got := Problem(tt.url)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("Problem(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
