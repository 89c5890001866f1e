package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version and revision name the build. A release sets them:
//
//	go build -ldflags "-X main.version=1.4.0 -X main.revision=$(git rev-parse --short=12 HEAD)"
//
// Left empty, they come from the build information the go command records:
// the module's version, and the VCS revision when built in a checkout.
var (
	version  string
	revision string
)

// versionLine is what `meetingbot version` prints, such as
// "meetingbot 1.4.0 (revision abc123def456, go1.26.8)".
func versionLine() string {
	v, rev := buildVersion()
	return fmt.Sprintf("meetingbot %s (revision %s, %s)", v, rev, runtime.Version())
}

// buildVersion returns the version and revision of this binary.
func buildVersion() (v, rev string) {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(version, revision, bi)
}

// versionOf picks the version and revision: the ones set with -ldflags -X,
// else those of bi (a revision with uncommitted changes gets "-dirty"),
// else "devel" and "unknown".
func versionOf(ldVersion, ldRevision string, bi *debug.BuildInfo) (v, rev string) {
	v, rev = ldVersion, ldRevision
	if bi != nil {
		if v == "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		if rev == "" {
			modified := false
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					modified = s.Value == "true"
				}
			}
			if len(rev) > shortRevision {
				rev = rev[:shortRevision]
			}
			if rev != "" && modified {
				rev += "-dirty"
			}
		}
	}
	// v1.4.0 and 1.4.0 print alike.
	if len(v) > 1 && v[0] == 'v' && v[1] >= '0' && v[1] <= '9' {
		v = v[1:]
	}
	if v = strings.TrimSpace(v); v == "" {
		v = "devel"
	}
	if rev = strings.TrimSpace(rev); rev == "" {
		rev = "unknown"
	}
	return v, rev
}

// shortRevision is how many hex digits of a commit a version shows, as
// many as Go's pseudo-versions (and `git rev-parse --short=12`).
const shortRevision = 12
