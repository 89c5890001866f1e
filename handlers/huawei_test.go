package handlers

import (
	"context"
	"log/slog"
	"meetingbot/internal/secret"
	"net/http"
	"strings"
	"testing"
	"time"

	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

// TestWithFakeHuawei runs the command and the click against the real
// meeting.Client and the fake Huawei server, and checks that no credential,
// password or token reaches the chat or the audit log.
func TestWithFakeHuawei(t *testing.T) {
	const appID, appKey = "app-id-4e1f", "app-key-9c2d7b5a1e"
	const chairPW, guestPW = "chair-pw-583021", "guest-pw-771904"
	tests := []struct {
		name    string
		setup   func(*meetingtest.Server)
		replies []wantReply // of the click
		state   meetingtest.State
		audit   map[string]string
	}{
		{"ended", nil, endedRepliesFor("Design review"), meetingtest.StateEnded,
			map[string]string{"decision": "allowed", "outcome": "ended"}},
		{"ended meanwhile", func(s *meetingtest.Server) { s.SetState("914044873", meetingtest.StateEnded) }, []wantReply{
			{"Ending meeting *Design review* (914044873)…", true, false},
			{"has already ended", true, false},
		}, meetingtest.StateEnded, map[string]string{"outcome": "already_ended", "error_class": "already_ended"}},
		{"gateway HTML, then up", func(s *meetingtest.Server) {
			s.InjectFault(meetingtest.EndpointStop, 2, meetingtest.Fault{Status: http.StatusBadGateway,
				Body: "<html><body>502 Bad Gateway https://gw.example/?token=" + appKey + "</body></html>"})
		}, endedRepliesFor("Design review"), meetingtest.StateEnded, map[string]string{"outcome": "ended"}},
		{"HTML error page", func(s *meetingtest.Server) {
			s.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Status: http.StatusNotFound,
				Body: "<html><body>404 https://gw.example/?token=" + appKey + "</body></html>"})
		}, []wantReply{
			{"Ending meeting *Design review* (914044873)…", true, false},
			{"Something went wrong", true, false},
		}, meetingtest.StateInProgress, map[string]string{"outcome": "failed", "error_class": "internal"}},
		{"not found code", func(s *meetingtest.Server) {
			s.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Status: http.StatusBadRequest,
				Code: "MMC.111070005", Msg: "CONF_DATA_NOT_FOUND"})
		}, []wantReply{
			{"Ending meeting *Design review* (914044873)…", true, false},
			{"was not found", true, false},
		}, meetingtest.StateInProgress, map[string]string{"outcome": "failed", "error_class": "not_found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := meetingtest.NewServer(meetingtest.Config{AppID: appID, AppKey: appKey})
			defer srv.Close()
			now := srv.Now().Truncate(time.Minute)
			srv.AddMeeting(meetingtest.Meeting{ID: "914044873", Subject: "Design review",
				Start: now.Add(-10 * time.Minute), End: now.Add(50 * time.Minute),
				State: meetingtest.StateInProgress, ChairPassword: chairPW, GuestPassword: guestPW})
			client, err := meeting.New(meeting.Config{Endpoint: srv.URL(), AppID: appID, AppKey: secret.Secret(appKey),
				Retry: meeting.Retry{Deadline: time.Second, Base: time.Millisecond, Max: 10 * time.Millisecond, Throttle: time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			log := &logBuffer{}
			h := New(Config{ButtonKey: testKey, Meetings: client, Authorizer: testAuthorizer(adminPolicy, &fakeDirectory{}, 0, 0),
				Logger: slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))})

			out := &recordingReplier{}
			h.Command(context.Background(), command("914 044 873"), out)
			prompt := out.all()
			if len(prompt) != 1 || prompt[0].Prompt == nil {
				t.Fatalf("command replies = %q, want a prompt", texts(prompt))
			}
			v := prompt[0].Prompt.Actions[0].Value
			if tt.setup != nil {
				tt.setup(srv)
			}
			out = &recordingReplier{}
			h.Click(context.Background(), click(ActionEnd, v), out)
			rs := out.all()
			checkReplies(t, rs, tt.replies)
			if m, _ := srv.Meeting("914044873"); m.State != tt.state {
				t.Errorf("meeting state = %v, want %v", m.State, tt.state)
			}

			audits := log.audits(t)
			if len(audits) != 2 {
				t.Fatalf("audit records = %d, want 2:\n%s", len(audits), log.String())
			}
			for k, want := range tt.audit {
				if got := audits[1][k]; got != want {
					t.Errorf("click record %s = %v, want %q", k, got, want)
				}
			}
			// The records carry the X-Request-Id of the calls they stand for.
			reqIDs := map[meetingtest.Endpoint]map[string]bool{}
			secrets := []string{appKey, chairPW, guestPW, v[len(ticketPrefix):]}
			for _, r := range srv.Requests() {
				if reqIDs[r.Endpoint] == nil {
					reqIDs[r.Endpoint] = map[string]bool{}
				}
				reqIDs[r.Endpoint][r.RequestID] = true
				for name, vs := range r.Header {
					if name == "Authorization" || strings.Contains(name, "Token") || strings.Contains(name, "Password") {
						secrets = append(secrets, vs...)
					}
				}
			}
			if len(secrets) < 6 {
				t.Errorf("found only %d secrets to look for (%v): want the access and control tokens too", len(secrets), secrets)
			}
			if id, _ := audits[0]["huawei_request_id"].(string); !reqIDs[meetingtest.EndpointConfDetail][id] {
				t.Errorf("command record huawei_request_id = %q, want a confDetail X-Request-Id (%v)", id, reqIDs[meetingtest.EndpointConfDetail])
			}
			if id, _ := audits[1]["huawei_request_id"].(string); !reqIDs[meetingtest.EndpointStop][id] {
				t.Errorf("click record huawei_request_id = %q, want a stop X-Request-Id (%v)", id, reqIDs[meetingtest.EndpointStop])
			}
			chat := strings.Join(texts(append(prompt, rs...)), "\n")
			for _, s := range append(secrets, "<html", "Bad Gateway", "gw.example", "MMC.", "CONF_DATA_NOT_FOUND", "http") {
				if len(s) < 8 && s != "<html" && s != "MMC." && s != "http" {
					continue // too short to search for
				}
				if strings.Contains(chat, s) {
					t.Errorf("the chat has %q:\n%s", s, chat)
				}
			}
			for _, s := range secrets {
				if len(s) >= 8 && strings.Contains(log.String(), s) {
					t.Errorf("the log has secret %q:\n%s", s, log.String())
				}
			}
		})
	}
}

// endedRepliesFor is endedReplies for a meeting with another subject.
func endedRepliesFor(subject string) []wantReply {
	var out []wantReply
	for _, r := range endedReplies {
		r.text = strings.ReplaceAll(r.text, testSubject, subject)
		out = append(out, r)
	}
	return out
}
