package slacktest_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"meetingbot/bot/slacktest"
)

// startBots starts n socketmode clients one after the other, so that bot i
// holds connection number i.
func startBots(t *testing.T, srv *slacktest.Server, n int) []*bot {
	t.Helper()
	ctx := timeout(t)
	bots := make([]*bot, n)
	for i := range bots {
		bots[i] = startBot(t, srv)
		if err := srv.WaitConnects(ctx, i+1); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.WaitOpen(ctx, n); err != nil {
		t.Fatal(err)
	}
	return bots
}

func TestEnvelopesAreSpreadOverConnections(t *testing.T) {
	srv := newServer(t)
	bots := startBots(t, srv, 3)
	ctx := timeout(t)
	if got := srv.Connections(); got != 3 {
		t.Fatalf("got %d open connections, want 3", got)
	}

	for i, want := range []int{0, 1, 2, 0, 1, 2, 0} {
		env, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: "C1", UserID: "U1"})
		if err != nil {
			t.Fatal(err)
		}
		if env.Conn != want {
			t.Errorf("envelope %d: got connection %d, want %d", i, env.Conn, want)
		}
		evt := bots[want].next(t)
		if evt.Request.EnvelopeID != env.ID {
			t.Fatalf("envelope %d: bot %d got %q, want %q", i, want, evt.Request.EnvelopeID, env.ID)
		}
		if err := bots[want].client.Ack(*evt.Request); err != nil {
			t.Fatal(err)
		}
		ack, err := srv.WaitAck(ctx, env.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ack.Conn != want || ack.SentAt != env.SentAt {
			t.Errorf("envelope %d: got ack on %d sent %v, want on %d sent %v", i, ack.Conn, ack.SentAt, want, env.SentAt)
		}
	}
	if d := srv.DuplicateAcks(); len(d) != 0 {
		t.Errorf("got duplicates %v, want none", d)
	}
}

func TestDisconnectAndDropOneConnection(t *testing.T) {
	srv := newServer(t)
	bots := startBots(t, srv, 2)
	ctx := timeout(t)

	// expect checks that the next spread envelopes go to conns, in turn, and
	// reach the bots that hold them.
	expect := func(t *testing.T, holders map[int]*bot, want ...int) {
		t.Helper()
		for _, n := range want {
			env, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: "C1", UserID: "U1"})
			if err != nil {
				t.Fatal(err)
			}
			if env.Conn != n {
				t.Errorf("got connection %d, want %d", env.Conn, n)
				continue
			}
			if evt := holders[n].next(t); evt.Request.EnvelopeID != env.ID {
				t.Errorf("connection %d: got %q, want %q", n, evt.Request.EnvelopeID, env.ID)
			}
		}
	}

	t.Run("drop one", func(t *testing.T) {
		if err := srv.DropConn(0); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitConnects(ctx, 3); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitOpen(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if got := srv.Connections(); got != 2 {
			t.Errorf("got %d open connections, want 2", got)
		}
		expect(t, map[int]*bot{1: bots[1], 2: bots[0]}, 1, 2, 1)
	})

	t.Run("a closed connection is not open", func(t *testing.T) {
		if err := srv.DropConn(0); !errors.Is(err, slacktest.ErrNotOpen) {
			t.Errorf("DropConn: got %v, want ErrNotOpen", err)
		}
		if err := srv.DisconnectConn(0, "warning"); !errors.Is(err, slacktest.ErrNotOpen) {
			t.Errorf("DisconnectConn: got %v, want ErrNotOpen", err)
		}
	})

	t.Run("disconnect one", func(t *testing.T) {
		if err := srv.DisconnectConn(1, "refresh_requested"); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitConnects(ctx, 4); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitOpen(ctx, 2); err != nil {
			t.Fatal(err)
		}
		expect(t, map[int]*bot{2: bots[0], 3: bots[1]}, 2, 3)
	})

	t.Run("disconnect all", func(t *testing.T) {
		srv.Disconnect("warning")
		if err := srv.WaitConnects(ctx, 6); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitOpen(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if got := srv.Connections(); got != 2 {
			t.Errorf("got %d open connections, want 2", got)
		}
	})

	t.Run("drop all", func(t *testing.T) {
		srv.DropConnection()
		if err := srv.WaitConnects(ctx, 8); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitOpen(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if got := srv.Connects(); got != 8 {
			t.Errorf("got %d connects, want 8", got)
		}
	})
}

// readFrame reads the next text frame from a raw connection.
func readFrame(t *testing.T, conn *websocket.Conn) map[string]any {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
	_, data, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var frame map[string]any
	if err := json.Unmarshal(data, &frame); err != nil {
		t.Fatal(err)
	}
	return frame
}

func TestTenConnectionsAtMost(t *testing.T) {
	srv := newServer(t)
	var open []*websocket.Conn
	for i := range 10 {
		conn, _ := dialRaw(t, srv)
		hello := readFrame(t, conn)
		if hello["type"] != "hello" || hello["num_connections"] != float64(i+1) {
			t.Fatalf("connection %d: got %v, want hello with num_connections %d", i, hello, i+1)
		}
		open = append(open, conn)
	}
	ctx := timeout(t)
	if err := srv.WaitOpen(ctx, 10); err != nil {
		t.Fatal(err)
	}

	// The eleventh gets no hello, but a disconnect, and is closed.
	extra, _ := dialRaw(t, srv)
	frame := readFrame(t, extra)
	if frame["type"] != "disconnect" || frame["reason"] != "too_many_websockets" {
		t.Errorf("got %v, want a disconnect for too_many_websockets", frame)
	}
	if _, _, err := extra.ReadMessage(); err == nil {
		t.Error("the eleventh connection stayed open")
	}
	if got, connects := srv.Connections(), srv.Connects(); got != 10 || connects != 10 {
		t.Errorf("got %d open and %d connects, want 10 and 10", got, connects)
	}

	// Once one closes, there is room for another.
	_ = open[3].Close()
	if err := waitUntil(ctx, func() bool { return srv.Connections() == 9 }); err != nil {
		t.Fatal(err)
	}
	again, _ := dialRaw(t, srv)
	if hello := readFrame(t, again); hello["type"] != "hello" || hello["num_connections"] != float64(10) {
		t.Errorf("got %v, want hello with num_connections 10", hello)
	}
	if err := srv.WaitConnects(ctx, 11); err != nil {
		t.Fatal(err)
	}
}
