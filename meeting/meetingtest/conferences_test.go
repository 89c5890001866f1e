package meetingtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"meetingbot/meeting/meetingtest"
)

type conferenceInfo struct {
	ConferenceID    string          `json:"conferenceID"`
	Subject         string          `json:"subject"`
	StartTime       string          `json:"startTime"`
	EndTime         string          `json:"endTime"`
	TimeZoneID      string          `json:"timeZoneID"`
	ConferenceState string          `json:"conferenceState"`
	PasswordEntry   []passwordEntry `json:"passwordEntry"`
	UserUUID        string          `json:"userUUID"`
	ScheduserName   string          `json:"scheduserName"`
	ConferenceType  int             `json:"conferenceType"`
	ConfType        string          `json:"confType"`
	ConfUUID        string          `json:"confUUID"`
	Role            string          `json:"role"`
	VmrFlag         int             `json:"vmrFlag"`
	VmrConferenceID string          `json:"vmrConferenceID"`
	VmrID           string          `json:"vmrID"`
}

type passwordEntry struct {
	ConferenceRole string `json:"conferenceRole"`
	Password       string `json:"password"`
}

// passwords returns the entries as "role=password" strings.
func (c conferenceInfo) passwords() []string {
	var out []string
	for _, p := range c.PasswordEntry {
		out = append(out, p.ConferenceRole+"="+p.Password)
	}
	return out
}

func TestConfDetailVisibility(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		user, id      string
		wantCode      string // "" for success
		wantRole      string
		wantPasswords []string
	}{
		{"", "100000001", "", "chair", []string{"chair=111111", "general=222222"}},
		{"dave", "100000001", "", "chair", []string{"chair=111111", "general=222222"}},
		{"alice", "100000001", "", "chair", []string{"chair=111111", "general=222222"}},
		{"bob", "100000001", "", "general", []string{"general=222222"}},
		{"carol", "100000001", "MMC.111070005", "", nil},
		{"alice", "100000002", "", "chair", []string{"chair=333333", "general=444444"}},
		{"bob", "100000002", "", "general", []string{"general=444444"}},
		{"", "100000003", "MMC.111070005", "", nil},
		{"alice", "100000003", "MMC.111070005", "", nil},
		{"", "999999999", "MMC.111070005", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.id, func(t *testing.T) {
			r := confDetail(t, srv, login(t, srv, tt.user), tt.id)
			if tt.wantCode != "" {
				wantError(t, r, http.StatusBadRequest, tt.wantCode)
				if msg := r.errorBody(t).Msg; msg != "CONF_DATA_NOT_FOUND" {
					t.Errorf("error_msg: got %q, want CONF_DATA_NOT_FOUND", msg)
				}
				return
			}
			if r.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %s)", r.status, r.body)
			}
			var d struct {
				ConferenceData conferenceInfo `json:"conferenceData"`
			}
			if err := json.Unmarshal(r.body, &d); err != nil {
				t.Fatal(err)
			}
			if got := d.ConferenceData.Role; got != tt.wantRole {
				t.Errorf("role: got %q, want %q", got, tt.wantRole)
			}
			if got := d.ConferenceData.passwords(); !slices.Equal(got, tt.wantPasswords) {
				t.Errorf("passwordEntry: got %v, want %v", got, tt.wantPasswords)
			}
		})
	}
}

