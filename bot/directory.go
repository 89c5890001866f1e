package bot

import (
	"context"

	"github.com/slack-go/slack"

	"meetingbot/handlers"
)

// directoryAPI is the part of slack-go the directory uses.
type directoryAPI interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	GetUserGroupMembersContext(ctx context.Context, userGroup string, options ...slack.GetUserGroupMembersOption) ([]string, error)
}

// Directory looks users and user groups up in Slack (users.info,
// usergroups.users.list) for the permission rules.
type Directory struct{ api directoryAPI }

// NewDirectory returns a Directory that asks api.
func NewDirectory(api *slack.Client) *Directory { return &Directory{api: api} }

var _ handlers.Directory = (*Directory)(nil)

// User returns what the permission rules need of a Slack user.
func (d *Directory) User(ctx context.Context, id string) (handlers.User, error) {
	u, err := d.api.GetUserInfoContext(ctx, id)
	if err != nil {
		return handlers.User{}, err
	}
	return handlers.User{
		ID:           u.ID,
		TeamID:       u.TeamID,
		EnterpriseID: u.Enterprise.EnterpriseID,
		Stranger:     u.IsStranger,
		Admin:        u.IsAdmin,
		Owner:        u.IsOwner || u.IsPrimaryOwner,
		Deleted:      u.Deleted,
		Email:        u.Profile.Email,
	}, nil
}

// GroupMembers returns the user IDs of a user group's members.
func (d *Directory) GroupMembers(ctx context.Context, id string) ([]string, error) {
	return d.api.GetUserGroupMembersContext(ctx, id)
}
