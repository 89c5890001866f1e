//go:build linux

// Benchmarks for "prove it under load". Each runs a fixed workload per b.N
// iteration and reports its figures with b.ReportMetric; run them with
// -benchtime 1x (see BENCHMARKS.md). They assert counts (b.Fatal), never
// timings. Linux only: they read /proc/self/status and getrusage.

package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"meetingbot/bot/slacktest"
	"meetingbot/handlers"
	"meetingbot/meeting/meetingtest"
)

// benchWait bounds every wait of the benchmarks.
const benchWait = 30 * time.Second

// The "side" profiler label splits the process's CPU time between the
// program under test, the fakes and the benchmark's own driver. Goroutines
// inherit the labels of the goroutine that starts them, so every goroutine
// of run (slack-go's, net/http's client side) is "bot", and every goroutine
// of the fakes' servers is "fakes".
const (
	benchLabel  = "side"
	benchBotS   = "bot"
	benchFakesS = "fakes"
	benchDrvS   = "driver"
)

// benchLabelled runs f with the side label set to side; goroutines f starts
// keep it.
func benchLabelled(side string, f func()) {
	pprof.Do(context.Background(), pprof.Labels(benchLabel, side), func(context.Context) { f() })
}

const benchStrangerEmail = "eve@corp.example"

func benchMeetingID(i int) string { return fmt.Sprintf("91%07d", i) }

func benchMeeting(i int) meetingtest.Meeting {
	now := time.Now()
	return meetingtest.Meeting{
		ID: benchMeetingID(i), Subject: fmt.Sprintf("Load meeting %d", i), State: meetingtest.StateInProgress,
		Start: now.Add(-time.Hour).Truncate(time.Minute), End: now.Add(time.Hour).Truncate(time.Minute),
		ChairPassword: testChairPwd, GuestPassword: testGuestPwd,
	}
}

// benchCtx returns a context bounded by benchWait.
func benchCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), benchWait)
	tb.Cleanup(cancel)
	return ctx
}

// benchBot is the real program (run) against a fake Slack and a fake Huawei,
// as harness is for tests, but for benchmarks: production log settings
// (info, JSON) written to /dev/null, and the side labels.
type benchBot struct {
	tb     testing.TB
	slack  *slacktest.Server
	huawei *meetingtest.Server
	logs   *os.File
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

type benchOpts struct {
	env      map[string]string
	meetings int // meetings 0..meetings-1 in progress
	// setup runs after the fakes start and before the program does.
	setup func(*slacktest.Server, *meetingtest.Server)
}

func benchStart(tb testing.TB, o benchOpts) *benchBot {
	tb.Helper()
	bb := &benchBot{tb: tb, done: make(chan error, 1)}
	benchLabelled(benchFakesS, func() {
		bb.slack = slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken})
		bb.huawei = meetingtest.NewServer(meetingtest.Config{AppID: testAppID, AppKey: testAppKey})
	})
	bb.slack.AddChannel(channel, true)
	// stranger matches no admin rule; for the host rule (on by default with
	// App ID credentials) Slack gives their email and Huawei knows them, but
	// they host none of the meetings.
	bb.slack.AddUser(slacktest.User{ID: stranger, Name: "eve", Email: benchStrangerEmail})
	bb.huawei.AddUser(meetingtest.User{ID: benchStrangerEmail, Name: "Eve"})
	for i := range o.meetings {
		bb.huawei.AddMeeting(benchMeeting(i))
	}
	if o.setup != nil {
		o.setup(bb.slack, bb.huawei)
	}
	logs, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	bb.logs = logs
	env := map[string]string{
		"SLACK_BOT_TOKEN":         testBotToken,
		"SLACK_APP_TOKEN":         testAppToken,
		"SLACK_API_URL":           bb.slack.APIURL(),
		"HUAWEI_MEETING_ENDPOINT": bb.huawei.URL(),
		"HUAWEI_MEETING_APP_ID":   testAppID,
		"HUAWEI_MEETING_APP_KEY":  testAppKey,
		"ENDMEETING_ADMIN_USERS":  admin,
	}
	for k, v := range o.env {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	bb.cancel = cancel
	benchLabelled(benchBotS, func() {
		go func() {
			bb.done <- run(ctx, []string{"-env-file="}, func(k string) string { return env[k] }, strings.NewReader(""), logs, logs)
		}()
	})
	tb.Cleanup(bb.close)
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := bb.slack.WaitConnected(wctx); err != nil {
		tb.Fatalf("the bot did not connect: %v", err)
	}
	return bb
}

// stopBot ends the program (as SIGTERM does) and waits for it.
func (bb *benchBot) stopBot() {
	if bb.cancel == nil {
		return
	}
	bb.cancel()
	bb.cancel = nil
	select {
	case err := <-bb.done:
		if err != nil {
			bb.tb.Errorf("run returned %v, want nil", err)
		}
	case <-time.After(benchWait):
		bb.tb.Errorf("run did not return within %v of cancel", benchWait)
	}
}

// close stops the program and the fakes, and lets go of them: the testing
// package may keep the cleanup that calls close reachable for the rest of
// the run, and the fakes hold every request they saw.
func (bb *benchBot) close() {
	bb.once.Do(func() {
		bb.stopBot()
		bb.slack.Close()
		bb.huawei.Close()
		bb.logs.Close()
		bb.slack, bb.huawei = nil, nil
	})
}

// benchButton returns the value of the button actionID in Block Kit blocks.
func benchButton(blocks json.RawMessage, actionID string) (string, error) {
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

// benchPrompt types /endmeeting id as user and returns the End button's value.
func (bb *benchBot) benchPrompt(ctx context.Context, user, id string) (string, error) {
	env, err := bb.slack.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: channel, UserID: user, Text: id})
	if err != nil {
		return "", err
	}
	p, err := bb.slack.WaitResponsePosts(ctx, env.ResponseURL, 1)
	if err != nil {
		return "", fmt.Errorf("no prompt: %w", err)
	}
	return benchButton(p[0].Blocks, handlers.ActionEnd)
}

// benchClick clicks actionID on the prompt with value as user and waits for
// n posts to the click's response_url.
func (bb *benchBot) benchClick(ctx context.Context, user, actionID, value string, n int) (slacktest.Envelope, []slacktest.ResponsePost, error) {
	env, err := bb.slack.SendBlockAction(ctx, slacktest.BlockAction{ChannelID: channel, UserID: user, ActionID: actionID, Value: value, IsEphemeral: true})
	if err != nil {
		return env, nil, err
	}
	p, err := bb.slack.WaitResponsePosts(ctx, env.ResponseURL, n)
	if err != nil {
		return env, nil, fmt.Errorf("click replies: %w", err)
	}
	return env, p, nil
}

// benchEndPair types the command for meeting id, clicks End and waits for
// the result.
func (bb *benchBot) benchEndPair(ctx context.Context, user, id string) error {
	value, err := bb.benchPrompt(ctx, user, id)
	if err != nil {
		return err
	}
	_, p, err := bb.benchClick(ctx, user, handlers.ActionEnd, value, 2)
	if err != nil {
		return err
	}
	if !strings.Contains(p[1].Text, "has ended") {
		return fmt.Errorf("meeting %s: result %q, want ended", id, p[1].Text)
	}
	return nil
}

