package main

// The live view end to end: parity up in a real terminal (tmux) against
// real containers, read back as the user sees it with capture-pane.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

// tmuxSession is one detached tmux session on a server of its own: -S, a
// socket in the test's temporary directory (so no socket file outlives the
// test), never a user's tmux; started without any tmux.conf.
type tmuxSession struct {
	t       *testing.T
	bin     string
	socket  string
	name    string
	environ []string
}

// newTmux finds tmux, skipping the test without it (failing it in CI), and
// kills the test's server at cleanup.
func newTmux(t *testing.T, socket string, environ []string) *tmuxSession {
	t.Helper()
	bin, err := exec.LookPath("tmux")
	if err != nil {
		if testbed.InCI() {
			t.Fatalf("tmux is needed for the live view's end-to-end test: %v", err)
		}
		t.Skipf("tmux is needed for the live view's end-to-end test: %v", err)
	}
	s := &tmuxSession{t: t, bin: bin, socket: socket, name: "up", environ: environ}
	t.Cleanup(func() { _, _ = s.run("kill-server") })
	return s
}

func (s *tmuxSession) run(args ...string) (string, error) {
	cmd := exec.Command(s.bin, append([]string{"-S", s.socket, "-f", os.DevNull}, args...)...)
	cmd.Env = s.environ
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

func (s *tmuxSession) mustRun(args ...string) string {
	s.t.Helper()
	out, err := s.run(args...)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// screen is the pane's text as capture-pane prints it; "" once it is gone.
func (s *tmuxSession) screen() string {
	out, _ := s.run("capture-pane", "-p", "-t", s.name)
	return out
}

// screenRow is the row of the live view's table whose first word, after
// the selection mark, is name.
func screenRow(screen, name string) string {
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "▸"))
		if len(f) > 0 && f[0] == name {
			return line
		}
	}
	return ""
}

var loopbackAddr = regexp.MustCompile(`127\.0\.0\.1:(\d+)`)

