// Command fakehuawei serves meeting/meetingtest's fake Huawei Cloud Meeting
// in a process of its own, so that the ack benchmark's meetingbot shares no
// Go scheduler with it, as it shares none with Huawei in production. It
// reads a bench.HuaweiSetup as JSON from standard input, prints "url=" and
// its URL on a line of standard output, and serves until SIGTERM or SIGINT.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"meetingbot/bench"
	"meetingbot/meeting/meetingtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var setup bench.HuaweiSetup
	if err := json.NewDecoder(os.Stdin).Decode(&setup); err != nil {
		fmt.Fprintln(os.Stderr, "fakehuawei: reading the setup:", err)
		os.Exit(1)
	}
	h := meetingtest.NewServer(setup.Config)
	defer h.Close()
	for _, u := range setup.Users {
		h.AddUser(u)
	}
	for _, m := range setup.Meetings {
		h.AddMeeting(m)
	}
	fmt.Println("url=" + h.URL())
	<-ctx.Done()
}
