package meeting

import (
	"errors"
	"strings"
)

// ID is a Huawei Cloud Meeting conference ID: 6 to 20 ASCII digits.
type ID string

// ErrInvalidID is matched (errors.Is) by every error ParseID returns.
var ErrInvalidID = errors.New("invalid meeting ID")

const (
	minIDDigits = 6
	maxIDDigits = 20
	// maxIDInput bounds the text ParseID looks at: 20 full-width digits
	// (3 bytes each) with a separator between each.
	maxIDInput = 128
)

// ParseID reads a meeting ID as people type it: ASCII or full-width digits
// (as Chinese input methods type them), optionally grouped with single spaces
// or dashes ("914 044 873", "914-044-873"). It returns the digits in ASCII
// and rejects everything else, so an ID can go into a URL as it is.
func ParseID(s string) (ID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", idError("it is empty")
	}
	if len(s) > maxIDInput {
		return "", idError("it is too long")
	}
	var b strings.Builder
	b.Grow(maxIDDigits)
	prevSep := true // no separator before the first digit
	n := 0
	group, longGroups := 0, 0 // digits in the current group; groups of 6 or more
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n++
			if n > maxIDDigits {
				return "", idError("it has more than 20 digits")
			}
			b.WriteRune(r)
			prevSep = false
			group++
		case r >= '０' && r <= '９':
			n++
			if n > maxIDDigits {
				return "", idError("it has more than 20 digits")
			}
			b.WriteRune('0' + (r - '０'))
			prevSep = false
			group++
		case r == ' ' || r == '-' || r == '\u3000':
			if prevSep {
				return "", idError("spaces and dashes may only stand singly between digits")
			}
			prevSep = true
			if group >= minIDDigits {
				longGroups++
			}
			group = 0
		default:
			return "", idError("it may contain only digits, spaces and dashes")
		}
	}
	if prevSep {
		return "", idError("it ends with a space or dash")
	}
	if group >= minIDDigits {
		longGroups++
	}
	if longGroups > 1 {
		// "914044873 914083136" is two IDs, not one of 18 digits.
		return "", idError("it looks like more than one meeting ID; end one meeting at a time")
	}
	if n < minIDDigits {
		return "", idError("it has fewer than 6 digits")
	}
	return ID(b.String()), nil
}

// String returns the ID's digits.
func (id ID) String() string { return string(id) }

// Validate reports whether id is in the canonical form ParseID returns.
func (id ID) Validate() error {
	if len(id) < minIDDigits || len(id) > maxIDDigits {
		return idError("it must have 6 to 20 digits")
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return idError("it may contain only digits")
		}
	}
	return nil
}

// IDError says why a meeting ID was rejected.
type IDError struct{ Reason string }

func idError(reason string) error { return &IDError{Reason: reason} }

// Error says why the ID was rejected.
func (e *IDError) Error() string { return "invalid meeting ID: " + e.Reason }

// Is makes errors.Is(err, ErrInvalidID) true.
func (e *IDError) Is(target error) bool { return target == ErrInvalidID }
