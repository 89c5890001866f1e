package meeting_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"meetingbot/internal/secret"
	"meetingbot/meeting"
	"meetingbot/meeting/meetingtest"
)

func TestConfigPrintsRedacted(t *testing.T) {
	const value = "s3cr3t-VALUE"
	c := meeting.Config{AppID: "a", AppKey: secret.Secret(value), Password: secret.Secret(value)}
	for _, got := range []string{fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), logWith(slog.NewTextHandler, "cfg", c), logWith(slog.NewJSONHandler, "cfg", c)} {
		if strings.Contains(got, value) {
			t.Errorf("printed %q", got)
		}
	}
}

// logWith logs one record with the attribute key=v through a handler made
// by newHandler, and returns the output.
func logWith[H slog.Handler](newHandler func(io.Writer, *slog.HandlerOptions) H, key string, v any) string {
	var buf bytes.Buffer
	slog.New(newHandler(&buf, nil)).Info("msg", key, v)
	return buf.String()
}

// TestConferencePrintsNoPassword: a Conference holds the host password; it
// must not print it however it is logged.
func TestConferencePrintsNoPassword(t *testing.T) {
	srv := newServer(t, meetingtest.Config{})
	c := newClient(t, srv, nil)
	conf := mustPrepare(t, c, liveID)
	if !conf.CanControl() {
		t.Fatalf("CanControl: got false, want true")
	}
	outputs := map[string]string{
		"%v":         fmt.Sprintf("%v", conf),
		"%+v":        fmt.Sprintf("%+v", conf),
		"%#v":        fmt.Sprintf("%#v", conf),
		"%s":         fmt.Sprintf("%s", conf),
		"%x":         fmt.Sprintf("%x", conf),
		"%v pointer": fmt.Sprintf("%v", &conf),
		"%v slice":   fmt.Sprintf("%v", []meeting.Conference{conf}),
		"json":       func() string { b, _ := json.Marshal(conf); return string(b) }(),
		"slog text":  logWith(slog.NewTextHandler, "conf", conf),
		"slog JSON":  logWith(slog.NewJSONHandler, "conf", conf),
	}
	for name, got := range outputs {
		if strings.Contains(got, hostPassword) || strings.Contains(got, fmt.Sprintf("%x", hostPassword)) {
			t.Errorf("%s: got %q, want no host password", name, got)
		}
	}
	if got := fmt.Sprintf("%+v", conf); !strings.Contains(got, liveID) || !strings.Contains(got, "Meeting "+liveID) {
		t.Errorf("%%+v: got %q, want the ID and subject still shown", got)
	}
}

