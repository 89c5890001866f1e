package meeting

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// maxOnlineLimit is the largest page Huawei serves.
const maxOnlineLimit = 500

// Online lists meetings in progress (GET /v1/mmc/management/conferences/online):
// those the client's user created or was invited to or, with all, every
// meeting of the enterprise (administrators only: Huawei ignores all for
// anyone else). It returns at most limit meetings and the number Huawei
// counted in all.
func (c *Client) Online(ctx context.Context, all bool, limit int) ([]Conference, int, error) {
	p, err := c.onlinePage(ctx, all, 0, limit)
	if err != nil {
		return nil, 0, err
	}
	return p.confs, max(p.count, len(p.confs)), nil
}

// onlinePage is one page of the online list.
type onlinePage struct {
	confs     []Conference
	entries   int // entries on the page, including those left out of confs
	count     int // what Huawei counted in all
	requestID string
}

// onlinePage reads the page of the online list that starts at offset.
// limit is brought within what Huawei serves.
func (c *Client) onlinePage(ctx context.Context, all bool, offset, limit int) (onlinePage, error) {
	limit = min(max(limit, 1), maxOnlineLimit)
	q := url.Values{"offset": {strconv.Itoa(max(offset, 0))}, "limit": {strconv.Itoa(limit)}}
	if all {
		q.Set("queryAll", "true")
	}
	resp, err := c.withAccessToken(ctx, request{
		op: "online", method: http.MethodGet,
		path:  "/v1/mmc/management/conferences/online",
		query: q,
	})
	if err != nil {
		return onlinePage{}, err
	}
	var ans struct {
		Count int              `json:"count"`
		Data  []conferenceInfo `json:"data"`
	}
	if err := decodeJSON("online", resp, &ans); err != nil {
		return onlinePage{}, err
	}
	p := onlinePage{confs: make([]Conference, 0, len(ans.Data)), entries: len(ans.Data), count: ans.Count, requestID: resp.requestID}
	for _, ci := range ans.Data {
		conf := ci.conference(resp.requestID, false)
		if conf.ID.Validate() != nil {
			continue // an ID the client could not use again
		}
		p.confs = append(p.confs, conf)
	}
	return p, nil
}