// TestDockerLiveViewInTmux runs `parity up -- quickstart` (wrapped as go run
// would) in tmux at 120×35,
// waits until every service row shows ready at its host address and the app
// runs, then presses q: parity must exit 0 with the containers stopped.
// (The name is short because the project name derives from it, and the
// header shows at most 40 characters of a project name.)
func TestDockerLiveViewInTmux(t *testing.T) {
	e := newEnv(t)
	e.extra = []string{fmt.Sprintf("PORT=%d", freePortT(t))}
	tm := newTmux(t, filepath.Join(t.TempDir(), "tmux.sock"), append(e.environ(), e.extra...))

	manifest, err := filepath.Abs(quickstartManifest())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	exitFile := filepath.Join(dir, "exit")
	script := filepath.Join(dir, "up.sh")
	// The pane inherits the tmux server's environment, e.environ(); the
	// wrapper sets the test's variables and the terminal explicitly all the
	// same (tmux gives a pane its own TERM), and records parity's exit code
	// once the session's command ends.
	vars := []string{
		"PARITY_STATE_DIR=" + e.stateDir,
		"PARITY_LABELS=" + testbed.TestLabel + "=1",
		"PARITY_REGISTRY_MIRROR=" + e.registry,
		"TERM=xterm-256color",
	}
	var exports []string
	for _, kv := range append(vars, e.extra...) {
		k, v, _ := strings.Cut(kv, "=")
		exports = append(exports, k+"="+shellQuote(v))
	}
	// The app is wrapped the way `go run` wraps a server: the wrapper exits
	// 1 when parity's stop signal reaches it. That is no failure of the
	// app: q must still exit 0.
	text := fmt.Sprintf("#!/bin/sh\nexport %s\n%s -p %s -f %s up -- sh -c 'trap \"exit 1\" INT TERM; \"$0\" & wait' %s\necho $? > %s.tmp && mv %s.tmp %s\n",
		strings.Join(exports, " "), shellQuote(bins.parity), shellQuote(e.project), shellQuote(manifest),
		shellQuote(bins.quickstart), shellQuote(exitFile), shellQuote(exitFile), shellQuote(exitFile))
	if err := os.WriteFile(script, []byte(text), 0o700); err != nil {
		t.Fatal(err)
	}
	// remain-on-exit keeps the last screen for the failure messages.
	tm.mustRun("new-session", "-d", "-s", tm.name, "-x", "120", "-y", "35", script, ";",
		"set-option", "-w", "-t", tm.name, "remain-on-exit", "on")

	exited := func() bool { _, err := os.Stat(exitFile); return err == nil }
	var screen string
	testbed.WaitFor(t, 3*time.Minute, func() (bool, string) {
		if exited() {
			return true, ""
		}
		screen = tm.screen()
		for _, svc := range []string{"db", "cache"} {
			if r := screenRow(screen, svc); !strings.Contains(r, "ready") || !strings.Contains(r, "127.0.0.1:") {
				return false, "no ready row with its address for " + svc + ":\n" + screen
			}
		}
		return strings.Contains(screenRow(screen, "app"), "running"), "the app is not running:\n" + screen
	})
	if exited() {
		code, _ := os.ReadFile(exitFile)
		t.Fatalf("parity up exited (code %s) before everything was ready; last screen:\n%s", strings.TrimSpace(string(code)), tm.screen())
	}
	t.Logf("the ready screen:\n%s", screen)

	lines := strings.Split(screen, "\n")
	if !strings.Contains(lines[0], e.project) {
		t.Errorf("the header does not name project %s:\n%s", e.project, screen)
	}
	// Each service shows the address its container really publishes.
	published := map[string]string{}
	for _, c := range e.containers() {
		svc := c["Config"].(map[string]any)["Labels"].(map[string]any)["dev.parity.service"].(string)
		ports, _ := c["NetworkSettings"].(map[string]any)["Ports"].(map[string]any)
		for _, bs := range ports {
			for _, b := range asSlice(bs) {
				bm := b.(map[string]any)
				published[svc] = bm["HostIp"].(string) + ":" + bm["HostPort"].(string)
			}
		}
	}
	for _, svc := range []string{"db", "cache"} {
		m := loopbackAddr.FindString(screenRow(screen, svc))
		if m == "" || m != published[svc] {
			t.Errorf("row %s shows %q, its container publishes %q:\n%s", svc, m, published[svc], screen)
		}
	}

	tm.mustRun("send-keys", "-t", tm.name, "q")
	testbed.WaitFor(t, 2*time.Minute, func() (bool, string) {
		return exited(), "parity still running after q:\n" + tm.screen()
	})
	code, err := os.ReadFile(exitFile)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(code)); got != "0" {
		t.Errorf("parity up exited %s after q, want 0; last screen:\n%s", got, tm.screen())
	}
	cs := e.containers()
	if len(cs) != 2 {
		t.Errorf("%d containers after q, want db and cache kept (stopped)", len(cs))
	}
	for name, c := range cs {
		if c["State"].(map[string]any)["Running"] == true {
			t.Errorf("%s still running after q", name)
		}
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// A Ctrl-C typed in the terminal during `parity run` reaches the command
// itself, which decides what it means (psql cancels a query and goes on):
// parity must not kill it after --stop-timeout. Here the command outlives
// three stop timeouts after Ctrl-C and exits 5 on its own; parity exits 5.
func TestDockerRunLeavesATerminalCtrlCToTheCommand(t *testing.T) {
	e := newEnv(t)
	tm := newTmux(t, filepath.Join(t.TempDir(), "tmux.sock"), e.environ())
	cmdScript := `trap 'echo got-int; i=0; while [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done; echo outlived; exit 5' INT; printf '%s-up\n' cmd-is; while :; do sleep 0.1; done`
	exitFile := parityInTmux(t, e, tm, "run", "--stop-timeout", "1s", "--", "sh", "-c", cmdScript)
	testbed.WaitFor(t, 3*time.Minute, func() (bool, string) {
		s := tm.screen()
		return strings.Contains(s, "cmd-is-up"), "the command did not start:\n" + s
	})
	tm.mustRun("send-keys", "-t", tm.name, "C-c")
	exited := func() bool { _, err := os.Stat(exitFile); return err == nil }
	testbed.WaitFor(t, time.Minute, func() (bool, string) {
		return exited(), "parity run still running:\n" + tm.screen()
	})
	code, _ := os.ReadFile(exitFile)
	screen := tm.screen()
	if got := strings.TrimSpace(string(code)); got != "5" || !strings.Contains(screen, "outlived") {
		t.Errorf("parity run exited %s; want the command's own 5 after it outlived the stop timeout:\n%s", got, screen)
	}
	e.mustRun(signalsManifest, "down")
}

// After q the view is gone and parity stops the app and the services; an
// app that ignores the stop signal would hold it for --stop-timeout, and a
// Ctrl-C then stops at once.
func TestDockerLiveViewQuitThenCtrlCStopsAtOnce(t *testing.T) {
	e := newEnv(t)
	tm := newTmux(t, filepath.Join(t.TempDir(), "tmux.sock"), e.environ())
	pidFile := filepath.Join(t.TempDir(), "pid")
	app := `echo $$ > "$0"; trap '' INT TERM; while :; do sleep 0.1; done`
	exitFile := parityInTmux(t, e, tm, "up", "--stop-timeout", "5m", "--", "sh", "-c", app, pidFile)
	testbed.WaitFor(t, 3*time.Minute, func() (bool, string) {
		s := tm.screen()
		return strings.Contains(screenRow(s, "app"), "running") && strings.Contains(screenRow(s, "cache"), "ready"), "not running yet:\n" + s
	})
	pid := readPid(t, pidFile)
	tm.mustRun("send-keys", "-t", tm.name, "q")
	testbed.WaitFor(t, time.Minute, func() (bool, string) {
		s := tm.screen()
		return strings.Contains(s, "press Ctrl+C to stop at once"), "no word of the stop after q:\n" + s
	})
	tm.mustRun("send-keys", "-t", tm.name, "C-c")
	exited := func() bool { _, err := os.Stat(exitFile); return err == nil }
	testbed.WaitFor(t, time.Minute, func() (bool, string) { // the stop timeout is five minutes
		return exited(), "parity still stopping after Ctrl-C:\n" + tm.screen()
	})
	if alive(pid) {
		t.Errorf("the app (pid %d) survived the forced stop", pid)
	}
	e.noneRunning("after q and Ctrl-C")
}

// parityInTmux starts parity with args (after -p and -f) in a tmux pane of
// its own, on the signals test manifest, the way a developer's shell
// would: the wrapper survives the Ctrl-C it shares with parity and writes
// parity's exit code to the returned file once it ends.
func parityInTmux(t *testing.T, e *env, tm *tmuxSession, args ...string) (exitFile string) {
	t.Helper()
	manifest, err := filepath.Abs(signalsManifest)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	exitFile = filepath.Join(dir, "exit")
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	text := fmt.Sprintf("#!/bin/sh\ntrap true INT\nexport PARITY_STATE_DIR=%s PARITY_LABELS=%s PARITY_REGISTRY_MIRROR=%s TERM=xterm-256color\n%s -p %s -f %s %s\necho $? > %s.tmp && mv %s.tmp %s\n",
		shellQuote(e.stateDir), shellQuote(testbed.TestLabel+"=1"), shellQuote(e.registry),
		shellQuote(bins.parity), shellQuote(e.project), shellQuote(manifest), strings.Join(quoted, " "),
		shellQuote(exitFile), shellQuote(exitFile), shellQuote(exitFile))
	script := filepath.Join(dir, "parity.sh")
	if err := os.WriteFile(script, []byte(text), 0o700); err != nil {
		t.Fatal(err)
	}
	tm.mustRun("new-session", "-d", "-s", tm.name, "-x", "120", "-y", "35", script, ";",
		"set-option", "-w", "-t", tm.name, "remain-on-exit", "on")
	return exitFile
}
