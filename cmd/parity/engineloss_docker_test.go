//go:build linux

package main

// End-to-end tests of parity when the Docker engine is lost (issue 11): an
// engine that never answers, one killed with a start in flight, one killed
// and restarted under a running `parity up`. Only the first touches the host
// engine, through a proxy that hangs; the others run a private engine
// (internal/testbed/privengine) in its own network namespace, and run parity
// in that namespace too, so its probes reach the services' ports there.

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
	"github.com/parity-dev/parity/internal/testbed/privengine"
	"github.com/parity-dev/parity/internal/testbed/sockproxy"
)

const enginelossManifest = "testdata/engineloss/compose.yaml"

// lossEnv runs parity against one engine endpoint, optionally inside the
// private engine's network namespace.
type lossEnv struct {
	t        *testing.T
	project  string
	stateDir string
	host     string
	priv     *privengine.Engine // run parity in its namespace when set
}

func newLossEnv(t *testing.T, host string, priv *privengine.Engine) *lossEnv {
	t.Helper()
	build(t)
	return &lossEnv{t: t, project: testbed.Project(t), stateDir: t.TempDir(), host: host, priv: priv}
}

func (l *lossEnv) command(ctx context.Context, args ...string) *exec.Cmd {
	full := append([]string{"-p", l.project, "-f", enginelossManifest}, args...)
	var cmd *exec.Cmd
	if l.priv != nil {
		cmd = l.priv.Command(ctx, bins.parity, full...)
	} else {
		cmd = exec.CommandContext(ctx, bins.parity, full...)
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env,
		"DOCKER_HOST="+l.host,
		"PARITY_STATE_DIR="+l.stateDir,
		"PARITY_LABELS="+testbed.TestLabel+"=1",
		"NO_COLOR=1",
	)
	return cmd
}

