package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"meetingbot/bot"
	"meetingbot/handlers"
	"meetingbot/meeting/meetingtest"
)

// The Slack IDs the console acts as unless told otherwise.
const (
	consoleUser    = "U0CONSOLE"
	consoleTeam    = "T0CONSOLE"
	consoleChannel = "C0CONSOLE"
	simHost        = "U0ALICE" // mapped to the simulator's host user
)

// runConsole runs the handlers on stdin and stdout.
func runConsole(ctx context.Context, opts options, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv, modeConsole)
	if err != nil {
		return err
	}
	user := consoleUser
	if opts.as != "" {
		if !handlers.IsUserID(opts.as) {
			return fmt.Errorf("%w: -as: %q is not a Slack user ID (U… or W…)", errUsage, opts.as)
		}
		user = opts.as
	}
	log := newLogger(stderr, cfg)
	mc, sim, closeHuawei, err := huaweiClient(cfg, opts, log)
	if err != nil {
		return err
	}
	defer closeHuawei()

	policy := cfg.policy
	policy.Org = handlers.Org{TeamID: consoleTeam}
	fmt.Fprintln(stdout, "meetingbot console: the same bot as in Slack, on this terminal.")
	if sim != nil {
		fmt.Fprintln(stdout, "SIMULATION: Huawei Cloud Meeting is simulated here; no real meeting is touched.")
		fmt.Fprintln(stdout, "Simulated meetings:")
		for _, m := range sim.meetings {
			room := ""
			if m.RoomID != "" {
				room = "  (room " + m.RoomID + ")"
			}
			fmt.Fprintf(stdout, "  %s  %-12s %s%s\n", m.ID, stateName(m.State), m.Subject, room)
		}
		if policy.AllowsNobody() {
			policy.AdminUsers = []string{consoleUser}
			fmt.Fprintf(stdout, "No permission rule is set, so in this simulation %s is an admin; try -as U0SOMEONE to be denied.\n", consoleUser)
		}
		if len(policy.HostMap) == 0 {
			policy.HostRule, policy.HostMap = true, map[string]string{simHost: sim.host}
			fmt.Fprintf(stdout, "Host rule: %s is the simulator's user %s, who hosts some of these meetings, one in her personal meeting ID %s; try -as %s.\n",
				simHost, sim.host, sim.room, simHost)
		}
	} else {
		fmt.Fprintf(stdout, "Huawei Cloud Meeting at %s: meetings you end here really end.\n", mc.Endpoint())
	}
	if len(policy.AdminGroups) > 0 || policy.AllowWorkspaceAdmins {
		fmt.Fprintln(stdout, "Note: without Slack, user groups and workspace admins cannot be looked up; only ENDMEETING_ADMIN_USERS allows here.")
	}
	may := "not allowed to end meetings"
	if slices.Contains(policy.AdminUsers, user) {
		may = "allowed to end any meeting"
	} else if hu, ok := policy.HostMap[user]; ok && policy.HostRule {
		may = "allowed to end the meetings " + hu + " hosts"
	}
	fmt.Fprintf(stdout, "You are %s in %s (%s). Type help for what you can type.\n", user, consoleChannel, may)

	h := handlers.New(handlers.Config{
		Meetings:       mc,
		AsUser:         actAs(mc),
		Authorizer:     handlers.NewAuthorizer(policy, bot.ConsoleDirectory{}),
		ConfirmTimeout: cfg.confirmTimeout,
		Logger:         log,
		ButtonKey:      cfg.buttonKey(),
	})
	c := &bot.Console{Handler: h, In: stdin, Out: stdout, User: user, Team: consoleTeam, Channel: consoleChannel, Echo: !isTerminal(stdin)}
	return c.Run(ctx)
}

func stateName(s meetingtest.State) string {
	switch s {
	case meetingtest.StateInProgress:
		return "in progress"
	case meetingtest.StateScheduled:
		return "scheduled"
	case meetingtest.StateEnded:
		return "ended"
	}
	return strings.ToLower(s.String())
}

// isTerminal reports whether r is a terminal, which echoes what is typed.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
