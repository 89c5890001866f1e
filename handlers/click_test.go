package handlers

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"meetingbot/meeting"
)

// wantReply describes a reply: a fragment of its text and how it is sent.
type wantReply struct {
	text            string
	replace, public bool
}

func checkReplies(t *testing.T, got []Reply, want []wantReply) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("replies = %q, want %d: %+v", texts(got), len(want), want)
	}
	for i, w := range want {
		g := got[i]
		if !strings.Contains(g.Text.String(), w.text) || g.Replace != w.replace || g.Public != w.public || g.Prompt != nil {
			t.Errorf("reply %d = {%q replace:%v public:%v prompt:%v}, want {%q replace:%v public:%v}",
				i, g.Text, g.Replace, g.Public, g.Prompt != nil, w.text, w.replace, w.public)
		}
	}
}

var (
	endedReplies = []wantReply{
		{"Ending meeting *Weekly sync* (914044873)…", true, false},
		{"Meeting *Weekly sync* (914044873) has ended.", true, false},
		{"@" + testUser + " ended meeting *Weekly sync* (914044873).", false, true},
	}
	duplicateReply = wantReply{"has already been answered", false, false}
)

func TestClickEnd(t *testing.T) {
	hs := newHarness(t, adminPolicy, nil, nil)
	v := hs.prompt(t)
	rs := hs.click(t, click(ActionEnd, v))
	checkReplies(t, rs, endedReplies)
	if rs[2].Text.String() != "@U0ALICE ended meeting *Weekly sync* (914044873)." {
		t.Errorf("announcement = %q", rs[2].Text)
	}
	if s := hs.meetings.stops(); len(s) != 1 || s[0] != testID {
		t.Errorf("Stop calls = %v, want [%s]", s, testID)
	}
}

func TestClickCancel(t *testing.T) {
	hs := newHarness(t, adminPolicy, nil, nil)
	v := hs.prompt(t)
	checkReplies(t, hs.click(t, click(ActionCancel, as(t, v, ActionCancel))), []wantReply{{"Cancelled.", true, false}})
	if s := hs.meetings.stops(); len(s) != 0 {
		t.Errorf("Stop calls = %v, want none", s)
	}
}

func TestClickExpiry(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
		action  string
		expired bool
	}{
		{"just in time", DefaultConfirmTimeout, ActionEnd, false},
		{"a millisecond late", DefaultConfirmTimeout + time.Millisecond, ActionEnd, true},
		{"an hour late", time.Hour, ActionEnd, true},
		{"cancel late", DefaultConfirmTimeout + time.Second, ActionCancel, true},
		{"issued a little in the future (clock skew)", -30 * time.Second, ActionEnd, false},
		{"issued far in the future", -2 * time.Minute, ActionEnd, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A workspace admin: Authorize needs a look-up, so the test
			// can tell whether it ran.
			dir := staticDirectory([]User{{ID: testUser, TeamID: testTeam, Admin: true}}, nil)
			hs := newHarness(t, Policy{AllowWorkspaceAdmins: true}, dir, nil)
			v := hs.prompt(t)
			before := dir.calls()
			hs.clock.Advance(tt.advance)
			rs := hs.click(t, click(tt.action, as(t, v, tt.action)))
			if !tt.expired {
				checkReplies(t, rs, endedReplies)
				return
			}
			checkReplies(t, rs, []wantReply{{"This prompt expired after 2m0s. Type `/endmeeting 914044873` again", true, false}})
			if s := hs.meetings.stops(); len(s) != 0 {
				t.Errorf("Stop calls = %v, want none", s)
			}
			if n := dir.calls() - before; n != 0 {
				t.Errorf("Directory calls on the click = %d, want 0 (no Authorize)", n)
			}
		})
	}
}

func TestClickConfirmTimeoutIsConfigurable(t *testing.T) {
	clock := newFakeClock()
	m := &fakeMeetings{}
	h := New(Config{ButtonKey: testKey, Meetings: m, Authorizer: testAuthorizer(adminPolicy, &fakeDirectory{}, 0, 0), ConfirmTimeout: 10 * time.Second, Now: clock.Now})
	out := &recordingReplier{}
	h.Command(context.Background(), command(string(testID)), out)
	v := out.all()[0].Prompt.Actions[0].Value
	clock.Advance(11 * time.Second)
	out = &recordingReplier{}
	h.Click(context.Background(), click(ActionEnd, v), out)
	checkReplies(t, out.all(), []wantReply{{"expired after 10s", true, false}})
	if s := m.stops(); len(s) != 0 {
		t.Errorf("Stop calls = %v, want none", s)
	}
}