// benchParallel runs job(0..n-1) on workers goroutines and returns the first error.
func benchParallel(n, workers int, job func(i int) error) error {
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

// benchDurations are latencies.
type benchDurations []time.Duration

// pct returns the p-th quantile (0 < p <= 1) by the nearest-rank method.
func (d benchDurations) pct(p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(i, 0)]
}

func (d benchDurations) max() time.Duration {
	if len(d) == 0 {
		return 0
	}
	return slices.Max(d)
}

func (d benchDurations) over(limit time.Duration) int {
	n := 0
	for _, x := range d {
		if x >= limit {
			n++
		}
	}
	return n
}

func benchMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ---------------------------------------------------------------------------
// 1. Ack latency.

const (
	ackEnvelopes = 1000
	ackRate      = 200 // per second
	ackMeetings  = 20
)

// benchMixedCommand is envelope i of the ack load: 70% an admin with a meeting
// ID (Huawei work, then a prompt), 20% a user who may not end it (the host
// rule reads the meeting as them, then a reply without buttons), 10% "help"
// (answered in the ack itself).
func benchMixedCommand(i int) slacktest.SlashCommand {
	switch i % 10 {
	case 9:
		return slacktest.SlashCommand{ChannelID: channel, UserID: admin, Text: "help"}
	case 2, 6:
		return slacktest.SlashCommand{ChannelID: channel, UserID: stranger, Text: benchMeetingID(i % ackMeetings)}
	}
	return slacktest.SlashCommand{ChannelID: channel, UserID: admin, Text: benchMeetingID(i % ackMeetings)}
}

// benchHelpCommand is envelope i of the diagnostic load: "help" only,
// answered in the ack, so that the program does no work after its acks.
func benchHelpCommand(int) slacktest.SlashCommand {
	return slacktest.SlashCommand{ChannelID: channel, UserID: admin, Text: "help"}
}

// benchPace sends the n slash commands cmd(from), cmd(from+1), …, at ackRate
// per second, paced by a ticker, and returns their envelopes.
func benchPace(tb testing.TB, srv *slacktest.Server, cmd func(i int) slacktest.SlashCommand, from, n int) []slacktest.Envelope {
	tb.Helper()
	ctx := benchCtx(tb)
	tick := time.NewTicker(time.Second / ackRate)
	defer tick.Stop()
	envs := make([]slacktest.Envelope, 0, n)
	benchLabelled(benchDrvS, func() {
		for i := from; i < from+n; i++ {
			select {
			case <-tick.C:
			case <-ctx.Done():
				tb.Fatalf("pacing: %v after %d envelopes", ctx.Err(), i)
			}
			env, err := srv.SendSlashCommand(ctx, cmd(i))
			if err != nil {
				tb.Fatalf("envelope %d: %v", i, err)
			}
			envs = append(envs, env)
		}
	})
	return envs
}

// benchAcks waits for the envelopes' acks and returns AckedAt-SentAt for
// each, and the acks.
func benchAcks(tb testing.TB, srv *slacktest.Server, envs []slacktest.Envelope) (benchDurations, map[string]slacktest.Ack) {
	tb.Helper()
	ctx := benchCtx(tb)
	for _, e := range envs {
		if _, err := srv.WaitAck(ctx, e.ID); err != nil {
			tb.Fatalf("ack of %s: %v", e.ID, err)
		}
	}
	acks := map[string]slacktest.Ack{}
	for _, a := range srv.Acks() {
		if _, dup := acks[a.EnvelopeID]; !dup {
			acks[a.EnvelopeID] = a
		}
	}
	if d := srv.DuplicateAcks(); len(d) > 0 {
		tb.Fatalf("%d envelopes acked twice", len(d))
	}
	lat := make(benchDurations, 0, len(envs))
	for _, e := range envs {
		a := acks[e.ID]
		lat = append(lat, a.AckedAt.Sub(a.SentAt))
	}
	return lat, acks
}

// benchAckTarget is one program under the ack load, behind its own fake
// Slack, with the latencies of its acks so far.
type benchAckTarget struct {
	srv *slacktest.Server
	cmd func(i int) slacktest.SlashCommand
	// replies says whether the program answers after its acks (meetingbot
	// does; the floor does not): block then waits for and checks each reply.
	replies bool
	lat     benchDurations
	// cpu is this process's CPU time over the target's blocks.
	cpu time.Duration
	// stop stops the program and its fakes.
	stop func()
}

// block sends the target envelopes from..from+n-1, waits for their acks and,
// for meetingbot, for the replies that follow: so the target's work is over
// when block returns.
func (t *benchAckTarget) block(tb testing.TB, from, n int) {
	tb.Helper()
	cpu0 := benchCPU()
	envs := benchPace(tb, t.srv, t.cmd, from, n)
	lat, acks := benchAcks(tb, t.srv, envs)
	t.lat = append(t.lat, lat...)
	if t.replies {
		ctx := benchCtx(tb)
		for k, e := range envs {
			i := from + k
			c := t.cmd(i)
			if c.Text == "help" {
				if acks[e.ID].Payload == nil {
					tb.Fatalf("help was not answered in the ack")
				}
				continue
			}
			p, err := t.srv.WaitResponsePosts(ctx, e.ResponseURL, 1)
			if err != nil {
				tb.Fatalf("reply to envelope %d: %v", i, err)
			}
			if (c.UserID == admin) != (p[0].Blocks != nil) {
				tb.Fatalf("envelope %d from %s: reply %q", i, c.UserID, p[0].Text)
			}
		}
	}
	t.cpu += benchCPU() - cpu0
}

// ackBlock is how many envelopes a target gets in a row before the next one
// takes its turn: ackEnvelopes/ackBlock rounds, a multiple of 4.
const ackBlock = 125

// benchInterleave gives every target ackEnvelopes envelopes, in blocks of
// ackBlock that take turns, so that the machine's drift over the run (other
// load, frequency, the host's neighbours) falls on all targets alike instead
// of on whichever ran during it. Only one target has work at any time. The
// orders of the rounds form a Williams square: each target comes at each
// place, and right after each other target, equally often, so that what one
// target leaves behind (garbage, work in the fakes) falls on all the others
// alike, not on the one that happens to follow it.
func benchInterleave(tb testing.TB, ts ...*benchAckTarget) {
	tb.Helper()
	orders := benchWilliams(len(ts))
	rounds := ackEnvelopes / ackBlock
	if len(ts)%2 != 0 || rounds%len(ts) != 0 {
		tb.Fatalf("%d targets over %d rounds: want an even number of targets that divides the rounds", len(ts), rounds)
	}
	for r := range rounds {
		for _, k := range orders[r%len(ts)] {
			ts[k].block(tb, r*ackBlock, ackBlock)
		}
	}
}

// benchWilliams returns a Williams square of even order n: n orders of
// 0..n-1 in which each number comes at each place once and right after each
// other number once. Row i is the row 0, 1, n-1, 2, n-2, … plus i, mod n.
func benchWilliams(n int) [][]int {
	first := []int{0}
	for lo, hi := 1, n-1; len(first) < n; lo, hi = lo+1, hi-1 {
		first = append(first, lo)
		if len(first) < n {
			first = append(first, hi)
		}
	}
	rows := make([][]int, n)
	for i := range rows {
		rows[i] = make([]int, n)
		for k, v := range first {
			rows[i][k] = (v + i) % n
		}
	}
	return rows
}

