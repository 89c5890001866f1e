package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestVersionOf(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	info := func(v string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "meetingbot", Version: v}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	tests := []struct {
		name            string
		ldVersion, ldRe string
		bi              *debug.BuildInfo
		wantV, wantRev  string
	}{
		{"ldflags win", "1.4.0", "abc1234", info("v9.9.9", "vcs.revision", sha), "1.4.0", "abc1234"},
		{"ldflags v prefix", "v1.4.0", "abc1234", nil, "1.4.0", "abc1234"},
		{"build info", "", "", info("v1.4.0", "vcs.revision", sha, "vcs.modified", "false"), "1.4.0", "0123456789ab"},
		{"modified checkout", "", "", info("v1.4.1-0.20261201120000-0123456789ab+dirty", "vcs.revision", sha, "vcs.modified", "true"), "1.4.1-0.20261201120000-0123456789ab+dirty", "0123456789ab-dirty"},
		{"ldflags version, revision from build info", "1.4.0", "", info("(devel)", "vcs.revision", sha), "1.4.0", "0123456789ab"},
		{"devel without VCS", "", "", info("(devel)"), "devel", "unknown"},
		{"no build info", "", "", nil, "devel", "unknown"},
		{"dirty needs a revision", "", "", info("", "vcs.modified", "true"), "devel", "unknown"},
		{"a short revision stays", "", "", info("", "vcs.revision", "abc"), "devel", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, rev := versionOf(tt.ldVersion, tt.ldRe, tt.bi)
			if v != tt.wantV || rev != tt.wantRev {
				t.Errorf("got %q, %q; want %q, %q", v, rev, tt.wantV, tt.wantRev)
			}
		})
	}
}

// TestVersionMode runs `version` and `-version` in-process: one line, with
// the Go version, and no .env file read (a broken one does not matter).
func TestVersionMode(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "broken.env")
	if err := os.WriteFile(broken, []byte("this is not KEY=value\n'"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := withEnvFile(func(string) string { return "" }, broken); err == nil {
		t.Fatal("the broken .env file reads; the test needs one that does not")
	}
	for _, args := range [][]string{{"version"}, {"-version"}, {"-env-file", broken, "version"}} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr); err != nil {
			t.Fatalf("run(%q) = %v; stderr: %s", args, err, &stderr)
		}
		out := stdout.String()
		if !strings.HasPrefix(out, "meetingbot ") || !strings.HasSuffix(out, ", "+runtime.Version()+")\n") || strings.Count(out, "\n") != 1 {
			t.Errorf("run(%q) printed %q, want one line like \"meetingbot 1.4.0 (revision abc123def456, %s)\"", args, out, runtime.Version())
		}
	}
}

// TestVersionFromLdflags builds the binary the way the Dockerfile does and
// runs it: the -X values are what it prints.
func TestVersionFromLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "meetingbot")
	build := exec.CommandContext(ctx, gotool, "build", "-trimpath",
		"-ldflags", "-X main.version=9.8.7-test -X main.revision=feedfacecafe", "-o", bin, ".")
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	want := "meetingbot 9.8.7-test (revision feedfacecafe, " + runtime.Version() + ")\n"
	for _, arg := range []string{"version", "-version"} {
		out, err := exec.CommandContext(ctx, bin, arg).Output()
		if err != nil {
			t.Fatalf("meetingbot %s: %v", arg, err)
		}
		if string(out) != want {
			t.Errorf("meetingbot %s printed %q, want %q", arg, out, want)
		}
	}
}
