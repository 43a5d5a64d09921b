package main

// parity as a long-running companion, end to end against the real engine:
// signals at each phase, a broken output pipe, kill -9, a second Ctrl-C,
// concurrent ups and a service removed from outside. Each test is one of
// the faults reproduced in issue 11, shown fixed.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

const signalsManifest = "testdata/signals/compose.yaml"

// started is a parity process the test talks to while it runs.
type started struct {
	t   *testing.T
	cmd *exec.Cmd
	out *syncBuffer
}

func (e *env) start(args ...string) *started {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	e.t.Cleanup(cancel)
	cmd := e.command(ctx, signalsManifest, args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = cmd.Process.Kill() })
	return &started{t: e.t, cmd: cmd, out: out}
}

func (p *started) waitOutput(what string) {
	p.t.Helper()
	testbed.WaitFor(p.t, 2*time.Minute, func() (bool, string) {
		return strings.Contains(p.out.String(), what), "no " + what + " in:\n" + p.out.String()
	})
}

func (p *started) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// exit waits for parity to end and returns its exit code and how long it
// took from now.
func (p *started) exit() (int, time.Duration) {
	p.t.Helper()
	start := time.Now()
	err := p.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, time.Since(start)
	case errors.As(err, &ee):
		return ee.ExitCode(), time.Since(start)
	}
	p.t.Fatalf("wait for parity: %v", err)
	return -1, 0
}

// noneRunning fails the test when a container of the project still runs.
func (e *env) noneRunning(when string) {
	e.t.Helper()
	for name, c := range e.containers() {
		if c["State"].(map[string]any)["Running"] == true {
			e.t.Errorf("%s still running %s", name, when)
		}
	}
}

