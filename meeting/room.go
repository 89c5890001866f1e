package meeting

import (
	"context"
	"errors"
	"fmt"
)

// A room search reads the online list in pages of roomPageSize, at most
// roomPages of them. 100 entries like the one in Huawei's example answer
// (1.4 KB) are about 140 KB, within what the client reads of an answer
// (maxBody); a page of 500 would not be.
const (
	roomPageSize = 100
	roomPages    = 5
	// RoomSearchLimit is how many meetings in progress FindRoom looks
	// through at most: 5 pages of 100, one online-list request each.
	RoomSearchLimit = roomPageSize * roomPages
)

// ErrSearchIncomplete is matched (errors.Is), besides ErrNotFound, by the
// error of a room search that stopped at RoomSearchLimit meetings, or that
// Huawei's paging cut short, before it had seen every meeting in progress:
// the room's meeting may be among the others. It is not a class of its own.
var ErrSearchIncomplete = errors.New("not every meeting in progress was searched")

// FindRoom returns the meeting in progress held in the cloud meeting room
// or personal meeting ID whose meeting ID is room (the vmrConferenceID
// Huawei's clients show), as the online list describes it. No call takes a
// room's ID and the list's searchKey is not documented to match it, so
// FindRoom reads the list (every meeting of the enterprise for the
// administrator identity, the user's own and those they were invited to
// otherwise) and matches the room itself, one request per page of 100, up to
// RoomSearchLimit meetings. A room with no meeting in progress is
// ErrNotFound; a search that did not see every meeting in progress also
// matches ErrSearchIncomplete. Only one meeting at a time is in progress in
// a room (inferred); FindRoom returns the first it sees. The list is sorted
// by start time, so a meeting that ends while FindRoom reads it moves later
// ones a place back, and one of those can fall between two pages unseen.
func (c *Client) FindRoom(ctx context.Context, room ID) (Conference, error) {
	if err := room.Validate(); err != nil {
		return Conference{}, err
	}
	all := c.user == "" // the administrator, or the account: Huawei ignores queryAll for a user who is not one
	searched, count, requestID := 0, 0, ""
	complete := false
	for range roomPages {
		p, err := c.onlinePage(ctx, all, searched, roomPageSize)
		if err != nil {
			return Conference{}, err
		}
		for _, conf := range p.confs {
			if conf.RoomID == room {
				return conf, nil
			}
		}
		searched += p.entries
		count, requestID = p.count, p.requestID
		if searched >= p.count {
			complete = true
			break
		}
		if p.entries == 0 {
			break // Huawei counts more meetings than it gives
		}
	}
	if complete {
		return Conference{}, &Error{Op: "online", Kind: ErrNotFound, RequestID: requestID, Err: errors.New("no meeting in progress in that room")}
	}
	return Conference{}, &Error{Op: "online", Kind: ErrNotFound, RequestID: requestID,
		Err: fmt.Errorf("%w: looked through %d of %d", ErrSearchIncomplete, searched, count)}
}

// PrepareTyped is Prepare for an ID as someone typed it, which may be a
// conferenceID or the meeting ID of a cloud meeting room or personal meeting
// ID. It tries the ID as a conferenceID first, which costs nothing beyond
// Prepare; only when Huawei does not know it as one does it look for the
// meeting in progress held in the room with that ID (FindRoom: one
// online-list request per page) and prepare that meeting. The Conference's
// ID is then the conferenceID to stop, and its RoomID the ID typed. Errors
// are Prepare's and FindRoom's; a typed ID that is neither is ErrNotFound
// (and ErrSearchIncomplete when the search stopped short).
func (c *Client) PrepareTyped(ctx context.Context, typed ID) (Conference, error) {
	conf, err := c.Meeting(ctx, typed)
	if err == nil {
		return c.prepare(ctx, conf)
	}
	if !errors.Is(err, ErrNotFound) {
		return conf, err
	}
	found, err := c.FindRoom(ctx, typed)
	if err != nil {
		return Conference{}, err
	}
	conf, err = c.Prepare(ctx, found.ID)
	if conf.ID != "" && conf.RoomID == "" {
		conf.RoomID = typed // the list said so, even if the details do not
	}
	return conf, err
}
