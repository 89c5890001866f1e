package main

import "runtime/debug"

// defaultGCPercent is the collector's target when GOGC is not set: the heap
// may grow to five times what is live before a collection, instead of Go's
// twice. The bot's live heap is about 2 to 4 MB, so collections are rare
// (about 7 times fewer while scraped back to back), and a scrape or a click
// that meets one is rarer still: a scrape's p99 and the CPU of a pair both
// fall, for 1.5 MB more RSS after 10 000 command+click pairs, and at worst
// four times the live heap more (BENCHMARKS.md, benchmark 4). GOGC in
// the environment (read by the Go runtime, not from .env) replaces it;
// GOMEMLIMIT bounds the heap near a container's limit.
const defaultGCPercent = 400

// setGCPercent applies defaultGCPercent unless the environment sets GOGC.
func setGCPercent(lookupEnv func(string) (string, bool)) {
	if _, ok := lookupEnv("GOGC"); !ok {
		debug.SetGCPercent(defaultGCPercent)
	}
}