func TestConfDetailShape(t *testing.T) {
	srv := newServer(t)
	r := confDetail(t, srv, login(t, srv, "bob"), "100000001")
	if r.status != http.StatusOK {
		t.Fatalf("status: got %d, want 200 (body %s)", r.status, r.body)
	}
	if got, want := keys(t, r.body), []string{"conferenceData", "data"}; !slices.Equal(got, want) {
		t.Errorf("keys: got %v, want %v", got, want)
	}
	var d struct {
		ConferenceData json.RawMessage `json:"conferenceData"`
		Data           json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{"conferenceID", "conferenceState", "conferenceType", "confType", "confUUID", "endTime", "passwordEntry",
		"role", "scheduserName", "startTime", "subject", "timeZoneID", "userUUID", "vmrFlag"}
	slices.Sort(wantKeys)
	if got := keys(t, d.ConferenceData); !slices.Equal(got, wantKeys) {
		t.Errorf("conferenceData keys: got %v, want %v", got, wantKeys)
	}
	if got, want := keys(t, d.Data), []string{"count", "data", "limit", "offset"}; !slices.Equal(got, want) {
		t.Errorf("data keys: got %v, want %v", got, want)
	}
	var c conferenceInfo
	if err := json.Unmarshal(d.ConferenceData, &c); err != nil {
		t.Fatal(err)
	}
	want := conferenceInfo{
		ConferenceID: "100000001", Subject: "Weekly sync",
		StartTime: "2030-01-02 03:04", EndTime: "2030-01-02 04:04", TimeZoneID: "56",
		ConferenceState: "Created", ScheduserName: "Alice",
	}
	got := c
	got.PasswordEntry, got.UserUUID, got.ConfUUID, got.Role = nil, "", "", ""
	want.ConfType = "FUTURE"
	if !equalJSON(got, want) {
		t.Errorf("conferenceData: got %+v, want %+v", got, want)
	}
	if c.UserUUID == "" || c.ConfUUID == "" {
		t.Errorf("userUUID, confUUID: got %q, %q, want both set", c.UserUUID, c.ConfUUID)
	}

	// The scheduler's userUUID is the userId that alice's log-in reports.
	var a authResponse
	if err := json.Unmarshal(do(t, validAppAuth(srv, "alice").request(t, srv)).body, &a); err != nil {
		t.Fatal(err)
	}
	if c.UserUUID != a.User.UserID {
		t.Errorf("userUUID: got %q, want alice's userId %q", c.UserUUID, a.User.UserID)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestConfDetailBadID(t *testing.T) {
	srv := newServer(t)
	tok := login(t, srv, "")
	for _, q := range []url.Values{{}, {"conferenceID": {""}}, {"conferenceID": {"100-000-001"}}, {"conferenceID": {"abc"}}} {
		t.Run(q.Encode(), func(t *testing.T) {
			r := get(t, srv, "/v1/mmc/management/conferences/confDetail", q, map[string]string{"X-Access-Token": tok})
			wantError(t, r, http.StatusBadRequest, "MMC.111070001")
		})
	}
}

type onlineResponse struct {
	Offset int              `json:"offset"`
	Limit  int              `json:"limit"`
	Count  int              `json:"count"`
	Data   []conferenceInfo `json:"data"`
}

func TestOnline(t *testing.T) {
	srv := newServer(t)
	srv.AddMeeting(meetingtest.Meeting{ID: "100000004", Subject: "Admin call", State: meetingtest.StateInProgress,
		ChairPassword: "777777", GuestPassword: "888888"})
	tests := []struct {
		name      string
		user      string
		query     url.Values
		status    int
		code      string
		wantIDs   []string
		wantRoles []string
		wantCount int
	}{
		{name: "host", user: "alice", wantIDs: []string{"100000001"}, wantRoles: []string{"chair"}, wantCount: 1},
		{name: "invitee", user: "bob", wantIDs: []string{"100000001"}, wantRoles: []string{"general"}, wantCount: 1},
		{name: "stranger", user: "carol", wantCount: 0},
		{name: "administrator without queryAll", user: "", wantIDs: []string{"100000004"}, wantRoles: []string{"chair"}, wantCount: 1},
		// Sorted by start time: 100000004 starts now, 100000001 in 2030.
		{name: "administrator with queryAll", user: "", query: url.Values{"queryAll": {"true"}},
			wantIDs: []string{"100000004", "100000001"}, wantRoles: []string{"chair", "chair"}, wantCount: 2},
		{name: "second page", user: "dave", query: url.Values{"queryAll": {"true"}, "offset": {"1"}, "limit": {"1"}},
			wantIDs: []string{"100000001"}, wantRoles: []string{"chair"}, wantCount: 2},
		{name: "search", user: "", query: url.Values{"queryAll": {"true"}, "searchKey": {"weekly"}},
			wantIDs: []string{"100000001"}, wantRoles: []string{"chair"}, wantCount: 1},
		{name: "search by scheduler", user: "", query: url.Values{"queryAll": {"true"}, "searchKey": {"ALICE"}},
			wantIDs: []string{"100000001"}, wantRoles: []string{"chair"}, wantCount: 1},
		{name: "search by ID", user: "", query: url.Values{"queryAll": {"true"}, "searchKey": {"00004"}},
			wantIDs: []string{"100000004"}, wantRoles: []string{"chair"}, wantCount: 1},
		// Huawei: queryAll is valid only for administrators; it has no
		// effect for anyone else.
		{name: "queryAll by a user", user: "alice", query: url.Values{"queryAll": {"true"}},
			wantIDs: []string{"100000001"}, wantRoles: []string{"chair"}, wantCount: 1},
		{name: "queryAll by a guest", user: "bob", query: url.Values{"queryAll": {"true"}},
			wantIDs: []string{"100000001"}, wantRoles: []string{"general"}, wantCount: 1},
		{name: "offset past the end", user: "", query: url.Values{"queryAll": {"true"}, "offset": {"7"}}, wantCount: 2},
		{name: "limit 500", user: "", query: url.Values{"queryAll": {"true"}, "limit": {"500"}},
			wantIDs: []string{"100000004", "100000001"}, wantRoles: []string{"chair", "chair"}, wantCount: 2},
		{name: "limit above 500", user: "", query: url.Values{"limit": {"501"}}, status: 400, code: "MMC.111070001"},
		{name: "limit 0", user: "", query: url.Values{"limit": {"0"}}, status: 400, code: "MMC.111070001"},
		{name: "negative offset", user: "", query: url.Values{"offset": {"-1"}}, status: 400, code: "MMC.111070001"},
		{name: "queryAll yes", user: "", query: url.Values{"queryAll": {"yes"}}, status: 400, code: "MMC.111070001"},
		{name: "limit not a number", user: "", query: url.Values{"limit": {"ten"}}, status: 400, code: "MMC.111070001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, srv, "/v1/mmc/management/conferences/online", tt.query,
				map[string]string{"X-Access-Token": login(t, srv, tt.user)})
			if tt.status != 0 {
				wantError(t, r, tt.status, tt.code)
				return
			}
			if r.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %s)", r.status, r.body)
			}
			if got, want := keys(t, r.body), []string{"count", "data", "limit", "offset"}; !slices.Equal(got, want) {
				t.Errorf("keys: got %v, want %v", got, want)
			}
			var o onlineResponse
			if err := json.Unmarshal(r.body, &o); err != nil {
				t.Fatal(err)
			}
			var ids, roles []string
			for _, c := range o.Data {
				ids = append(ids, c.ConferenceID)
				roles = append(roles, c.Role)
				if c.Role == "general" && slices.ContainsFunc(c.PasswordEntry, func(p passwordEntry) bool {
					return p.ConferenceRole == "chair"
				}) {
					t.Errorf("meeting %s: a general participant got the chair password", c.ConferenceID)
				}
			}
			if !slices.Equal(ids, tt.wantIDs) || !slices.Equal(roles, tt.wantRoles) || o.Count != tt.wantCount {
				t.Errorf("got IDs %v, roles %v, count %d, want %v, %v, %d", ids, roles, o.Count, tt.wantIDs, tt.wantRoles, tt.wantCount)
			}
			wantLimit := 20
			if l := tt.query.Get("limit"); l != "" {
				wantLimit, _ = strconv.Atoi(l)
			}
			if o.Limit != wantLimit {
				t.Errorf("limit: got %d, want %d", o.Limit, wantLimit)
			}
		})
	}
}

func TestOnlineNeedsAccessToken(t *testing.T) {
	srv := newServer(t)
	r := get(t, srv, "/v1/mmc/management/conferences/online", nil, nil)
	wantError(t, r, http.StatusUnauthorized, "MMC.118000001")
}
