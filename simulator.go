package main

import (
	"crypto/rand"
	"meetingbot/internal/secret"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// simulator is the built-in Huawei Cloud Meeting simulator: meetingtest's
// fake server on 127.0.0.1, seeded with a few meetings, with credentials
// made up for this run.
type simulator struct {
	srv      *meetingtest.Server
	config   meeting.Config
	meetings []meetingtest.Meeting
	host     string // a Huawei user who hosts some of the meetings
	room     string // host's personal meeting ID, which holds one of them
}

func startSimulator() *simulator {
	appID, appKey := rand.Text(), rand.Text()
	srv := meetingtest.NewServer(meetingtest.Config{AppID: appID, AppKey: appKey})
	return &simulator{
		srv:      srv,
		config:   meeting.Config{Endpoint: srv.URL(), AppID: appID, AppKey: secret.Secret(appKey)},
		meetings: srv.Seed(),
		host:     "alice", // Seed's host user
		room:     meetingtest.SeedRoomID,
	}
}

func (s *simulator) close() { s.srv.Close() }
