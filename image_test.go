package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"meetingbot/bot/slacktest"
	"meetingbot/meeting/meetingtest"
)

// imageEnv names the image TestImage runs. Nothing here builds one: where a
// registry answers, `docker build` does; where none does, as on the machine
// this was written on, deploy/docker/build-on-local-bases builds the same
// Dockerfile on stand-in base images.
const imageEnv = "MEETINGBOT_IMAGE"

// docker runs the docker command with a 2-minute bound and returns its
// trimmed standard output.
func docker(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("docker %s: %v: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// TestImage runs the image named by MEETINGBOT_IMAGE the way the README and
// the Kubernetes Deployment run it (read-only root, all capabilities
// dropped, no new privileges, the configuration from an --env-file without
// quotes) against the fakes, on the host's network so that it reaches them
// on 127.0.0.1. It checks the image's configuration, that the process runs
// as 65532 with no capability, readiness, the HEALTHCHECK, a command and
// click that end a meeting, and a clean stop within the grace period.
func TestImage(t *testing.T) {
	image := os.Getenv(imageEnv)
	if image == "" {
		t.Skip(imageEnv + " is not set: it runs a built image (deploy/docker/build-on-local-bases builds one without a registry)")
	}
	if _, err := docker(t, "version"); err != nil {
		t.Fatalf("%s is set but no Docker engine answers: %v", imageEnv, err)
	}

	// What the image says of itself.
	raw, err := docker(t, "image", "inspect", "--format", "{{json .Config}}", image)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		User        string
		Entrypoint  []string
		Labels      map[string]string
		Healthcheck struct{ Test []string }
	}
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("image config %s: %v", raw, err)
	}
	if cfg.User != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532 (numeric, for runAsNonRoot)", cfg.User)
	}
	if strings.Join(cfg.Entrypoint, " ") != "/meetingbot" {
		t.Errorf("entrypoint %q, want /meetingbot", cfg.Entrypoint)
	}
	if strings.Join(cfg.Healthcheck.Test, " ") != "CMD /meetingbot healthcheck" {
		t.Errorf("healthcheck %q, want CMD /meetingbot healthcheck", cfg.Healthcheck.Test)
	}
	line, err := docker(t, "run", "--rm", "--read-only", "--network", "none", image, "version")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^meetingbot (\S+) \(revision (\S+), go[0-9.]+\)$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("version printed %q, want meetingbot VERSION (revision REV, goX.Y.Z)", line)
	}
	if m[1] == "devel" || m[2] == "unknown" {
		t.Errorf("version %q: the build args did not reach -ldflags", line)
	}
	for label, want := range map[string]string{
		"org.opencontainers.image.title":    "meetingbot",
		"org.opencontainers.image.version":  m[1],
		"org.opencontainers.image.revision": m[2],
	} {
		if got := cfg.Labels[label]; got != want {
			t.Errorf("label %s = %q, want %q (what the binary says)", label, got, want)
		}
	}

	// The program in its container, against the fakes.
	addr := freeAddr(t)
	h, env := newHarness(t, slacktest.Config{}, meetingtest.Config{}, map[string]string{"ENDMEETING_HTTP_ADDR": addr})
	var envFile strings.Builder
	for k, v := range env {
		fmt.Fprintf(&envFile, "%s=%s\n", k, v)
	}
	envPath := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(envPath, []byte(envFile.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("meetingbot-test-%d", time.Now().UnixNano())
	if _, err := docker(t, "run", "-d", "--name", name,
		"--network", "host", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
		"--health-interval", "1s", "--health-timeout", "5s", "--health-retries", "3",
		"--env-file", envPath, image); err != nil {
		t.Fatal(err)
	}
	exited := make(chan string, 1)
	go func() {
		code, err := docker(t, "wait", name)
		if err != nil {
			code = err.Error()
		}
		exited <- code
	}()
	h.cancel = func() {
		if _, err := docker(t, "stop", "--time", "20", name); err != nil {
			t.Error(err)
		}
	}
	go func() {
		code := <-exited
		if code != "0" {
			h.done <- fmt.Errorf("the container exited with %s", code)
			return
		}
		h.done <- nil
	}()
	t.Cleanup(func() {
		h.stop()
		logs, _ := exec.Command("docker", "logs", name).CombinedOutput()
		h.logs.Write(logs)
		if _, err := docker(t, "rm", "-f", name); err != nil {
			t.Log(err)
		}
	})
	h.waitConnected()

	// Who it runs as, from the host's view of the process.
	pid, err := docker(t, "inspect", "--format", "{{.State.Pid}}", name)
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Fatalf("reading the process' status: %v", err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^Uid:\s+65532\s+65532\s+65532\s+65532$`),
		regexp.MustCompile(`(?m)^Gid:\s+65532\s+65532\s+65532\s+65532$`),
		regexp.MustCompile(`(?m)^CapEff:\s+0+$`),
		regexp.MustCompile(`(?m)^NoNewPrivs:\s+1$`),
	} {
		if !want.Match(status) {
			t.Errorf("process status lacks %s:\n%s", want, regexp.MustCompile(`(?m)^(Uid|Gid|CapEff|NoNewPrivs):.*$`).FindAll(status, -1))
		}
	}

	base := "http://" + addr
	waitStatus(t, base+"/readyz", 200)
	if code, body := get(t, base+"/metrics"); code != 200 || !strings.Contains(body, `meetingbot_build_info{goversion="`) || !strings.Contains(body, `version="`+m[1]+`"`) {
		t.Errorf("/metrics = %d, want 200 with meetingbot_build_info for version %s", code, m[1])
	} else if want := fmt.Sprintf("\ngo_gc_gogc_percent %d\n", defaultGCPercent); !strings.Contains(body, want) {
		t.Errorf("/metrics lacks %q: the program did not set its GC default", strings.TrimSpace(want))
	}
	if _, err := docker(t, "exec", name, "/meetingbot", "healthcheck"); err != nil {
		t.Errorf("meetingbot healthcheck in the container: %v", err)
	}
	health := ""
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && health != "healthy"; time.Sleep(200 * time.Millisecond) {
		health, _ = docker(t, "inspect", "--format", "{{.State.Health.Status}}", name)
	}
	if health != "healthy" {
		t.Errorf("health status %q after 15 s, want healthy", health)
	}

	// A command and its click end the meeting.
	value := h.prompt(admin, channel)
	click := h.click(admin, channel, "endmeeting_confirm", value)
	if posts := h.posts(click.ResponseURL, 2); !strings.Contains(posts[1].Text, "has ended") {
		t.Errorf("click result %q, want the meeting ended", posts[1].Text)
	}
	if mt, _ := h.huawei.Meeting(meetingID); mt.State != meetingtest.StateEnded {
		t.Errorf("meeting state %v, want ended", mt.State)
	}

	if status, err := os.ReadFile("/proc/" + pid + "/status"); err == nil {
		t.Logf("after a command and a click: %s", regexp.MustCompile(`(?m)^VmRSS:.*$`).Find(status))
	}

	// docker stop sends SIGTERM; the bot exits 0 well within the grace.
	begin := time.Now()
	h.stop()
	t.Logf("docker stop took %v", time.Since(begin).Round(time.Millisecond))
}