// appScript is an app that writes its pid to a file, says it is up, then
// logs a line every 100 ms; on SIGINT or SIGTERM it writes which it got.
func appScript(t *testing.T) (args []string, pidFile, gotFile string) {
	dir := t.TempDir()
	pidFile, gotFile = filepath.Join(dir, "pid"), filepath.Join(dir, "got")
	script := `echo $$ > "$1"; trap 'echo INT > "$2"; exit 0' INT; trap 'echo TERM > "$2"; exit 0' TERM; printf '%s-up\n' app-is; while :; do echo tick; sleep 0.1; done`
	return []string{"sh", "-c", script, "app", pidFile, gotFile}, pidFile, gotFile
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	var pid int
	testbed.WaitFor(t, time.Minute, func() (bool, string) {
		data, err := os.ReadFile(path)
		if err != nil {
			return false, err.Error()
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil && pid > 0, fmt.Sprintf("pid file %q", data)
	})
	return pid
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// SIGTERM (an IDE's stop button, systemd, CI cancellation) and SIGHUP (the
// terminal closed) stop the app with the signal it expects and the
// services, and parity exits 128+N; a signal while services start stops
// what was started.
func TestDockerSignalsStopTheAppAndTheServicesWithTheirExitCodes(t *testing.T) {
	for _, tc := range []struct {
		sig      syscall.Signal
		code     int
		appGot   string
		duringUp bool
	}{
		{syscall.SIGTERM, 143, "TERM", false},
		{syscall.SIGHUP, 129, "TERM", false},
		{syscall.SIGTERM, 143, "", true},
	} {
		name := tc.sig.String()
		if tc.duringUp {
			name += " while starting"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			app, pidFile, gotFile := appScript(t)
			p := e.start(append([]string{"up", "--no-tui", "--"}, app...)...)
			if tc.duringUp {
				p.waitOutput("cache: creating")
			} else {
				p.waitOutput("app-is-up")
			}
			p.signal(tc.sig)
			code, _ := p.exit()
			if code != tc.code {
				t.Errorf("exit %d after %v, want %d\n%s", code, tc.sig, tc.code, p.out.String())
			}
			e.noneRunning("after " + tc.sig.String())
			if tc.appGot != "" {
				got, _ := os.ReadFile(gotFile)
				if strings.TrimSpace(string(got)) != tc.appGot {
					t.Errorf("the app got %q, want SIG%s", got, tc.appGot)
				}
				if pid := readPid(t, pidFile); alive(pid) {
					t.Errorf("the app (pid %d) outlived parity", pid)
				}
			}
		})
	}
}

// `parity up | tee log`, then the reader of parity's output goes away (tee
// killed by the terminal's Ctrl-C, or `| head`): parity's next write fails
// with EPIPE, and parity must stop what it started instead of dying of
// SIGPIPE with the containers left running.
func TestDockerABrokenOutputPipeNeverLeavesServicesRunning(t *testing.T) {
	for _, thenCtrlC := range []bool{false, true} {
		t.Run(fmt.Sprintf("ctrl-c=%v", thenCtrlC), func(t *testing.T) {
			e := newEnv(t)
			app, pidFile, _ := appScript(t)
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			cmd := e.command(ctx, signalsManifest, append([]string{"up", "--no-tui", "--"}, app...)...)
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stdout, cmd.Stderr = w, w
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			sc := bufio.NewScanner(r)
			var seen strings.Builder
			for sc.Scan() {
				seen.WriteString(sc.Text() + "\n")
				if strings.Contains(sc.Text(), "app-is-up") {
					break
				}
			}
			pid := readPid(t, pidFile)
			r.Close() // the reader is gone; the app's ticks make parity write
			if thenCtrlC {
				_ = cmd.Process.Signal(syscall.SIGINT)
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("parity ended with %v\n%s", err, seen.String())
			}
			want := map[bool][]int{false: {141}, true: {130, 141}}[thenCtrlC]
			if !containsInt(want, ee.ExitCode()) {
				t.Errorf("exit %d, want one of %v (%v)", ee.ExitCode(), want, ee.ProcessState)
			}
			if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
				t.Errorf("parity was killed by %v instead of stopping in order", ws.Signal())
			}
			e.noneRunning("after the output pipe broke")
			if alive(pid) {
				t.Errorf("the app (pid %d) outlived parity", pid)
			}
		})
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// A second Ctrl-C does not wait for an app that ignores the first.
func TestDockerASecondCtrlCStopsAtOnce(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	p := e.start("up", "--no-tui", "--stop-timeout", "5m", "--", "sh", "-c", `echo $$ > "$0"; trap '' INT TERM; printf '%s-up\n' app-is; while :; do sleep 0.1; done`, pidFile)
	p.waitOutput("app-is-up")
	pid := readPid(t, pidFile)
	p.signal(syscall.SIGINT)
	p.waitOutput("app: stopping")
	p.signal(syscall.SIGINT)
	code, took := p.exit()
	if code != 130 {
		t.Errorf("exit %d, want 130\n%s", code, p.out.String())
	}
	if took > time.Minute { // the stop timeout is five minutes
		t.Errorf("the forced stop took %s", took)
	}
	if alive(pid) {
		t.Errorf("the app (pid %d) survived the forced stop", pid)
	}
	e.noneRunning("after a forced stop")
}

// kill -9 of parity leaves nothing the next commands cannot find: the app
// does not run on unnoticed (its direct process dies with parity; what it
// started in its process group is found by the next up and stopped), the
// lock dies with parity, and down removes everything.
func TestDockerKill9LeavesNothingTheNextCommandsCannotFind(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	childPid := filepath.Join(dir, "child")
	// The app's own child, in the app's process group, outlives its parent.
	p := e.start("up", "--no-tui", "--", "sh", "-c", `sleep 300 & echo $! > "$0"; printf '%s-up\n' app-is; wait`, childPid)
	p.waitOutput("app-is-up")
	orphan := readPid(t, childPid)
	p.signal(syscall.SIGKILL)
	_, _ = p.exit()
	if !alive(orphan) {
		t.Fatalf("the app's child %d died with parity; the test needs it to outlive it", orphan)
	}
	t.Cleanup(func() { _ = syscall.Kill(orphan, syscall.SIGKILL) })

	next := e.start("up", "--no-tui", "--", "sh", "-c", "printf '%s-up\\n' second-app-is; while :; do sleep 0.1; done")
	next.waitOutput("second-app-is-up")
	if !strings.Contains(next.out.String(), "still running") || !strings.Contains(next.out.String(), strconv.Itoa(orphan)) {
		// The orphan's pid is its group's leader's; the report names the group.
		if !strings.Contains(next.out.String(), "an app started by an earlier parity is still running") {
			t.Errorf("the next up did not report the orphaned app:\n%s", next.out.String())
		}
	}
	testbed.WaitFor(t, 30*time.Second, func() (bool, string) {
		return !alive(orphan), fmt.Sprintf("the orphaned app's child %d still runs", orphan)
	})
	next.signal(syscall.SIGINT)
	if code, _ := next.exit(); code != 130 {
		t.Errorf("second up: exit %d, want 130\n%s", code, next.out.String())
	}
	res := e.mustRun(signalsManifest, "down")
	if !strings.Contains(res.stdout, "removed container") {
		t.Errorf("down found nothing:\n%s", res.stdout)
	}
}

// A second parity in the same project says which pid it waits for and
// stops waiting on Ctrl-C; concurrent ups serialise and all succeed
// without creating anything twice.
func TestDockerConcurrentUpsWaitVisiblyAndAllSucceed(t *testing.T) {
	e := newEnv(t)
	lockPath := filepath.Join(e.stateDir, "projects", e.project+".json.lock")
	if err := os.MkdirAll(filepath.Dir(lockPath), 0o700); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(lock, "%d\n", os.Getpid())
	p := e.start("up", "--detach")
	p.waitOutput(fmt.Sprintf("waiting for another parity in project %s (pid %d)", e.project, os.Getpid()))
	p.signal(syscall.SIGINT)
	code, took := p.exit()
	if code != 130 || took > 20*time.Second {
		t.Errorf("interrupted while waiting: exit %d after %s, want 130 at once\n%s", code, took, p.out.String())
	}
	if len(e.containers()) != 0 {
		t.Errorf("an up interrupted while waiting for the lock created containers")
	}
	lock.Close()

	var wg sync.WaitGroup
	results := make([]result, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.run(signalsManifest, "up", "--detach")
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("up %d of 4: exit %d\n%s", i, r.code, r.stderr)
		}
	}
	if n := len(e.containers()); n != 1 {
		t.Errorf("%d containers after 4 concurrent ups, want 1", n)
	}
}

// `parity run` passes SIGTERM on to its command and exits 143; a command
// that ignores it is killed after --stop-timeout.
func TestDockerRunPassesSignalsOnToTheCommand(t *testing.T) {
	for _, ignores := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignores=%v", ignores), func(t *testing.T) {
			e := newEnv(t)
			dir := t.TempDir()
			gotFile, pidFile := filepath.Join(dir, "got"), filepath.Join(dir, "pid")
			trap := `trap 'echo TERM > "$1"; exit 7' TERM`
			if ignores {
				trap = `trap '' TERM`
			}
			p := e.start("run", "--stop-timeout", "2s", "--", "sh", "-c", `echo $$ > "$2"; `+trap+`; printf '%s-up\n' cmd-is; while :; do sleep 0.1; done`, "cmd", gotFile, pidFile)
			p.waitOutput("cmd-is-up")
			pid := readPid(t, pidFile)
			p.signal(syscall.SIGTERM)
			code, took := p.exit()
			if code != 143 {
				t.Errorf("exit %d, want 143\n%s", code, p.out.String())
			}
			if !ignores {
				if got, _ := os.ReadFile(gotFile); strings.TrimSpace(string(got)) != "TERM" {
					t.Errorf("the command did not get SIGTERM (%q)", got)
				}
			} else if took > time.Minute {
				t.Errorf("a command ignoring SIGTERM was killed after %s, --stop-timeout is 2s", took)
			}
			if alive(pid) {
				t.Errorf("the command (pid %d) outlived parity run", pid)
			}
		})
	}
}

