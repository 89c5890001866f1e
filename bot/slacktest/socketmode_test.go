package slacktest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"meetingbot/bot/slacktest"
)

func TestSlashCommandIsDeliveredAndAcked(t *testing.T) {
	srv := newServer(t)
	b := startBot(t, srv)
	ctx := timeout(t)
	if err := srv.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}

	env, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{
		ChannelID: "C015T89B4AY", ChannelName: "general",
		UserID: "U015ZMBAL1X", UserName: "alice", Text: "914044873",
	})
	if err != nil {
		t.Fatal(err)
	}
	evt := b.next(t)
	if evt.Type != socketmode.EventTypeSlashCommand {
		t.Fatalf("got event %q, want %q", evt.Type, socketmode.EventTypeSlashCommand)
	}
	cmd, isCmd := evt.Data.(slack.SlashCommand)
	if !isCmd {
		t.Fatalf("got data %T, want slack.SlashCommand", evt.Data)
	}
	want := slack.SlashCommand{
		Token: cmd.Token, TeamID: "T0001", TeamDomain: "acme",
		ChannelID: "C015T89B4AY", ChannelName: "general",
		UserID: "U015ZMBAL1X", UserName: "alice",
		Command: "/endmeeting", Text: "914044873",
		ResponseURL: env.ResponseURL, TriggerID: cmd.TriggerID, APIAppID: "A0001",
	}
	if cmd != want {
		t.Errorf("got %+v\nwant %+v", cmd, want)
	}
	if cmd.TriggerID == "" || !strings.HasPrefix(env.ResponseURL, "http://127.0.0.1:") {
		t.Errorf("got trigger_id %q, response_url %q", cmd.TriggerID, env.ResponseURL)
	}
	if evt.Request.EnvelopeID != env.ID || !evt.Request.AcceptsResponsePayload {
		t.Errorf("got envelope %q accepts_response_payload %v, want %q true",
			evt.Request.EnvelopeID, evt.Request.AcceptsResponsePayload, env.ID)
	}
	var raw map[string]any
	if err := json.Unmarshal(evt.Request.Payload, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["is_enterprise_install"] != "false" {
		t.Errorf("got is_enterprise_install %#v, want the string \"false\"", raw["is_enterprise_install"])
	}

	if err := b.client.Ack(*evt.Request, map[string]any{"response_type": "ephemeral", "text": "Ending meeting…"}); err != nil {
		t.Fatal(err)
	}
	ack, err := srv.WaitAck(ctx, env.ID)
	if err != nil {
		t.Fatal(err)
	}
	var payload struct{ ResponseType, Text string }
	if err := json.Unmarshal(ack.Payload, &payload); err != nil {
		t.Fatal(err)
	}
	if payload.Text != "Ending meeting…" || ack.Problem != "" {
		t.Errorf("got ack %s (problem %q), want the text back", ack.Payload, ack.Problem)
	}
	if ack.SentAt != env.SentAt || ack.AckedAt.Before(ack.SentAt) {
		t.Errorf("got sent %v acked %v, want sent %v", ack.SentAt, ack.AckedAt, env.SentAt)
	}
	if got := srv.Acks(); len(got) != 1 {
		t.Errorf("got %d acks, want 1", len(got))
	}
	if got := srv.DuplicateAcks(); len(got) != 0 {
		t.Errorf("got duplicate acks %v, want none", got)
	}
}

