// Package handlers is meetingbot's use case: it parses /endmeeting, decides
// who may end which meeting, prompts for confirmation, ends the meeting and
// says how it went. It speaks neither Slack nor Huawei: package bot turns its
// Replies into Slack messages (or console text), and package meeting does
// the Huawei calls behind the Meetings interface.
package handlers
