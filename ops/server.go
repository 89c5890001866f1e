package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Checks are what /healthz and /readyz ask. Each returns nil when all is
// well, else an error whose text is the one-line reason served with 503.
type Checks struct {
	// Alive: the process and its event loop run.
	Alive func() error
	// Ready: the bot can take work (a Socket Mode connection is open and,
	// with Redis, Redis answers).
	Ready func(ctx context.Context) error
}

// Server serves /healthz, /readyz and /metrics on one listener.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// checkTimeout bounds one readiness check (a Redis ping).
const checkTimeout = time.Second

// Listen starts serving on addr. It fails at once when addr cannot be bound.
func Listen(addr string, m *Metrics, c Checks, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ENDMEETING_HTTP_ADDR: cannot listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { answer(w, c.Alive()) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
		defer cancel()
		answer(w, c.Ready(ctx))
	})
	mux.Handle("GET /metrics", m.Handler())
	s := &Server{
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      10 * time.Second,
			IdleTimeout:       60 * time.Second,
			MaxHeaderBytes:    16 << 10,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		ln:   ln,
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	log.Info("serving /healthz, /readyz and /metrics", slog.String("addr", ln.Addr().String()))
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server, letting requests in flight finish for up to a
// second, and waits for it.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	if err := <-s.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = err // the listener was closed under it: nothing left to do
	}
}

func answer(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, err.Error())
		return
	}
	fmt.Fprintln(w, "ok")
}
