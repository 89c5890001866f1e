// Package endpoint checks the base URL of a service the bot sends
// credentials to: Slack's Web API (SLACK_API_URL) and Huawei Cloud Meeting
// (HUAWEI_MEETING_ENDPOINT).
package endpoint

import (
	"net"
	"net/url"
	"strings"
)

// Problem says what is wrong with raw as such a base URL, or "" when
// nothing is. It must be https, with a host and no query, fragment or user
// information. Plain http is accepted only for a loopback host (localhost,
// 127.0.0.0/8, ::1): a simulator, a test fake or a local proxy. Elsewhere
// the tokens and passwords would cross the network in clear.
func Problem(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || u.Opaque != "" {
		return "must be an https URL with a host"
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "must be an https URL with no query, fragment or user name"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if Loopback(u.Hostname()) {
			return ""
		}
		return "must be https: plain http is accepted only for a loopback host (localhost, 127.0.0.1, ::1), as the bot's credentials would cross the network in clear"
	}
	return "must be an https URL with a host"
}

// Loopback reports whether host names this machine: localhost, or an
// address in 127.0.0.0/8 or ::1.
func Loopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
