// Command floor is the least a slack-go Socket Mode program can do: it acks
// every envelope at once, with an empty payload. The ack benchmark measures
// meetingbot beside it. It reads SLACK_BOT_TOKEN, SLACK_APP_TOKEN and
// SLACK_API_URL, and runs until SIGTERM or SIGINT.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	api := slack.New(os.Getenv("SLACK_BOT_TOKEN"),
		slack.OptionAppLevelToken(os.Getenv("SLACK_APP_TOKEN")),
		slack.OptionAPIURL(os.Getenv("SLACK_API_URL")))
	client := socketmode.New(api)
	done := make(chan error, 1)
	go func() { done <- client.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-done:
			if ctx.Err() == nil {
				fmt.Fprintln(os.Stderr, "floor: socketmode:", err)
				os.Exit(1)
			}
			return
		case evt := <-client.Events:
			if evt.Request != nil && evt.Request.EnvelopeID != "" {
				_ = client.Ack(*evt.Request)
			}
		}
	}
}
