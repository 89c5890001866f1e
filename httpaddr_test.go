package main

import (
	"strings"
	"testing"
)

func TestListenAddr(t *testing.T) {
	for _, tt := range []struct {
		addr string
		url  string // empty: invalid
	}{
		{":9090", "http://127.0.0.1:9090/healthz"},
		{"0.0.0.0:9090", "http://127.0.0.1:9090/healthz"},
		{"[::]:9090", "http://127.0.0.1:9090/healthz"},
		{"127.0.0.1:9090", "http://127.0.0.1:9090/healthz"},
		{"[::1]:9090", "http://[::1]:9090/healthz"},
		{"10.1.2.3:1", "http://10.1.2.3:1/healthz"},
		{"localhost:65535", "http://localhost:65535/healthz"},
		{"meetingbot.internal:9090", "http://meetingbot.internal:9090/healthz"},
		{"9090", ""},
		{":0", ""},
		{":65536", ""},
		{":099999", ""},
		{":http", ""},
		{":+90", ""},
		{":-1", ""},
		{"127.0.0.1", ""},
		{"127.0.0.1:", ""},
		{"[::1:9090", ""},
		{"::1:9090", ""},
		{"a b:9090", ""},
		{"-host:9090", ""},
		{"host..name:9090", ""},
		{"http://127.0.0.1:9090", ""},
		{"127.0.0.1:9090/healthz", ""},
	} {
		t.Run(tt.addr, func(t *testing.T) {
			if got := validListenAddr(tt.addr); got != (tt.url != "") {
				t.Fatalf("validListenAddr(%q) = %v, want %v", tt.addr, got, tt.url != "")
			}
			if tt.url == "" {
				return
			}
			if got := localURL(tt.addr, "/healthz"); got != tt.url {
				t.Errorf("localURL(%q) = %q, want %q", tt.addr, got, tt.url)
			}
		})
	}
}

// TestHTTPAddrConfig checks that loadConfig judges ENDMEETING_HTTP_ADDR on
// the loader's one line per variable, and keeps a good one.
func TestHTTPAddrConfig(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "ENDMEETING_HTTP_ADDR" {
				return v
			}
			return ""
		}
	}
	for _, v := range []string{"9090", ":0", " :70000 "} {
		_, err := loadConfig(env(v), modeConsole)
		if err == nil || !strings.HasPrefix(err.Error(), "ENDMEETING_HTTP_ADDR: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("ENDMEETING_HTTP_ADDR=%q: loadConfig = %v, want one line starting with ENDMEETING_HTTP_ADDR:", v, err)
		}
	}
	for v, want := range map[string]string{"": "", " :9090 ": ":9090", "127.0.0.1:9090": "127.0.0.1:9090"} {
		c, err := loadConfig(env(v), modeConsole)
		if err != nil || c.httpAddr != want {
			t.Errorf("ENDMEETING_HTTP_ADDR=%q: httpAddr = %q, %v; want %q, nil", v, c.httpAddr, err, want)
		}
	}
}
