package bot

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"meetingbot/handlers"
)

// Console serves the same handlers as the Slack bot on a terminal, like
// Hubot's shell adapter: the user types /endmeeting, sees the prompt's
// buttons as numbered choices and picks one. It reads lines, so a script can
// be piped in.
type Console struct {
	Handler *handlers.EndMeeting
	In      io.Reader
	Out     io.Writer
	// User, Team and Channel are the Slack IDs the console acts as.
	User, Team, Channel string
	// Command is the slash command; "/endmeeting" when empty.
	Command string
	// Echo repeats each input line after the prompt, so that a transcript
	// of piped input reads like a session; a terminal echoes by itself.
	Echo bool
}

// consoleHelp lists what can be typed.
const consoleHelp = `Type:
  /endmeeting <meeting-id>   ask to end a meeting (then pick a numbered choice); the ID
                             of the room it is held in, or a pasted join link, works too
  /endmeeting                list the meetings you host
  /endmeeting all            list every meeting in progress (admins)
  /endmeeting help           the bot's usage text
  help                       this list
  quit                       leave (Ctrl-D works too)`

// Run reads commands until the input ends, "quit", or ctx ends.
func (c *Console) Run(ctx context.Context) error {
	if c.Command == "" {
		c.Command = "/endmeeting"
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	// The reader ends with the input, or when Run has returned; one blocked
	// reading a terminal ends with the process, as nothing can unblock it.
	go func() {
		sc := bufio.NewScanner(c.In)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
		readErr <- sc.Err()
		close(lines)
	}()
	s := &consoleSession{c: c, env: 0}
	for {
		s.printf("%s> ", c.User)
		var line string
		select {
		case <-ctx.Done():
			s.printf("\n")
			return nil
		case l, ok := <-lines:
			if !ok {
				s.printf("\n")
				if err := <-readErr; err != nil {
					return fmt.Errorf("reading input: %w", err)
				}
				return nil
			}
			line = strings.TrimSpace(l)
		}
		if c.Echo {
			s.printf("%s\n", line)
		}
		if quit := s.handle(ctx, line); quit {
			return nil
		}
	}
}

// consoleSession is the state of one console run: the prompt waiting for a
// choice, if any.
type consoleSession struct {
	c       *Console
	env     int
	pending []handlers.Action // the buttons of the last prompt or list
	confirm *handlers.Action  // a danger action waiting for y/n
}

func (s *consoleSession) printf(format string, args ...any) {
	_, _ = fmt.Fprintf(s.c.Out, format, args...)
}

func (s *consoleSession) envelope() string {
	s.env++
	return "console-" + strconv.Itoa(s.env)
}

// handle serves one line; it reports whether the user wants to leave.
func (s *consoleSession) handle(ctx context.Context, line string) (quit bool) {
	if a := s.confirm; a != nil {
		s.confirm = nil
		if strings.EqualFold(line, "y") || strings.EqualFold(line, "yes") {
			s.click(ctx, a)
		} else {
			s.printf("Not confirmed; the prompt is still open.\n")
			s.showChoices()
		}
		return false
	}
	switch {
	case line == "":
		return false
	case line == "quit" || line == "exit":
		return true
	case line == "help" || line == "?":
		s.printf("%s\n", consoleHelp)
		return false
	case line == s.c.Command || strings.HasPrefix(line, s.c.Command+" "):
		s.command(ctx, strings.TrimSpace(strings.TrimPrefix(line, s.c.Command)))
		return false
	}
	if n, err := strconv.Atoi(line); err == nil && len(s.pending) > 0 {
		if n < 1 || n > len(s.pending) {
			s.printf("Pick a number from 1 to %d.\n", len(s.pending))
			return false
		}
		a := s.pending[n-1]
		if a.Confirm != nil {
			s.confirm = &a
			s.printf("%s\n%s\nType y to %s, anything else for %q.\n", a.Confirm.Title, a.Confirm.Text, strings.ToLower(a.Confirm.Yes), a.Confirm.No)
			return false
		}
		s.click(ctx, &a)
		return false
	}
	s.printf("Unknown input %q. Type help for what you can type.\n", line)
	return false
}

func (s *consoleSession) command(ctx context.Context, text string) {
	s.pending = nil // the choices of an earlier prompt are gone from view
	cmd := handlers.Command{EnvelopeID: s.envelope(), TeamID: s.c.Team, ChannelID: s.c.Channel, UserID: s.c.User, Text: text}
	s.c.Handler.Command(ctx, cmd, s)
}

func (s *consoleSession) click(ctx context.Context, a *handlers.Action) {
	s.pending = nil
	// A stop once started is finished even if Ctrl-C comes meanwhile.
	s.c.Handler.Click(context.WithoutCancel(ctx), handlers.Click{
		EnvelopeID: s.envelope(), TeamID: s.c.Team, ChannelID: s.c.Channel, UserID: s.c.User,
		ActionID: a.ID, Value: a.Value,
	}, s)
}

// Reply prints a reply as plain text (handlers.Text.String), laid out the
// way Slack would show it.
func (s *consoleSession) Reply(_ context.Context, r handlers.Reply) error {
	switch {
	case r.Public:
		s.printf("[#%s, everyone sees] %s\n", s.c.Channel, r.Text)
	case r.Replace:
		s.printf("[only you, replaces the prompt] %s\n", r.Text)
	default:
		s.printf("[only you] %s\n", r.Text)
	}
	if r.Prompt != nil {
		s.pending = r.Prompt.Actions
		s.showChoices()
	}
	if len(r.Choices) > 0 {
		s.pending = nil
		for i, c := range r.Choices {
			s.pending = append(s.pending, c.Action)
			s.printf("  [%d] %s  %s\n", i+1, c.Action.Label, c.Text)
		}
	}
	if len(r.Footer) > 0 {
		s.printf("  %s\n", r.Footer)
	}
	return nil
}

// showChoices prints a prompt's buttons on one line.
func (s *consoleSession) showChoices() {
	var b strings.Builder
	for i, a := range s.pending {
		if i > 0 {
			b.WriteString("  ")
		}
		fmt.Fprintf(&b, "[%d] %s", i+1, a.Label)
	}
	s.printf("%s\n", b.String())
}

var _ handlers.Replier = (*consoleSession)(nil)

// ConsoleDirectory answers the permission look-ups in console mode, where
// there is no Slack: every user is an ordinary member of no group, so only
// ENDMEETING_ADMIN_USERS can allow.
type ConsoleDirectory struct{}

// User returns an ordinary member.
func (ConsoleDirectory) User(_ context.Context, id string) (handlers.User, error) {
	if id == "" {
		return handlers.User{}, errors.New("no user")
	}
	return handlers.User{ID: id}, nil
}

// GroupMembers returns no members.
func (ConsoleDirectory) GroupMembers(context.Context, string) ([]string, error) { return nil, nil }
