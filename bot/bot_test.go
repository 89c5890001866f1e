package bot

import "testing"

func TestWithoutQueries(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"dial wss://x.test/link/?ticket=abc&app=1: refused", "dial wss://x.test/link/?… refused"},
		{"no query here", "no query here"},
		{"a?b c?d", "a?… c?…"},
		{`"u?t=1" end`, `"u?…" end`},
	} {
		if got := withoutQueries(tt.in); got != tt.want {
			t.Errorf("withoutQueries(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
