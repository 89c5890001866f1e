// Package bench holds meetingbot's benchmarks, reported in BENCHMARKS.md.
// They build the program (go build), run it in a child process against the
// fakes of bot/slacktest and meeting/meetingtest on 127.0.0.1, and check
// counts, never timings. Only go test -bench runs them. The programs they
// start besides meetingbot are floor, the least a slack-go Socket Mode
// program can do, fakehuawei, meetingtest in a process of its own, and for
// the claims in Redis a redis-server (internal/redistest).
package bench

import "meetingbot/meeting/meetingtest"

// HuaweiSetup is what fakehuawei serves; it reads it as JSON from its
// standard input.
type HuaweiSetup struct {
	Config   meetingtest.Config
	Users    []meetingtest.User
	Meetings []meetingtest.Meeting
}
