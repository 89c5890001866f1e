// Command meetingbot is a Slack bot that lets meeting hosts end a Huawei
// Cloud Meeting from chat with /endmeeting, after a confirmation.
//
//	meetingbot                 the Slack bot (Socket Mode)
//	meetingbot console         the same bot on this terminal
//	meetingbot check           check the configuration and credentials
//	meetingbot healthcheck     ask a running bot's /healthz (ENDMEETING_HTTP_ADDR)
//	meetingbot version         print the version
//
// See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/joho/godotenv"
)

func main() {
	setGCPercent(os.LookupEnv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			// One line per problem: a configuration reports them all.
			for _, line := range strings.Split(err.Error(), "\n") {
				fmt.Fprintln(os.Stderr, "meetingbot:", line)
			}
		}
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for a usage error and 1 for anything else.
func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

var errUsage = errors.New("usage")

// options are the command line's flags and mode.
type options struct {
	mode     string // "slack", "console", "check", "healthcheck" or "version"
	simulate bool
	as       string
	envFile  string
}

const usage = `usage: meetingbot [flags] [console | check | healthcheck | version] [flags]

  (no mode)    run the Slack bot over Socket Mode
  console      run the same bot on standard input and output
  check        validate the configuration and credentials, then exit
  healthcheck  ask the running bot's /healthz (ENDMEETING_HTTP_ADDR); exit 0 on 200 OK
  version      print the version, revision and Go version

flags:
`

func parseArgs(args []string, stderr io.Writer) (options, error) {
	o := options{mode: "slack"}
	fs := flag.NewFlagSet("meetingbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.simulate, "simulate", false, "use the built-in Huawei Cloud Meeting simulator even when credentials are set")
	fs.StringVar(&o.as, "as", "", "console mode: the Slack user ID to act as")
	fs.StringVar(&o.envFile, "env-file", ".env", "file of environment variables to read if it exists (\"\" for none); real variables win")
	showVersion := fs.Bool("version", false, "print the version and exit (the same as the version mode)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if rest := fs.Args(); len(rest) > 0 {
		switch rest[0] {
		case "console", "check", "healthcheck", "version":
			o.mode = rest[0]
		default:
			fs.Usage()
			return o, fmt.Errorf("%w: unknown mode %q", errUsage, rest[0])
		}
		if err := fs.Parse(rest[1:]); err != nil {
			return o, err
		}
		if fs.NArg() > 0 {
			fs.Usage()
			return o, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
		}
	}
	if *showVersion {
		o.mode = "version"
	}
	if o.as != "" && o.mode != "console" {
		return o, fmt.Errorf("%w: -as works only in console mode", errUsage)
	}
	return o, nil
}

// withEnvFile returns getenv backed by the variables of file, if it exists.
// Real environment variables win.
func withEnvFile(getenv func(string) string, file string) (func(string) string, error) {
	if file == "" {
		return getenv, nil
	}
	vars, err := godotenv.Read(file)
	if errors.Is(err, os.ErrNotExist) {
		return getenv, nil
	}
	if _, ok := errors.AsType[*fs.PathError](err); ok {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	if err != nil {
		// godotenv's parse errors quote the file from the bad spot on,
		// tokens and keys included: say where to look, not what is there.
		return nil, fmt.Errorf("reading %s: it is not a valid .env file: each line must be NAME=value or a # comment, and a quoted value must close its quotes", file)
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vars[k]
	}, nil
}

// newLogger returns the logger for cfg, writing to w.
func newLogger(w io.Writer, cfg config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.logLevel}
	if cfg.logFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
