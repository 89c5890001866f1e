package meeting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"meetingbot/internal/secret"
	"net/http"
	"net/url"
	"time"
)

// State is a meeting's state as Huawei reports it.
type State string

// The values of conferenceState.
const (
	StateScheduled  State = "Schedule"
	StateCreating   State = "Creating"
	StateInProgress State = "Created"
	StateEnded      State = "Destroyed"
)

// Conference is what the client knows of a meeting.
type Conference struct {
	// ID is the conferenceID, which every call takes.
	ID ID
	// RoomID is the meeting ID of the cloud meeting room or personal
	// meeting ID that holds the meeting (vmrConferenceID, when vmrFlag is
	// 1), or empty. Huawei's clients show it as the meeting's ID, so it is
	// often the ID people know and type; no call takes it.
	RoomID  ID
	Subject string
	State   State
	// Start and End are the scheduled times; zero when Huawei sent none or
	// sent them in a form the client does not read.
	Start, End time.Time
	// Recurring is set when Huawei describes the meeting as one of a
	// recurring series (conferenceType 2, confType CYCLE, cycleParams or a
	// cycleSubConfID). Such a meeting has its own cancel call
	// (cycleconferences), which the client does not make.
	Recurring bool
	// RequestID is Huawei's X-Request-Id of the call that described it.
	RequestID string

	hostPassword secret.Secret
	hostKnown    bool // see HostKnown
}

// Format prints the conference without its host password, whatever the
// verb. Without it fmt, and slog's text handler, would print the unexported
// field's value: they cannot call secret.Secret's methods through it.
func (c Conference) Format(f fmt.State, verb rune) {
	type conference struct {
		ID         ID
		RoomID     ID
		Subject    string
		State      State
		Start, End time.Time
		Recurring  bool
		RequestID  string
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), conference{c.ID, c.RoomID, c.Subject, c.State, c.Start, c.End, c.Recurring, c.RequestID})
}

// DisplayID returns the ID people know the meeting by: the room's when it
// is held in a cloud meeting room or personal meeting ID, else its
// conferenceID. Show it; call with ID.
func (c Conference) DisplayID() ID {
	if c.RoomID != "" {
		return c.RoomID
	}
	return c.ID
}

// CanControl reports whether the client got the meeting's host password, so
// it can fetch a control token and end the meeting. Huawei gives it only to
// the meeting's host and to administrators.
func (c Conference) CanControl() bool { return c.hostPassword != "" }

// HostKnown reports whether CanControl is Huawei's answer to "may the
// client's user end this meeting": true for details read with confDetail
// and for entries of the online list that carry passwords, false for an
// entry that carries none, whose CanControl is false whatever the truth.
// Whether the online list carries passwords is not documented. Hosted
// settles the entries whose host is not known.
func (c Conference) HostKnown() bool { return c.hostKnown }

// conferenceInfo is the part of Huawei's ConferenceInfo the client reads.
type conferenceInfo struct {
	ConferenceID    string `json:"conferenceID"`
	Subject         string `json:"subject"`
	StartTime       string `json:"startTime"`
	EndTime         string `json:"endTime"`
	ConferenceState State  `json:"conferenceState"`
	PasswordEntry   []struct {
		Role     string        `json:"conferenceRole"`
		Password secret.Secret `json:"password"`
	} `json:"passwordEntry"`
	VmrFlag         int    `json:"vmrFlag"`         // 1: held in a cloud meeting room or personal meeting ID
	VmrConferenceID string `json:"vmrConferenceID"` // that room's meeting ID
	// The marks of a recurring meeting in the SDK's model: conferenceType
	// 2 ("recurring meeting"), confType CYCLE, the series' cycleParams, and
	// cycleSubConfID, which names one meeting of a series.
	ConferenceType int             `json:"conferenceType"`
	ConfType       string          `json:"confType"`
	CycleParams    json.RawMessage `json:"cycleParams"`
	CycleSubConfID string          `json:"cycleSubConfID"`
}

