package main

import (
	"runtime/debug"
	"testing"
)

func TestGCPercent(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	setGCPercent(func(string) (string, bool) { return "", false })
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GOGC unset: the collector's percentage is %d, want %d", got, defaultGCPercent)
	}
	setGCPercent(func(k string) (string, bool) { return "50", k == "GOGC" })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: the percentage became %d; the runtime's reading of GOGC must stand", got)
	}
}
