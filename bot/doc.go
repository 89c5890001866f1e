// Package bot is meetingbot's transport: it runs the Slack Socket Mode loop,
// acknowledges every envelope at once, hands the work to a bounded pool of
// workers running package handlers, and turns handlers' replies into Block
// Kit messages sent through response_url and chat.postMessage. It also has
// the console adapter, which serves the same handlers on a terminal.
package bot
