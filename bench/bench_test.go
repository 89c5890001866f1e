//go:build linux

// The benchmarks run a fixed workload per b.N iteration and report their
// figures with b.ReportMetric; run them with -benchtime 1x (see
// BENCHMARKS.md). They assert counts (b.Fatal), never timings. Linux only:
// they read /proc and call getrusage, and a child gets SIGKILL when this
// process dies (Pdeathsig).
//
// This file builds the programs, starts them in child processes and holds
// what the benchmarks share; ack_test.go, click_test.go, calls_test.go and
// cost_test.go are the benchmarks, numbered as in BENCHMARKS.md.

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"meetingbot/bot/slacktest"
	"meetingbot/handlers"
	"meetingbot/internal/syncbuf"
	"meetingbot/meeting/meetingtest"
)

// wait bounds every wait of the benchmarks.
const wait = 30 * time.Second

// The fakes' credentials and people.
const (
	botToken      = "xoxb-bench-bot-token"
	appToken      = "xapp-bench-app-token"
	appID         = "meetingbot-bench-app"
	appKey        = "bench-app-key"
	chairPwd      = "chair-pass-bench"
	guestPwd      = "guest-pass-bench"
	admin         = "UADMIN01"  // ENDMEETING_ADMIN_USERS
	stranger      = "USTRANGER" // no admin rule; a Huawei user who hosts none of the meetings
	strangerEmail = "eve@corp.example"
	channel       = "C0GENERAL"
)

// TestMain removes the programs built for the benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	if programs.dir != "" {
		os.RemoveAll(programs.dir)
	}
	os.Exit(code)
}

// programs are the executables the benchmarks start, built once per run of
// the test binary.
var programs struct {
	once sync.Once
	dir  string
	errs map[string]error // why a program could not be built
}

// The programs, by file name in programs.dir.
const (
	progBot        = "meetingbot"        // the program, as go build . builds it
	progBotProbe   = "meetingbot-probe"  // with testdata/probe.go added to package main
	progBotNoWait  = "meetingbot-nowait" // with testdata/nowait_wire.go for bot/wire.go
	progFloor      = "floor"
	progFakeHuawei = "fakehuawei"
)

// variants are the builds of meetingbot with a file of testdata laid over
// the module (go build -overlay): the program name, the file's path in the
// module, and the file in testdata.
var variants = []struct{ name, at, file string }{
	{progBotProbe, "zz_bench_probe.go", "probe.go"},  // a file added to package main
	{progBotNoWait, "bot/wire.go", "nowait_wire.go"}, // a file replaced
}

// program returns the path of the executable name, building them all the
// first time. A program that did not build fails only the benchmarks that
// start it.
func program(tb testing.TB, name string) string {
	tb.Helper()
	programs.once.Do(func() { programs.dir, programs.errs = buildPrograms() })
	if err := programs.errs[name]; err != nil {
		tb.Fatal(err)
	}
	return filepath.Join(programs.dir, name)
}

// buildPrograms builds meetingbot, floor and fakehuawei, and the variants
// of meetingbot, into a new temporary folder.
func buildPrograms() (string, map[string]error) {
	errs := map[string]error{}
	fail := func(err error, names ...string) {
		for _, n := range names {
			errs[n] = err
		}
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		err = fmt.Errorf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	var dir string
	if err == nil {
		dir, err = os.MkdirTemp("", "meetingbot-bench-")
	}
	if err != nil {
		fail(err, progBot, progFloor, progFakeHuawei, progBotProbe, progBotNoWait)
		return dir, errs
	}
	if err := goBuild(root, "-o", dir+string(filepath.Separator), ".", "./bench/floor", "./bench/fakehuawei"); err != nil {
		fail(err, progBot, progFloor, progFakeHuawei)
	}
	for _, v := range variants {
		file, err := filepath.Abs(filepath.Join("testdata", v.file))
		if err != nil {
			fail(err, v.name)
			continue
		}
		overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, filepath.FromSlash(v.at)): file}})
		overlayFile := filepath.Join(dir, v.name+".overlay.json")
		if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
			fail(err, v.name)
			continue
		}
		if err := goBuild(root, "-overlay", overlayFile, "-o", filepath.Join(dir, v.name), "."); err != nil {
			fail(err, v.name)
		}
	}
	return dir, errs
}

