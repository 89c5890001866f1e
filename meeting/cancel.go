package meeting

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// CancelResult describes a meeting the client cancelled.
type CancelResult struct {
	// RequestID is Huawei's X-Request-Id of the cancel call.
	RequestID string
}

// Cancel ends a meeting for good (CancelMeeting with type=1,
// DELETE /v1/mmc/management/conferences): it cancels the reservation and
// ends the meeting if it is in progress, so that unlike after Stop nobody
// can rejoin it. It takes the access token only, no host password: Huawei
// lets an enterprise administrator cancel any meeting of the enterprise and
// an ordinary user only the meetings they created, and answers 403
// (ErrNotPermitted) to anyone else. 200 is success, whatever its body. A
// rejected access token (401) is renewed once; server errors and network
// failures are retried until the context's deadline, and a meeting gone
// after a try whose answer was lost is this call's success.
//
// Recurring meetings have their own cancel call, which Cancel does not
// make, and what Huawei does with one sent here is not documented: read the
// details first and refuse a Conference whose Recurring is set.
func (c *Client) Cancel(ctx context.Context, id ID) (CancelResult, error) {
	if err := id.Validate(); err != nil {
		return CancelResult{}, err
	}
	resp, err := c.withAccessToken(ctx, request{
		op: "cancel", method: http.MethodDelete,
		path:   "/v1/mmc/management/conferences",
		query:  url.Values{"conferenceID": {string(id)}, "type": {"1"}},
		noBody: true, // 200 is success, whatever follows it
	})
	gone := errors.Is(err, ErrNotFound) || errors.Is(err, ErrAlreadyEnded)
	if err != nil && !(gone && resp.ambiguous) {
		return CancelResult{}, err
	}
	c.control.Delete(c.controlKey(id)) // the meeting is gone, and its token with it
	if err != nil {
		return CancelResult{RequestID: RequestID(err)}, nil
	}
	return CancelResult{RequestID: resp.requestID}, nil
}