// TestNoSecretsInLogsOrErrors runs whole flows, with both kinds of
// authentication, refreshes and errors, logging at debug level, and checks
// that no credential or token reaches the log or an error's text.
func TestNoSecretsInLogsOrErrors(t *testing.T) {
	const wrongKey = "wrong-key-SECRET-0a1b2c"
	tests := []struct {
		name  string
		edit  func(*meeting.Config)
		wrong func(*meeting.Config) // bad credentials
	}{
		{"app id", nil, func(cfg *meeting.Config) { cfg.AppKey = wrongKey }},
		{"account", accountAuth, func(cfg *meeting.Config) { accountAuth(cfg); cfg.Password = wrongKey }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, meetingtest.Config{AccessTokenLifetime: time.Hour})
			var logBuf syncBuffer
			log := jsonLogger(&logBuf)
			client := func(edits ...func(*meeting.Config)) *meeting.Client {
				return newClient(t, srv, func(cfg *meeting.Config) {
					for _, e := range edits {
						if e != nil {
							e(cfg)
						}
					}
					cfg.Logger = log
				})
			}
			c := client(tt.edit)
			var errs []error
			call := func(what string, want error, err error) {
				t.Helper()
				if (err == nil) != (want == nil) || (want != nil && !errors.Is(err, want)) {
					t.Errorf("%s: got error %v, want %v", what, err, want)
				}
				if err != nil {
					errs = append(errs, err)
					log.Error("call failed", "what", what, "error", err, "request_id", meeting.RequestID(err))
				}
			}
			const second, third = "914044874", "914044875"
			addMeeting(srv, second, meetingtest.StateInProgress)
			addMeeting(srv, third, meetingtest.StateInProgress)

			// Log-in, prepare and stop.
			conf, err := c.Prepare(testCtx(t), liveID)
			call("prepare", nil, err)
			log.Info("prepared", "conf", conf, "conf_text", fmt.Sprint(conf))
			_, err = c.Stop(testCtx(t), liveID)
			call("stop", nil, err)

			// A rejected access token, then an expired one, then a rejected
			// control token.
			srv.InjectFault(meetingtest.EndpointConfDetail, 1, meetingtest.Fault{Status: 401, Code: "MMC.118000001", Msg: "USER_TOKEN_AUTH_FAILED"})
			_, err = c.Prepare(testCtx(t), second)
			call("prepare after a 401", nil, err)
			srv.Advance(2 * time.Hour)
			srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Status: 401, Code: "MMC.118000001"})
			_, err = c.Stop(testCtx(t), second)
			call("stop after expiry and a 401", nil, err)

			// Errors.
			_, err = c.Prepare(testCtx(t), endedID)
			call("prepare ended", meeting.ErrNotFound, err)
			_, err = c.Prepare(testCtx(t), scheduledID)
			call("prepare scheduled", meeting.ErrNotStarted, err)
			_, err = c.Stop(testCtx(t), liveID)
			call("stop stopped", meeting.ErrNotFound, err)
			if bob, err := c.As("bob"); err == nil {
				_, err = bob.Prepare(testCtx(t), third)
				call("prepare as guest", meeting.ErrNotPermitted, err)
			}
			mustPrepare(t, c, third)
			m, _ := srv.Meeting(third)
			m.ChairPassword = "host-pw-SECRET-changed"
			srv.AddMeeting(m)
			srv.InjectFault(meetingtest.EndpointStop, 1, meetingtest.Fault{Status: 401, Code: "MMC.118000001"})
			_, err = c.Stop(testCtx(t), third)
			call("stop with a wrong host password", meeting.ErrNotFound, err)
			_, err = client(tt.wrong).Prepare(testCtx(t), third)
			call("bad credentials", meeting.ErrCredentials, err)
			srv.InjectFault(meetingtest.EndpointConfDetail, 1000, meetingtest.Fault{Status: 502, Body: "<html>" + hostPassword + "</html>"})
			_, err = c.Meeting(timeout(t, 150*time.Millisecond), third)
			call("gateway page", meeting.ErrUnavailable, err)

			secrets := []string{testAppKey, testPassword, hostPassword, guestPassword, wrongKey, "host-pw-SECRET-changed"}
			tokens := 0
			for _, v := range secretsSeen(srv) {
				secrets = append(secrets, v)
				if rest, ok := strings.CutPrefix(v, "Basic "); ok {
					secrets = append(secrets, rest)
				}
				if _, sig, ok := strings.Cut(v, "signature="); ok {
					sig, _, _ = strings.Cut(sig, ",")
					secrets = append(secrets, sig)
				}
				if strings.HasPrefix(v, "cnr") || strings.HasPrefix(v, "stb") {
					tokens++
				}
			}
			// Access tokens: first, after the 401, after the expiry.
			// Control tokens used on stop: the first meeting's, the
			// second's two, the third's.
			if tokens < 3+4 {
				t.Errorf("tokens in the fake's log: got %d, want at least 7", tokens)
			}
			logged := logBuf.String()
			for _, want := range []string{`"msg":"huawei request"`, `"op":"stop"`, `"op":"controlToken"`, `"request_id":"`, `"status":401`} {
				if !strings.Contains(logged, want) {
					t.Errorf("log: got no %s, want one record per request", want)
				}
			}
			for _, secret := range secrets {
				if strings.Contains(logged, secret) {
					t.Errorf("log contains the secret %.12q...", secret)
				}
				for _, err := range errs {
					if strings.Contains(describe(err), secret) {
						t.Errorf("error %q contains the secret %.12q...", err, secret)
					}
				}
			}
		})
	}
}