func TestClickByAnotherUser(t *testing.T) {
	notRequester := wantReply{"Only @" + testUser + ", who asked, can answer this prompt.", false, false}
	otherOrg := wantReply{msgOtherOrg.String(), false, false}
	tests := []struct {
		name       string
		user, team string
		want       wantReply
	}{
		{"another user", otherUser, testTeam, notRequester},
		{"same user ID in another team", testUser, "T0OTHER", otherOrg},
		{"user ID prefix", testUser + "X", testTeam, notRequester},
		{"no user", "", testTeam, notRequester},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, Policy{AdminUsers: []string{testUser, otherUser, testUser + "X"}}, nil, nil)
			v := hs.prompt(t)
			for _, action := range []string{ActionEnd, ActionCancel} {
				c := click(action, as(t, v, action))
				c.UserID, c.TeamID = tt.user, tt.team
				checkReplies(t, hs.click(t, c), []wantReply{tt.want})
			}
			if s := hs.meetings.stops(); len(s) != 0 {
				t.Errorf("Stop calls = %v, want none", s)
			}
			// The requester's prompt is still good.
			checkReplies(t, hs.click(t, click(ActionEnd, v)), endedReplies)
		})
	}
}

func TestClickPermissionRevoked(t *testing.T) {
	tests := []struct {
		name   string
		revoke func(u *User, dirErr *error)
		want   string
	}{
		{"demoted", func(u *User, _ *error) { u.Admin = false }, "not allowed"},
		{"deactivated", func(u *User, _ *error) { u.Deleted = true }, "not allowed"},
		{"look-up fails", func(_ *User, err *error) { *err = errLookup }, "could not check your permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			u := User{ID: testUser, TeamID: testTeam, Admin: true}
			var dirErr error
			dir := &fakeDirectory{UserFn: func(context.Context, string) (User, error) {
				mu.Lock()
				defer mu.Unlock()
				return u, dirErr
			}}
			hs := newHarness(t, Policy{AllowWorkspaceAdmins: true}, dir, nil)
			v := hs.prompt(t)
			mu.Lock()
			tt.revoke(&u, &dirErr)
			mu.Unlock()
			rs := hs.click(t, click(ActionEnd, v))
			checkReplies(t, rs, []wantReply{{tt.want, true, false}})
			if refOf(rs[0].Text.String()) == "" {
				t.Errorf("reply = %q, want a ref", rs[0].Text)
			}
			if s := hs.meetings.stops(); len(s) != 0 {
				t.Errorf("Stop calls = %v, want none", s)
			}
			// Cancel needs no permission.
			checkReplies(t, hs.click(t, click(ActionCancel, as(t, v, ActionCancel))), []wantReply{{"Cancelled.", true, false}})
		})
	}
}

func TestClickSequences(t *testing.T) {
	tests := []struct {
		name    string
		actions []string
		want    [][]wantReply
		stops   int
	}{
		{"double click", []string{ActionEnd, ActionEnd}, [][]wantReply{endedReplies, {duplicateReply}}, 1},
		{"triple click", []string{ActionEnd, ActionEnd, ActionEnd}, [][]wantReply{endedReplies, {duplicateReply}, {duplicateReply}}, 1},
		{"cancel then end", []string{ActionCancel, ActionEnd}, [][]wantReply{{{"Cancelled.", true, false}}, {duplicateReply}}, 0},
		{"end then cancel", []string{ActionEnd, ActionCancel}, [][]wantReply{endedReplies, {duplicateReply}}, 1},
		{"cancel twice", []string{ActionCancel, ActionCancel}, [][]wantReply{{{"Cancelled.", true, false}}, {duplicateReply}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, adminPolicy, nil, nil)
			v := hs.prompt(t)
			for i, a := range tt.actions {
				checkReplies(t, hs.click(t, click(a, as(t, v, a))), tt.want[i])
			}
			if s := hs.meetings.stops(); len(s) != tt.stops {
				t.Errorf("Stop calls = %v, want %d", s, tt.stops)
			}
		})
	}
}