// run runs parity to completion (at most limit) and says how long it took.
func (l *lossEnv) run(limit time.Duration, args ...string) (result, time.Duration) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	start := time.Now()
	var out, errb syncBuffer
	cmd := l.command(ctx, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	took := time.Since(start)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		l.t.Fatalf("run parity %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}, took
}

// TestDockerHungEngineFailsEveryCommandWithinSecondsNamingTheEndpoint: an
// engine that accepts connections and never answers (Docker Desktop starting,
// a paused VM) makes up, run, status and down fail fast, saying where.
func TestDockerHungEngineFailsEveryCommandWithinSecondsNamingTheEndpoint(t *testing.T) {
	testbed.RequireEngine(t)
	p := sockproxy.Start(t, "unix:///var/run/docker.sock")
	p.Hang()
	l := newLossEnv(t, p.Host, nil)
	for _, args := range [][]string{
		{"up", "--detach"},
		{"run", "--", "true"},
		{"status"},
		{"down"},
	} {
		// The limit is past 15s so that a parity that hangs is seen as one.
		r, took := l.run(30*time.Second, args...)
		t.Logf("parity %s: exit %d after %v", strings.Join(args, " "), r.code, took.Round(10*time.Millisecond))
		if r.code == 0 {
			t.Errorf("parity %s succeeded against a hung engine:\n%s%s", strings.Join(args, " "), r.stdout, r.stderr)
		}
		if took > 15*time.Second {
			t.Errorf("parity %s took %v to give up on a hung engine, want < 15s", strings.Join(args, " "), took)
		}
		if !strings.Contains(r.stdout+r.stderr, p.Host) {
			t.Errorf("parity %s does not name the endpoint %s:\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), p.Host, r.stdout, r.stderr)
		}
	}
}

// TestDockerEngineKilledDuringAStartThenUpSucceeds: the engine dies while it
// is starting a container, with containerd creating the task; once the
// engine is back, the next `parity up --detach` must bring the service up.
//
// To kill it at exactly that point, the engine's runtime is a wrapper around
// runc whose first "create" signals and waits a second; the proxy holds the
// start call's answer so parity's own call is in flight too. (dockerd takes
// its containerd down with it, and the shim's create is cancelled.)
func TestDockerEngineKilledDuringAStartThenUpSucceeds(t *testing.T) {
	testbed.RequireEngine(t)
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Fatalf("find runc: %v", err)
	}
	marks := t.TempDir()
	wrapper := filepath.Join(marks, "slowrunc")
	script := `#!/bin/sh
case " $* " in
*" create "*)
	if [ ! -e '` + marks + `/created' ]; then
		touch '` + marks + `/creating'
		sleep 1
		'` + runc + `' "$@"; rc=$?
		touch '` + marks + `/created'
		exit $rc
	fi;;
esac
exec '` + runc + `' "$@"
`
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e := privengine.Start(t, privengine.SeparateContainerd(),
		privengine.Flags("--add-runtime", "slowrunc="+wrapper, "--default-runtime", "slowrunc"))
	e.LoadTinyRedis(t)
	p := sockproxy.Start(t, e.Host)
	starting := p.HoldAnswerMatching("/containers/*/start")
	l := newLossEnv(t, p.Host, e)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	up := l.command(ctx, "up", "--detach")
	var out syncBuffer
	up.Stdout, up.Stderr = &out, &out
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-starting:
	case <-time.After(60 * time.Second):
		t.Fatalf("parity never started a container:\n%s", out.String())
	}
	waitFile(t, filepath.Join(marks, "creating"), 30*time.Second)
	if err := e.Kill(); err != nil {
		t.Fatal(err)
	}
	cancel()
	_ = up.Wait()
	p.Cut()
	// With containerd beside dockerd, the task's creation goes on.
	waitFile(t, filepath.Join(marks, "created"), 30*time.Second)
	e.Restart(t)
	t.Logf("first up, interrupted:\n%s", out.String())

	l.host = e.Host
	r, took := l.run(2*time.Minute, "up", "--detach")
	t.Logf("up after the engine came back: exit %d after %v", r.code, took.Round(10*time.Millisecond))
	if log, err := os.ReadFile(filepath.Join(e.Dir, "dockerd.log")); err == nil {
		for _, line := range strings.Split(string(log), "\n") {
			if strings.Contains(line, "already exists") || strings.Contains(line, "not cleaned up") {
				t.Logf("dockerd: %s", line)
			}
		}
	}
	if r.code != 0 {
		t.Fatalf("parity up --detach after the engine died mid-start: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if state := e.Docker(t, "inspect", "-f", "{{.State.Status}}", "parity-"+l.project+"-cache"); state != "running" {
		t.Errorf("the cache container is %s after up", state)
	}
}

func waitFile(t *testing.T, path string, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s did not appear within %v", path, within)
}

// TestDockerEngineRestartUnderUpIsReportedAndTheAppKeepsRunning: `parity up
// --json` reports the engine going (within 2s) and coming back, the service
// is ready again, and the app is never restarted. With live restore the
// engine keeps the service's container running; without it (the default of
// Docker Desktop and docker.service) the engine stops the container when it
// comes back, and parity must start the service again.
func TestDockerEngineRestartUnderUpIsReportedAndTheAppKeepsRunning(t *testing.T) {
	t.Run("live-restore", func(t *testing.T) { engineRestartUnderUp(t, privengine.LiveRestore()) })
	t.Run("containers-stopped", func(t *testing.T) { engineRestartUnderUp(t) })
}

func engineRestartUnderUp(t *testing.T, opts ...privengine.Option) {
	testbed.RequireEngine(t)
	e := privengine.Start(t, opts...)
	e.LoadTinyRedis(t)
	l := newLossEnv(t, e.Host, e)
	pidFile := filepath.Join(t.TempDir(), "app.pid")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	up := l.command(ctx, "up", "--json", "--", "sh", "-c", `echo $$ >> "$0"; exec sleep 300`, pidFile)
	up.Cancel = func() error { return up.Process.Signal(syscall.SIGINT) }
	up.WaitDelay = 20 * time.Second
	stdout, err := up.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	up.Stderr = &stderr
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	events := make(chan map[string]any, 256)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				events <- ev
			}
		}
	}()
	var seen []string
	// next waits for the first event that match accepts.
	next := func(what string, within time.Duration, match func(map[string]any) bool) map[string]any {
		t.Helper()
		timeout := time.After(within)
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatalf("parity up ended before %s\nevents:\n%s\nstderr:\n%s", what, strings.Join(seen, "\n"), stderr.String())
				}
				b, _ := json.Marshal(ev)
				seen = append(seen, string(b))
				if match(ev) {
					return ev
				}
			case <-timeout:
				t.Fatalf("no %s within %v\nevents:\n%s\nstderr:\n%s", what, within, strings.Join(seen, "\n"), stderr.String())
			}
		}
	}
	is := func(typ, source, phase string) func(map[string]any) bool {
		return func(ev map[string]any) bool {
			return ev["type"] == typ && (source == "" || ev["source"] == source) && (phase == "" || ev["phase"] == phase)
		}
	}

	next("cache ready", 90*time.Second, is("phase", "cache", "ready"))
	running := next("app running", 30*time.Second, is("phase", "app", "running"))
	appPid := int(running["pid"].(float64))

	killed := time.Now()
	if err := e.Kill(); err != nil {
		t.Fatal(err)
	}
	gone := next("engine event with a reason", 2*time.Second, func(ev map[string]any) bool {
		return ev["type"] == "engine" && ev["reason"] != nil && ev["reason"] != ""
	})
	t.Logf("engine loss reported after %v: %v", time.Since(killed).Round(time.Millisecond), gone["reason"])

	e.Restart(t)
	restarted := time.Now()
	next("engine event without a reason", 30*time.Second, func(ev map[string]any) bool {
		return ev["type"] == "engine" && (ev["reason"] == nil || ev["reason"] == "")
	})
	t.Logf("reconnection reported %v after the engine answered", time.Since(restarted).Round(time.Millisecond))
	// A container the engine stopped when it came back is reported exited;
	// that ends the wait at once rather than after the timeout.
	again := next("cache ready again", 60*time.Second, func(ev map[string]any) bool {
		return ev["type"] == "phase" && ev["source"] == "cache" &&
			(ev["phase"] == "ready" || ev["phase"] == "exited" || ev["phase"] == "failed")
	})
	if again["phase"] != "ready" {
		t.Fatalf("after the engine came back, cache is %v instead of ready again (parity does not start a service the engine stopped)\nevents:\n%s",
			again["phase"], strings.Join(seen, "\n"))
	}

	for _, ev := range seen {
		if strings.Contains(ev, `"source":"app"`) && strings.Contains(ev, `"phase":"exited"`) {
			t.Errorf("the app exited: %s", ev)
		}
	}
	if err := syscall.Kill(appPid, 0); err != nil {
		t.Errorf("the app (pid %d) is gone after the engine restart: %v", appPid, err)
	}
	data, _ := os.ReadFile(pidFile)
	if pids := strings.Fields(string(data)); len(pids) != 1 || pids[0] != strconv.Itoa(appPid) {
		t.Errorf("the app was started %d times (pids %v), want once as pid %d", len(pids), pids, appPid)
	}
	cancel()
	_ = up.Wait()
}
