package handlers

import (
	"context"
	"errors"
	"fmt"
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
	Admin, Owner bool // workspace admin, owner or primary owner
	Deleted      bool
	Email        string
}

// Policy is who may end meetings, by Slack ID only: names change, IDs do not.
type Policy struct {
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

// Validate reports an ID in the policy that is not a Slack ID of its kind.
func (p Policy) Validate() error {
	for _, id := range p.AdminUsers {
		if !slackID(id, "UW") {
			return fmt.Errorf("%q is not a Slack user ID (U… or W…)", id)
		}
	}
	for _, id := range p.AdminGroups {
		if !slackID(id, "S") {
			return fmt.Errorf("%q is not a Slack user-group ID (S…)", id)
		}
	}
	for _, id := range p.Channels {
		if !slackID(id, "CGD") {
			return fmt.Errorf("%q is not a Slack channel ID (C…, G… or D…)", id)
		}
	}
	for slackUser, huaweiUser := range p.HostMap {
		if !slackID(slackUser, "UW") {
			return fmt.Errorf("%q is not a Slack user ID (U… or W…)", slackUser)
		}
		if !huaweiUserID(huaweiUser) {
			return fmt.Errorf("%q is not a Huawei user ID (1 to 64 letters, digits and . _ @ + -)", huaweiUser)
		}
	}
	return nil
}

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
	// Reason says why a caller was denied: "channel", "no_rule",
	// "no_host_identity" or "lookup_failed".
	Reason string
	// Err is the look-up failure behind a "lookup_failed" denial, for the log.
	Err error
}

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

// Authorize decides whether user (of team) may end meetings from channel.
// Deny by default: a look-up that fails allows nothing, and when no rule
// allows, the failure is the reason given. The admin rules come first; the
// host rule allows only what Huawei lets the caller's own user do.
func (a *Authorizer) Authorize(ctx context.Context, team, channel, user string) Decision {
	if user == "" {
		return Decision{Reason: "no_rule"}
	}
	if len(a.policy.Channels) > 0 && !slices.Contains(a.policy.Channels, channel) {
		return Decision{Reason: "channel"}
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
		case u.Deleted || u.ID != user || (team != "" && u.TeamID != "" && u.TeamID != team):
		case u.Admin || u.Owner:
			return Decision{Allowed: true, Rule: RuleWorkspaceAdmin}
		}
	}
	// The host rule gives no power of the bot's: Huawei judges the caller
	// as their own user. So it may allow even when an admin look-up failed.
	hu, reason, err := a.HostIdentity(ctx, team, user)
	if err == nil && hu != "" {
		return Decision{Allowed: true, Rule: RuleHost, HuaweiUser: hu}
	}
	if failed != nil || err != nil {
		return Decision{Reason: "lookup_failed", Err: errors.Join(failed, err)}
	}
	return Decision{Reason: reason}
}

// HostIdentity returns the Huawei user that a Slack user is for the host
// rule: from the host map, or else from their Slack profile email. When
// there is none, reason says why ("no_rule" when the host rule is off,
// "no_host_identity", or "lookup_failed" with err).
func (a *Authorizer) HostIdentity(ctx context.Context, team, user string) (huaweiUser, reason string, err error) {
	if !a.policy.HostRule {
		return "", "no_rule", nil
	}
	if hu, ok := a.policy.HostMap[user]; ok {
		return hu, "", nil
	}
	if !a.policy.HostByEmail {
		return "", "no_host_identity", nil
	}
	u, err := a.user(ctx, user)
	switch {
	case err != nil:
		return "", "lookup_failed", fmt.Errorf("%w: user %s: %w", errSlackLookup, user, err)
	case u.Deleted || u.ID != user || (team != "" && u.TeamID != "" && u.TeamID != team):
		return "", "no_rule", nil
	case !huaweiUserID(u.Email):
		return "", "no_host_identity", nil
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