func TestClickAfterFailedStopIsAnswered(t *testing.T) {
	// A prompt answered by a failed stop stays answered: the user runs the
	// command again, as the message says.
	hs := newHarness(t, adminPolicy, nil, &fakeMeetings{
		StopFn: func(context.Context, meeting.ID) (meeting.StopResult, error) {
			return meeting.StopResult{}, huaweiError("stop", meeting.ErrUnavailable)
		},
	})
	v := hs.prompt(t)
	hs.click(t, click(ActionEnd, v))
	checkReplies(t, hs.click(t, click(ActionEnd, v)), []wantReply{duplicateReply})
	if s := hs.meetings.stops(); len(s) != 1 {
		t.Errorf("Stop calls = %v, want 1", s)
	}
}

func TestClickConcurrent(t *testing.T) {
	for _, mix := range []string{"end only", "end and cancel"} {
		t.Run(mix, func(t *testing.T) {
			release := make(chan struct{})
			hs := newHarness(t, adminPolicy, nil, &fakeMeetings{
				StopFn: func(context.Context, meeting.ID) (meeting.StopResult, error) {
					<-release // hold the winner while the others click
					return meeting.StopResult{RequestID: "req-stop"}, nil
				},
			})
			v := hs.prompt(t)
			values := map[string]string{ActionEnd: v, ActionCancel: as(t, v, ActionCancel)}
			const n = 50
			outs := make([]*recordingReplier, n)
			start := make(chan struct{}) // all click at once
			var wg sync.WaitGroup
			for i := range n {
				outs[i] = &recordingReplier{}
				action := ActionEnd
				if mix != "end only" && i%2 == 1 {
					action = ActionCancel
				}
				c := click(action, values[action])
				c.EnvelopeID = hs.envelope()
				wg.Go(func() {
					<-start
					hs.h.Click(context.Background(), c, outs[i])
				})
			}
			close(start)
			// Release the stop once the losers have answered (a winning
			// Cancel holds nothing), so that they click while it runs.
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				answered := 0
				for _, o := range outs {
					if rs := o.all(); len(rs) == 1 && strings.Contains(rs[0].Text.String(), "already been answered") {
						answered++
					}
				}
				if answered == n-1 {
					break
				}
			}
			close(release)
			wg.Wait()

			winners, losers, ended, cancelled := 0, 0, 0, 0
			for _, o := range outs {
				rs := o.all()
				switch {
				case len(rs) == 1 && strings.Contains(rs[0].Text.String(), "already been answered"):
					losers++
					if rs[0].Replace || rs[0].Public {
						t.Errorf("duplicate reply %+v replaces or is public", rs[0])
					}
				case len(rs) == 3:
					winners++
					ended++
					checkReplies(t, rs, endedReplies)
				case len(rs) == 1 && strings.HasPrefix(rs[0].Text.String(), "Cancelled."):
					winners++
					cancelled++
				default:
					t.Errorf("unexpected replies %q", texts(rs))
				}
			}
			if winners != 1 || losers != n-1 {
				t.Errorf("winners %d, losers %d; want 1 and %d", winners, losers, n-1)
			}
			if s := hs.meetings.stops(); len(s) != ended {
				t.Errorf("Stop calls = %d, want %d (one per ended)", len(s), ended)
			}
			if mix == "end only" && ended != 1 {
				t.Errorf("ended %d, cancelled %d; want one end", ended, cancelled)
			}
			if got := len(hs.log.audits(t)); got != n+1 {
				t.Errorf("audit records = %d, want %d (command and clicks)", got, n+1)
			}
		})
	}
}

// tamper returns the button value of a ticket written as raw JSON, signed
// with the test key: what decode must refuse even when the signature holds.
func tamper(json string) string {
	return sign(ticketPrefix + base64.RawURLEncoding.EncodeToString([]byte(json)))
}

// sign appends the test key's signature to body.
func sign(body string) string {
	return body + "." + base64.RawURLEncoding.EncodeToString(testSigner.mac(body))
}

const validNonce = "0123456789abcdef0123456789abcdef"

