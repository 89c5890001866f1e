// Package redistest runs a real redis-server for tests, on a random
// 127.0.0.1 port, without persistence. A test that needs one skips, naming
// the package to install, when the binary is not on PATH; CI installs it.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a running redis-server.
type Server struct {
	tb   testing.TB
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a redis-server and stops it when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("redis-server is not installed, and CI must not skip the Redis tests: .ci/run installs it")
		}
		tb.Skip("redis-server is not installed: apt-get update && apt-get install -y redis-server")
	}
	s := &Server{tb: tb}
	var err error
	for range 5 { // a free port can be taken between the probe and the start
		if s.port, err = freePort(); err != nil {
			continue
		}
		if err = s.start(); err == nil {
			tb.Cleanup(s.Stop)
			return s
		}
	}
	tb.Fatalf("starting redis-server: %v", err)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start() error {
	s.cmd = exec.Command("redis-server",
		"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning")
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(s.cmd, s.done)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer c.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-s.done:
			return fmt.Errorf("redis-server on port %d exited at start", s.port)
		default:
		}
		if c.Ping(s.tb.Context()).Err() == nil {
			return nil
		}
	}
	s.Stop()
	return fmt.Errorf("redis-server on port %d did not answer within 5s", s.port)
}

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Stop stops the server (a no-op when it is stopped).
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart starts the server again on the same port, empty.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.tb.Fatalf("restarting redis-server: %v", err)
	}
}

// Client returns a client of the server for the test's own commands.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	s.tb.Cleanup(func() { c.Close() })
	return c
}

// Calls returns how many times the server has run each command since it
// started, by lower-case name, as INFO commandstats counts them, leaving
// out info itself, ping (health checks) and a connection's handshake
// (hello, client setinfo), which Calls's own connection makes too. The
// difference of two Calls is what the clients asked between them.
func (s *Server) Calls() map[string]int {
	s.tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		s.tb.Fatalf("INFO commandstats: %v", err)
	}
	calls := map[string]int{}
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok {
			continue
		}
		name = strings.TrimPrefix(name, "cmdstat_")
		if name == "info" || name == "ping" || name == "hello" || strings.HasPrefix(name, "client") {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		calls[name], err = strconv.Atoi(n)
		if err != nil {
			s.tb.Fatalf("INFO commandstats: %q: %v", line, err)
		}
	}
	return calls
}

// Since returns the calls in after that are not in before, by command.
func Since(before, after map[string]int) map[string]int {
	d := map[string]int{}
	for name, n := range after {
		if n > before[name] {
			d[name] = n - before[name]
		}
	}
	return d
}
