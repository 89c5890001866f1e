package slacktest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"

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

func TestSameEnvelopeToSeveralConnections(t *testing.T) {
	srv := newServer(t)
	bots := startBots(t, srv, 3)
	ctx := timeout(t)
	click := slacktest.BlockAction{ChannelID: "C1", UserID: "U1", ActionID: "end", Value: "914044873", IsEphemeral: true}

	t.Run("every open connection", func(t *testing.T) {
		envs, err := srv.SendBlockActionTo(ctx, click)
		if err != nil {
			t.Fatal(err)
		}
		if got := conns(envs); !slices.Equal(got, []int{0, 1, 2}) {
			t.Fatalf("got deliveries on %v, want [0 1 2]", got)
		}
		var payloads []json.RawMessage
		for i, b := range bots {
			env := envs[i]
			if env.ID != envs[0].ID || env.ResponseURL != envs[0].ResponseURL || env.RetryAttempt != 0 {
				t.Errorf("delivery %d: got %+v, want the envelope of delivery 0", i, env)
			}
			evt := b.next(t)
			cb := evt.Data.(slack.InteractionCallback)
			if evt.Request.EnvelopeID != env.ID || cb.ResponseURL != env.ResponseURL || evt.Request.RetryAttempt != 0 {
				t.Errorf("bot %d: got envelope %q response_url %q retry %d", i, evt.Request.EnvelopeID, cb.ResponseURL, evt.Request.RetryAttempt)
			}
			payloads = append(payloads, evt.Request.Payload)
			if err := b.client.Ack(*evt.Request); err != nil {
				t.Fatal(err)
			}
		}
		for i := range payloads {
			if !bytes.Equal(payloads[i], payloads[0]) {
				t.Errorf("bot %d got payload %s, bot 0 %s", i, payloads[i], payloads[0])
			}
		}
		acks, err := srv.WaitAcks(ctx, envs[0].ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int, 0, len(acks))
		for _, a := range acks {
			got = append(got, a.Conn)
		}
		slices.Sort(got)
		if !slices.Equal(got, []int{0, 1, 2}) {
			t.Errorf("got acks on %v, want one on each of [0 1 2]", got)
		}
		if d := srv.DuplicateAcks(); len(d) != 0 {
			t.Errorf("got duplicates %v: one ack per delivery is none", d)
		}
	})

	t.Run("two chosen connections", func(t *testing.T) {
		envs, err := srv.SendBlockActionTo(ctx, click, 2, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := conns(envs); !slices.Equal(got, []int{2, 0}) {
			t.Fatalf("got deliveries on %v, want [2 0]", got)
		}
		for _, i := range []int{0, 2} {
			if evt := bots[i].next(t); evt.Request.EnvelopeID != envs[0].ID {
				t.Errorf("bot %d: got %q, want %q", i, evt.Request.EnvelopeID, envs[0].ID)
			}
		}
		// Bot 1 got nothing: its next envelope is the one sent to it alone.
		only, err := srv.SendSlashCommandTo(ctx, slacktest.SlashCommand{ChannelID: "C1", UserID: "U1"}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if evt := bots[1].next(t); evt.Request.EnvelopeID != only[0].ID {
			t.Errorf("bot 1: got %q, want %q", evt.Request.EnvelopeID, only[0].ID)
		}
	})

	t.Run("a connection not there yet is waited for", func(t *testing.T) {
		sent := make(chan []slacktest.Envelope, 1)
		go func() {
			envs, err := srv.SendSlashCommandTo(ctx, slacktest.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "early"}, 3)
			if err != nil {
				t.Error(err)
			}
			sent <- envs
		}()
		late := startBot(t, srv)
		if cmd := late.next(t).Data.(slack.SlashCommand); cmd.Text != "early" {
			t.Errorf("got %q, want early", cmd.Text)
		}
		if envs := <-sent; len(envs) != 1 || envs[0].Conn != 3 {
			t.Errorf("got %+v, want one delivery on connection 3", envs)
		}
	})
}

func TestRedeliverOnAnotherConnection(t *testing.T) {
	srv := newServer(t)
	bots := startBots(t, srv, 2)
	ctx := timeout(t)

	first, err := srv.SendBlockAction(ctx, slacktest.BlockAction{ChannelID: "C1", UserID: "U1", IsEphemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	if first.Conn != 0 || first.RetryAttempt != 0 || first.RetryReason != "" {
		t.Fatalf("got first delivery %+v, want on connection 0, no retry", first)
	}
	slow := bots[0].next(t) // bot 0 does not ack in time

	retry, err := srv.Redeliver(ctx, first, 1, "timeout")
	if err != nil {
		t.Fatal(err)
	}
	if retry.ID != first.ID || retry.ResponseURL != first.ResponseURL || retry.Conn != 1 ||
		retry.RetryAttempt != 1 || retry.RetryReason != "timeout" {
		t.Errorf("got retry %+v, want the envelope again on 1, attempt 1, reason timeout", retry)
	}
	evt := bots[1].next(t)
	if evt.Request.EnvelopeID != first.ID || evt.Request.RetryAttempt != 1 || evt.Request.RetryReason != "timeout" {
		t.Errorf("bot 1 got envelope %q retry %d %q, want %q 1 timeout",
			evt.Request.EnvelopeID, evt.Request.RetryAttempt, evt.Request.RetryReason, first.ID)
	}
	if !bytes.Equal(evt.Request.Payload, slow.Request.Payload) {
		t.Errorf("got retried payload %s, want %s", evt.Request.Payload, slow.Request.Payload)
	}
	if err := bots[1].client.Ack(*evt.Request); err != nil {
		t.Fatal(err)
	}
	ack, err := srv.WaitAck(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Conn != 1 || ack.SentAt != retry.SentAt {
		t.Errorf("got ack on %d sent %v, want on 1 sent %v (the retry)", ack.Conn, ack.SentAt, retry.SentAt)
	}
	// Bot 0 acks at last: that ack answers the delivery on its connection.
	if err := bots[0].client.Ack(*slow.Request); err != nil {
		t.Fatal(err)
	}
	acks, err := srv.WaitAcks(ctx, first.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if late := acks[1]; late.Conn != 0 || late.SentAt != first.SentAt {
		t.Errorf("got late ack on %d sent %v, want on 0 sent %v (the first delivery)", late.Conn, late.SentAt, first.SentAt)
	}

	again, err := srv.Redeliver(ctx, first, 0, "timeout")
	if err != nil {
		t.Fatal(err)
	}
	if again.RetryAttempt != 2 || again.Conn != 0 {
		t.Errorf("got %+v, want attempt 2 on connection 0", again)
	}
	third := bots[0].next(t)
	if third.Request.RetryAttempt != 2 {
		t.Errorf("got retry_attempt %d, want 2", third.Request.RetryAttempt)
	}

	// Three acks for three deliveries are no duplicate.
	if err := bots[0].client.Ack(*third.Request); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitAcks(ctx, first.ID, 3); err != nil {
		t.Fatal(err)
	}
	if d := srv.DuplicateAcks(); len(d) != 0 {
		t.Errorf("got duplicates %v, want none", d)
	}

	if _, err := srv.Redeliver(ctx, slacktest.Envelope{ID: "never-sent"}, 0, "timeout"); err == nil {
		t.Error("Redeliver of an unknown envelope succeeded")
	}
}

func TestDuplicateAckAcrossConnections(t *testing.T) {
	srv := newServer(t)
	bots := startBots(t, srv, 2)
	ctx := timeout(t)
	envs, err := srv.SendBlockActionTo(ctx, slacktest.BlockAction{ChannelID: "C1", UserID: "U1", IsEphemeral: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	evt := bots[0].next(t)
	// Both replicas ack the one delivery, say after sharing it.
	for _, b := range bots {
		if err := b.client.Ack(*evt.Request); err != nil {
			t.Fatal(err)
		}
	}
	acks, err := srv.WaitAcks(ctx, envs[0].ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	got := []int{acks[0].Conn, acks[1].Conn}
	slices.Sort(got)
	if !slices.Equal(got, []int{0, 1}) {
		t.Errorf("got acks on %v, want [0 1]", got)
	}
	if acks[0].SentAt != envs[0].SentAt || acks[1].SentAt != envs[0].SentAt {
		t.Errorf("got sent %v and %v, want %v: the only delivery", acks[0].SentAt, acks[1].SentAt, envs[0].SentAt)
	}
	if d := srv.DuplicateAcks(); !slices.Equal(d, []string{envs[0].ID}) {
		t.Errorf("got duplicates %v, want [%s]", d, envs[0].ID)
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
		if _, err := srv.SendBlockActionTo(ctx, slacktest.BlockAction{ChannelID: "C1", UserID: "U1"}, 2, 0); !errors.Is(err, slacktest.ErrNotOpen) {
			t.Errorf("SendBlockActionTo: got %v, want ErrNotOpen", err)
		}
		// An explicit send leaves the turn of spread envelopes alone.
		envs, err := srv.SendSlashCommandTo(ctx, slacktest.SlashCommand{ChannelID: "C1", UserID: "U1"}, 2)
		if err != nil {
			t.Fatal(err)
		}
		bots[0].next(t)
		for _, n := range []int{0, -1} {
			if _, err := srv.Redeliver(ctx, envs[0], n, "timeout"); !errors.Is(err, slacktest.ErrNotOpen) {
				t.Errorf("Redeliver to %d: got %v, want ErrNotOpen", n, err)
			}
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

func TestRetryFieldsOnTheWire(t *testing.T) {
	srv := newServer(t)
	conn, _ := dialRaw(t, srv)
	readFrame(t, conn) // hello
	ctx := timeout(t)

	cmd, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: "C1", UserID: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	retry, err := srv.Redeliver(ctx, cmd, 0, "timeout")
	if err != nil {
		t.Fatal(err)
	}
	event, err := srv.SendEnvelope(ctx, "events_api", map[string]any{"type": "event_callback"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		env   slacktest.Envelope
		check func(map[string]any) bool
	}{
		{"slash command, first delivery", cmd, func(f map[string]any) bool {
			_, attempt := f["retry_attempt"]
			_, reason := f["retry_reason"]
			return !attempt && !reason
		}},
		{"slash command, retried", retry, func(f map[string]any) bool {
			return f["retry_attempt"] == float64(1) && f["retry_reason"] == "timeout"
		}},
		{"events_api, first delivery", event, func(f map[string]any) bool {
			return f["retry_attempt"] == float64(0) && f["retry_reason"] == ""
		}},
	} {
		f := readFrame(t, conn)
		if f["envelope_id"] != tt.env.ID || !tt.check(f) {
			t.Errorf("%s: got %v", tt.name, f)
		}
	}
}

// conns returns the connection of each delivery.
func conns(envs []slacktest.Envelope) []int {
	ns := make([]int, 0, len(envs))
	for _, e := range envs {
		ns = append(ns, e.Conn)
	}
	return ns
}