// goodJSON is a ticket as encode writes it, issued at issued.
func goodJSON(issued int64) string {
	return `{"a":"endmeeting_confirm","m":"914044873","t":"T0TEAM","u":"U0ALICE","i":` + strconv.FormatInt(issued, 10) +
		`,"n":"` + validNonce + `","s":"Weekly sync"}`
}

// tamperBody is the unsigned body of goodJSON with old replaced by new.
func tamperBody(good, old, new string) string {
	return ticketPrefix + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(good, old, new, 1)))
}

// unusedBitSet returns b64, a raw base64url encoding of 32 bytes, with
// the lowest of its last character's two unused bits set: a lenient
// decoder reads the same bytes from it.
func unusedBitSet(b64 string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, b64[len(b64)-1])
	return b64[:len(b64)-1] + string(alphabet[last|1])
}

// tamperedValues are button values that encode never writes, each a change
// of goodJSON(issued).
func tamperedValues(issued int64) []struct{ name, value string } {
	good := goodJSON(issued)
	valid := tamper(good)
	i := `"i":` + strconv.FormatInt(issued, 10)
	body, mac := valid[:strings.LastIndexByte(valid, '.')], valid[strings.LastIndexByte(valid, '.')+1:]
	// JSON padded with spaces to 1468 bytes is 1958 characters of base64: a
	// signed value of 2001 characters that decodes.
	long := tamper(good + strings.Repeat(" ", 1468-len(good)))
	otherKey := newSigner([]byte(strings.Repeat("k", MinButtonKey)))
	flipped := []byte(mac)
	flipped[3] ^= 'A' ^ 'B'
	return []struct{ name, value string }{
		{"empty", ""},
		{"prefix only", ticketPrefix},
		{"no prefix", valid[len(ticketPrefix):]},
		{"other version", "3." + valid[len(ticketPrefix):]},
		{"other separator", "2," + valid[len(ticketPrefix):]},
		{"bad base64", sign(ticketPrefix + "!!!!")},
		{"base64 padding", sign(body + "==")},
		{"base64 truncated", sign(body[:len(body)-5])},
		{"base64 with a newline", sign(body[:20] + "\n" + body[20:])},
		{"unsigned, as before the upgrade", "1." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(good, `"a":"endmeeting_confirm",`, "", 1)))},
		{"no signature", body},
		{"empty signature", body + "."},
		{"signature truncated", valid[:len(valid)-4]},
		{"signature padded", valid + "=="},
		{"signature flipped", body + "." + string(flipped)},
		{"signature's unused bits set", body + "." + unusedBitSet(mac)},
		{"signature with a line break", body + "." + mac[:10] + "\n" + mac[10:]},
		{"signature with a carriage return", body + "." + mac[:10] + "\r" + mac[10:]},
		{"signature of another key", otherKey.encode(ticket{Action: ActionEnd, Meeting: testID, Team: testTeam, User: testUser, Issued: issued, Nonce: validNonce, Subject: testSubject})},
		{"body tampered, signature kept", tamperBody(good, `"Weekly sync"`, `"Weekly synd"`) + "." + mac},
		{"meeting swapped, signature kept", tamperBody(good, "914044873", "914083136") + "." + mac},
		{"action swapped, signature kept", tamperBody(good, ActionEnd, ActionCancel) + "." + mac},
		{"two signatures", valid + "." + mac},
		{"unknown action", tamper(strings.Replace(good, ActionEnd, "endmeeting_confirm_all", 1))},
		{"no action", tamper(strings.Replace(good, `"a":"endmeeting_confirm",`, "", 1))},
		{"not JSON", tamper("hello")},
		{"JSON null", tamper("null")},
		{"JSON array", tamper("[]")},
		{"empty object", tamper("{}")},
		{"unknown field", tamper(strings.Replace(good, `"s":`, `"admin":true,"s":`, 1))},
		{"trailing object", tamper(good + good)},
		{"trailing brace", tamper(good + "}")},
		{"trailing space", tamper(good + " ")},
		{"key case", tamper(strings.Replace(good, `"m"`, `"M"`, 1))},
		{"duplicate key", tamper(strings.Replace(good, `"m":"914044873"`, `"m":"914083136","m":"914044873"`, 1))},
		{"team null", tamper(strings.Replace(good, `"t":"T0TEAM"`, `"t":null`, 1))},
		{"meeting as number", tamper(strings.Replace(good, `"914044873"`, `914044873`, 1))},
		{"non-digit meeting", tamper(strings.Replace(good, "914044873", "91404487a", 1))},
		{"meeting with path", tamper(strings.Replace(good, "914044873", "914044873/../x", 1))},
		{"meeting too short", tamper(strings.Replace(good, "914044873", "91404", 1))},
		{"meeting full-width", tamper(strings.Replace(good, "914044873", "９１４０４４８７３", 1))},
		{"no meeting", tamper(strings.Replace(good, `"m":"914044873",`, ``, 1))},
		{"no user", tamper(strings.Replace(good, `"u":"U0ALICE",`, ``, 1))},
		{"user not an ID", tamper(strings.Replace(good, "U0ALICE", "alice", 1))},
		{"user mention", tamper(strings.Replace(good, "U0ALICE", "@U0ALICE", 1))},
		{"team not an ID", tamper(strings.Replace(good, "T0TEAM", "acme", 1))},
		{"issued zero", tamper(strings.Replace(good, i, `"i":0`, 1))},
		{"issued negative", tamper(strings.Replace(good, i, `"i":-1`, 1))},
		{"issued float", tamper(strings.Replace(good, i, `"i":1.5`, 1))},
		{"issued string", tamper(strings.Replace(good, i, `"i":"1"`, 1))},
		{"nonce short", tamper(strings.Replace(good, validNonce, validNonce[1:], 1))},
		{"nonce long", tamper(strings.Replace(good, validNonce, validNonce+"0", 1))},
		{"nonce upper case", tamper(strings.Replace(good, validNonce, strings.ToUpper(validNonce), 1))},
		{"nonce not hex", tamper(strings.Replace(good, validNonce, "0123456789abcdef0123456789abcdeg", 1))},
		{"nonce empty", tamper(strings.Replace(good, validNonce, "", 1))},
		{"subject too long", tamper(strings.Replace(good, "Weekly sync", strings.Repeat("x", 151), 1))},
		{"subject invalid UTF-8", tamper(strings.Replace(good, "Weekly sync", "\xff\xfe", 1))},
		{"2001 characters", long},
	}
}

