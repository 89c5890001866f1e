package bot

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// ackWire tells the work that follows an ack when the ack has left.
//
// slack-go's AckCtx only queues the ack: a goroutine of its own writes it to
// the WebSocket later. Work started right after AckCtx therefore races the
// ack for the CPU (and, when Huawei or the response URL is near, so does the
// other end's work), and acks come late at the tail. The bot instead starts a
// command's work once the Socket Mode connection has written something after
// the ack was queued, or after ackWireWait at the latest. That write is
// usually the ack itself, but the wrapper sees only bytes (TLS records, on
// Slack's wss:// URL), so it may be an earlier ack still going out, a pong or
// a reconnect's handshake: the work may then start a moment before its ack
// is written. This orders for latency; nothing depends on it for correctness.
// What it gains is measured by BenchmarkAckWait in bench/ (BENCHMARKS.md,
// benchmark 1): rerun it when upgrading slack-go.
type ackWire struct {
	mu   sync.Mutex
	next chan struct{} // closed at the next write, then replaced
}

// ackWireWait bounds the wait for the ack's write, which comes within
// microseconds unless the connection is down (then the ack is in slack-go's
// queue until it reconnects, and the work need not wait for that).
const ackWireWait = 20 * time.Millisecond

func newAckWire() *ackWire { return &ackWire{next: make(chan struct{})} }

// mark returns a channel closed at the connection's next write. Call it
// before queueing the ack.
func (w *ackWire) mark() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.next
}

func (w *ackWire) wrote() {
	w.mu.Lock()
	close(w.next)
	w.next = make(chan struct{})
	w.mu.Unlock()
}

// afterAck returns when written (from ackWire.mark) is closed, ackWireWait
// has passed or ctx ends; at once when written is nil.
func afterAck(ctx context.Context, written <-chan struct{}) {
	if written == nil {
		return
	}
	select {
	case <-written:
		return
	default:
	}
	t := time.NewTimer(ackWireWait)
	defer t.Stop()
	select {
	case <-written:
	case <-t.C:
	case <-ctx.Done():
	}
}

// dialer is slack-go's default WebSocket dialer (its proxy, handshake
// timeout and write buffer, as in socketmode's openAndDial in slack-go
// v0.35.0: check them when upgrading) with connections that report their
// writes.
func (w *ackWire) dialer() *websocket.Dialer {
	var nd net.Dialer
	return &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: 45 * time.Second,
		WriteBufferSize:  32 * 1024,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := nd.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &wireConn{Conn: c, w: w}, nil
		},
	}
}

// wireConn is a connection that tells its ackWire of every write.
type wireConn struct {
	net.Conn
	w *ackWire
}

func (c *wireConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.w.wrote()
	return n, err
}
