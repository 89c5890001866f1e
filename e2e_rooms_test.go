package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"meetingbot/bot/slacktest"
	"meetingbot/meeting/meetingtest"
)

// The end-to-end tests of issue 12, "meetings as people name them": room
// IDs, join links, a host list that asks Huawei, and ending for good.

// The meeting alice holds in her room, bob invited.
const (
	roomMtg     = "333333331" // its conferenceID
	roomNo      = "9800123456"
	roomShown   = "room 980 012 3456"
	roomSubject = "Board meeting"
)

// addRoom adds alice's meeting in her room to h's fake Huawei.
func (h *harness) addRoom() {
	h.huawei.AddMeeting(meetingtest.Meeting{ID: roomMtg, Subject: roomSubject, State: meetingtest.StateInProgress,
		Scheduler: alice, Invitees: []string{bob}, ChairPassword: "cr1", GuestPassword: "gr1", RoomID: roomNo})
}

// button is a Block Kit button as the tests read it.
type button struct {
	ActionID string          `json:"action_id"`
	Value    string          `json:"value"`
	Style    string          `json:"style"`
	Confirm  json.RawMessage `json:"confirm"`
}

// promptButtons returns the buttons of a prompt's actions block, and
// checks that exactly one of them is red, with a confirm dialog.
func promptButtons(t *testing.T, blocks json.RawMessage) []button {
	t.Helper()
	var bs []struct {
		Type     string   `json:"type"`
		Elements []button `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatalf("blocks %s: %v", blocks, err)
	}
	var out []button
	for _, b := range bs {
		if b.Type == "actions" {
			out = append(out, b.Elements...)
		}
	}
	danger := 0
	for _, b := range out {
		if b.Style == "danger" {
			danger++
			if b.Confirm == nil {
				t.Errorf("danger button %s has no confirm dialog", b.ActionID)
			}
		}
	}
	if danger != 1 {
		t.Errorf("prompt has %d danger buttons, want exactly one: %s", danger, blocks)
	}
	return out
}

// actionIDs returns the buttons' action IDs.
func actionIDs(bs []button) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.ActionID)
	}
	return out
}

// countsSince returns the requests per endpoint the fake Huawei received
// after the first n, log-ins left out: each identity logs in once and
// reuses its token.
func (h *harness) countsSince(n int) map[meetingtest.Endpoint]int {
	out := map[meetingtest.Endpoint]int{}
	for _, r := range h.huawei.Requests()[n:] {
		if r.Endpoint != meetingtest.EndpointAppAuth {
			out[r.Endpoint]++
		}
	}
	return out
}

// endFromPrompt clicks the End button of a prompt as user and returns the
// click's two replies.
func (h *harness) endFromPrompt(user string, p slacktest.ResponsePost) []slacktest.ResponsePost {
	h.t.Helper()
	click := h.click(user, channel, "endmeeting_confirm", buttonValue(h.t, p.Blocks, "endmeeting_confirm"))
	return h.posts(click.ResponseURL, 2)
}

func TestRoomIDTypedByAdminAndHost(t *testing.T) {
	for _, tt := range []struct{ name, user, typed string }{
		{"admin", admin, roomNo},
		{"host", "UALICE", "980 012 3456"},
		{"host, full-width", "UALICE", "９８００１２３４５６"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := startHosts(t)
			h.addRoom()
			env, _ := h.command(tt.user, channel, tt.typed)
			p := h.posts(env.ResponseURL, 1)[0]
			want := "End meeting *" + roomSubject + "* (" + roomShown + ")?"
			if !strings.HasPrefix(p.Text, want) || strings.Contains(p.Text, roomMtg) {
				t.Errorf("prompt = %q, want it to start %q and not to show the conferenceID", p.Text, want)
			}
			if got := actionIDs(promptButtons(t, p.Blocks)); !slices.Equal(got, []string{"endmeeting_confirm", "endmeeting_forgood", "endmeeting_cancel"}) {
				t.Errorf("buttons = %v, want End meeting, End for good… and Cancel", got)
			}
			before := len(h.huawei.Requests())
			replies := h.endFromPrompt(tt.user, p)
			if !strings.Contains(replies[1].Text, "Meeting *"+roomSubject+"* ("+roomShown+") has ended. Its reservation is kept") {
				t.Errorf("result = %q, want it to name the room", replies[1].Text)
			}
			after := h.huawei.Requests()[before:]
			if len(after) != 1 || after[0].Endpoint != meetingtest.EndpointStop || after[0].Query.Get("conferenceID") != roomMtg {
				t.Errorf("requests for the click = %v, want exactly one stop of %s", endpoints(after), roomMtg)
			}
			msgs, err := h.slack.WaitMessages(h.ctx(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if want := "<@" + tt.user + "> ended meeting *" + roomSubject + "* (" + roomShown + ")."; msgs[0].Text != want {
				t.Errorf("announcement = %q, want %q", msgs[0].Text, want)
			}
			if m, _ := h.huawei.Meeting(roomMtg); m.State != meetingtest.StateEnded {
				t.Errorf("state = %v, want ended", m.State)
			}
			for _, r := range h.huawei.Requests() {
				if id := r.Query.Get("conferenceID"); id != "" && id != roomMtg && id != roomNo {
					t.Errorf("request %s for %s, want only the typed ID and then the conferenceID", r.Endpoint, id)
				}
				if r.Endpoint == meetingtest.EndpointControlToken && r.Query.Get("conferenceID") != roomMtg {
					t.Errorf("control token for %s, want for the conferenceID %s", r.Query.Get("conferenceID"), roomMtg)
				}
			}
			h.stop()
			for _, kind := range []string{"command", "click"} {
				if !strings.Contains(h.logs.String(), `"kind":"`+kind+`"`) ||
					!strings.Contains(h.logs.String(), `"meeting_id":"`+roomMtg+`","room_id":"`+roomNo+`"`) {
					t.Errorf("no %s audit record with both IDs:\n%s", kind, h.logs)
				}
			}
		})
	}
}

func TestRoomWithNothingRunning(t *testing.T) {
	for _, tt := range []struct{ name, user, id, want string }{
		{"admin, no such room", admin, "9800999999", "Meeting 9800999999 was not found: it does not exist"},
		{"host, no such room", "UALICE", "9800999999", "Meeting 9800999999 was not found, or you are not its host."},
		{"host, a room she is invited to", "UBOB", roomNo, "Meeting " + roomNo + " was not found, or you are not its host."},
		{"admin, the room's meeting ended", admin, roomNo, "Meeting " + roomNo + " was not found: it does not exist"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := startHosts(t)
			h.addRoom()
			if strings.Contains(tt.name, "ended") {
				h.huawei.SetState(roomMtg, meetingtest.StateEnded)
			}
			env, _ := h.command(tt.user, channel, tt.id)
			p := h.posts(env.ResponseURL, 1)[0]
			if !strings.Contains(p.Text, tt.want) || p.Blocks != nil {
				t.Errorf("reply = %q (blocks %s), want %q without buttons", p.Text, p.Blocks, tt.want)
			}
			if strings.Contains(p.Text, "first 500") {
				t.Errorf("reply = %q says the search was cut short", p.Text)
			}
			for _, ep := range []meetingtest.Endpoint{meetingtest.EndpointControlToken, meetingtest.EndpointStop, meetingtest.EndpointCancel} {
				if n := h.huawei.Count(ep); n != 0 {
					t.Errorf("%s requests = %d, want 0", ep, n)
				}
			}
		})
	}
}

// joinToken is the token of the join links pasted in these tests; it lets
// whoever holds it join the meeting.
const joinToken = "Qm7xV2nLp9Tz4Kw8Rb3Hs6Jd1Fc5Ya0E"

// slackOutput is everything the bot sent Slack: the acks, the posts to the
// response URLs of envs, and the channel messages.
func (h *harness) slackOutput(envs []slacktest.Envelope) string {
	var b strings.Builder
	for _, a := range h.slack.Acks() {
		b.Write(a.Payload)
	}
	for _, e := range envs {
		for _, p := range h.slack.ResponsePosts(e.ResponseURL) {
			b.Write(p.Raw)
		}
	}
	for _, m := range h.slack.Messages() {
		b.WriteString(m.Text)
		b.Write(m.Blocks)
	}
	return b.String()
}

func TestJoinLinks(t *testing.T) {
	for _, link := range []string{
		"https://meeting.huaweicloud.com/#/j/" + meetingID + "/" + joinToken,
		"<https://meeting.huaweicloud.com/#/j/" + meetingID + "/" + joinToken + ">",
		"<https://c.meeting.huaweicloud.com/#/j/" + meetingID + "/" + joinToken + "|Join Weekly sync>",
	} {
		t.Run(link[:min(len(link), 30)], func(t *testing.T) {
			h := start(t, nil)
			env, ack := h.command(admin, channel, link)
			if ack.Payload != nil {
				t.Fatalf("ack payload = %s, want an empty ack: a link is a meeting", ack.Payload)
			}
			p := h.posts(env.ResponseURL, 1)[0]
			if !strings.Contains(p.Text, "*Weekly sync* ("+meetingID+")") {
				t.Errorf("prompt = %q, want the meeting", p.Text)
			}
			click := h.click(admin, channel, "endmeeting_confirm", buttonValue(t, p.Blocks, "endmeeting_confirm"))
			h.posts(click.ResponseURL, 2)
			if _, err := h.slack.WaitMessages(h.ctx(), 1); err != nil {
				t.Fatal(err)
			}
			if m, _ := h.huawei.Meeting(meetingID); m.State != meetingtest.StateEnded {
				t.Errorf("state = %v, want ended", m.State)
			}
			if out := h.slackOutput([]slacktest.Envelope{env, click}); strings.Contains(out, joinToken) {
				t.Errorf("Slack was sent the link's token:\n%s", out)
			}
			for _, r := range h.huawei.Requests() {
				if strings.Contains(r.Query.Encode()+r.Body, joinToken) {
					t.Errorf("Huawei was sent the link's token: %s %v", r.Endpoint, r.Query)
				}
			}
			h.stop()
			if !strings.Contains(h.logs.String(), `"level":"DEBUG"`) {
				t.Fatalf("no debug records: the test would not see debug logging")
			}
			if strings.Contains(h.logs.String(), joinToken) {
				t.Errorf("the logs (LOG_LEVEL=debug) have the link's token:\n%s", h.logs)
			}
		})
	}
}

// lookAlikeLinks look like join links and are not: the usage error, and no
// Huawei request.
var lookAlikeLinks = []string{
	"https://meeting.huaweicloud.com.evil.example/#/j/" + meetingID + "/" + joinToken,
	"<https://meeting.huaweicloud.com.evil.example/#/j/" + meetingID + "/" + joinToken + "|https://meeting.huaweicloud.com/#/j/" + meetingID + "/x>",
	"https://evil.example/#/j/" + meetingID + "/" + joinToken,
	"https://meeting.huaweicloud.com@evil.example/#/j/" + meetingID + "/" + joinToken,
	"https://evilmeeting.huaweicloud.com/#/j/" + meetingID + "/" + joinToken,
	"https://meeting.huaweicloud.com:444/#/j/" + meetingID + "/" + joinToken,
	"http://meeting.huaweicloud.com/#/j/" + meetingID + "/" + joinToken,
	"https://meeting.huaweicloud.com/#/conf/" + meetingID + "/" + joinToken,
	"https://meeting.huaweicloud.com/j/" + meetingID + "/" + joinToken,
	"https://meeting.huaweicloud.com/#/j/" + meetingID,
	"https://meeting.huaweicloud.com/#/j/" + meetingID + "/" + joinToken + "/../../stop",
	"https://meeting.huaweicloud.com/#/j/" + meetingID + "/" + joinToken + "?conferenceID=914083136",
	"https://meeting.huaweicloud.com/?x=/#/j/" + meetingID + "/" + joinToken,
	"https://meeting.huaweicloud.com/#/j/" + meetingID + "/" + joinToken + "&queryAll=true",
	"https://meeting.huaweicloud.com/#/j/%39%31%34%30%34%34%38%37%33/" + joinToken,
	"https://meeting.huaweicloud.com/#/j/" + meetingID + "%2F" + joinToken,
	"<https://meeting.huaweicloud.com/#/j/" + meetingID + "/" + joinToken,
	meetingID + " https://meeting.huaweicloud.com/#/j/" + meetingID + "/" + joinToken,
}

func TestJoinLinkLookAlikes(t *testing.T) {
	h := start(t, nil)
	var envs []slacktest.Envelope
	for _, text := range lookAlikeLinks {
		env, ack := h.command(admin, channel, text)
		envs = append(envs, env)
		if !strings.Contains(string(ack.Payload), "That is not a meeting ID") || ack.Problem != "" {
			t.Errorf("%s: ack = %s (problem %q), want the usage error", text, ack.Payload, ack.Problem)
		}
	}
	if n := len(h.huawei.Requests()); n != 0 {
		t.Errorf("Huawei requests = %v, want none", endpoints(h.huawei.Requests()))
	}
	if out := h.slackOutput(envs); strings.Contains(out, joinToken) {
		t.Errorf("Slack was sent the token:\n%s", out)
	}
	h.stop()
	if strings.Contains(h.logs.String(), joinToken) {
		t.Errorf("the logs have the token:\n%s", h.logs)
	}
}

// TestHostListWithoutPasswords: where the online list carries no
// passwords, the host's meetings are listed (asked about one by one, as the
// host) and endable; the meeting they are invited to is not listed.
func TestHostListWithoutPasswords(t *testing.T) {
	h := startHostsWith(t, meetingtest.Config{OnlineWithoutPasswords: true})
	h.addRoom()
	env, _ := h.command("UALICE", channel, "")
	list := h.posts(env.ResponseURL, 1)[0]
	for _, id := range []string{aliceMtg, aliceMtg2, roomMtg} {
		pickValue(t, list, id)
	}
	if !strings.Contains(string(list.Blocks), "*"+roomSubject+"* ("+roomShown+")") {
		t.Errorf("the list does not show the room: %s", list.Blocks)
	}
	for _, id := range []string{bobMtg, aliceLate, meetingID} {
		if strings.Contains(string(list.Blocks), id) {
			t.Errorf("the list shows %s, which alice does not host in progress", id)
		}
	}
	// alice takes part in 4 meetings in progress: each one's details tell.
	if got := h.countsSince(0); !maps.Equal(got, map[meetingtest.Endpoint]int{meetingtest.EndpointOnline: 1, meetingtest.EndpointConfDetail: 4}) {
		t.Errorf("requests for the list = %v, want one online list and four details", got)
	}
	click := h.click("UALICE", channel, "endmeeting_pick", pickValue(t, list, roomMtg))
	prompt := h.posts(click.ResponseURL, 1)[0]
	if !strings.Contains(prompt.Text, roomShown) {
		t.Fatalf("pick reply = %q, want the room's prompt", prompt.Text)
	}
	h.endFromPrompt("UALICE", prompt)
	if m, _ := h.huawei.Meeting(roomMtg); m.State != meetingtest.StateEnded {
		t.Errorf("%s state = %v, want ended", roomMtg, m.State)
	}
	// bob's list has his own meeting, not alice's that he is invited to.
	env, _ = h.command("UBOB", channel, "")
	list = h.posts(env.ResponseURL, 1)[0]
	pickValue(t, list, bobMtg)
	if strings.Contains(string(list.Blocks), aliceMtg) {
		t.Errorf("bob's list shows %s, to which he is only invited", aliceMtg)
	}
}

// forGood types the command as user, clicks End for good… and returns the
// prompt it leads to, checking its buttons.
func (h *harness) forGood(user, id string) slacktest.ResponsePost {
	h.t.Helper()
	env, _ := h.command(user, channel, id)
	p := h.posts(env.ResponseURL, 1)[0]
	bs := promptButtons(h.t, p.Blocks)
	if len(bs) != 3 || bs[1].ActionID != "endmeeting_forgood" || bs[1].Style != "" || bs[1].Confirm != nil {
		h.t.Fatalf("buttons = %+v, want End for good… in the middle, plain, without a dialog", bs)
	}
	before := len(h.huawei.Requests())
	ask := h.click(user, channel, "endmeeting_forgood", bs[1].Value)
	second := h.posts(ask.ResponseURL, 1)[0]
	if !second.ReplaceOriginal || !strings.Contains(second.Text, "for good?") {
		h.t.Fatalf("End for good… reply = %q (replace %v), want a prompt replacing the first", second.Text, second.ReplaceOriginal)
	}
	if n := len(h.huawei.Requests()) - before; n != 0 {
		h.t.Errorf("Huawei requests for End for good… = %d, want 0", n)
	}
	bs = promptButtons(h.t, second.Blocks)
	if got := actionIDs(bs); !slices.Equal(got, []string{"endmeeting_forgood_confirm", "endmeeting_cancel"}) || bs[0].Style != "danger" {
		h.t.Fatalf("second prompt's buttons = %v, want End for good (danger) and Cancel", got)
	}
	var dialog struct {
		Text struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	if err := json.Unmarshal(bs[0].Confirm, &dialog); err != nil || !strings.Contains(dialog.Text.Text, "cancels its reservation: nobody can rejoin") {
		h.t.Errorf("dialog = %s, want it to say the reservation is cancelled", bs[0].Confirm)
	}
	// The first prompt is answered: its End meeting does nothing now.
	again := h.click(user, channel, "endmeeting_confirm", buttonValue(h.t, p.Blocks, "endmeeting_confirm"))
	if r := h.posts(again.ResponseURL, 1)[0]; !strings.Contains(r.Text, "already been answered") {
		h.t.Errorf("End meeting after End for good… = %q, want already answered", r.Text)
	}
	return second
}

func TestEndForGood(t *testing.T) {
	for _, tt := range []struct{ name, user, id, shown string }{
		{"admin", admin, aliceMtg, aliceMtg},
		{"creator", "UALICE", aliceMtg, aliceMtg},
		{"creator, by room", "UALICE", roomNo, roomShown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := startHosts(t)
			h.addRoom()
			second := h.forGood(tt.user, tt.id)
			before := len(h.huawei.Requests())
			click := h.click(tt.user, channel, "endmeeting_forgood_confirm", buttonValue(t, second.Blocks, "endmeeting_forgood_confirm"))
			rs := h.posts(click.ResponseURL, 2)
			if !strings.Contains(rs[0].Text, "for good…") || !strings.Contains(rs[1].Text, tt.shown+") has ended and its reservation is cancelled: nobody can rejoin it.") {
				t.Errorf("replies = %q, %q; want Ending… for good and the result", rs[0].Text, rs[1].Text)
			}
			after := h.huawei.Requests()[before:]
			conf := map[string]string{aliceMtg: aliceMtg, roomNo: roomMtg}[tt.id]
			if len(after) != 1 || after[0].Endpoint != meetingtest.EndpointCancel || after[0].Query.Get("conferenceID") != conf || after[0].Query.Get("type") != "1" {
				t.Errorf("requests for the click = %v, want exactly one cancel of %s with type 1", endpoints(after), conf)
			}
			if _, ok := h.huawei.Meeting(conf); ok {
				t.Errorf("meeting %s is still there: nobody must be able to rejoin it", conf)
			}
			msgs, err := h.slack.WaitMessages(h.ctx(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(msgs[0].Text, "ended meeting") || !strings.Contains(msgs[0].Text, "for good: its reservation is cancelled.") {
				t.Errorf("announcement = %q, want it to say for good", msgs[0].Text)
			}
			h.stop()
			if !strings.Contains(h.logs.String(), `"outcome":"cancelled_for_good"`) {
				t.Errorf("no audit record with outcome cancelled_for_good:\n%s", h.logs)
			}
		})
	}
}

// TestEndForGoodRefusedForAnInvitee: a chair who did not create the
// meeting may end it but not cancel it; Huawei says 403, the user is told
// so, and nothing else is tried: the meeting goes on. A plain invitee gets
// no prompt at all.
func TestEndForGoodRefusedForAnInvitee(t *testing.T) {
	h := startHosts(t)
	const chaired = "111111119"
	h.huawei.AddMeeting(meetingtest.Meeting{ID: chaired, Subject: "Alice's all-hands", State: meetingtest.StateInProgress,
		Scheduler: alice, Chairs: []string{bob}, ChairPassword: "ca9", GuestPassword: "ga9"})
	second := h.forGood("UBOB", chaired)
	before := len(h.huawei.Requests())
	click := h.click("UBOB", channel, "endmeeting_forgood_confirm", buttonValue(t, second.Blocks, "endmeeting_forgood_confirm"))
	rs := h.posts(click.ResponseURL, 2)
	want := "did not let you cancel the reservation of meeting " + chaired + ": only the meeting's creator or an enterprise administrator can. Nothing was done"
	if !strings.Contains(rs[1].Text, want) || !rs[1].ReplaceOriginal {
		t.Errorf("result = %q, want %q", rs[1].Text, want)
	}
	after := h.huawei.Requests()[before:]
	if len(after) != 1 || after[0].Endpoint != meetingtest.EndpointCancel || after[0].Status != 403 {
		t.Errorf("requests for the click = %v, want one cancel, answered 403, and nothing else", endpoints(after))
	}
	if m, _ := h.huawei.Meeting(chaired); m.State != meetingtest.StateInProgress {
		t.Errorf("state = %v, want still in progress", m.State)
	}
	if n := len(h.slack.Messages()); n != 0 {
		t.Errorf("channel messages = %d, want none", n)
	}
	env, _ := h.command("UBOB", channel, aliceMtg) // invited, not a chair
	if p := h.posts(env.ResponseURL, 1)[0]; p.Blocks != nil || !strings.Contains(p.Text, "not found, or you are not its host") {
		t.Errorf("invitee's reply = %q (blocks %s), want not found without buttons", p.Text, p.Blocks)
	}
	if n := h.huawei.Count(meetingtest.EndpointCancel); n != 1 {
		t.Errorf("cancel requests = %d, want the one", n)
	}
}

func TestDoubleClickEndsForGoodOnce(t *testing.T) {
	h := startHosts(t)
	second := h.forGood(admin, aliceMtg)
	v := buttonValue(t, second.Blocks, "endmeeting_forgood_confirm")
	var clicks []slacktest.Envelope
	for range 2 {
		env, err := h.slack.SendBlockAction(h.ctx(), slacktest.BlockAction{ChannelID: channel, UserID: admin,
			ActionID: "endmeeting_forgood_confirm", Value: v, IsEphemeral: true})
		if err != nil {
			t.Fatal(err)
		}
		clicks = append(clicks, env)
	}
	var texts []string
	for _, c := range clicks {
		if _, err := h.slack.WaitAck(h.ctx(), c.ID); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && len(h.slack.ResponsePosts(clicks[0].ResponseURL))+len(h.slack.ResponsePosts(clicks[1].ResponseURL)) < 3 {
		time.Sleep(10 * time.Millisecond)
	}
	for _, c := range clicks {
		for _, p := range h.slack.ResponsePosts(c.ResponseURL) {
			texts = append(texts, p.Text)
		}
	}
	joined := strings.Join(texts, "\n")
	if strings.Count(joined, "its reservation is cancelled") != 1 || strings.Count(joined, "already been answered") != 1 {
		t.Errorf("replies:\n%s\nwant one result and one already answered", joined)
	}
	if n := h.huawei.Count(meetingtest.EndpointCancel); n != 1 {
		t.Errorf("cancel requests = %d, want 1", n)
	}
	if n := h.huawei.Count(meetingtest.EndpointStop); n != 0 {
		t.Errorf("stop requests = %d, want 0", n)
	}
}

func TestRecurringMeetingIsNotEndedForGood(t *testing.T) {
	h := startHosts(t)
	const series = "111111118"
	h.huawei.AddMeeting(meetingtest.Meeting{ID: series, Subject: "Alice's weekly", State: meetingtest.StateInProgress,
		Scheduler: alice, ChairPassword: "ca8", GuestPassword: "ga8", Recurring: true})
	env, _ := h.command("UALICE", channel, series)
	p := h.posts(env.ResponseURL, 1)[0]
	if got := actionIDs(promptButtons(t, p.Blocks)); !slices.Equal(got, []string{"endmeeting_confirm", "endmeeting_cancel"}) {
		t.Errorf("buttons = %v, want End meeting and Cancel only", got)
	}
	if !strings.Contains(p.Text, "recurring series, whose reservation the bot cannot cancel") {
		t.Errorf("prompt = %q, want it to say why it cannot end for good", p.Text)
	}
	h.endFromPrompt("UALICE", p) // a plain stop still works
	if n := h.huawei.Count(meetingtest.EndpointCancel); n != 0 {
		t.Errorf("cancel requests = %d, want 0", n)
	}
}

// TestHuaweiRequestsPerCase counts the Huawei requests of each way to name
// a meeting and of each click, per endpoint and without the log-ins (once
// per identity). The benchmarks' Huawei-calls figures are the plain
// conferenceID case; these are the others.
func TestHuaweiRequestsPerCase(t *testing.T) {
	h := startHosts(t)
	h.addRoom()
	// Meetings of others, in progress, listed before alice's room for the
	// admin: 150 take the search to a second page.
	for i := range 150 {
		h.huawei.AddMeeting(meetingtest.Meeting{ID: fmt.Sprintf("44%07d", i), Subject: "Other", State: meetingtest.StateInProgress,
			Start: time.Now().Add(-3 * time.Hour), ChairPassword: "x", Scheduler: "someone"})
	}
	// Log both identities in, so that the counts are of the work alone.
	for _, u := range []string{admin, "UALICE"} {
		env, _ := h.command(u, channel, "999999999")
		h.posts(env.ResponseURL, 1)
	}
	type ep = meetingtest.Endpoint
	const (
		detail, online, token = meetingtest.EndpointConfDetail, meetingtest.EndpointOnline, meetingtest.EndpointControlToken
		stop, cancel          = meetingtest.EndpointStop, meetingtest.EndpointCancel
	)
	command := func(user, text string) (slacktest.ResponsePost, map[ep]int) {
		t.Helper()
		n := len(h.huawei.Requests())
		env, _ := h.command(user, channel, text)
		p := h.posts(env.ResponseURL, 1)[0]
		return p, h.countsSince(n)
	}
	clickOn := func(user string, p slacktest.ResponsePost, action string) (slacktest.ResponsePost, map[ep]int) {
		t.Helper()
		n := len(h.huawei.Requests())
		c := h.click(user, channel, action, buttonValue(t, p.Blocks, action))
		posts := 2 // Ending…, then the result
		if action == "endmeeting_forgood" || action == "endmeeting_cancel" {
			posts = 1 // a prompt, or Cancelled
		}
		r := h.posts(c.ResponseURL, posts)
		return r[len(r)-1], h.countsSince(n)
	}
	var table []string
	check := func(name string, got, want map[ep]int) {
		t.Helper()
		table = append(table, fmt.Sprintf("%-58s %v", name, got))
		if !maps.Equal(got, want) {
			t.Errorf("%s: requests = %v, want %v", name, got, want)
		}
	}

	p, got := command(admin, aliceMtg)
	check("admin, conferenceID: command", got, map[ep]int{detail: 1, token: 1})
	_, got = clickOn(admin, p, "endmeeting_cancel")
	check("admin, conferenceID: Cancel click", got, map[ep]int{})

	p, got = command(admin, "<https://meeting.huaweicloud.com/#/j/"+aliceMtg+"/"+joinToken+">")
	check("admin, join link: command", got, map[ep]int{detail: 1}) // the control token is cached
	_, got = clickOn(admin, p, "endmeeting_cancel")
	check("admin, join link: Cancel click", got, map[ep]int{})

	p, got = command(admin, roomNo)
	check("admin, room ID, 2 pages of the online list: command", got, map[ep]int{detail: 2, online: 2, token: 1})
	_, got = clickOn(admin, p, "endmeeting_cancel")
	check("admin, room ID: Cancel click", got, map[ep]int{})

	p, got = command("UALICE", roomNo)
	check("host, room ID, 1 page (her own meetings): command", got, map[ep]int{detail: 2, online: 1, token: 1})
	_, got = clickOn("UALICE", p, "endmeeting_confirm")
	check("host, room ID: End meeting click", got, map[ep]int{stop: 1})

	_, got = command(admin, "9800999999")
	check("admin, room with nothing running: command", got, map[ep]int{detail: 1, online: 2})

	p, got = command("UALICE", aliceMtg2)
	check("host, conferenceID: command", got, map[ep]int{detail: 1, token: 1})
	p, got = clickOn("UALICE", p, "endmeeting_forgood")
	check("host: End for good… click", got, map[ep]int{})
	_, got = clickOn("UALICE", p, "endmeeting_forgood_confirm")
	check("host: End for good click", got, map[ep]int{cancel: 1})

	_, got = command("UALICE", "")
	check("host list, passwords in the list", got, map[ep]int{online: 1})

	n := len(h.huawei.Requests())
	if _, ack := h.command(admin, channel, "https://meeting.huaweicloud.com.evil.example/#/j/"+aliceMtg+"/"+joinToken); ack.Payload == nil {
		t.Errorf("look-alike link: empty ack, want the usage error in it")
	}
	check("look-alike link: command (answered in the ack)", h.countsSince(n), map[ep]int{})

	// More than RoomSearchLimit meetings in progress: the search stops at
	// 5 pages and says so.
	for i := range 400 {
		h.huawei.AddMeeting(meetingtest.Meeting{ID: fmt.Sprintf("55%07d", i), Subject: "Other", State: meetingtest.StateInProgress,
			Start: time.Now().Add(-2 * time.Hour), ChairPassword: "x", Scheduler: "someone"})
	}
	p, got = command(admin, "9800999999")
	check("admin, room not among the first 500: command", got, map[ep]int{detail: 1, online: 5})
	if !strings.Contains(p.Text, "among the first 500 meetings in progress only") {
		t.Errorf("reply = %q, want it to say the search stopped at 500", p.Text)
	}
	t.Logf("Huawei requests per case, log-ins left out:\n%s", strings.Join(table, "\n"))
}

// TestHostListWithoutPasswordsRequests: the host list where the online list
// carries no passwords asks at most listShow details.
func TestHostListWithoutPasswordsRequests(t *testing.T) {
	h := startHostsWith(t, meetingtest.Config{OnlineWithoutPasswords: true})
	for i := range 14 {
		h.huawei.AddMeeting(meetingtest.Meeting{ID: fmt.Sprintf("66%07d", i), Subject: "Alice's", State: meetingtest.StateInProgress,
			Start: time.Now().Add(-3 * time.Hour), ChairPassword: "x", Scheduler: alice})
	}
	env, _ := h.command("UALICE", channel, "")
	list := h.posts(env.ResponseURL, 1)[0]
	got := h.countsSince(0)
	t.Logf("host list, no passwords in the list, alice in 17 meetings in progress: %v", got)
	if !maps.Equal(got, map[meetingtest.Endpoint]int{meetingtest.EndpointOnline: 1, meetingtest.EndpointConfDetail: 10}) {
		t.Errorf("requests = %v, want one online list and 10 details", got)
	}
	if !strings.Contains(string(list.Blocks), "7 more meetings you take part in were not checked") {
		t.Errorf("list = %s, want it to say 7 were not checked", list.Blocks)
	}
}

// TestOtherActionsAreAckedAndIgnored: a block_actions envelope for an
// action that is none of the bot's buttons (a checkbox ticked in some
// message, another app's element) is acked, and nothing else happens: no
// reply, no Huawei request, and the prompt still works.
func TestOtherActionsAreAckedAndIgnored(t *testing.T) {
	h := start(t, nil)
	env, _ := h.command(admin, channel, meetingID)
	p := h.posts(env.ResponseURL, 1)[0]
	before := len(h.huawei.Requests())
	other, err := h.slack.SendBlockAction(h.ctx(), slacktest.BlockAction{ChannelID: channel, UserID: admin,
		ActionID: "endmeeting_also_cancel", BlockID: "endmeeting_actions", IsEphemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := h.slack.WaitAck(h.ctx(), other.ID); err != nil || ack.Payload != nil {
		t.Fatalf("ack = %s, %v; want an empty ack", ack.Payload, err)
	}
	h.endFromPrompt(admin, p)
	if n := len(h.slack.ResponsePosts(other.ResponseURL)); n != 0 {
		t.Errorf("replies to the other action = %d, want none", n)
	}
	if after := h.huawei.Requests()[before:]; len(after) != 1 || after[0].Endpoint != meetingtest.EndpointStop {
		t.Errorf("requests = %v, want the prompt's stop alone", endpoints(after))
	}
	h.stop()
	if strings.Contains(h.logs.String(), `"decision":"invalid"`) {
		t.Errorf("the other action was taken for a bad button:\n%s", h.logs)
	}
}