// benchStartFloor starts, in this process, the least a slack-go Socket Mode
// program can do: ack every envelope at once, empty; under the mixed load.
func benchStartFloor(tb testing.TB) *benchAckTarget {
	tb.Helper()
	var srv *slacktest.Server
	benchLabelled(benchFakesS, func() {
		srv = slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken})
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	benchLabelled(benchBotS, func() {
		go func() { done <- benchFloorProgram(ctx, testBotToken, testAppToken, srv.APIURL()) }()
	})
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil { // it waits benchWait at most
				tb.Errorf("the floor program: %v", err)
			}
			srv.Close()
		})
	}
	tb.Cleanup(stop)
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := srv.WaitConnected(wctx); err != nil {
		tb.Fatalf("the floor program did not connect: %v", err)
	}
	return &benchAckTarget{srv: srv, cmd: benchMixedCommand, stop: stop}
}

// benchStartBotTarget starts meetingbot in this process (a healthy Huawei)
// for the load cmd, logged in and with its connections open.
func benchStartBotTarget(tb testing.TB, cmd func(i int) slacktest.SlashCommand) *benchAckTarget {
	tb.Helper()
	bb := benchStart(tb, benchOpts{meetings: ackMeetings})
	if _, err := bb.benchPrompt(benchCtx(tb), admin, benchMeetingID(0)); err != nil {
		tb.Fatal(err)
	}
	return &benchAckTarget{srv: bb.slack, cmd: cmd, replies: true, stop: bb.close}
}

// benchSlowHuaweiAcks runs the load while every confDetail answer takes 10 s.
// It returns the latencies and how many acks said "busy".
func benchSlowHuaweiAcks(tb testing.TB) (benchDurations, int) {
	tb.Helper()
	bb := benchStart(tb, benchOpts{meetings: ackMeetings, setup: func(_ *slacktest.Server, h *meetingtest.Server) {
		h.InjectFault(meetingtest.EndpointConfDetail, 1_000_000, meetingtest.Fault{Delay: 10 * time.Second})
	}})
	defer bb.close() // the program drains for up to 10 s, then cancels the work
	envs := benchPace(tb, bb.slack, benchMixedCommand, 0, ackEnvelopes)
	lat, acks := benchAcks(tb, bb.slack, envs)
	// Every ack came while Huawei was still holding the first confDetail:
	// no admin has had a reply yet (denied users may have).
	if bb.huawei.Count(meetingtest.EndpointConfDetail) == 0 {
		tb.Fatal("no confDetail request reached Huawei")
	}
	for i, e := range envs {
		if c := benchMixedCommand(i); c.UserID != admin || c.Text == "help" {
			continue
		}
		if p := bb.slack.ResponsePosts(e.ResponseURL); len(p) > 0 {
			tb.Fatalf("envelope %d was answered (%q) before Huawei did", i, p[0].Text)
		}
	}
	busy := 0
	for _, a := range acks {
		if bytes.Contains(a.Payload, []byte("busy")) {
			busy++
		}
	}
	return lat, busy
}

// BenchmarkAckLatency sends 1 000 /endmeeting envelopes at 200 per second
// and measures, for each, the time from the envelope's write to its ack
// arriving at the fake Slack: for a minimal slack-go program (the floor),
// for meetingbot, for meetingbot with "help" only (no work after the acks:
// a diagnostic), for a second floor program (a control: the ratio of two
// identical programs' p99s shows the noise of the measurement), and, after
// those four taking turns (benchInterleave), for meetingbot while Huawei
// answers confDetail after 10 s.
func BenchmarkAckLatency(b *testing.B) {
	var f benchAckFigures
	var slow benchDurations
	busy := 0
	for range b.N {
		f.run(b, benchStartFloor(b), benchStartBotTarget(b, benchMixedCommand), benchStartFloor(b), benchStartBotTarget(b, benchHelpCommand))
		s, n := benchSlowHuaweiAcks(b)
		slow, busy = append(slow, s...), busy+n
	}
	f.report(b)
	b.ReportMetric(benchMS(slow.pct(0.99)), "slowhw-p99-ms")
	b.ReportMetric(benchMS(slow.max()), "slowhw-max-ms")
	b.ReportMetric(float64(slow.over(3*time.Second)+f.bot.over(3*time.Second)), "acks>=3s")
	b.ReportMetric(float64(busy), "slowhw-busy-acks")
}

// benchAckFigures gathers the latencies of the four interleaved targets of
// the ack benchmarks over their workloads.
type benchAckFigures struct{ floor, bot, again, help benchDurations }

// run gives one workload to the floor, meetingbot, the control floor and
// help-only meetingbot (benchInterleave), stops them, and keeps their
// latencies.
func (f *benchAckFigures) run(tb testing.TB, floor, bot, again, help *benchAckTarget) {
	tb.Helper()
	benchInterleave(tb, floor, bot, again, help)
	for _, t := range []*benchAckTarget{floor, bot, again, help} {
		t.stop()
	}
	f.floor, f.bot = append(f.floor, floor.lat...), append(f.bot, bot.lat...)
	f.again, f.help = append(f.again, again.lat...), append(f.help, help.lat...)
}

func (f *benchAckFigures) report(b *testing.B) {
	b.ReportMetric(benchMS(f.bot.pct(0.5)), "p50-ms")
	b.ReportMetric(benchMS(f.bot.pct(0.99)), "p99-ms")
	b.ReportMetric(benchMS(f.bot.max()), "max-ms")
	b.ReportMetric(benchMS(f.floor.pct(0.5)), "floor-p50-ms")
	b.ReportMetric(benchMS(f.floor.pct(0.99)), "floor-p99-ms")
	b.ReportMetric(benchMS(f.floor.max()), "floor-max-ms")
	b.ReportMetric(float64(f.bot.pct(0.99))/float64(f.floor.pct(0.99)), "p99/floor-p99")
	b.ReportMetric(float64(f.again.pct(0.99))/float64(f.floor.pct(0.99)), "floor-again-p99/floor-p99")
	b.ReportMetric(benchMS(f.help.pct(0.5)), "helponly-p50-ms")
	b.ReportMetric(benchMS(f.help.pct(0.99)), "helponly-p99-ms")
	b.ReportMetric(float64(f.help.pct(0.99))/float64(f.floor.pct(0.99)), "helponly-p99/floor-p99")
}

// ---------------------------------------------------------------------------
// 1b. Ack latency with the fakes in another process.
//
// BenchmarkAckLatency runs the program, the fakes and the driver in one
// process on the same cores, so a slow ack may be the fakes' doing.
// BenchmarkAckLatencySeparateProcess runs the program under test (the floor
// or meetingbot) in a child process, the test binary re-executed with
// benchRoleEnv set, meetingbot's fake Huawei in another, and keeps the fake
// Slack and the driver in the benchmark's process. The processes share the
// machine's cores, as before, but no longer a Go scheduler, a heap or a
// garbage collector, as Slack, Huawei and the bot do not in production.

