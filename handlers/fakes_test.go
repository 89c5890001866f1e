package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"meetingbot/internal/syncbuf"
	"meetingbot/meeting"
)

// The identities and the meeting most tests use.
const (
	testTeam    = "T0TEAM"
	testChannel = "C0CHAN"
	testUser    = "U0ALICE"
	otherUser   = "U0BOB"
	testID      = meeting.ID("914044873")
	testSubject = "Weekly sync"
)

// fakeMeetings is a Meetings whose methods are its function fields. A nil
// PrepareFn (which serves PrepareTyped) finds testSubject in progress; a
// nil StopFn ends the meeting, a nil CancelFn ends it for good; a nil
// HostedFn keeps the meetings whose CanControl is true, which none made
// outside package meeting is.
type fakeMeetings struct {
	PrepareFn func(ctx context.Context, id meeting.ID) (meeting.Conference, error)
	StopFn    func(ctx context.Context, id meeting.ID) (meeting.StopResult, error)
	CancelFn  func(ctx context.Context, id meeting.ID) (meeting.CancelResult, error)
	OnlineFn  func(ctx context.Context, all bool, limit int) ([]meeting.Conference, int, error)
	HostedFn  func(ctx context.Context, confs []meeting.Conference, concurrency int) ([]meeting.Conference, error)

	mu        sync.Mutex
	prepared  []meeting.ID
	stopped   []meeting.ID
	cancelled []meeting.ID
	hostedAsk [][]meeting.ID // the IDs of each Hosted call
}

var _ Meetings = (*fakeMeetings)(nil)

func (f *fakeMeetings) PrepareTyped(ctx context.Context, id meeting.ID) (meeting.Conference, error) {
	f.mu.Lock()
	f.prepared = append(f.prepared, id)
	f.mu.Unlock()
	if f.PrepareFn == nil {
		return meeting.Conference{ID: id, Subject: testSubject, State: meeting.StateInProgress, RequestID: "req-prepare-1"}, nil
	}
	return f.PrepareFn(ctx, id)
}

func (f *fakeMeetings) Stop(ctx context.Context, id meeting.ID) (meeting.StopResult, error) {
	f.mu.Lock()
	f.stopped = append(f.stopped, id)
	f.mu.Unlock()
	if f.StopFn == nil {
		return meeting.StopResult{RequestID: "req-stop-1"}, nil
	}
	return f.StopFn(ctx, id)
}

func (f *fakeMeetings) Cancel(ctx context.Context, id meeting.ID) (meeting.CancelResult, error) {
	f.mu.Lock()
	f.cancelled = append(f.cancelled, id)
	f.mu.Unlock()
	if f.CancelFn == nil {
		return meeting.CancelResult{RequestID: "req-cancel-1"}, nil
	}
	return f.CancelFn(ctx, id)
}

func (f *fakeMeetings) Hosted(ctx context.Context, confs []meeting.Conference, concurrency int) ([]meeting.Conference, error) {
	var ids []meeting.ID
	for _, c := range confs {
		ids = append(ids, c.ID)
	}
	f.mu.Lock()
	f.hostedAsk = append(f.hostedAsk, ids)
	f.mu.Unlock()
	if f.HostedFn != nil {
		return f.HostedFn(ctx, confs, concurrency)
	}
	var out []meeting.Conference
	for _, c := range confs {
		if c.CanControl() {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeMeetings) cancels() []meeting.ID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]meeting.ID(nil), f.cancelled...)
}

func (f *fakeMeetings) Online(ctx context.Context, all bool, limit int) ([]meeting.Conference, int, error) {
	if f.OnlineFn == nil {
		return nil, 0, errors.New("fakeMeetings: Online not expected")
	}
	return f.OnlineFn(ctx, all, limit)
}

func (f *fakeMeetings) prepares() []meeting.ID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]meeting.ID(nil), f.prepared...)
}

func (f *fakeMeetings) stops() []meeting.ID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]meeting.ID(nil), f.stopped...)
}

// fakeDirectory is a Directory whose methods are its function fields; a nil
// field fails the look-up. It counts the look-ups.
type fakeDirectory struct {
	UserFn         func(ctx context.Context, userID string) (User, error)
	GroupMembersFn func(ctx context.Context, groupID string) ([]string, error)

	userCalls, groupCalls atomic.Int32
	mu                    sync.Mutex
	groupsAsked           []string
}

var _ Directory = (*fakeDirectory)(nil)

var errLookup = errors.New("slack: missing_scope")

func (d *fakeDirectory) User(ctx context.Context, userID string) (User, error) {
	d.userCalls.Add(1)
	if d.UserFn == nil {
		return User{}, errLookup
	}
	return d.UserFn(ctx, userID)
}

