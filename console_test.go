package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"meetingbot/meeting/meetingtest"
)

// console runs console mode on a script and returns its transcript.
func console(t *testing.T, args []string, env map[string]string, script string) (string, string) {
	t.Helper()
	var out, errs syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := run(ctx, append([]string{"-env-file=", "console"}, args...), func(k string) string { return env[k] }, strings.NewReader(script), &out, &errs)
	if err != nil {
		t.Fatalf("console: %v\nstderr:\n%s", err, errs.String())
	}
	return out.String(), errs.String()
}

// wantInOrder checks that the transcript holds each piece, in order.
func wantInOrder(t *testing.T, transcript string, pieces ...string) {
	t.Helper()
	rest := transcript
	for _, p := range pieces {
		i := strings.Index(rest, p)
		if i < 0 {
			t.Fatalf("transcript lacks %q after the earlier pieces:\n%s", p, transcript)
		}
		rest = rest[i+len(p):]
	}
}

func TestConsoleScript(t *testing.T) {
	out, _ := console(t, nil, nil, strings.Join([]string{
		"help",
		"/endmeeting 914 044 873",
		"1",
		"n", // back out of the confirm dialog
		"1",
		"y",
		"/endmeeting 914044873", // now ended
		"/endmeeting 91404487x",
		"/endmeeting 915276384", // scheduled
		"/endmeeting 914083136",
		"3",
		"quit",
	}, "\n"))
	wantInOrder(t, out,
		"SIMULATION", "914044873", "in progress", "Design review", "915276384", "scheduled", "913650127", "ended",
		"U0CONSOLE is an admin",
		"/endmeeting <meeting-id>",
		"End meeting *Design review* (914044873)?", "[1] End meeting  [2] End for good…  [3] Cancel",
		"End this meeting?", "Type y to end meeting",
		"Not confirmed", "[1] End meeting  [2] End for good…  [3] Cancel",
		"End this meeting?",
		"[only you, replaces the prompt] Ending meeting *Design review* (914044873)…",
		"[only you, replaces the prompt] Meeting *Design review* (914044873) has ended.",
		"[#C0CONSOLE, everyone sees] @U0CONSOLE ended meeting *Design review* (914044873).",
		"Meeting 914044873 was not found",
		"That is not a meeting ID: it may contain only digits, spaces and dashes.",
		"Meeting 915276384 has not started yet",
		"End meeting *Weekly sync* (914083136)?",
		"[only you, replaces the prompt] Cancelled. Meeting 914083136 was not ended.",
	)
	if strings.Contains(out, "Weekly sync* (914083136) has ended") {
		t.Errorf("the cancelled meeting was ended:\n%s", out)
	}
}

func TestConsoleDeniedUser(t *testing.T) {
	out, _ := console(t, []string{"-as", "U0SOMEONE"}, nil, "/endmeeting 914044873\n1\n")
	wantInOrder(t, out, "You are U0SOMEONE", "not allowed", "You can end only meetings you host")
	if strings.Contains(out, "[1] End meeting") {
		t.Errorf("a denied user got buttons:\n%s", out)
	}
}

func TestConsoleUsesConfiguredAdmins(t *testing.T) {
	env := map[string]string{"ENDMEETING_ADMIN_USERS": "U0ALICE"}
	out, _ := console(t, []string{"-as", "U0ALICE"}, env, "/endmeeting 914083136\n1\ny\n")
	wantInOrder(t, out, "You are U0ALICE", "(allowed to end any meeting", "has ended")
	out, _ = console(t, []string{"-as", "U0CAROL"}, map[string]string{"ENDMEETING_ADMIN_USERS": "U0ALICE", "ENDMEETING_HOST_MAP": "U0CAROL=carol"}, "/endmeeting 914083136\n")
	wantInOrder(t, out, "You are U0CAROL", "allowed to end the meetings carol hosts", "did not let the bot act as your account (carol)")
}

func TestConsoleRejectsBadAs(t *testing.T) {
	err := run(context.Background(), []string{"-env-file=", "console", "-as", "alice"}, func(string) string { return "" }, strings.NewReader(""), &syncBuffer{}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "-as") {
		t.Errorf("run = %v, want an error about -as", err)
	}
}

// TestConsoleRoomAndEndForGood: the simulator's meeting in alice's
// personal meeting ID, typed as its room ID and ended for good from the
// third choice.
func TestConsoleRoomAndEndForGood(t *testing.T) {
	room := meetingtest.SeedRoomID
	out, _ := console(t, []string{"-as", "U0ALICE"}, nil, strings.Join([]string{
		"/endmeeting " + room,
		"2", // End for good…
		"1", // End for good
		"y",
		"/endmeeting " + room,
		"quit",
	}, "\n"))
	wantInOrder(t, out,
		"Alice's office hours  (room "+room+")", "one in her personal meeting ID "+room,
		"End meeting *Alice's office hours* (room 685 729 1034)?", "[1] End meeting  [2] End for good…  [3] Cancel",
		"End meeting *Alice's office hours* (room 685 729 1034) for good?", "[1] End for good  [2] Cancel",
		"End this meeting for good?", "cancels its reservation: nobody can rejoin it.", "Type y to end for good",
		"[only you, replaces the prompt] Ending meeting *Alice's office hours* (room 685 729 1034) for good…",
		"has ended and its reservation is cancelled: nobody can rejoin it.",
		"[#C0CONSOLE, everyone sees] @U0ALICE ended meeting *Alice's office hours* (room 685 729 1034) for good: its reservation is cancelled.",
		"Meeting "+room+" was not found, or you are not its host.",
	)
}
