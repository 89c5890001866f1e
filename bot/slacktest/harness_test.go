package slacktest_test

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"meetingbot/bot/slacktest"
)

const (
	testBotToken = "xoxb-test-bot-token"
	testAppToken = "xapp-test-app-token"
	// waitTimeout bounds every wait in these tests.
	waitTimeout = 5 * time.Second
)

// newServer starts a fake Slack closed at the end of the test.
func newServer(t *testing.T) *slacktest.Server {
	t.Helper()
	srv := slacktest.NewServer(slacktest.Config{
		BotToken:     testBotToken,
		AppToken:     testAppToken,
		PingInterval: 200 * time.Millisecond,
	})
	t.Cleanup(srv.Close)
	return srv
}

// newAPI returns a real slack-go client for srv.
func newAPI(srv *slacktest.Server, botToken, appToken string) *slack.Client {
	return slack.New(botToken, slack.OptionAppLevelToken(appToken), slack.OptionAPIURL(srv.APIURL()))
}

// bot is a real slack-go Socket Mode client connected to the fake.
type bot struct {
	client *socketmode.Client
	events chan socketmode.Event // slash commands and interactions
}

// startBot runs a socketmode client against srv until the end of the test.
func startBot(t *testing.T, srv *slacktest.Server) *bot {
	t.Helper()
	client := socketmode.New(newAPI(srv, testBotToken, testAppToken))
	ctx, cancel := context.WithCancel(context.Background())
	b := &bot{client: client, events: make(chan socketmode.Event, 100)}

	runDone := make(chan error, 1)
	go func() { runDone <- client.RunContext(ctx) }()
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-client.Events:
				switch evt.Type {
				case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive:
					b.events <- evt
				}
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-runDone:
		case <-time.After(waitTimeout):
			t.Error("RunContext did not return after cancel")
		}
		<-loopDone
	})
	return b
}

// next returns the next slash command or interaction the bot received.
func (b *bot) next(t *testing.T) socketmode.Event {
	t.Helper()
	select {
	case evt := <-b.events:
		return evt
	case <-time.After(waitTimeout):
		t.Fatal("no event within the timeout")
		return socketmode.Event{}
	}
}

func timeout(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}
