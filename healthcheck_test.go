package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// healthz serves /healthz with status on 127.0.0.1 and returns the port.
func healthz(t *testing.T, status int) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		w.Write([]byte("state\n"))
	})
	s := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(s.Close)
	_, port, err := net.SplitHostPort(s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// healthcheck runs `meetingbot healthcheck` in-process with env.
func healthcheck(env map[string]string) (string, error) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-env-file=", "healthcheck"}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
	return stdout.String() + stderr.String(), err
}

func TestHealthcheck(t *testing.T) {
	ok := healthz(t, http.StatusOK)
	failing := healthz(t, http.StatusServiceUnavailable)
	closed := func() string { // a port on which nothing listens any more
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(l.Addr().String())
		l.Close()
		return port
	}()

	t.Run("200 on a wildcard address", func(t *testing.T) {
		for _, addr := range []string{":" + ok, "0.0.0.0:" + ok, "127.0.0.1:" + ok} {
			out, err := healthcheck(map[string]string{"ENDMEETING_HTTP_ADDR": addr})
			if err != nil || !strings.HasPrefix(out, "ok    http://127.0.0.1:"+ok+"/healthz answered 200 OK") {
				t.Errorf("ENDMEETING_HTTP_ADDR=%s: healthcheck = %q, %v; want ok and nil", addr, out, err)
			}
		}
	})
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"503", map[string]string{"ENDMEETING_HTTP_ADDR": ":" + failing}, "answered 503 Service Unavailable, not 200 OK"},
		{"nothing listens", map[string]string{"ENDMEETING_HTTP_ADDR": ":" + closed}, "connection refused"},
		{"unset", map[string]string{}, "ENDMEETING_HTTP_ADDR is not set"},
		{"invalid", map[string]string{"ENDMEETING_HTTP_ADDR": "9090"}, "ENDMEETING_HTTP_ADDR: \"9090\" is not host:port"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := healthcheck(tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("healthcheck = %v, want one line containing %q", err, tt.want)
			}
			if err != nil && exitCode(err) != 1 {
				t.Errorf("exit code %d, want 1", exitCode(err))
			}
			if out != "" {
				t.Errorf("healthcheck printed %q on failure, want nothing (main prints the error)", out)
			}
		})
	}
}

func TestHealthcheckTimeout(t *testing.T) {
	release := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer s.Close()
	defer close(release)
	start := time.Now()
	_, err := getStatus(context.Background(), s.URL+"/healthz", 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not answer within 100ms") {
		t.Errorf("getStatus = %v, want did not answer within 100ms", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("getStatus took %v, want about 100ms", d)
	}
}
