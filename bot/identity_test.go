package bot

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"meetingbot/bot/slacktest"
	"meetingbot/handlers"
)

const (
	testBotToken = "xoxb-identity-test"
	testAppToken = "xapp-identity-test"
)

func TestAuthTestIdentity(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  slacktest.Config
		want handlers.Org
	}{
		{"workspace", slacktest.Config{TeamID: "T1"}, handlers.Org{TeamID: "T1"}},
		{"Enterprise Grid workspace", slacktest.Config{TeamID: "T1", EnterpriseID: "E1"}, handlers.Org{TeamID: "T1", EnterpriseID: "E1"}},
		{"org-wide install", slacktest.Config{TeamID: "E1", EnterpriseID: "E1", EnterpriseInstall: true}, handlers.Org{TeamID: "E1", EnterpriseID: "E1", EnterpriseInstall: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.BotToken, tt.cfg.AppToken = testBotToken, testAppToken
			tt.cfg.Scopes = []string{"commands", "chat:write"}
			s := slacktest.NewServer(tt.cfg)
			defer s.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			id, err := AuthTest(ctx, NewHTTPClient(), s.APIURL(), testBotToken)
			if err != nil {
				t.Fatal(err)
			}
			if got := id.Org(); got != tt.want {
				t.Errorf("Org() = %+v, want %+v", got, tt.want)
			}
			if !slices.Equal(id.Scopes, tt.cfg.Scopes) {
				t.Errorf("Scopes = %q, want %q", id.Scopes, tt.cfg.Scopes)
			}
			if id.UserID != "UBOT" {
				t.Errorf("UserID = %q, want the bot user", id.UserID)
			}
		})
	}
}

func TestIdentifyRejectedToken(t *testing.T) {
	s := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken})
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Identify(ctx, NewHTTPClient(), s.APIURL(), "xoxb-wrong", slog.New(slog.DiscardHandler))
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("Identify with a wrong token = %v, want ErrAuth", err)
	}
	if n := s.Calls("auth.test"); n != 1 {
		t.Errorf("auth.test calls = %d, want 1: a rejected token is not retried", n)
	}
}

func TestIdentifyWaitsOutAnOutage(t *testing.T) {
	s := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken})
	defer s.Close()
	s.FailNext("auth.test", 1, "internal_error")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := Identify(ctx, NewHTTPClient(), s.APIURL(), testBotToken, slog.New(slog.DiscardHandler))
	if err != nil || id.TeamID != "T0001" {
		t.Fatalf("Identify = %+v, %v; want the team after one retry", id, err)
	}
	if n := s.Calls("auth.test"); n != 2 {
		t.Errorf("auth.test calls = %d, want 2", n)
	}
}