// benchRoleEnv, when set in the environment of the test binary, makes it run
// one program under test instead of the tests: benchRoleFloor or
// benchRoleBot. The child stops on SIGTERM, SIGINT or when its standard
// input is closed (the parent closes it, or dies).
const (
	benchRoleEnv   = "MEETINGBOT_BENCH_ROLE"
	benchRoleFloor = "floor"
	benchRoleBot   = "program"
	// benchRoleHuawei runs benchHuaweiServer and prints benchURLLine and
	// its URL on a line of standard output.
	benchRoleHuawei = "huawei"
	benchURLLine    = "huawei-url="
)

// TestMain runs the tests, or, in a benchmark's child process, the program
// under test.
func TestMain(m *testing.M) {
	if role := os.Getenv(benchRoleEnv); role != "" {
		os.Exit(benchChildMain(role))
	}
	os.Exit(m.Run())
}

// benchChildMain is the child process: role's program with the settings in
// the environment, until SIGTERM or the end of standard input.
func benchChildMain(role string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	var err error
	switch role {
	case benchRoleFloor:
		err = benchFloorProgram(ctx, os.Getenv("SLACK_BOT_TOKEN"), os.Getenv("SLACK_APP_TOKEN"), os.Getenv("SLACK_API_URL"))
	case benchRoleHuawei:
		h := benchHuaweiServer()
		defer h.Close()
		fmt.Printf("%s%s\n", benchURLLine, h.URL())
		<-ctx.Done()
	case benchRoleBot:
		usr1 := make(chan os.Signal, 1)
		signal.Notify(usr1, syscall.SIGUSR1)
		go func() { // ends with the process
			for range usr1 {
				heap, rss := benchMem()
				fmt.Printf("%s%d %d\n", benchMemLine, heap, rss)
			}
		}()
		logs, oerr := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if oerr != nil {
			err = oerr
			break
		}
		defer logs.Close()
		err = run(ctx, []string{"-env-file="}, os.Getenv, strings.NewReader(""), logs, logs)
	default:
		err = fmt.Errorf("unknown %s %q", benchRoleEnv, role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s=%s: %v\n", benchRoleEnv, role, err)
		return 1
	}
	return 0
}

// benchFloorProgram is the floor: ack every envelope at once, empty, until
// ctx ends. benchStartFloor runs it in this process, benchRoleFloor in a
// child, so that both benchmarks measure the same floor.
func benchFloorProgram(ctx context.Context, botToken, appToken, apiURL string) error {
	client := socketmode.New(slack.New(botToken, slack.OptionAppLevelToken(appToken), slack.OptionAPIURL(apiURL)))
	runDone := make(chan error, 1)
	go func() { runDone <- client.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			select {
			case <-runDone:
			case <-time.After(benchWait):
				return errors.New("the socketmode client did not stop")
			}
			return nil
		case err := <-runDone:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("socketmode: %v", err)
		case evt := <-client.Events:
			if evt.Request != nil && evt.Request.EnvelopeID != "" {
				_ = client.Ack(*evt.Request)
			}
		}
	}
}

// benchChild is a program under test running in a child process.
type benchChild struct {
	tb     testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *syncBuffer // the child's standard output and error: its logs go to /dev/null
	exited chan error
	once   sync.Once
	cpu    time.Duration // the child's user + system time, once it has exited
}

// benchStartChild starts the test binary as role with env (and the
// parent's environment without the program's settings). The child is
// killed by the cleanup if it has not stopped, and when the parent dies.
func benchStartChild(tb testing.TB, role string, env map[string]string) *benchChild {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "SLACK_"), strings.HasPrefix(k, "HUAWEI_"), strings.HasPrefix(k, "ENDMEETING_"),
			strings.HasPrefix(k, "MEETINGBOT_"), k == "LOG_LEVEL", k == "LOG_FORMAT":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, benchRoleEnv+"="+role)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &benchChild{tb: tb, cmd: cmd, out: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = c.out, c.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	c.stdin = stdin
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting the %s child: %v", role, err)
	}
	go func() { c.exited <- cmd.Wait() }()
	tb.Cleanup(c.stop)
	return c
}

// stop closes the child's standard input (it stops as on SIGTERM), waits
// for it to exit, and kills it if it has not within benchWait.
func (c *benchChild) stop() {
	c.once.Do(func() {
		_ = c.stdin.Close()
		var err error
		select {
		case err = <-c.exited:
		case <-time.After(benchWait):
			_ = c.cmd.Process.Kill()
			<-c.exited
			c.tb.Errorf("the child did not stop within %v; killed\n%s", benchWait, c.out.String())
			return
		}
		if err != nil {
			c.tb.Errorf("the child exited: %v\n%s", err, c.out.String())
		}
		if ps := c.cmd.ProcessState; ps != nil {
			c.cpu = ps.UserTime() + ps.SystemTime()
		}
	})
}

// benchWaitChild waits for the child to connect to srv.
func benchWaitChild(tb testing.TB, c *benchChild, srv *slacktest.Server) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitConnected(ctx); err != nil {
		c.stop()
		tb.Fatalf("the child did not connect: %v\n%s", err, c.out.String())
	}
}

// benchStartSepFloor is benchStartFloor with the floor in a child process.
func benchStartSepFloor(tb testing.TB) *benchAckTarget {
	tb.Helper()
	srv := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken})
	tb.Cleanup(srv.Close)
	c := benchStartChild(tb, benchRoleFloor, map[string]string{
		"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken, "SLACK_API_URL": srv.APIURL(),
	})
	benchWaitChild(tb, c, srv)
	return &benchAckTarget{srv: srv, cmd: benchMixedCommand, stop: func() { c.stop(); srv.Close() }}
}

// benchStartSepBot is benchStartBotTarget with meetingbot in a child
// process. After stop, *childCPU holds the child's CPU time over its life.
func benchStartSepBot(tb testing.TB, cmd func(i int) slacktest.SlashCommand, childCPU *time.Duration) *benchAckTarget {
	tb.Helper()
	s := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken})
	tb.Cleanup(s.Close)
	s.AddChannel(channel, true)
	s.AddUser(slacktest.User{ID: stranger, Name: "eve", Email: benchStrangerEmail})
	hc := benchStartChild(tb, benchRoleHuawei, nil)
	hURL := benchChildURL(tb, hc)
	c := benchStartChild(tb, benchRoleBot, map[string]string{
		"SLACK_BOT_TOKEN":         testBotToken,
		"SLACK_APP_TOKEN":         testAppToken,
		"SLACK_API_URL":           s.APIURL(),
		"HUAWEI_MEETING_ENDPOINT": hURL,
		"HUAWEI_MEETING_APP_ID":   testAppID,
		"HUAWEI_MEETING_APP_KEY":  testAppKey,
		"ENDMEETING_ADMIN_USERS":  admin,
	})
	stop := func() {
		c.stop()
		*childCPU = c.cpu
		s.Close()
		hc.stop()
	}
	benchWaitChild(tb, c, s)
	bb := &benchBot{tb: tb, slack: s}
	if _, err := bb.benchPrompt(benchCtx(tb), admin, benchMeetingID(0)); err != nil { // log in, open connections
		stop()
		tb.Fatalf("%v\n%s", err, c.out.String())
	}
	return &benchAckTarget{srv: s, cmd: cmd, replies: true, stop: stop}
}

