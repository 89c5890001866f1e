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
// meeting of the enterprise (administrators only). It returns at most limit
// meetings and the number Huawei counted in all.
func (c *Client) Online(ctx context.Context, all bool, limit int) ([]Conference, int, error) {
	limit = min(max(limit, 1), maxOnlineLimit)
	q := url.Values{"offset": {"0"}, "limit": {strconv.Itoa(limit)}}
	if all {
		q.Set("queryAll", "true")
	}
	resp, err := c.withAccessToken(ctx, request{
		op: "online", method: http.MethodGet,
		path:  "/v1/mmc/management/conferences/online",
		query: q,
	})
	if err != nil {
		return nil, 0, err
	}
	var ans struct {
		Count int              `json:"count"`
		Data  []conferenceInfo `json:"data"`
	}
	if err := decodeJSON("online", resp, &ans); err != nil {
		return nil, 0, err
	}
	out := make([]Conference, 0, len(ans.Data))
	for _, ci := range ans.Data {
		conf := ci.conference(resp.requestID, false)
		if conf.ID.Validate() != nil {
			continue // an ID the client could not use again
		}
		out = append(out, conf)
	}
	return out, max(ans.Count, len(out)), nil
}