// goBuild runs go build with args in the module's root folder.
func goBuild(root string, args ...string) error {
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// child is a program in a child process.
type child struct {
	tb     testing.TB
	name   string
	cmd    *exec.Cmd
	out    *syncbuf.Buffer // standard output, and standard error unless logs is set
	logs   string          // the file that takes standard error (meetingbot's logs)
	exited chan error
	once   sync.Once
	cpu    time.Duration // user + system time, once it has exited
}

// startChild starts the program name with args, and env added to this
// process's environment less the program's own settings. With logs,
// standard error goes to a file of its own (meetingbot's log, JSON at info
// level as in production), read back only when something fails. Standard
// input gets stdin, then end of file. The child is stopped by the test's
// cleanup if it is still running, and killed when this process dies.
func startChild(tb testing.TB, name string, args []string, env map[string]string, logs bool, stdin []byte) *child {
	tb.Helper()
	cmd := exec.Command(program(tb, name), args...)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "SLACK_"), strings.HasPrefix(k, "HUAWEI_"), strings.HasPrefix(k, "ENDMEETING_"),
			strings.HasPrefix(k, "REDIS_"), k == "LOG_LEVEL", k == "LOG_FORMAT":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &child{tb: tb, name: name, cmd: cmd, out: &syncbuf.Buffer{}, exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = c.out, c.out
	if logs {
		c.logs = filepath.Join(tb.TempDir(), name+".log")
		f, err := os.Create(c.logs)
		if err != nil {
			tb.Fatal(err)
		}
		defer f.Close() // the child has its own descriptor
		cmd.Stderr = f
	}
	cmd.Stdin = strings.NewReader(string(stdin))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting %s: %v", name, err)
	}
	go func() { c.exited <- cmd.Wait() }()
	tb.Cleanup(c.stop)
	return c
}

// output is what the child wrote, for a failure's message: its standard
// output and the end of its log.
func (c *child) output() string {
	s := c.out.String()
	if c.logs != "" {
		if b, err := os.ReadFile(c.logs); err == nil {
			s += "\n" + string(b[max(0, len(b)-4096):])
		}
	}
	return s
}

// stop sends the child SIGTERM, waits for it to exit, and kills it if it
// has not within wait.
func (c *child) stop() {
	c.once.Do(func() {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		var err error
		select {
		case err = <-c.exited:
		case <-time.After(wait):
			_ = c.cmd.Process.Kill()
			<-c.exited
			c.tb.Errorf("%s did not stop within %v; killed\n%s", c.name, wait, c.output())
			return
		}
		if err != nil {
			c.tb.Errorf("%s exited: %v\n%s", c.name, err, c.output())
		}
		if ps := c.cmd.ProcessState; ps != nil {
			c.cpu = ps.UserTime() + ps.SystemTime()
		}
	})
}

// line waits for the child's standard output to hold more than after whole
// lines starting with prefix, and returns the rest of the last one.
func (c *child) line(tb testing.TB, prefix string, after int) string {
	tb.Helper()
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var got []string
		for l := range strings.Lines(c.out.String()) {
			if rest, ok := strings.CutPrefix(l, prefix); ok && strings.HasSuffix(rest, "\n") {
				got = append(got, strings.TrimSuffix(rest, "\n"))
			}
		}
		if len(got) > after {
			return got[len(got)-1]
		}
	}
	tb.Fatalf("%s wrote no line %q\n%s", c.name, prefix, c.output())
	return ""
}

// lines counts the whole lines starting with prefix the child has written.
func (c *child) lines(prefix string) int {
	n := 0
	for l := range strings.Lines(c.out.String()) {
		if strings.HasPrefix(l, prefix) && strings.HasSuffix(l, "\n") {
			n++
		}
	}
	return n
}

// waitConnected waits for the child to connect to srv.
func (c *child) waitConnected(tb testing.TB, srv *slacktest.Server) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitConnected(ctx); err != nil {
		c.stop()
		tb.Fatalf("%s did not connect: %v\n%s", c.name, err, c.output())
	}
}

func meetingID(i int) string { return fmt.Sprintf("91%07d", i) }