// BenchmarkAckLatencySeparateProcess is BenchmarkAckLatency's floor,
// meetingbot, help-only and control targets (not the slow Huawei phase)
// with each program under test in a child process, and each meetingbot's
// fake Huawei in one more. Latency is still measured by the fake Slack, in this process
// (Ack.AckedAt - Ack.SentAt), so the two clocks are one.
func BenchmarkAckLatencySeparateProcess(b *testing.B) {
	var f benchAckFigures
	var botCPU, fakesCPU time.Duration
	for range b.N {
		var cc, ignored time.Duration
		bt := benchStartSepBot(b, benchMixedCommand, &cc)
		f.run(b, benchStartSepFloor(b), bt, benchStartSepFloor(b), benchStartSepBot(b, benchHelpCommand, &ignored))
		botCPU, fakesCPU = botCPU+cc, fakesCPU+bt.cpu
	}
	f.report(b)
	b.ReportMetric(float64(f.bot.over(3*time.Second)), "acks>=3s")
	b.ReportMetric(float64(botCPU.Milliseconds())/float64(b.N), "bot-cpu-ms")
	b.ReportMetric(float64(fakesCPU.Milliseconds())/float64(b.N), "fakes+driver-cpu-ms")
}

// ---------------------------------------------------------------------------
// 2. Click path.

const clickPairs = 200

// BenchmarkClickPath types the command, then clicks End, clickPairs times
// in a row (one meeting each). The click must make exactly one Huawei
// request, the stop. It reports the time from the click's envelope to the
// result replacing the prompt, and, for comparison, the fake Huawei's stop
// timed from a plain HTTP client.
func BenchmarkClickPath(b *testing.B) {
	var click, preStop, ending, direct benchDurations
	for range b.N {
		bb := benchStart(b, benchOpts{meetings: 2 * clickPairs})
		ctx := benchCtx(b)
		benchLabelled(benchDrvS, func() {
			for i := range clickPairs {
				id := benchMeetingID(i)
				value, err := bb.benchPrompt(ctx, admin, id)
				if err != nil {
					b.Fatal(err)
				}
				before := len(bb.huawei.Requests())
				env, p, err := bb.benchClick(ctx, admin, handlers.ActionEnd, value, 2)
				if err != nil {
					b.Fatal(err)
				}
				if !strings.Contains(p[1].Text, "has ended") {
					b.Fatalf("meeting %s: result %q", id, p[1].Text)
				}
				if _, err := bb.slack.WaitMessages(ctx, i+1); err != nil {
					b.Fatal(err)
				}
				after := bb.huawei.Requests()[before:]
				if len(after) != 1 || after[0].Endpoint != meetingtest.EndpointStop {
					b.Fatalf("click %d: Huawei requests %v, want exactly one stop", i, endpoints(after))
				}
				click = append(click, p[1].At.Sub(env.SentAt))
				ending = append(ending, p[0].At.Sub(env.SentAt))
				preStop = append(preStop, after[0].At.Sub(env.SentAt))
			}
			for i := clickPairs; i < 2*clickPairs; i++ {
				d, err := benchDirectStop(ctx, bb.huawei.URL(), benchMeetingID(i))
				if err != nil {
					b.Fatal(err)
				}
				direct = append(direct, d)
			}
		})
		bb.close()
	}
	b.ReportMetric(benchMS(click.pct(0.5)), "click-p50-ms")
	b.ReportMetric(benchMS(click.pct(0.99)), "click-p99-ms")
	b.ReportMetric(benchMS(ending.pct(0.5)), "ending-post-p50-ms")
	b.ReportMetric(benchMS(preStop.pct(0.5)), "stop-sent-p50-ms")
	b.ReportMetric(benchMS(direct.pct(0.5)), "direct-stop-p50-ms")
	b.ReportMetric(benchMS(direct.pct(0.99)), "direct-stop-p99-ms")
	b.ReportMetric(1, "huawei-req/click") // any other count is a b.Fatal above
}

var benchHTTP = &http.Client{Timeout: 10 * time.Second}

// benchDirectStop fetches a control token for meeting id from the fake
// Huawei with the host password, then times one stop request.
func benchDirectStop(ctx context.Context, base, id string) (time.Duration, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/mmc/control/conferences/token?conferenceID="+id, nil)
	req.Header.Set("X-Password", testChairPwd)
	req.Header.Set("X-Login-Type", "1")
	resp, err := benchHTTP.Do(req)
	if err != nil {
		return 0, err
	}
	var ans struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&ans)
	resp.Body.Close()
	if err != nil || ans.Data.Token == "" {
		return 0, fmt.Errorf("control token for %s: status %d, %v", id, resp.StatusCode, err)
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPut, base+"/v1/mmc/control/conferences/stop?conferenceID="+id, nil)
	req.Header.Set("X-Conference-Authorization", ans.Data.Token)
	start := time.Now()
	resp, err = benchHTTP.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("stop %s: status %d", id, resp.StatusCode)
	}
	return d, nil
}

// ---------------------------------------------------------------------------
// 3. Huawei calls.

const (
	callCommands = 200
	callMeetings = 20
)

// BenchmarkHuaweiCalls sends callCommands commands by an admin for
// callMeetings meetings at once to a freshly started program and counts
// the Huawei calls: one log-in, one control-token fetch per meeting.
func BenchmarkHuaweiCalls(b *testing.B) {
	var auth, ctlMax, detail int
	var prompt benchDurations
	for range b.N {
		bb := benchStart(b, benchOpts{meetings: callMeetings})
		ctx := benchCtx(b)
		envs := make([]slacktest.Envelope, callCommands)
		errs := make([]error, callCommands)
		benchLabelled(benchDrvS, func() {
			var wg sync.WaitGroup
			for i := range callCommands {
				wg.Go(func() {
					envs[i], errs[i] = bb.slack.SendSlashCommand(ctx, slacktest.SlashCommand{ChannelID: channel, UserID: admin, Text: benchMeetingID(i % callMeetings)})
				})
			}
			wg.Wait()
		})
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
		for i, e := range envs {
			p, err := bb.slack.WaitResponsePosts(ctx, e.ResponseURL, 1)
			if err != nil {
				b.Fatalf("command %d: %v", i, err)
			}
			if p[0].Blocks == nil {
				b.Fatalf("command %d: reply %q, want a prompt", i, p[0].Text)
			}
			prompt = append(prompt, p[0].At.Sub(e.SentAt))
		}
		auth = bb.huawei.Count(meetingtest.EndpointAppAuth)
		detail = bb.huawei.Count(meetingtest.EndpointConfDetail)
		per := map[string]int{}
		for _, r := range bb.huawei.Requests() {
			if r.Endpoint == meetingtest.EndpointControlToken {
				per[r.Query.Get("conferenceID")]++
			}
		}
		ctlMax = 0
		for i := range callMeetings {
			n := per[benchMeetingID(i)]
			if n != 1 {
				b.Errorf("meeting %s: %d control-token fetches, want 1", benchMeetingID(i), n)
			}
			ctlMax = max(ctlMax, n)
		}
		if auth != 1 {
			b.Errorf("log-ins (appauth) = %d, want 1", auth)
		}
		if b.Failed() {
			b.FailNow()
		}
		bb.close()
	}
	b.ReportMetric(float64(auth), "auth-calls")
	b.ReportMetric(float64(ctlMax), "ctl-fetches/meeting")
	b.ReportMetric(float64(detail), "confdetail-calls")
	b.ReportMetric(benchMS(prompt.pct(0.5)), "prompt-p50-ms")
	b.ReportMetric(benchMS(prompt.pct(0.99)), "prompt-p99-ms")
}