func TestClickTampered(t *testing.T) {
	issued := newFakeClock().Now().UnixMilli()
	// The untampered value is good, so that each case tests its tampering.
	if _, err := testSigner.decode(tamper(goodJSON(issued))); err != nil {
		t.Fatalf("testSigner.decode(untampered) = %v", err)
	}
	cases := tamperedValues(issued)
	cases = append(cases,
		struct{ name, value string }{"another action ID", ""},
		struct{ name, value string }{"no action ID", ""},
	)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, adminPolicy, nil, nil)
			c := click(ActionEnd, tt.value)
			switch tt.name {
			case "another action ID":
				c.ActionID, c.Value = "endmeeting_confirm_all", hs.prompt(t)
			case "no action ID":
				c.ActionID, c.Value = "", hs.prompt(t)
			}
			rs := hs.click(t, c)
			if len(rs) != 1 || !strings.Contains(rs[0].Text.String(), "not valid") || rs[0].Public || rs[0].Prompt != nil {
				t.Errorf("replies = %q, want one private \"not valid\" reply", texts(rs))
			}
			if s := hs.meetings.stops(); len(s) != 0 {
				t.Errorf("Stop calls = %v, want none", s)
			}
		})
	}
}

func TestClickWithAnotherActionLeavesThePromptGood(t *testing.T) {
	hs := newHarness(t, adminPolicy, nil, nil)
	v := hs.prompt(t)
	hs.click(t, click("endmeeting_confirm_all", v))
	checkReplies(t, hs.click(t, click(ActionEnd, v)), endedReplies)
}

func TestClickStopErrors(t *testing.T) {
	for _, tt := range failureCases {
		t.Run(tt.class+"/"+tt.err.Error()[:min(20, len(tt.err.Error()))], func(t *testing.T) {
			hs := newHarness(t, adminPolicy, nil, &fakeMeetings{
				StopFn: func(context.Context, meeting.ID) (meeting.StopResult, error) {
					return meeting.StopResult{}, tt.err
				},
			})
			v := hs.prompt(t)
			rs := hs.click(t, click(ActionEnd, v))
			checkReplies(t, rs, []wantReply{
				{"Ending meeting *Weekly sync* (914044873)…", true, false},
				{tt.want, true, false},
			})
			if len(rs) == 2 {
				checkFailureText(t, rs[1].Text.String(), tt.want)
			}
			if s := hs.meetings.stops(); len(s) != 1 {
				t.Errorf("Stop calls = %v, want 1", s)
			}
		})
	}
}