func meeting(i int) meetingtest.Meeting {
	now := time.Now()
	return meetingtest.Meeting{
		ID: meetingID(i), Subject: fmt.Sprintf("Load meeting %d", i), State: meetingtest.StateInProgress,
		Start: now.Add(-time.Hour).Truncate(time.Minute), End: now.Add(time.Hour).Truncate(time.Minute),
		ChairPassword: chairPwd, GuestPassword: guestPwd,
	}
}

// roomID is the meeting ID of the cloud meeting room that holds meeting i
// when it is held in one (botOpts.rooms): ten digits, as Huawei's rooms and
// personal meeting IDs have, none of them a conferenceID.
func roomID(i int) string { return fmt.Sprintf("68%08d", i) }

// huaweiSetup is the fake Huawei of every benchmark: meetings 0..n-1 in
// progress, those of rooms held in cloud meeting rooms (meetingtest's
// Meeting.RoomID, roomID(i)), and the stranger's Huawei user. fakehuawei
// seeds the same meetings, rooms and all, from it.
func huaweiSetup(n int, rooms []int) HuaweiSetup {
	s := HuaweiSetup{
		Config: meetingtest.Config{AppID: appID, AppKey: appKey},
		Users:  []meetingtest.User{{ID: strangerEmail, Name: "Eve"}},
	}
	for i := range n {
		s.Meetings = append(s.Meetings, meeting(i))
	}
	for _, i := range rooms {
		s.Meetings[i].RoomID = roomID(i)
	}
	return s
}

// ctxFor returns a context bounded by wait.
func ctxFor(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	tb.Cleanup(cancel)
	return ctx
}

// botRun is meetingbot, the built program, in a child process, against a
// fake Slack in this process and a fake Huawei in this process or in a
// child process of its own.
type botRun struct {
	tb     testing.TB
	slack  *slacktest.Server
	huawei *meetingtest.Server // nil when the fake Huawei is apart
	prog   *child
	apart  *child // the fake Huawei, when apart
	once   sync.Once
}

type botOpts struct {
	program  string // progBot when empty
	env      map[string]string
	meetings int // meetings 0..meetings-1 in progress
	// rooms are the meetings (of 0..meetings-1) held in a cloud meeting
	// room, whose ID is roomID(i).
	rooms []int
	// huaweiApart runs the fake Huawei in a child process (fakehuawei).
	huaweiApart bool
	// setup runs after the fakes start and before the program does; its
	// Huawei is nil when the fake Huawei is apart.
	setup func(*slacktest.Server, *meetingtest.Server)
}

// startBot starts the fakes and the program, with the settings of
// production (logs JSON at info level) but for ENDMEETING_ADMIN_USERS=admin
// and o.env, and waits for it to connect.
func startBot(tb testing.TB, o botOpts) *botRun {
	tb.Helper()
	br := &botRun{tb: tb}
	br.slack = slacktest.NewServer(slacktest.Config{BotToken: botToken, AppToken: appToken})
	br.slack.AddChannel(channel, true)
	// The stranger matches no admin rule; for the host rule (on by default
	// with App ID credentials) Slack gives their email and Huawei knows
	// them, but they host none of the meetings.
	br.slack.AddUser(slacktest.User{ID: stranger, Name: "eve", Email: strangerEmail})
	hs := huaweiSetup(o.meetings, o.rooms)
	var huaweiURL string
	if o.huaweiApart {
		in, err := json.Marshal(hs)
		if err != nil {
			tb.Fatal(err)
		}
		br.apart = startChild(tb, progFakeHuawei, nil, nil, false, in)
		huaweiURL = br.apart.line(tb, "url=", 0)
	} else {
		br.huawei = meetingtest.NewServer(hs.Config)
		for _, u := range hs.Users {
			br.huawei.AddUser(u)
		}
		for _, m := range hs.Meetings {
			br.huawei.AddMeeting(m)
		}
		huaweiURL = br.huawei.URL()
	}
	if o.setup != nil {
		o.setup(br.slack, br.huawei)
	}
	env := map[string]string{
		"SLACK_BOT_TOKEN":         botToken,
		"SLACK_APP_TOKEN":         appToken,
		"SLACK_API_URL":           br.slack.APIURL(),
		"HUAWEI_MEETING_ENDPOINT": huaweiURL,
		"HUAWEI_MEETING_APP_ID":   appID,
		"HUAWEI_MEETING_APP_KEY":  appKey,
		"ENDMEETING_ADMIN_USERS":  admin,
	}
	for k, v := range o.env {
		env[k] = v
	}
	if o.program == "" {
		o.program = progBot
	}
	// -env-file= reads no .env from the working folder.
	br.prog = startChild(tb, o.program, []string{"-env-file="}, env, true, nil)
	tb.Cleanup(br.close)
	br.prog.waitConnected(tb, br.slack)
	return br
}

