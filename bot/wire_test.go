package bot

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestAckWireReportsWrites dials a WebSocket server on 127.0.0.1 with the
// bot's dialer, plain (as the tests' fake Slack) and over TLS (as Slack): a
// message written closes the channel marked before it, and only that one.
func TestAckWireReportsWrites(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "ws", true: "wss"}[useTLS], func(t *testing.T) {
			got := make(chan string, 1)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
				if err != nil {
					return
				}
				defer c.Close()
				_, msg, err := c.ReadMessage()
				if err == nil {
					got <- string(msg)
				}
			})
			w := newAckWire()
			d := w.dialer()
			var srv *httptest.Server
			if useTLS {
				srv = httptest.NewTLSServer(h)
				roots := x509.NewCertPool()
				roots.AddCert(srv.Certificate())
				d.TLSClientConfig = &tls.Config{RootCAs: roots}
			} else {
				srv = httptest.NewServer(h)
			}
			defer srv.Close()

			conn, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()

			before := w.mark()
			if closed(before) {
				t.Fatal("the mark was closed before any write")
			}
			if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"envelope_id":"e1"}`)); err != nil {
				t.Fatal(err)
			}
			if !closed(before) {
				t.Error("the mark taken before the write is still open after it")
			}
			if after := w.mark(); closed(after) {
				t.Error("a mark taken after the write is already closed")
			}
			select {
			case m := <-got:
				if m != `{"envelope_id":"e1"}` {
					t.Errorf("the server got %q", m)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the server got nothing")
			}
		})
	}
}

func TestAfterAck(t *testing.T) {
	ctx := context.Background()
	afterAck(ctx, nil) // returns at once

	done := make(chan struct{})
	close(done)
	afterAck(ctx, done)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	afterAck(cancelled, make(chan struct{}))

	// Never written: the wait ends at ackWireWait, not before (a timer
	// never fires early).
	start := time.Now()
	afterAck(ctx, make(chan struct{}))
	if d := time.Since(start); d < ackWireWait {
		t.Errorf("afterAck returned after %v with nothing written, want at least %v", d, ackWireWait)
	}
}

// TestPoolStartsAfterAck checks that a worker holds a job until its ack is
// written: the job must find the ack written, or ackWireWait gone by.
func TestPoolStartsAfterAck(t *testing.T) {
	p := newPool(context.Background(), 2, 4, slog.New(slog.DiscardHandler))
	acked := make(chan struct{})
	ran := make(chan string, 1)
	submitted := time.Now()
	p.submit(job{acked: acked, out: &slackReplier{}, what: "command", run: func(context.Context) {
		switch {
		case closed(acked):
			ran <- ""
		case time.Since(submitted) >= ackWireWait:
			ran <- "" // the bound: the ack was never written
		default:
			ran <- "the job started before its ack was written"
		}
	}})
	time.Sleep(time.Millisecond)
	close(acked)
	select {
	case problem := <-ran:
		if problem != "" {
			t.Error(problem)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the job never ran")
	}
	p.stop(time.Second)
}