// TestClickStopHonoursCancelledContext: the transport bounds how long a
// stop may outlive shutdown (the bot drains, then cancels). A cancelled stop
// still tells the user, with a live context, that the meeting may not have
// ended.
func TestClickStopHonoursCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hs := newHarness(t, adminPolicy, nil, &fakeMeetings{
		StopFn: func(sctx context.Context, _ meeting.ID) (meeting.StopResult, error) {
			cancel() // the drain timed out while Huawei works
			select {
			case <-sctx.Done():
				return meeting.StopResult{}, sctx.Err()
			case <-time.After(5 * time.Second):
				return meeting.StopResult{}, errors.New("the stop's context was not cancelled")
			}
		},
	})
	v := hs.prompt(t)
	out := &recordingReplier{}
	hs.h.Click(ctx, click(ActionEnd, v), out)
	rs := out.all()
	if len(rs) != 2 || !strings.Contains(rs[1].Text.String(), "may not have ended") || !rs[1].Replace {
		t.Fatalf("replies = %q, want Ending… then a may-not-have-ended notice replacing the prompt", texts(rs))
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	for i, err := range out.ctxErrs {
		if err != nil {
			t.Errorf("reply %d sent with an ended context: %v", i, err)
		}
	}
}

// TestRepliesEndWithTheTransportsBound: the transport bounds the replies of
// shutdown (WithReplies). A stop cut short still tells the user, but its
// replies end with that bound, not a fresh replyTimeout after it.
func TestRepliesEndWithTheTransportsBound(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	replies, endReplies := context.WithCancel(context.Background())
	defer endReplies()
	hs := newHarness(t, adminPolicy, nil, &fakeMeetings{
		StopFn: func(sctx context.Context, _ meeting.ID) (meeting.StopResult, error) {
			cancel() // the drain timed out while Huawei works
			<-sctx.Done()
			return meeting.StopResult{}, sctx.Err()
		},
	})
	v := hs.prompt(t)
	out := &stalledReplier{started: make(chan error, 3)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		hs.h.Click(WithReplies(ctx, replies), click(ActionEnd, v), out)
	}()
	// "Ending…" waits on a Slack that does not answer, with a live context.
	if err := <-out.started; err != nil {
		t.Errorf("first reply started with an ended context: %v", err)
	}
	endReplies() // the transport's deadline for replies
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("the click still replies 5 s after the transport's bound ended (replyTimeout is %v)", replyTimeout)
	}
	// The failure notice was still tried, within the bound: at once.
	if err := <-out.started; err == nil {
		t.Error("the notice after the bound ended got a live context")
	}
	if n := len(hs.log.records(t, "reply failed")); n != 2 {
		t.Errorf("reply failed records = %d, want 2", n)
	}
}

// stalledReplier is a Replier whose Slack never answers: each reply waits
// for its context to end. started gets each reply's ctx.Err() as it starts.
type stalledReplier struct{ started chan error }

func (r *stalledReplier) Reply(ctx context.Context, _ Reply) error {
	r.started <- ctx.Err()
	<-ctx.Done()
	return ctx.Err()
}

func TestClickReplyFailureDoesNotStopTheStop(t *testing.T) {
	hs := newHarness(t, adminPolicy, nil, nil)
	v := hs.prompt(t)
	out := &recordingReplier{Err: errors.New("slack: expired_url")}
	hs.h.Click(context.Background(), click(ActionEnd, v), out)
	if s := hs.meetings.stops(); len(s) != 1 {
		t.Errorf("Stop calls = %v, want 1", s)
	}
	if n := len(out.all()); n != 3 {
		t.Errorf("replies tried = %d, want 3", n)
	}
	if n := len(hs.log.records(t, "reply failed")); n != 3 {
		t.Errorf("reply failed records = %d, want 3", n)
	}
}