func (d *fakeDirectory) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	d.groupCalls.Add(1)
	d.mu.Lock()
	d.groupsAsked = append(d.groupsAsked, groupID)
	d.mu.Unlock()
	if d.GroupMembersFn == nil {
		return nil, errLookup
	}
	return d.GroupMembersFn(ctx, groupID)
}

func (d *fakeDirectory) calls() int { return int(d.userCalls.Load() + d.groupCalls.Load()) }

// staticDirectory answers from fixed users and groups; an unknown user or
// group fails as Slack would.
func staticDirectory(users []User, groups map[string][]string) *fakeDirectory {
	return &fakeDirectory{
		UserFn: func(_ context.Context, id string) (User, error) {
			for _, u := range users {
				if u.ID == id {
					return u, nil
				}
			}
			return User{}, errors.New("slack: user_not_found")
		},
		GroupMembersFn: func(_ context.Context, id string) ([]string, error) {
			if m, ok := groups[id]; ok {
				return m, nil
			}
			return nil, errors.New("slack: no_such_subteam")
		},
	}
}

// recordingReplier records the replies, with the state of the context each
// was sent with.
type recordingReplier struct {
	Err error // returned by every Reply

	mu      sync.Mutex
	replies []Reply
	ctxErrs []error
}

var _ Replier = (*recordingReplier)(nil)

func (r *recordingReplier) Reply(ctx context.Context, rep Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies = append(r.replies, rep)
	r.ctxErrs = append(r.ctxErrs, ctx.Err())
	return r.Err
}

func (r *recordingReplier) all() []Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Reply(nil), r.replies...)
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer collects log output; safe for concurrent writers.
type logBuffer struct{ syncbuf.Buffer }

// records returns the log's JSON records whose message is msg.
func (l *logBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(l.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %q", err, line)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// audits returns the audit records.
func (l *logBuffer) audits(t *testing.T) []map[string]any { return l.records(t, "audit") }

// harness is an EndMeeting with fakes around it.
type harness struct {
	h        *EndMeeting
	meetings *fakeMeetings
	dir      *fakeDirectory
	clock    *fakeClock
	log      *logBuffer
	as       *fakeAsUser  // Config.AsUser, for newHostHarness; nil otherwise
	clicks   atomic.Int64 // the clicks sent, which name their envelopes
}

// envelope returns the ID of a new envelope, as Slack gives each click
// one: env-click-1, env-click-2…
func (hs *harness) envelope() string {
	return fmt.Sprintf("env-click-%d", hs.clicks.Add(1))
}

// newHarness returns an EndMeeting whose Authorizer applies p with dir and
// caches nothing, so that a change in dir shows at once. A nil dir fails
// every look-up; a nil m uses the defaults of fakeMeetings.
func newHarness(t *testing.T, p Policy, dir *fakeDirectory, m *fakeMeetings) *harness {
	t.Helper()
	if dir == nil {
		dir = &fakeDirectory{}
	}
	if m == nil {
		m = &fakeMeetings{}
	}
	hs := &harness{meetings: m, dir: dir, clock: newFakeClock(), log: &logBuffer{}}
	hs.h = New(Config{
		Meetings:   m,
		Authorizer: testAuthorizer(p, dir, 0, 0),
		Logger:     slog.New(slog.NewJSONHandler(hs.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:        hs.clock.Now,
		ButtonKey:  testKey,
	})
	return hs
}

// testKey signs the button values of every harness; testSigner is its signer.
var (
	testKey    = []byte("test-button-key-0123456789abcdef")
	testSigner = newSigner(testKey)
)

// testOrg is the organization the harnesses serve: testTeam.
var testOrg = Org{TeamID: testTeam}

// withOrg returns p serving testOrg unless it names an organization.
func withOrg(p Policy) Policy {
	if p.Org == (Org{}) {
		p.Org = testOrg
	}
	return p
}

// adminPolicy lets testUser and otherUser end meetings without a look-up.
var adminPolicy = Policy{AdminUsers: []string{testUser, otherUser}}

func command(text string) Command {
	return Command{EnvelopeID: "env-cmd-1", TeamID: testTeam, ChannelID: testChannel, UserID: testUser, Text: text}
}

func click(action, value string) Click {
	return Click{TeamID: testTeam, ChannelID: testChannel, UserID: testUser, ActionID: action, Value: value}
}

// as returns the value of the prompt's button for action, given the value
// of another of its buttons: the same ticket, signed for action.
func as(t *testing.T, v, action string) string {
	t.Helper()
	tk, err := testSigner.decode(v)
	if err != nil {
		t.Fatalf("as: %v", err)
	}
	tk.Action = action
	return testSigner.encode(tk)
}

// begin calls Begin with cmd. ok says it answered at once, with r; rest
// is the rest of the work otherwise. auditsAtAnswer is how many audit
// records there were while the answer was being sent: a record must not
// delay the transport's ack.
func begin(t *testing.T, hs *harness, cmd Command) (r Reply, ok bool, auditsAtAnswer int) {
	t.Helper()
	answered := false
	rest := hs.h.Begin(cmd, func(a Reply) {
		if answered {
			t.Errorf("Begin answered twice")
		}
		answered, r, auditsAtAnswer = true, a, len(hs.log.audits(t))
	})
	if (rest == nil) != answered {
		t.Errorf("Begin answered %v and returned work %v: want exactly one", answered, rest != nil)
	}
	return r, answered, auditsAtAnswer
}

// prompt runs /endmeeting testID and returns the prompt's button value.
func (hs *harness) prompt(t *testing.T) string {
	t.Helper()
	out := &recordingReplier{}
	hs.h.Command(context.Background(), command(string(testID)), out)
	rs := out.all()
	if len(rs) != 1 || rs[0].Prompt == nil || len(rs[0].Prompt.Actions) != 3 {
		t.Fatalf("command replies = %+v, want one prompt with three buttons", rs)
	}
	return rs[0].Prompt.Actions[0].Value
}

// click sends c and returns the replies.
func (hs *harness) click(t *testing.T, c Click) []Reply {
	t.Helper()
	out := &recordingReplier{}
	if c.EnvelopeID == "" {
		c.EnvelopeID = hs.envelope()
	}
	hs.h.Click(context.Background(), c, out)
	return out.all()
}

var refRE = regexp.MustCompile("\\(ref `([A-Z2-7]{8})`\\)$")

// refOf returns the reference ID at the end of a message, or "".
func refOf(text string) string {
	if m := refRE.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// texts returns the replies' texts, for failure messages.
func texts(rs []Reply) []string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Text.String())
	}
	return s
}

// fakeAsUser is an AsUser that records which Huawei users it was asked for
// and gives each its own fakeMeetings, made by NewFn (the defaults of
// fakeMeetings when nil). Err, when set, fails every call.
type fakeAsUser struct {
	NewFn func(huaweiUser string) *fakeMeetings
	Err   error

	mu    sync.Mutex
	asked []string
	users map[string]*fakeMeetings
}

// AsUser is the fake's AsUser.
func (f *fakeAsUser) AsUser(huaweiUser string) (Meetings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, huaweiUser)
	if f.Err != nil {
		return nil, f.Err
	}
	return f.ofLocked(huaweiUser), nil
}

// of returns the fakeMeetings of a Huawei user, making it if needed.
func (f *fakeAsUser) of(huaweiUser string) *fakeMeetings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ofLocked(huaweiUser)
}