// ---------------------------------------------------------------------------
// 4. Cost of a command and its click.

const (
	costPairs       = 500 // command + End click, for CPU and allocations
	costProfPairs   = 200 // the same, with every allocation profiled
	costWarm        = 10
	costWorkers     = 4
	memCommands     = 10_000 // command + Cancel click, for memory
	memWorkers      = 8
	memMeetings     = 20
	memWorkspaceAdm = 500
	// benchSweptAfter is a wait after which every claim (61 s) and user
	// look-up (1 min) of benchMemory has expired and been swept (once a
	// minute).
	benchSweptAfter = 2*time.Minute + 10*time.Second
)

// benchCPU returns the process's user+system CPU time.
func benchCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchMem collects garbage, returns what it can to the OS, and reports
// HeapInuse and VmRSS in bytes.
//
// It collects until the heap stops shrinking (at most 5 rounds): what a
// finalizer holds is freed only by a collection after the finalizer ran.
func benchMem() (heap, rss uint64) {
	var ms runtime.MemStats
	for round := range 5 {
		debug.FreeOSMemory()
		runtime.ReadMemStats(&ms)
		if round > 0 && ms.HeapInuse >= heap {
			break
		}
		heap = ms.HeapInuse
		time.Sleep(20 * time.Millisecond) // let finalizers and the goroutines they stop run
	}
	return heap, benchRSS()
}

func benchRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchPort returns the port of a http://127.0.0.1:port/… URL.
func benchPort(u string) int {
	u = strings.TrimPrefix(u, "http://127.0.0.1:")
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[:i]
	}
	port, _ := strconv.Atoi(u)
	return port
}

// benchTimeWait counts the TCP connections to 127.0.0.1:port in TIME_WAIT
// on the client's side: connections a client opened and then closed first,
// within the last minute. A client that keeps its connections open for
// reuse leaves none.
func benchTimeWait(port int) int {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0
	}
	want := fmt.Sprintf("0100007F:%04X", port)
	n := 0
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 3 && f[2] == want && f[3] == "06" { // rem_address, st: TIME_WAIT
			n++
		}
	}
	return n
}

func benchMB(b uint64) float64 { return float64(b) / (1 << 20) }

// BenchmarkCommandClickCost measures what a command and its click cost the
// process: CPU time and allocations per pair (the fakes run in this
// process; the side labels and an allocation profile split the cost), then
// memory after memCommands commands and once their prompts have expired.
func BenchmarkCommandClickCost(b *testing.B) {
	for range b.N {
		benchPairCost(b)
		benchMemory(b)
	}
}

// benchPairCost reports CPU time and allocations per command+End pair.
func benchPairCost(b *testing.B) {
	bb := benchStart(b, benchOpts{meetings: costWarm + costPairs + costWarm + costProfPairs})
	defer bb.close()
	ctx := benchCtx(b)
	next := 0
	pairs := func(n int) {
		first := next
		next += n
		benchLabelled(benchDrvS, func() {
			if err := benchParallel(n, costWorkers, func(i int) error {
				return bb.benchEndPair(ctx, admin, benchMeetingID(first+i))
			}); err != nil {
				b.Fatal(err)
			}
			if _, err := bb.slack.WaitMessages(ctx, next); err != nil {
				b.Fatal(err)
			}
		})
	}
	pairs(costWarm) // log in, open connections

	slackPort, huaweiPort := benchPort(bb.slack.APIURL()), benchPort(bb.huawei.URL())
	slackTW0, huaweiTW0 := benchTimeWait(slackPort), benchTimeWait(huaweiPort)
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := benchCPU()
	prof := benchStartCPUProfile()
	pairs(costPairs)
	split := prof.stop()
	cpu1 := benchCPU()
	runtime.ReadMemStats(&m1)
	slackTW, huaweiTW := benchTimeWait(slackPort)-slackTW0, benchTimeWait(huaweiPort)-huaweiTW0

	per := func(x float64) float64 { return x / costPairs }
	b.ReportMetric(per(float64((cpu1 - cpu0).Microseconds())), "cpu-us/pair")
	if split != nil {
		for _, side := range []string{benchBotS, benchFakesS, benchDrvS, ""} {
			name := side
			if name == "" {
				name = "unlabelled"
			}
			b.ReportMetric(per(float64(split[side].Microseconds())), "cpu-"+name+"-us/pair")
		}
	}
	b.ReportMetric(per(float64(slackTW)), "slack-conns-closed/pair")
	b.ReportMetric(per(float64(huaweiTW)), "huawei-conns-closed/pair")
	b.ReportMetric(per(float64(m1.Mallocs-m0.Mallocs)), "allocs/pair")
	b.ReportMetric(per(float64(m1.TotalAlloc-m0.TotalAlloc))/1024, "alloc-KB/pair")

	// The split of allocations: profile every allocation of costProfPairs
	// more pairs and attribute each by its stack.
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = old }()
	pairs(costWarm) // lets every P pick up the new rate
	runtime.GC()
	before := benchAllocProfile()
	pairs(costProfPairs)
	runtime.GC()
	after := benchAllocProfile()
	runtime.MemProfileRate = old
	bySide := map[string][2]int64{}
	for stk, n := range after {
		side := benchAllocSide(stk)
		v, was := bySide[side], before[stk]
		bySide[side] = [2]int64{v[0] + n[0] - was[0], v[1] + n[1] - was[1]}
	}
	for _, side := range []string{benchBotS, benchFakesS, benchDrvS, "other"} {
		b.ReportMetric(float64(bySide[side][0])/costProfPairs, "allocs-"+side+"/pair")
		b.ReportMetric(float64(bySide[side][1])/costProfPairs/1024, "alloc-"+side+"-KB/pair")
	}
}

