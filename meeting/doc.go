// Package meeting is a client for the parts of Huawei Cloud Meeting's REST API
// that meetingbot uses: authentication (App ID or account), meeting details,
// the meeting-control token and stopping a meeting.
//
// Access tokens are cached per Huawei user and control tokens per Huawei
// user and meeting, so that a stop after a warm-up makes one HTTP request and
// a token fetched for one user never serves another. Errors are *Error values
// that match the Err* sentinels with errors.Is, and secrets are Secret values
// that print as REDACTED.
package meeting