func (f *fakeAsUser) ofLocked(huaweiUser string) *fakeMeetings {
	if f.users == nil {
		f.users = map[string]*fakeMeetings{}
	}
	m, ok := f.users[huaweiUser]
	if !ok {
		m = &fakeMeetings{}
		if f.NewFn != nil {
			m = f.NewFn(huaweiUser)
		}
		f.users[huaweiUser] = m
	}
	return m
}

// calls returns the Huawei users AsUser was asked for, in order.
func (f *fakeAsUser) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

// newHostHarness is newHarness with as serving Config.AsUser.
func newHostHarness(t *testing.T, p Policy, dir *fakeDirectory, m *fakeMeetings, as *fakeAsUser) *harness {
	t.Helper()
	hs := newHarness(t, p, dir, m)
	hs.as = as
	hs.h = New(Config{
		Meetings:   hs.meetings,
		AsUser:     as.AsUser,
		Authorizer: testAuthorizer(p, hs.dir, 0, 0),
		Logger:     slog.New(slog.NewJSONHandler(hs.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:        hs.clock.Now,
		ButtonKey:  testKey,
	})
	return hs
}

// hostPolicy lets otherUser end any meeting and testUser, mapped to the
// Huawei user testHuaweiUser, the meetings they host.
var hostPolicy = Policy{
	AdminUsers: []string{otherUser},
	HostRule:   true,
	HostMap:    map[string]string{testUser: testHuaweiUser},
}

// testHuaweiUser is the Huawei user testUser is for the host rule.
const testHuaweiUser = "alice"

// testAuthorizer is newAuthorizer with p serving testOrg unless p names an
// organization.
func testAuthorizer(p Policy, dir Directory, userTTL, groupTTL time.Duration) *Authorizer {
	return newAuthorizer(withOrg(p), dir, userTTL, groupTTL)
}
