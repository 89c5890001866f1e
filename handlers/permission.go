package handlers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/patrickmn/go-cache"
)

// Directory looks up Slack users and user groups for the permission rules.
// Package bot implements it with users.info and usergroups.users.list.
type Directory interface {
	User(ctx context.Context, userID string) (User, error)
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// User is what the permission rules need of a Slack user.
type User struct {
	ID, TeamID   string
	EnterpriseID string // the user's Enterprise Grid organization, if any
	// Stranger marks a user of another organization whom Slack shows
	// through a shared channel (users.info's is_stranger).
	Stranger     bool
	Admin, Owner bool // workspace admin, owner or primary owner
	Deleted      bool
	Email        string
}

// Org is the Slack organization the bot serves: the workspace of its bot
// token, and on Enterprise Grid the enterprise it belongs to. The transport
// learns it from Slack (auth.test) before it takes any request.
type Org struct {
	TeamID       string
	EnterpriseID string // empty outside Enterprise Grid
	// EnterpriseInstall marks an org-wide install, which serves every
	// workspace of the enterprise.
	EnterpriseInstall bool
}

// Includes reports whether a request sent from team (of enterprise, on
// Enterprise Grid) comes from inside o. An Org that knows neither ID
// includes nothing.
func (o Org) Includes(team, enterprise string) bool {
	switch {
	case o.EnterpriseInstall:
		return o.EnterpriseID != "" && enterprise == o.EnterpriseID
	case o.TeamID == "":
		return false
	case enterprise != "" && enterprise != o.EnterpriseID:
		return false // another enterprise, or one where o is none
	}
	return team == o.TeamID
}

// member reports whether u, as users.info shows them, belongs to o: not a
// stranger seen through a shared channel, and of o's enterprise on
// Enterprise Grid (where a member's home workspace may be another of its
// workspaces), else of o's workspace.
func (o Org) member(u User) bool {
	switch {
	case u.Stranger:
		return false
	case o.EnterpriseID == "" && u.EnterpriseID != "":
		return false // a Grid organization's user, where the bot serves none
	case o.EnterpriseID != "" && u.EnterpriseID != "":
		return u.EnterpriseID == o.EnterpriseID
	case o.EnterpriseInstall:
		return false // an org-wide install knows its members by enterprise
	}
	return o.TeamID != "" && u.TeamID == o.TeamID
}

// Caller is who sent a command or click, and from where, as the transport
// received it.
type Caller struct {
	TeamID, EnterpriseID, ChannelID, UserID string
}

// Policy is who may end meetings, by Slack ID only: names change, IDs do not.
type Policy struct {
	// Org is the organization served; requests and users from outside it
	// are refused, whatever rule would otherwise allow them.
	Org Org

	AdminUsers           []string // user IDs that may end any meeting
	AdminGroups          []string // user-group IDs whose members may end any meeting
	AllowWorkspaceAdmins bool     // workspace admins and owners may end any meeting
	Channels             []string // when not empty, the only channels the command works in

	// HostRule lets a caller whom no admin rule allows end the meetings
	// they host, acting in Huawei as their own Huawei user, so that Huawei
	// decides who the host is.
	HostRule bool
	// HostMap maps Slack user IDs to Huawei user IDs for the host rule.
	HostMap map[string]string
	// HostByEmail maps users missing from HostMap by their Slack profile
	// email (users.info with users:read.email).
	HostByEmail bool
}

// PolicyError is a problem with one field of a Policy, named as in Go
// (AdminUsers, AdminGroups, Channels, HostMap).
type PolicyError struct {
	Field   string
	Problem string
}

func (e *PolicyError) Error() string { return e.Field + ": " + e.Problem }

// Validate reports every ID in the policy that is not a Slack ID of its
// kind, each a *PolicyError, joined with errors.Join.
func (p Policy) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &PolicyError{field, fmt.Sprintf(format, args...)})
	}
	for _, id := range p.AdminUsers {
		if !IsUserID(id) {
			bad("AdminUsers", "%q is not a Slack user ID (U… or W…)", id)
		}
	}
	for _, id := range p.AdminGroups {
		if !slackID(id, "S") {
			bad("AdminGroups", "%q is not a Slack user-group ID (S…)", id)
		}
	}
	for _, id := range p.Channels {
		if !slackID(id, "CGD") {
			bad("Channels", "%q is not a Slack channel ID (C…, G… or D…)", id)
		}
	}
	for _, slackUser := range slices.Sorted(maps.Keys(p.HostMap)) {
		if !IsUserID(slackUser) {
			bad("HostMap", "%q is not a Slack user ID (U… or W…)", slackUser)
		}
		if hu := p.HostMap[slackUser]; !huaweiUserID(hu) {
			bad("HostMap", "%q is not a Huawei user ID (1 to 64 letters, digits and . _ @ + -)", hu)
		}
	}
	return errors.Join(errs...)
}

