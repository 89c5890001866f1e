// Package meeting is a client for the parts of Huawei Cloud Meeting's REST API
// that meetingbot uses: authentication (App ID or account), meeting details,
// the list of meetings in progress, the meeting-control token, stopping a
// meeting and cancelling it for good. It also reads meeting IDs as people
// give them: typed, as a pasted join link, or as the ID of the cloud meeting
// room or personal meeting ID that holds the meeting (PrepareTyped).
//
// Access tokens are cached per Huawei user and control tokens per Huawei
// user and meeting, so that a stop after a warm-up makes one HTTP request and
// a token fetched for one user never serves another. Errors are *Error values
// that match the Err* sentinels with errors.Is, and secrets are
// secret.Secret values that print as REDACTED.
package meeting
