package slacktest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"
)

// randomHex returns n random bytes as lower-case hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b)
}

// randomDigits returns n random decimal digits, the first one not zero.
func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		limit := int64(10)
		if i == 0 {
			limit = 9
		}
		d, _ := rand.Int(rand.Reader, big.NewInt(limit))
		b[i] = byte('0' + d.Int64())
		if i == 0 {
			b[i]++
		}
	}
	return string(b)
}

// newEnvelopeID returns a random UUID (version 4), the form Slack uses for
// envelope IDs.
func newEnvelopeID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// newTriggerID returns an ID shaped like Slack's trigger_id.
func newTriggerID() string {
	return randomDigits(13) + "." + randomDigits(13) + "." + randomHex(16)
}

// slackTS formats t as a Slack timestamp ("1548426417.840180").
func slackTS(t time.Time) string {
	us := t.UnixMicro()
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

// nextMessageTS returns a message ts that is unique and increasing, as
// Slack's are within a channel. The caller holds s.mu.
func (s *Server) nextMessageTS() string {
	us := max(time.Now().UnixMicro(), s.lastTS+1)
	s.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}