// A service's container removed from outside (docker rm -f) while up
// runs is reported at once, and the next up makes it again, which the
// running up sees and probes.
func TestDockerAServiceRemovedFromOutsideIsReportedAndComesBack(t *testing.T) {
	e := newEnv(t)
	p := e.start("up", "--json", "--", "sh", "-c", "printf '%s-up\\n' app-is; while :; do sleep 0.1; done")
	p.waitOutput("app-is-up")
	var id string
	for name, c := range e.containers() {
		if strings.HasSuffix(name, "cache") {
			id = c["Id"].(string)
		}
	}
	if id == "" {
		t.Fatal("no cache container")
	}
	docker(t, "rm", "-f", id)
	removed := func() (bool, string) {
		for _, line := range strings.Split(p.out.String(), "\n") {
			var ev map[string]any
			if json.Unmarshal([]byte(line), &ev) == nil && ev["source"] == "cache" && ev["phase"] == "failed" &&
				strings.Contains(fmt.Sprint(ev["reason"]), "removed from outside") {
				return true, ""
			}
		}
		return false, "no report of the removal:\n" + p.out.String()
	}
	testbed.WaitFor(t, 30*time.Second, removed)
	before := strings.Count(p.out.String(), `"phase":"ready"`)
	e.mustRun(signalsManifest, "up", "--detach")
	testbed.WaitFor(t, time.Minute, func() (bool, string) {
		return strings.Count(p.out.String(), `"phase":"ready"`) > before, "the running up did not see cache ready again:\n" + p.out.String()
	})
	p.signal(syscall.SIGINT)
	if code, _ := p.exit(); code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
}

// kill -9 of parity at each phase of up (creating, starting, app running)
// leaves only labelled objects and no lock: the next up recovers (reuses,
// starts or recreates what exists) and the next down finds everything.
func TestDockerKill9AtEachPhaseTheNextUpRecovers(t *testing.T) {
	for _, phase := range []string{"cache: creating", "cache: starting", "app-is-up"} {
		t.Run(strings.ReplaceAll(phase, ": ", "-"), func(t *testing.T) {
			e := newEnv(t)
			p := e.start("up", "--no-tui", "--", "sh", "-c", "printf '%s-up\\n' app-is; while :; do sleep 0.1; done")
			p.waitOutput(phase)
			p.signal(syscall.SIGKILL)
			_, _ = p.exit()
			for name, c := range e.containers() {
				labels := c["Config"].(map[string]any)["Labels"].(map[string]any)
				if labels["dev.parity.project"] != e.project || labels["dev.parity.service"] == nil {
					t.Errorf("%s left without parity's labels: %v", name, labels)
				}
			}
			r := e.run(signalsManifest, "up", "--detach")
			if r.code != 0 {
				t.Fatalf("the up after kill -9 at %q: exit %d\n%s", phase, r.code, r.stderr)
			}
			if n := len(e.containers()); n != 1 {
				t.Errorf("%d containers after recovering, want 1", n)
			}
			e.mustRun(signalsManifest, "down")
			if n := len(e.containers()); n != 0 {
				t.Errorf("%d containers after down", n)
			}
		})
	}
}