// close stops the program and the fakes, and lets go of them: the testing
// package may keep the cleanup that calls close reachable for the rest of
// the run, and the fakes hold every request they saw.
func (br *botRun) close() {
	br.once.Do(func() {
		br.prog.stop()
		br.slack.Close()
		if br.huawei != nil {
			br.huawei.Close()
		}
		if br.apart != nil {
			br.apart.stop()
		}
		br.slack, br.huawei = nil, nil
	})
}

// button returns the value of the button actionID in Block Kit blocks.
func button(blocks json.RawMessage, actionID string) (string, error) {
	var bs []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		return "", fmt.Errorf("blocks %s: %w", blocks, err)
	}
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.ActionID == actionID {
				return e.Value, nil
			}
		}
	}
	return "", fmt.Errorf("no button %q in %s", actionID, blocks)
}

// prompt types /endmeeting id as user and returns the blocks of the prompt
// the program posts, whose buttons click takes its values from.
func (br *botRun) prompt(ctx context.Context, user, id string) (json.RawMessage, error) {
	env, err := br.slack.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: channel, UserID: user, Text: id})
	if err != nil {
		return nil, err
	}
	p, err := br.slack.WaitResponsePosts(ctx, env.ResponseURL, 1)
	if err != nil {
		return nil, fmt.Errorf("no prompt: %w", err)
	}
	if p[0].Blocks == nil {
		return nil, fmt.Errorf("meeting %s: reply %q, want a prompt", id, p[0].Text)
	}
	return p[0].Blocks, nil
}

// click clicks the button actionID of prompt as user, with the value the
// program gave that button, and waits for n posts to the click's
// response_url.
func (br *botRun) click(ctx context.Context, user, actionID string, prompt json.RawMessage, n int) (slacktest.Envelope, []slacktest.ResponsePost, error) {
	value, err := button(prompt, actionID)
	if err != nil {
		return slacktest.Envelope{}, nil, err
	}
	env, err := br.slack.SendBlockAction(ctx, slacktest.BlockAction{ChannelID: channel, UserID: user, ActionID: actionID, Value: value, IsEphemeral: true})
	if err != nil {
		return env, nil, err
	}
	p, err := br.slack.WaitResponsePosts(ctx, env.ResponseURL, n)
	if err != nil {
		return env, nil, fmt.Errorf("click replies: %w", err)
	}
	return env, p, nil
}

// endPair types the command for meeting id, clicks End and waits for the
// result.
func (br *botRun) endPair(ctx context.Context, user, id string) error {
	prompt, err := br.prompt(ctx, user, id)
	if err != nil {
		return err
	}
	_, p, err := br.click(ctx, user, handlers.ActionEnd, prompt, 2)
	if err != nil {
		return err
	}
	if !strings.Contains(p[1].Text, "has ended") {
		return fmt.Errorf("meeting %s: result %q, want ended", id, p[1].Text)
	}
	return nil
}

// parallel runs job(0..n-1) on workers goroutines and returns the first error.
func parallel(n, workers int, job func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := job(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// durations are latencies.
type durations []time.Duration

// pct returns the p-th quantile (0 < p <= 1) by the nearest-rank method.
func (d durations) pct(p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(i, 0)]
}

func (d durations) max() time.Duration {
	if len(d) == 0 {
		return 0
	}
	return slices.Max(d)
}

func (d durations) over(limit time.Duration) int {
	n := 0
	for _, x := range d {
		if x >= limit {
			n++
		}
	}
	return n
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpu returns this process's user+system CPU time.
func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func endpoints(rs []meetingtest.Request) []meetingtest.Endpoint {
	var out []meetingtest.Endpoint
	for _, r := range rs {
		out = append(out, r.Endpoint)
	}
	return out
}