func TestBlockActionIsDeliveredAndAcked(t *testing.T) {
	srv := newServer(t)
	b := startBot(t, srv)
	ctx := timeout(t)

	env, err := srv.SendBlockAction(ctx, slacktest.BlockAction{
		ChannelID: "C1", ChannelName: "general", UserID: "U1", UserName: "alice",
		ActionID: "end_meeting", BlockID: "confirm", Value: "914044873",
		Style: "danger", Text: "End meeting", IsEphemeral: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	evt := b.next(t)
	cb, isCB := evt.Data.(slack.InteractionCallback)
	if !isCB {
		t.Fatalf("got data %T, want slack.InteractionCallback", evt.Data)
	}
	if cb.Type != slack.InteractionTypeBlockActions {
		t.Errorf("got type %q, want block_actions", cb.Type)
	}
	if len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("got %d block actions, want 1", len(cb.ActionCallback.BlockActions))
	}
	act := cb.ActionCallback.BlockActions[0]
	if act.ActionID != "end_meeting" || act.BlockID != "confirm" || act.Value != "914044873" ||
		act.Text.Text != "End meeting" || act.ActionTs == "" {
		t.Errorf("got action %+v", act)
	}
	if !cb.Container.IsEphemeral || cb.Container.ChannelID != "C1" || cb.Container.MessageTs == "" {
		t.Errorf("got container %+v, want ephemeral in C1", cb.Container)
	}
	if cb.ResponseURL != env.ResponseURL || cb.User.ID != "U1" || cb.User.Name != "alice" ||
		cb.Channel.ID != "C1" || cb.Team.ID != "T0001" || cb.APIAppID != "A0001" {
		t.Errorf("got %+v", cb)
	}
	if cb.Message.Timestamp != "" {
		t.Errorf("got message %+v, want none for an ephemeral source", cb.Message)
	}
	// slack.BlockAction has no Style field: check the wire.
	if !strings.Contains(string(evt.Request.Payload), `"style":"danger"`) {
		t.Errorf("got payload %s, want the button's style", evt.Request.Payload)
	}

	if err := b.client.Ack(*evt.Request); err != nil {
		t.Fatal(err)
	}
	ack, err := srv.WaitAck(ctx, env.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Payload != nil {
		t.Errorf("got payload %s, want nil for an empty ack", ack.Payload)
	}
}

func TestBlockActionOnPostedMessageCarriesIt(t *testing.T) {
	srv := newServer(t)
	srv.AddChannel("C1", true)
	b := startBot(t, srv)
	ctx := timeout(t)
	api := newAPI(srv, testBotToken, testAppToken)
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("End meeting 914044873?", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.SendBlockAction(ctx, slacktest.BlockAction{ChannelID: "C1", UserID: "U1", MessageTS: ts}); err != nil {
		t.Fatal(err)
	}
	cb := b.next(t).Data.(slack.InteractionCallback)
	if cb.Container.IsEphemeral || cb.Message.Timestamp != ts || cb.Message.Text != "End meeting 914044873?" {
		t.Errorf("got container %+v message %+v, want the posted message", cb.Container, cb.Message)
	}
}

func TestDuplicateAckIsReported(t *testing.T) {
	srv := newServer(t)
	b := startBot(t, srv)
	ctx := timeout(t)
	env, err := srv.SendBlockAction(ctx, slacktest.BlockAction{ChannelID: "C1", UserID: "U1", IsEphemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	evt := b.next(t)
	for range 2 {
		if err := b.client.Ack(*evt.Request); err != nil {
			t.Fatal(err)
		}
	}
	if err := waitUntil(ctx, func() bool { return len(srv.Acks()) == 2 }); err != nil {
		t.Fatal(err)
	}
	if got := srv.DuplicateAcks(); len(got) != 1 || got[0] != env.ID {
		t.Errorf("got duplicates %v, want [%s]", got, env.ID)
	}
}

func TestSlashAckWithInvalidBlocksHasAProblem(t *testing.T) {
	srv := newServer(t)
	b := startBot(t, srv)
	ctx := timeout(t)
	env, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: "C1", UserID: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	evt := b.next(t)
	label := strings.Repeat("x", 76)
	err = b.client.Ack(*evt.Request, map[string]any{"blocks": []any{map[string]any{
		"type": "actions",
		"elements": []any{map[string]any{
			"type": "button", "action_id": "a", "text": map[string]any{"type": "plain_text", "text": label},
		}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := srv.WaitAck(ctx, env.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ack.Problem, "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]") {
		t.Errorf("got problem %q", ack.Problem)
	}
}

func TestReconnectsAfterDisconnectAndDrop(t *testing.T) {
	srv := newServer(t)
	b := startBot(t, srv)
	ctx := timeout(t)
	if err := srv.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name string
		cut  func()
	}{
		{"disconnect refresh_requested", func() { srv.Disconnect("refresh_requested") }},
		{"disconnect warning", func() { srv.Disconnect("warning") }},
		{"drop connection", srv.DropConnection},
	}
	for i, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.cut()
			if err := srv.WaitConnects(ctx, i+2); err != nil {
				t.Fatal(err)
			}
			if got := srv.Connects(); got != i+2 {
				t.Errorf("got %d connects, want %d", got, i+2)
			}
			env, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: "C1", UserID: "U1", Text: step.name})
			if err != nil {
				t.Fatal(err)
			}
			evt := b.next(t)
			if cmd := evt.Data.(slack.SlashCommand); cmd.Text != step.name {
				t.Errorf("got text %q, want %q", cmd.Text, step.name)
			}
			if err := b.client.Ack(*evt.Request); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.WaitAck(ctx, env.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSendWaitsForAConnection(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: "C1", UserID: "U1"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}

	// A send waiting before the bot connects is delivered once it does.
	ctx = timeout(t)
	sent := make(chan error, 1)
	go func() {
		_, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "early"})
		sent <- err
	}()
	b := startBot(t, srv)
	if cmd := b.next(t).Data.(slack.SlashCommand); cmd.Text != "early" {
		t.Errorf("got %q, want early", cmd.Text)
	}
	if err := <-sent; err != nil {
		t.Error(err)
	}
}

func TestWrongAppTokenStopsRunContext(t *testing.T) {
	srv := newServer(t)
	client := socketmode.New(newAPI(srv, testBotToken, "xapp-wrong"))
	ctx := timeout(t)
	go drain(ctx, client, nil)
	if err := client.RunContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("got %v, want invalid_auth", err)
	}
	if srv.Connects() != 0 {
		t.Errorf("got %d connects, want 0", srv.Connects())
	}
}

func TestBotTokenAsAppTokenIsRetried(t *testing.T) {
	// slack-go treats only invalid_auth, account_inactive, not_authed and
	// token_revoked as fatal: other errors are retried with backoff.
	srv := newServer(t)
	client := socketmode.New(newAPI(srv, testBotToken, testBotToken))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	connErrs := make(chan error, 10)
	go drain(timeout(t), client, connErrs)
	if err := client.RunContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	select {
	case err := <-connErrs:
		if err.Error() != "not_allowed_token_type" {
			t.Errorf("got connection error %v, want not_allowed_token_type", err)
		}
	case <-time.After(waitTimeout):
		t.Error("got no connection error event")
	}
}

// drain empties client.Events until ctx ends, passing connection errors on.
func drain(ctx context.Context, client *socketmode.Client, connErrs chan<- error) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-client.Events:
			if ce, isCE := evt.Data.(*slack.ConnectionErrorEvent); isCE && connErrs != nil {
				select {
				case connErrs <- ce.ErrorObj:
				default:
				}
			}
		}
	}
}

// dialRaw opens a Socket Mode connection with gorilla/websocket directly,
// for frames slack-go would never send.
func dialRaw(t *testing.T, srv *slacktest.Server) (*websocket.Conn, string) {
	t.Helper()
	ctx := timeout(t)
	_, wsURL, err := newAPI(srv, testBotToken, testAppToken).StartSocketModeContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, wsURL, http.Header{"Origin": {"https://api.slack.com"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = conn.Close() })
	return conn, wsURL
}

func TestRawWebSocket(t *testing.T) {
	srv := newServer(t)
	conn, wsURL := dialRaw(t, srv)
	if !strings.HasPrefix(wsURL, "ws://127.0.0.1:") || !strings.Contains(wsURL, "/link/?ticket=") {
		t.Errorf("got url %q", wsURL)
	}
	_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
	_, hello, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"connection_info":{"app_id":"A0001"},"debug_info":{"host":"applink-1"},"num_connections":1,"type":"hello"}`
	if string(hello) != want {
		t.Errorf("got hello %s, want %s", hello, want)
	}

	t.Run("ticket is single-use", func(t *testing.T) {
		_, resp, err := websocket.DefaultDialer.Dial(wsURL, nil)
		if err == nil {
			t.Fatal("second dial with the same ticket succeeded")
		}
		if resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("got response %v, want 401", resp)
		}
	})

	t.Run("pings arrive", func(t *testing.T) {
		pinged := make(chan struct{}, 1)
		conn.SetPingHandler(func(string) error {
			select {
			case pinged <- struct{}{}:
			default:
			}
			return nil
		})
		ctx := timeout(t)
		env := make(chan slacktest.Envelope, 1)
		go func() {
			e, _ := srv.SendEnvelope(ctx, "events_api", map[string]any{"type": "event_callback"})
			env <- e
		}()
		_, frame, err := conn.ReadMessage() // ping handlers run inside reads
		if err != nil {
			t.Fatal(err)
		}
		e := <-env
		var got map[string]any
		if err := json.Unmarshal(frame, &got); err != nil {
			t.Fatal(err)
		}
		if got["envelope_id"] != e.ID || got["type"] != "events_api" || got["accepts_response_payload"] != false {
			t.Errorf("got envelope %s", frame)
		}
		go func() { _, _, _ = conn.ReadMessage() }() // keep reading for pings; ends at cleanup
		select {
		case <-pinged:
		case <-ctx.Done():
			t.Fatal("no PING received")
		}
	})

	t.Run("bad frames", func(t *testing.T) {
		ctx := timeout(t)
		frames := []struct {
			typ  int
			data string
		}{
			{websocket.TextMessage, `{"envelope_id":"nope"}`},
			{websocket.TextMessage, `not json`},
			{websocket.TextMessage, `{"payload":{}}`},
			{websocket.BinaryMessage, `{"envelope_id":"x"}`},
			{websocket.TextMessage, `{"envelope_id":"x","payload":{"text":"` + strings.Repeat("a", 20*1024) + `"}}`},
		}
		for _, f := range frames {
			if err := conn.WriteMessage(f.typ, []byte(f.data)); err != nil {
				t.Fatal(err)
			}
		}
		if err := waitUntil(ctx, func() bool {
			return len(srv.UnknownAcks()) == 1 && len(srv.InvalidAcks()) == 4
		}); err != nil {
			t.Fatalf("got unknown %v invalid %d: %v", srv.UnknownAcks(), len(srv.InvalidAcks()), err)
		}
		if got := srv.InvalidAcks()[3].Reason; !strings.Contains(got, "20 KB") {
			t.Errorf("got reason %q for an oversized ack", got)
		}
		if len(srv.Acks()) != 0 {
			t.Errorf("got acks %v, want none", srv.Acks())
		}
	})
}

// waitUntil polls cond until it holds or ctx ends.
func waitUntil(ctx context.Context, cond func() bool) error {
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}
