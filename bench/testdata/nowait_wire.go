// This file is no part of meetingbot. BenchmarkAckWait builds the program a
// second time with it in place of bot/wire.go (go build -overlay): no
// wrapper around the Socket Mode connection (slack-go's own dialer, as
// socketmode.OptionDialer(nil) gives) and no wait for the ack's write. It
// declares what bot.go and pool.go take from wire.go; when that changes,
// change it here too (meanwhile only BenchmarkAckWait fails).

package bot

import (
	"context"

	"github.com/gorilla/websocket"
)

type ackWire struct{}

func newAckWire() *ackWire { return &ackWire{} }

func (*ackWire) mark() <-chan struct{} { return nil }

func (*ackWire) dialer() *websocket.Dialer { return nil }

func afterAck(context.Context, <-chan struct{}) {}
