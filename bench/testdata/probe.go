// This file is no part of meetingbot. The cost benchmark (cost_test.go)
// adds it to package main when it builds the program (go build -overlay),
// so that the program, alone in a child process, can say what it holds and
// what it has spent:
//
//   - on SIGUSR1, "probe-memory: " and its heap in use and VmRSS, in bytes,
//     after collecting garbage until the heap stops shrinking;
//   - on SIGUSR2, "probe-counters: " and its CPU time (user + system, in
//     nanoseconds), its allocations so far and their bytes, without
//     collecting garbage first.

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func init() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() { // ends with the process
		for s := range sigs {
			if s == syscall.SIGUSR2 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				fmt.Printf("probe-counters: %d %d %d\n", probeCPU(), ms.Mallocs, ms.TotalAlloc)
				continue
			}
			heap := probeHeap()
			fmt.Printf("probe-memory: %d %d\n", heap, probeRSS())
		}
	}()
}

// probeHeap collects garbage, returns what it can to the OS and reports
// HeapInuse. It collects until the heap stops shrinking (at most 5 rounds):
// what a finalizer holds is freed only by a collection after the finalizer
// ran.
func probeHeap() uint64 {
	var ms runtime.MemStats
	var heap uint64
	for round := range 5 {
		debug.FreeOSMemory()
		runtime.ReadMemStats(&ms)
		if round > 0 && ms.HeapInuse >= heap {
			break
		}
		heap = ms.HeapInuse
		time.Sleep(20 * time.Millisecond) // let finalizers and the goroutines they stop run
	}
	return heap
}

func probeCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func probeRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