// huaweiTime is the layout of startTime and endTime, in UTC.
const huaweiTime = "2006-01-02 15:04"

// conference reads ci. detail says it is confDetail's answer, which says
// all Huawei will say of the user's passwords; a list entry says something
// only if it carries a password.
func (ci conferenceInfo) conference(requestID string, detail bool) Conference {
	c := Conference{
		ID:        ID(ci.ConferenceID),
		Subject:   ci.Subject,
		State:     ci.ConferenceState,
		RequestID: requestID,
		hostKnown: detail || len(ci.PasswordEntry) > 0,
		Recurring: ci.ConferenceType == 2 || ci.ConfType == "CYCLE" || ci.CycleSubConfID != "" ||
			(len(ci.CycleParams) > 0 && string(ci.CycleParams) != "null"),
	}
	if room := ID(ci.VmrConferenceID); ci.VmrFlag == 1 && room.Validate() == nil {
		c.RoomID = room
	}
	c.Start, _ = time.ParseInLocation(huaweiTime, ci.StartTime, time.UTC)
	c.End, _ = time.ParseInLocation(huaweiTime, ci.EndTime, time.UTC)
	for _, p := range ci.PasswordEntry {
		if p.Role == "chair" {
			c.hostPassword = p.Password
		}
	}
	return c
}

// Meeting returns the details of a meeting that has not ended (confDetail).
// Huawei answers not found for meetings that have ended and for meetings the
// client's user may not see.
func (c *Client) Meeting(ctx context.Context, id ID) (Conference, error) {
	if err := id.Validate(); err != nil {
		return Conference{}, err
	}
	resp, err := c.withAccessToken(ctx, request{
		op: "confDetail", method: http.MethodGet,
		path:  "/v1/mmc/management/conferences/confDetail",
		query: url.Values{"conferenceID": {string(id)}},
	})
	if err != nil {
		return Conference{}, err
	}
	var ans struct {
		ConferenceData conferenceInfo `json:"conferenceData"`
	}
	if err := decodeJSON("confDetail", resp, &ans); err != nil {
		return Conference{}, err
	}
	conf := ans.ConferenceData.conference(resp.requestID, true)
	if conf.ID != id {
		return Conference{}, &Error{Op: "confDetail", Kind: ErrUnexpected, Status: resp.status, RequestID: resp.requestID, Err: errors.New("the answer is about another meeting")}
	}
	return conf, nil
}

// Prepare gets a meeting ready to be ended: it reads its details and, for a
// meeting in progress, fetches and caches its control token, so that a Stop
// within the token's lifetime makes a single request. A meeting that is not
// in progress, or that the client cannot control, is an error; the details
// are returned with it when they were read.
func (c *Client) Prepare(ctx context.Context, id ID) (Conference, error) {
	conf, err := c.Meeting(ctx, id)
	if err != nil {
		return conf, err
	}
	return c.prepare(ctx, conf)
}

// prepare is Prepare for a meeting whose details were just read.
func (c *Client) prepare(ctx context.Context, conf Conference) (Conference, error) {
	if err := conf.ready(); err != nil {
		return conf, err
	}
	if _, err := c.controlToken(ctx, conf.ID, conf.hostPassword); err != nil {
		return conf, err
	}
	return conf, nil
}

// ready reports why a meeting cannot be ended now.
func (c Conference) ready() error {
	op := "confDetail"
	switch c.State {
	case StateInProgress:
	case StateScheduled, StateCreating:
		return &Error{Op: op, Kind: ErrNotStarted, RequestID: c.RequestID}
	case StateEnded:
		return &Error{Op: op, Kind: ErrAlreadyEnded, RequestID: c.RequestID}
	default:
		return &Error{Op: op, Kind: ErrUnexpected, RequestID: c.RequestID, Err: errors.New("unknown meeting state")}
	}
	if !c.CanControl() {
		return &Error{Op: op, Kind: ErrNotPermitted, RequestID: c.RequestID, Err: errors.New("no host password in the details")}
	}
	return nil
}
