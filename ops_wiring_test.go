package main

import (
	"testing"

	"meetingbot/handlers"
	"meetingbot/ops"
)

// TestClaimClassIsOne: ops counts claim errors by the error class that
// handlers gives them; ops imports no handlers, so this test holds the two
// names to one.
func TestClaimClassIsOne(t *testing.T) {
	if ops.ClaimUnavailable != handlers.ClassClaim {
		t.Errorf("ops.ClaimUnavailable = %q, handlers.ClassClaim = %q: want one name", ops.ClaimUnavailable, handlers.ClassClaim)
	}
}