// benchMemory reports the program's heap and RSS after memCommands
// command+Cancel pairs, and after their prompts have expired. The program
// runs in a child process (benchRoleBot) and measures itself on SIGUSR1
// (benchChildMem), so that the fakes' records, which grow with every
// request, stay out of its figures.
func benchMemory(b *testing.B) {
	s := slacktest.NewServer(slacktest.Config{BotToken: testBotToken, AppToken: testAppToken})
	defer s.Close()
	h := meetingtest.NewServer(meetingtest.Config{AppID: testAppID, AppKey: testAppKey})
	defer h.Close()
	s.AddChannel(channel, true)
	for i := range memWorkspaceAdm {
		s.AddUser(slacktest.User{ID: fmt.Sprintf("U0WS%04d", i), Name: fmt.Sprintf("wsadmin%d", i), IsAdmin: true})
	}
	for i := range memMeetings {
		h.AddMeeting(benchMeeting(i))
	}
	c := benchStartChild(b, benchRoleBot, map[string]string{
		"SLACK_BOT_TOKEN":                   testBotToken,
		"SLACK_APP_TOKEN":                   testAppToken,
		"SLACK_API_URL":                     s.APIURL(),
		"HUAWEI_MEETING_ENDPOINT":           h.URL(),
		"HUAWEI_MEETING_APP_ID":             testAppID,
		"HUAWEI_MEETING_APP_KEY":            testAppKey,
		"ENDMEETING_ADMIN_USERS":            admin,
		"ENDMEETING_CONFIRM_TIMEOUT":        "1s",
		"ENDMEETING_ALLOW_WORKSPACE_ADMINS": "true",
	})
	defer c.stop()
	benchWaitChild(b, c, s)
	startHeap, startRSS := benchChildMem(b, c)
	bb := &benchBot{tb: b, slack: s, huawei: h}
	user := func(i int) string {
		if i%2 == 0 {
			return admin
		}
		return fmt.Sprintf("U0WS%04d", (i/2)%memWorkspaceAdm)
	}
	var expired, cancelled int
	var mu sync.Mutex
	pairs := func(first, n int) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*benchWait)
		defer cancel()
		if err := benchParallel(n, memWorkers, func(i int) error {
			i += first
			value, err := bb.benchPrompt(ctx, user(i), benchMeetingID(i%memMeetings))
			if err != nil {
				return err
			}
			_, p, err := bb.benchClick(ctx, user(i), handlers.ActionCancel, value, 1)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case strings.HasPrefix(p[0].Text, "Cancelled."):
				cancelled++
			case strings.Contains(p[0].Text, "expired"):
				expired++
			default:
				return fmt.Errorf("cancel reply %q", p[0].Text)
			}
			return nil
		}); err != nil {
			b.Fatalf("%v\n%s", err, c.out.String())
		}
	}
	pairs(0, memWorkers) // log in, open connections, warm the caches a little
	idleHeap, idleRSS := benchChildMem(b, c)
	pairs(memWorkers, memCommands)
	fullHeap, fullRSS := benchChildMem(b, c)
	wait := benchExpireWait(b)
	time.Sleep(wait)
	waitHeap, waitRSS := benchChildMem(b, c)
	// In a long run (the caches swept), a second round of as many pairs
	// and the same wait: a program that keeps nothing past the caches'
	// lifetimes ends it where it ended the first.
	want := memWorkers + memCommands
	if wait >= benchSweptAfter {
		pairs(want, memCommands)
		want += memCommands
		time.Sleep(wait)
		heap2, rss2 := benchChildMem(b, c)
		b.ReportMetric(benchMB(heap2), "heap-expired2-MB")
		b.ReportMetric(benchMB(rss2), "rss-expired2-MB")
	}
	c.stop()
	if cancelled+expired != want {
		b.Fatalf("cancelled %d + expired %d, want %d", cancelled, expired, want)
	}
	b.ReportMetric(benchMB(startHeap), "heap-start-MB")
	b.ReportMetric(benchMB(idleHeap), "heap-idle-MB")
	b.ReportMetric(benchMB(fullHeap), "heap-10k-MB")
	b.ReportMetric(benchMB(waitHeap), "heap-expired-MB")
	b.ReportMetric((float64(waitHeap)-float64(idleHeap))/memCommands, "heap-B/cmd")
	b.ReportMetric(benchMB(startRSS), "rss-start-MB")
	b.ReportMetric(benchMB(idleRSS), "rss-idle-MB")
	b.ReportMetric(benchMB(fullRSS), "rss-10k-MB")
	b.ReportMetric(benchMB(waitRSS), "rss-expired-MB")
	b.ReportMetric(float64(expired), "expired-clicks")
}

// benchMemLine starts the line in which a benchRoleBot child reports its
// heap and RSS, in bytes, when it gets SIGUSR1.
const benchMemLine = "memory: "

