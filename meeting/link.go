package meeting

import "strings"

// joinLinkHost is the host of Huawei Cloud Meeting's join links, which name
// it or a subdomain of it: c.meeting.huaweicloud.com in the chairJoinUri and
// guestJoinUri of Huawei's API examples, intl.meeting.huaweicloud.com on the
// international site (seen in links people share; assumed to be all of it).
const joinLinkHost = "meeting.huaweicloud.com"

// joinLinkPath is what follows the host in a join link: the web client's
// route, then the meeting ID and a token (https://<host>/#/j/<id>/<token>).
const joinLinkPath = "/#/j/"

const (
	// maxLinkInput bounds the text ParseJoinLink looks at; Huawei's join
	// URIs are at most 1024 characters, and Slack's markup adds a label.
	maxLinkInput = 2048
	// maxLinkToken bounds a join link's token: Huawei's are 33 to 48
	// characters in the examples seen.
	maxLinkToken = 256
)

// ParseJoinLink reads the meeting ID of a pasted Huawei Cloud Meeting join
// link, https://meeting.huaweicloud.com/#/j/<id>/<token> or the same on a
// subdomain of meeting.huaweicloud.com, bare or in Slack's <url> or
// <url|label> markup. It returns the ID and drops the token, which lets
// whoever holds it join the meeting: the token is never returned, kept or
// put into an error. Anything else is an error matching ErrInvalidID: other
// schemes (http included: Huawei's links are https), hosts that only look
// like Huawei's, user info, ports, other paths, queries, percent-encoding,
// and IDs ParseID's canonical form would not hold.
func ParseJoinLink(s string) (ID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", idError("it is empty")
	}
	if len(s) > maxLinkInput {
		return "", idError("the link is too long")
	}
	if rest, ok := strings.CutPrefix(s, "<"); ok {
		// Slack's markup: <url> or <url|label>. The label is Slack's
		// text, not the link, whatever it says.
		inner, ok := strings.CutSuffix(rest, ">")
		if !ok {
			return "", idError("the link's markup is not closed")
		}
		s, _, _ = strings.Cut(inner, "|")
		if strings.ContainsAny(s, "<>") {
			return "", idError("the link's markup is malformed")
		}
	}
	const scheme = "https://"
	if len(s) < len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return "", idError("a Huawei Cloud Meeting link starts with https://")
	}
	rest := s[len(scheme):]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 || !isJoinLinkHost(rest[:end]) {
		return "", idError("it is not a Huawei Cloud Meeting link")
	}
	rest, ok := strings.CutPrefix(rest[end:], joinLinkPath)
	if !ok {
		return "", idError("it is not a Huawei Cloud Meeting join link")
	}
	digits, token, ok := strings.Cut(rest, "/")
	if !ok || !isLinkToken(token) {
		return "", idError("it is not a Huawei Cloud Meeting join link")
	}
	// A copy, so that the ID does not keep the text, token and all, in memory.
	id := ID(strings.Clone(digits))
	if id.Validate() != nil {
		return "", idError("the link's meeting ID must be 6 to 20 digits")
	}
	return id, nil
}

// ParseIDOrLink reads what people type for a meeting: a join link, which
// ParseJoinLink reads, when the text looks like a link (Slack's markup, or a
// scheme), and an ID as ParseID reads it otherwise.
func ParseIDOrLink(s string) (ID, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "<") || strings.Contains(t, "://") {
		return ParseJoinLink(t)
	}
	return ParseID(s)
}

// isJoinLinkHost reports whether h is joinLinkHost or a subdomain of it,
// in any case, written as plain DNS labels: no user info, port, trailing
// dot, percent-encoding or non-ASCII, which all fail the label rule.
func isJoinLinkHost(h string) bool {
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			return false // before lowering: strings.ToLower maps U+0130 to "i"
		}
	}
	h = strings.ToLower(h)
	if h == joinLinkHost {
		return true
	}
	sub, ok := strings.CutSuffix(h, "."+joinLinkHost)
	if !ok {
		return false
	}
	for label := range strings.SplitSeq(sub, ".") {
		if !isDNSLabel(label) {
			return false
		}
	}
	return true
}

// isDNSLabel reports whether l is a DNS label of letters, digits and inner
// hyphens, 1 to 63 characters long (lower case: the caller lowered it).
func isDNSLabel(l string) bool {
	if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		if c := l[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// isLinkToken reports whether t has the shape of a join link's token:
// letters, digits, '-' and '_', as in every token seen, and not too long.
// Anything else (a query, another path segment, a second link) is not a
// join link.
func isLinkToken(t string) bool {
	if len(t) == 0 || len(t) > maxLinkToken {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}
