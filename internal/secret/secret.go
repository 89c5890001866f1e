// Package secret types credentials and tokens so that they print redacted:
// Slack's tokens, Huawei's keys, passwords and tokens, the button key. It
// is shared by the packages that hold them and speaks of no service.
package secret

import (
	"fmt"
	"io"
	"log/slog"
)

const redacted = "REDACTED"

// Secret is a credential or token. It prints as REDACTED with fmt, slog and
// encoding/json; Reveal gives the value to the one place that must send it.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String returns REDACTED.
func (s Secret) String() string { return redacted }

// GoString returns REDACTED, so that %#v hides the value too.
func (s Secret) GoString() string { return redacted }

// Format writes REDACTED for every verb, so that %x or %q cannot leak the value.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue makes slog print REDACTED.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText makes encoding/json and friends print REDACTED.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