// benchChildMem asks the child c for its heap and RSS (benchMem, in the
// child) and waits for the answer.
func benchChildMem(tb testing.TB, c *benchChild) (heap, rss uint64) {
	tb.Helper()
	n := strings.Count(c.out.String(), benchMemLine)
	if err := c.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		tb.Fatal(err)
	}
	deadline := time.Now().Add(benchWait)
	for time.Now().Before(deadline) {
		out := c.out.String()
		if strings.Count(out, benchMemLine) > n {
			line, whole := strings.CutSuffix(out[strings.LastIndex(out, benchMemLine)+len(benchMemLine):], "\n")
			if !whole { // the line is still being written
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if _, err := fmt.Sscanf(line, "%d %d", &heap, &rss); err != nil {
				tb.Fatalf("the child's memory line %q: %v", line, err)
			}
			return heap, rss
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("the child did not report its memory\n%s", c.out.String())
	return 0, 0
}

// benchExpireWait is how long benchMemory waits after the commands before
// it measures again: 3 s by default, so that every prompt (1 s) has
// expired. The program sweeps its caches once a minute; a claim lives 61 s
// with a 1 s confirm timeout, a user look-up 1 minute.
// MEETINGBOT_BENCH_EXPIRE_WAIT (a Go duration, at most 15m) waits longer to
// see the sweeps, and from benchSweptAfter on benchMemory runs a second round.
func benchExpireWait(tb testing.TB) time.Duration {
	tb.Helper()
	v := os.Getenv("MEETINGBOT_BENCH_EXPIRE_WAIT")
	if v == "" {
		return 3 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > 15*time.Minute {
		tb.Fatalf("MEETINGBOT_BENCH_EXPIRE_WAIT=%q: want a Go duration up to 15m", v)
	}
	return d
}

// benchAllocProfile returns the allocations (objects, bytes) of the memory
// profile by stack.
func benchAllocProfile() map[[32]uintptr][2]int64 {
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+100)
		var ok bool
		if n, ok = runtime.MemProfile(recs, true); ok {
			recs = recs[:n]
			break
		}
	}
	out := make(map[[32]uintptr][2]int64, len(recs))
	for _, r := range recs {
		v := out[r.Stack0]
		out[r.Stack0] = [2]int64{v[0] + r.AllocObjects, v[1] + r.AllocBytes}
	}
	return out
}

// benchPkg is how this package's functions are named in stacks: "main." in
// a program, the import path in a test binary.
var benchPkg = strings.TrimSuffix(runtime.FuncForPC(reflect.ValueOf(benchMeetingID).Pointer()).Name(), "benchMeetingID")

// benchAllocSide attributes an allocation by its stack: the driver's if a
// benchmark function is on it, the fakes' if a fake's code or net/http's
// server side is, the program's if its code, slack-go or net/http's client
// side is. Stacks are cut to 32 frames, so a deep one may lose its root.
func benchAllocSide(stk [32]uintptr) string {
	var names []string
	n := slices.Index(stk[:], 0)
	if n < 0 {
		n = len(stk)
	}
	frames := runtime.CallersFrames(stk[:n])
	for {
		f, more := frames.Next()
		names = append(names, f.Function)
		if !more {
			break
		}
	}
	has := func(prefixes ...string) bool {
		for _, n := range names {
			for _, p := range prefixes {
				if strings.HasPrefix(n, p) {
					return true
				}
			}
		}
		return false
	}
	switch {
	case has(benchPkg+"bench", benchPkg+"(*benchBot)", benchPkg+"Benchmark"):
		return benchDrvS
	case has("meetingbot/bot/slacktest.", "meetingbot/meeting/meetingtest.", "net/http.(*conn).", "net/http.(*connReader).", "net/http.(*response).", "net/http.(*chunkWriter).", "net/http/httptest."):
		return benchFakesS
	case has("meetingbot/", benchPkg+"run", "github.com/slack-go/", "github.com/gorilla/", "github.com/patrickmn/", "golang.org/x/sync/", "net/http.(*persistConn)", "net/http.(*Transport)", "net/http.(*Client)", "log/slog."):
		return benchBotS
	}
	return "other"
}

// benchCPUProfile is a CPU profile of part of a benchmark, kept in memory.
type benchCPUProfile struct {
	buf bytes.Buffer
	on  bool
}

// benchStartCPUProfile starts the CPU profiler, unless it is already on
// (go test -cpuprofile), in which case there is no split.
func benchStartCPUProfile() *benchCPUProfile {
	p := &benchCPUProfile{}
	p.on = pprof.StartCPUProfile(&p.buf) == nil
	return p
}

// stop stops the profiler and returns the CPU time sampled, by side label
// ("" for samples without one: GC workers, the runtime). nil when the
// profile was not taken or cannot be read.
func (p *benchCPUProfile) stop() map[string]time.Duration {
	if !p.on {
		return nil
	}
	pprof.StopCPUProfile()
	split, err := benchCPUByLabel(p.buf.Bytes(), benchLabel)
	if err != nil {
		return nil
	}
	return split
}

// benchCPUByLabel sums a CPU profile's samples (gzipped profile.proto) by
// the value of one label. It reads only what it needs of the format:
// Profile.sample_type (1), sample (2) and string_table (6); Sample.value (2)
// and label (3); Label.key (1) and str (2).
func benchCPUByLabel(gz []byte, key string) (map[string]time.Duration, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	type sample struct {
		values []int64
		labels map[int64]int64 // key to str, string-table indexes
	}
	var (
		strs    []string
		units   []int64
		samples []sample
	)
	err = benchProto(data, func(field, wire int, v uint64, b []byte) error {
		switch {
		case field == 1 && wire == 2: // sample_type
			return benchProto(b, func(f, w int, v uint64, _ []byte) error {
				if f == 2 && w == 0 {
					units = append(units, int64(v))
				}
				return nil
			})
		case field == 2 && wire == 2: // sample
			s := sample{labels: map[int64]int64{}}
			err := benchProto(b, func(f, w int, v uint64, bb []byte) error {
				switch {
				case f == 2 && w == 0:
					s.values = append(s.values, int64(v))
				case f == 2 && w == 2:
					for len(bb) > 0 {
						x, n := binary.Uvarint(bb)
						if n <= 0 {
							return errors.New("bad packed value")
						}
						s.values = append(s.values, int64(x))
						bb = bb[n:]
					}
				case f == 3 && w == 2:
					var k, str int64
					if err := benchProto(bb, func(f, w int, v uint64, _ []byte) error {
						if w == 0 && f == 1 {
							k = int64(v)
						} else if w == 0 && f == 2 {
							str = int64(v)
						}
						return nil
					}); err != nil {
						return err
					}
					s.labels[k] = str
				}
				return nil
			})
			samples = append(samples, s)
			return err
		case field == 6 && wire == 2:
			strs = append(strs, string(b))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	str := func(i int64) string {
		if i < 0 || int(i) >= len(strs) {
			return ""
		}
		return strs[i]
	}
	ns := -1
	for i, u := range units {
		if str(u) == "nanoseconds" {
			ns = i
		}
	}
	if ns < 0 {
		return nil, errors.New("no nanoseconds value in the profile")
	}
	out := map[string]time.Duration{}
	for _, s := range samples {
		if ns >= len(s.values) {
			continue
		}
		side := ""
		for k, v := range s.labels {
			if str(k) == key {
				side = str(v)
			}
		}
		out[side] += time.Duration(s.values[ns])
	}
	return out, nil
}

// benchProto calls f for each field of the protobuf message b.
func benchProto(b []byte, f func(field, wire int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad field key")
		}
		b = b[n:]
		field, wire := int(key>>3), int(key&7)
		var v uint64
		var data []byte
		switch wire {
		case 0:
			v, n = binary.Uvarint(b)
			if n <= 0 {
				return errors.New("bad varint")
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return errors.New("short fixed64")
			}
			v, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errors.New("bad length")
			}
			data, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return errors.New("short fixed32")
			}
			v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return fmt.Errorf("wire type %d", wire)
		}
		if err := f(field, wire, v, data); err != nil {
			return err
		}
	}
	return nil
}

// benchHuaweiServer is the fake Huawei of the ack load: ackMeetings meetings
// in progress, and stranger's Huawei user.
func benchHuaweiServer() *meetingtest.Server {
	h := meetingtest.NewServer(meetingtest.Config{AppID: testAppID, AppKey: testAppKey})
	h.AddUser(meetingtest.User{ID: benchStrangerEmail, Name: "Eve"})
	for i := range ackMeetings {
		h.AddMeeting(benchMeeting(i))
	}
	return h
}

// benchChildURL waits for the benchRoleHuawei child c to print its URL.
func benchChildURL(tb testing.TB, c *benchChild) string {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for line := range strings.Lines(c.out.String()) {
			if u, ok := strings.CutPrefix(strings.TrimSpace(line), benchURLLine); ok {
				return u
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.stop()
	tb.Fatalf("the Huawei child printed no URL\n%s", c.out.String())
	return ""
}

// TestBenchWilliams checks the square benchInterleave orders its rounds by:
// every target at every place once, and right after every other target once.
func TestBenchWilliams(t *testing.T) {
	for _, n := range []int{2, 4, 6} {
		rows := benchWilliams(n)
		place := map[[2]int]int{}
		follows := map[[2]int]int{}
		for _, row := range rows {
			seen := map[int]bool{}
			for k, v := range row {
				if v < 0 || v >= n || seen[v] {
					t.Fatalf("n=%d: row %v is not an order of 0..%d", n, row, n-1)
				}
				seen[v] = true
				place[[2]int{v, k}]++
				if k > 0 {
					follows[[2]int{row[k-1], v}]++
				}
			}
		}
		for a := range n {
			for k := range n {
				if place[[2]int{a, k}] != 1 {
					t.Errorf("n=%d: %d is at place %d %d times, want 1", n, a, k, place[[2]int{a, k}])
				}
			}
			for b := range n {
				if want := map[bool]int{true: 0, false: 1}[a == b]; follows[[2]int{a, b}] != want {
					t.Errorf("n=%d: %d comes right after %d %d times, want %d", n, b, a, follows[[2]int{a, b}], want)
				}
			}
		}
	}
}