// AllowsNobody reports whether no rule of the policy can allow anyone.
func (p Policy) AllowsNobody() bool {
	return len(p.AdminUsers)+len(p.AdminGroups) == 0 && !p.AllowWorkspaceAdmins && !p.HostRule
}

// IsUserID reports whether id looks like a Slack user ID (U… or W…).
func IsUserID(id string) bool { return slackID(id, "UW") }

// huaweiUserID reports whether id can be a Huawei user ID: the bot signs it
// and sends it, so it stays within plain characters.
func huaweiUserID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && !strings.ContainsRune("._@+-", rune(c)) {
			return false
		}
	}
	return true
}

// slackID reports whether id looks like a Slack ID starting with one of the
// given letters: an upper-case letter and 2 to 20 upper-case letters or digits.
func slackID(id, first string) bool {
	if len(id) < 3 || len(id) > 21 {
		return false
	}
	if !slices.Contains([]byte(first), id[0]) {
		return false
	}
	for i := 1; i < len(id); i++ {
		c := id[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// errSlackLookup marks a failed Slack look-up, so the audit log can tell it from
// the bot's own failures.
var errSlackLookup = errors.New("slack look-up failed")

// The rules that can allow a caller, as the audit log names them.
const (
	RuleAdminUser      = "admin_user"
	RuleAdminGroup     = "admin_group"
	RuleWorkspaceAdmin = "workspace_admin"
	RuleHost           = "host" // may end the meetings Huawei says they host
)

// Decision is the outcome of a permission check.
type Decision struct {
	Allowed bool
	Rule    string // the rule that allowed, when Allowed
	// HuaweiUser is the Huawei user to act as, for RuleHost.
	HuaweiUser string
	// Reason says why a caller was denied: one of the Reason constants.
	Reason string
	// Err is the look-up failure behind a ReasonLookupFailed denial, for the log.
	Err error
}

// The reasons for a denial, as the audit log names them.
const (
	ReasonOtherOrg       = "other_organization" // the request or the user is not of the served organization
	ReasonChannel        = "channel"            // the command is not enabled in the channel
	ReasonNoRule         = "no_rule"            // no rule allows the caller
	ReasonNoHostIdentity = "no_host_identity"   // the host rule knows no Huawei user for the caller
	ReasonLookupFailed   = "lookup_failed"      // a Slack look-up failed, so nothing could allow
	ReasonNotRequester   = "not_requester"      // the clicker did not ask for the prompt
	ReasonNotAdmin       = "not_admin"          // listing every meeting needs an admin rule
)

// Authorizer applies a Policy. It caches look-ups for a short while, so a
// command and its click cost one look-up.
type Authorizer struct {
	policy Policy
	dir    Directory
	users  *cache.Cache
	groups *cache.Cache
}

// Cache lifetimes of the look-ups: a user removed from a group or demoted
// loses access within these.
const (
	userCacheTTL  = time.Minute
	groupCacheTTL = 5 * time.Minute
)

// NewAuthorizer returns an Authorizer for p that looks users and groups up in dir.
func NewAuthorizer(p Policy, dir Directory) *Authorizer {
	return newAuthorizer(p, dir, userCacheTTL, groupCacheTTL)
}

// newAuthorizer is NewAuthorizer with the cache lifetimes; 0 caches nothing.
func newAuthorizer(p Policy, dir Directory, userTTL, groupTTL time.Duration) *Authorizer {
	a := &Authorizer{policy: p, dir: dir}
	if userTTL > 0 {
		a.users = cache.New(userTTL, 0) // swept by sweep, not by a janitor goroutine
	}
	if groupTTL > 0 {
		a.groups = cache.New(groupTTL, 0)
	}
	return a
}

// Authorize decides whether c may end meetings from c's channel. Deny by
// default: a request from outside the served organization, or a look-up that
// fails, allows nothing, and when no rule allows, the failure is the reason
// given. The admin rules come first; the host rule allows only what Huawei
// lets the caller's own user do.
func (a *Authorizer) Authorize(ctx context.Context, c Caller) Decision {
	user := c.UserID
	if !a.policy.Org.Includes(c.TeamID, c.EnterpriseID) {
		return Decision{Reason: ReasonOtherOrg}
	}
	if user == "" {
		return Decision{Reason: ReasonNoRule}
	}
	if len(a.policy.Channels) > 0 && !slices.Contains(a.policy.Channels, c.ChannelID) {
		return Decision{Reason: ReasonChannel}
	}
	if slices.Contains(a.policy.AdminUsers, user) {
		return Decision{Allowed: true, Rule: RuleAdminUser}
	}
	var failed error
	for _, g := range a.policy.AdminGroups {
		members, err := a.groupMembers(ctx, g)
		if err != nil {
			failed = errors.Join(failed, fmt.Errorf("%w: user group %s: %w", errSlackLookup, g, err))
			continue
		}
		if slices.Contains(members, user) {
			return Decision{Allowed: true, Rule: RuleAdminGroup}
		}
	}
	if a.policy.AllowWorkspaceAdmins {
		u, err := a.user(ctx, user)
		switch {
		case err != nil:
			failed = errors.Join(failed, fmt.Errorf("%w: user %s: %w", errSlackLookup, user, err))
		case !a.ours(u, user):
		case u.Admin || u.Owner:
			return Decision{Allowed: true, Rule: RuleWorkspaceAdmin}
		}
	}
	// The host rule gives no power of the bot's: Huawei judges the caller
	// as their own user. So it may allow even when an admin look-up failed.
	hu, reason, err := a.HostIdentity(ctx, c)
	if err == nil && hu != "" {
		return Decision{Allowed: true, Rule: RuleHost, HuaweiUser: hu}
	}
	if failed != nil || err != nil {
		return Decision{Reason: ReasonLookupFailed, Err: errors.Join(failed, err)}
	}
	return Decision{Reason: reason}
}

// ours reports whether u, the users.info answer for id, is a live member
// of the served organization.
func (a *Authorizer) ours(u User, id string) bool {
	return !u.Deleted && u.ID == id && a.policy.Org.member(u)
}

// HostIdentity returns the Huawei user that the Slack user c is for the
// host rule: from the host map, or else from their Slack profile email,
// never for a request or a user from outside the served organization (an
// outsider's email is set by their own organization). When there is none,
// reason says why (ReasonNoRule when the host rule is off,
// ReasonOtherOrg, ReasonNoHostIdentity, or ReasonLookupFailed with err).
func (a *Authorizer) HostIdentity(ctx context.Context, c Caller) (huaweiUser, reason string, err error) {
	user := c.UserID
	switch {
	case !a.policy.HostRule:
		return "", ReasonNoRule, nil
	case !a.policy.Org.Includes(c.TeamID, c.EnterpriseID):
		return "", ReasonOtherOrg, nil
	}
	if hu, ok := a.policy.HostMap[user]; ok {
		return hu, "", nil
	}
	if !a.policy.HostByEmail {
		return "", ReasonNoHostIdentity, nil
	}
	u, err := a.user(ctx, user)
	switch {
	case err != nil:
		return "", ReasonLookupFailed, fmt.Errorf("%w: user %s: %w", errSlackLookup, user, err)
	case !a.ours(u, user):
		return "", ReasonNoRule, nil
	case !huaweiUserID(u.Email):
		return "", ReasonNoHostIdentity, nil
	}
	return u.Email, "", nil
}

// sweep drops the expired look-ups.
func (a *Authorizer) sweep() {
	for _, c := range []*cache.Cache{a.users, a.groups} {
		if c != nil {
			c.DeleteExpired()
		}
	}
}

func (a *Authorizer) user(ctx context.Context, id string) (User, error) {
	return cached(a.users, id, func() (User, error) { return a.dir.User(ctx, id) })
}

func (a *Authorizer) groupMembers(ctx context.Context, id string) ([]string, error) {
	return cached(a.groups, id, func() ([]string, error) { return a.dir.GroupMembers(ctx, id) })
}

// cached returns c's value for key, or looks it up and keeps it; c may be
// nil, to cache nothing. Failures are not kept.
func cached[T any](c *cache.Cache, key string, lookup func() (T, error)) (T, error) {
	if c != nil {
		if v, ok := c.Get(key); ok {
			return v.(T), nil
		}
	}
	v, err := lookup()
	if err == nil && c != nil {
		c.SetDefault(key, v)
	}
	return v, err
}
