//go:build unix

package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/engine/manifest"
)

// upProject writes a manifest with a Redis and a Postgres and returns Up
// options for it on the fake engine, whose services answer at once.
func upProject(t *testing.T, f *docker.Fake, app ...string) UpOptions {
	t.Helper()
	dir := t.TempDir()
	yaml := "name: shop\nservices:\n  cache:\n    image: redis:7\n  db:\n    image: postgres:15.4\n    environment:\n      POSTGRES_PASSWORD: pw\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return UpOptions{
		Options: Options{
			WorkingDir: dir, StateDir: t.TempDir(), Mirror: "127.0.0.1:5959", Docker: f,
			Timeout: 30 * time.Second, AppCommand: app, Environ: []string{"PATH=" + os.Getenv("PATH")},
			probe: func(context.Context, string) error { return nil },
		},
		StopTimeout: 5 * time.Second,
	}
}

// waitEvent waits until rec has an event matching ok.
func waitEvent(t *testing.T, rec *recorder, what string, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		rec.mu.Lock()
		for _, ev := range rec.events {
			if ok(ev) {
				rec.mu.Unlock()
				return ev
			}
		}
		rec.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no event: %s; got %+v", what, rec.all())
	return Event{}
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

func isPhase(source string, p Phase) func(Event) bool {
	return func(ev Event) bool { return ev.Type == EventPhase && ev.Source == source && ev.Phase == p }
}

func runningContainers(t *testing.T, f *docker.Fake) int {
	t.Helper()
	cs, err := f.Containers(context.Background(), map[string]string{LabelProject: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cs {
		if c.Running {
			n++
		}
	}
	return n
}

// An app that exits 1 when asked to stop (go run does, on SIGINT) has not
// failed: quitting the live view is no error, and the app shows as stopped.
func TestQuitStopsTheAppWithoutCallingItsExitAFailure(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	opts := upProject(t, f, "sh", "-c", `trap 'exit 1' INT; echo up; while :; do sleep 0.05; done`)
	opts.Controls, opts.Hold = NewControls(), true
	type outcome struct {
		res UpResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := Up(context.Background(), opts, rec.sink)
		done <- outcome{res, err}
	}()
	waitEvent(t, rec, "app output", func(ev Event) bool { return ev.Type == EventLog && ev.Source == AppSource && ev.Line == "up" })
	opts.Controls.Quit(false)
	o := <-done
	if o.err != nil || !o.res.Quit || o.res.AppExited {
		t.Fatalf("quit: %+v, %v; want a quit with no failure", o.res, o.err)
	}
	waitEvent(t, rec, "app stopped", isPhase(AppSource, PhaseStopped))
	for _, ev := range rec.of(EventPhase, AppSource) {
		if ev.Phase == PhaseExited {
			t.Errorf("the app's exit on parity's request was reported as exited %d", ev.ExitCode)
		}
	}
	if n := runningContainers(t, f); n != 0 {
		t.Errorf("%d containers still running after quit", n)
	}
}

// Quit with leave (Q) stops the app but leaves the services running.
func TestQuitLeavingKeepsTheServices(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	opts := upProject(t, f, "sleep", "30")
	opts.Controls, opts.Hold = NewControls(), true
	done := make(chan error, 1)
	go func() { _, err := Up(context.Background(), opts, rec.sink); done <- err }()
	waitEvent(t, rec, "app running", isPhase(AppSource, PhaseRunning))
	opts.Controls.Quit(true)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := runningContainers(t, f); n != 2 {
		t.Errorf("%d containers running after Q, want both", n)
	}
}

// The app's own non-zero exit ends up with its code (no Hold), and the
// services are stopped.
func TestTheAppsOwnExitEndsUpWithItsCode(t *testing.T) {
	f := fakeWithImages()
	res, err := Up(context.Background(), upProject(t, f, "sh", "-c", "exit 3"), (&recorder{}).sink)
	if err != nil {
		t.Fatal(err)
	}
	if !res.AppExited || res.AppCode != 3 {
		t.Errorf("result %+v, want the app's exit 3", res)
	}
	if n := runningContainers(t, f); n != 0 {
		t.Errorf("%d containers still running", n)
	}
}

// A signal's cause reaches the app as that signal, and Up returns it.
func TestASignalStopsTheAppWithThatSignalAndEverythingElse(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			f := fakeWithImages()
			rec := &recorder{}
			// The app says which signal it got; SIGHUP is passed on as SIGTERM.
			opts := upProject(t, f, "sh", "-c", `trap 'echo got INT; exit 0' INT; trap 'echo got TERM; exit 0' TERM; echo up; while :; do sleep 0.05; done`)
			ctx, cancel := context.WithCancelCause(context.Background())
			done := make(chan error, 1)
			go func() { _, err := Up(ctx, opts, rec.sink); done <- err }()
			waitEvent(t, rec, "app output", func(ev Event) bool { return ev.Source == AppSource && ev.Line == "up" })
			cancel(Interrupted(sig))
			err := <-done
			var in *Interrupt
			if !errors.As(err, &in) || in.Signal != sig {
				t.Fatalf("up returned %v, want the interrupt by %v", err, sig)
			}
			want := map[syscall.Signal]string{syscall.SIGINT: "got INT", syscall.SIGTERM: "got TERM", syscall.SIGHUP: "got TERM"}[sig]
			waitEvent(t, rec, want, func(ev Event) bool { return ev.Source == AppSource && ev.Line == want })
			if n := runningContainers(t, f); n != 0 {
				t.Errorf("%d containers still running", n)
			}
		})
	}
}

// An app that ignores the stop signal is killed after the stop timeout,
// or at once when the stop is forced (a second Ctrl-C).
func TestASecondInterruptKillsAnAppThatIgnoresTheFirst(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	opts := upProject(t, f, "sh", "-c", `trap '' INT TERM; echo up; while :; do sleep 0.05; done`)
	opts.StopTimeout = time.Hour
	force := make(chan struct{})
	opts.Force = force
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { _, err := Up(ctx, opts, rec.sink); done <- err }()
	ev := waitEvent(t, rec, "app running", isPhase(AppSource, PhaseRunning))
	waitEvent(t, rec, "app output", func(ev Event) bool { return ev.Source == AppSource && ev.Line == "up" })
	cancel(Interrupted(syscall.SIGINT))
	waitEvent(t, rec, "app stopping", isPhase(AppSource, PhaseStopping))
	select {
	case err := <-done:
		t.Fatalf("up ended (%v) although the app ignores SIGINT and the stop timeout is an hour", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(force)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a forced stop did not end up")
	}
	if groupAlive(ev.Pid) {
		t.Errorf("the app's process group %d survived a forced stop", ev.Pid)
	}
}

// A descendant that left the app's process group (setsid) and keeps its
// stdout open must not keep parity from ending once the app exited.
func TestADaemonisedDescendantHoldingTheOutputDoesNotBlockTheStop(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	marker := fmt.Sprintf("parity-test-daemon-%d", time.Now().UnixNano())
	opts := upProject(t, f, "sh", "-c", `setsid sh -c 'exec -a `+marker+` sleep 60' & echo up; while :; do sleep 0.05; done`)
	t.Cleanup(func() { _ = exec.Command("pkill", "-f", marker).Run() })
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { _, err := Up(ctx, opts, rec.sink); done <- err }()
	waitEvent(t, rec, "app output", func(ev Event) bool { return ev.Source == AppSource && ev.Line == "up" })
	cancel(Interrupted(syscall.SIGINT))
	select {
	case <-done:
	case <-time.After(5 * time.Second): // the daemon holds the pipe for 60 s
		t.Fatal("up waits for the daemonised descendant's output to close")
	}
}

// Restarting the app runs it again (a loop, not recursion), as often as asked.
func TestTheAppRestartsOnRequestAsOftenAsAsked(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	opts := upProject(t, f, "sh", "-c", `echo up; while :; do sleep 0.05; done`)
	opts.Controls, opts.Hold = NewControls(), true
	done := make(chan error, 1)
	go func() { _, err := Up(context.Background(), opts, rec.sink); done <- err }()
	pids := map[int]bool{}
	for i := 0; i < 3; i++ {
		n := i
		ev := waitEvent(t, rec, "app running", func(ev Event) bool {
			if !isPhase(AppSource, PhaseRunning)(ev) || pids[ev.Pid] {
				return false
			}
			return len(pids) == n
		})
		pids[ev.Pid] = true
		if i < 2 {
			if err := opts.Controls.Restart(context.Background(), AppSource); err != nil {
				t.Fatal(err)
			}
		}
	}
	opts.Controls.Quit(false)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(pids) != 3 {
		t.Errorf("%d distinct app processes, want 3", len(pids))
	}
	for pid := range pids {
		if processAlive(pid) {
			t.Errorf("app pid %d outlived up", pid)
		}
	}
}

// An app an earlier parity could not stop (it was killed with -9) is
// found by the next up, reported and stopped before a second copy starts.
func TestAnOrphanedAppIsReportedAndStoppedBeforeTheNextStarts(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	opts := upProject(t, f, "sh", "-c", `echo up; while :; do sleep 0.05; done`)
	orphan := exec.Command("sleep", "60")
	orphan.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	reaped := make(chan struct{})
	go func() { _ = orphan.Wait(); close(reaped) }()
	t.Cleanup(func() { _ = syscall.Kill(-orphan.Process.Pid, syscall.SIGKILL) })
	if err := os.MkdirAll(filepath.Join(opts.StateDir, "projects"), 0o700); err != nil {
		t.Fatal(err)
	}
	dead := exec.Command("true")
	_ = dead.Run() // a parity pid that no longer runs
	rec0 := appRecord{PID: orphan.Process.Pid, Command: []string{"sleep", "60"}, Started: time.Now(), StartTick: startTick(orphan.Process.Pid), ParityPID: dead.Process.Pid}
	if err := writeAppRecord(opts.StateDir, "shop", rec0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { _, err := Up(ctx, opts, rec.sink); done <- err }()
	waitEvent(t, rec, "orphan reported", func(ev Event) bool {
		return ev.Type == EventWarning && strings.Contains(ev.Line, "still running") && strings.Contains(ev.Line, strconv.Itoa(orphan.Process.Pid))
	})
	select {
	case <-reaped:
	case <-time.After(10 * time.Second):
		t.Error("the orphaned app was not stopped")
	}
	waitEvent(t, rec, "new app", isPhase(AppSource, PhaseRunning))
	cancel(Interrupted(syscall.SIGINT))
	<-done
	if _, err := os.Stat(appRecordPath(opts.StateDir, "shop")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the app record outlived the app: %v", err)
	}
}

// A second parity waits for the project's lock, says for whom, and can
// be interrupted while it waits.
func TestWaitingForTheProjectLockSaysForWhomAndCanBeInterrupted(t *testing.T) {
	dir := t.TempDir()
	held, err := openState(context.Background(), dir, "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	ctx, cancel := context.WithCancelCause(context.Background())
	var waitedFor int
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		_, err := openState(ctx, dir, "shop", func(pid int) {
			once.Do(func() { waitedFor = pid; cancel(Interrupted(syscall.SIGINT)) })
		})
		done <- err
	}()
	select {
	case err := <-done:
		var in *Interrupt
		if !errors.As(err, &in) {
			t.Errorf("waiting ended with %v, want the interrupt", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiting for the lock ignored the interrupt")
	}
	if waitedFor != os.Getpid() {
		t.Errorf("said it waits for pid %d, want the holder %d", waitedFor, os.Getpid())
	}
	held.Close()
	sf, err := openState(context.Background(), dir, "shop", nil)
	if err != nil {
		t.Fatalf("after the holder released it: %v", err)
	}
	sf.Close()
}

// kafkaProject is a Kafka whose advertised listener names its host port.
func kafkaProject() *manifest.Project {
	return &manifest.Project{
		Name:  "shop",
		Files: []string{"/src/shop/compose.yaml"},
		Services: []manifest.Service{
			{Name: "queue", Image: "apache/kafka:3.8.0"},
		},
	}
}

// A port taken while starting re-plans: Kafka then advertises the new
// port, not the one it could not have (patching the plan missed that).
func TestAPortTakenWhileStartingReplansKafkasAdvertisedListener(t *testing.T) {
	f := docker.NewFake()
	f.AddRegistryImage("127.0.0.1:5959/apache/kafka:3.8.0", "sha256:kkk")
	g := &grabOnce{Fake: f, service: "queue", port: "9092/tcp"}
	s := testSession(t, kafkaProject(), f, &recorder{}, "")
	s.docker = g
	if err := s.startAndWait(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer g.grabbed.Close()
	taken := g.grabbed.Addr().(*net.TCPAddr).Port
	spec, _ := g.Spec(s.id("queue"))
	got := spec.Ports["9092/tcp"].HostPort
	if got == taken {
		t.Fatalf("kafka publishes %d, the port another program took", got)
	}
	advertised := ""
	for _, kv := range spec.Env {
		if strings.HasPrefix(kv, "KAFKA_ADVERTISED_LISTENERS=") {
			advertised = kv
		}
	}
	if !strings.Contains(advertised, fmt.Sprintf(":%d", got)) || strings.Contains(advertised, fmt.Sprintf(":%d", taken)) {
		t.Errorf("advertised %q, want the new port %d (not %d)", advertised, got, taken)
	}
}

// An engine that died while starting a container leaves containerd's task
// behind; the next start is refused with "already exists" until the
// container is made again, which up does by itself.
func TestAStaleTaskAfterAnEngineCrashIsRecreated(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	s := testSession(t, quickstart(), f, rec, "")
	var once sync.Once
	st := &staleOnce{Fake: f, once: &once}
	s.docker = st
	if err := s.startAndWait(context.Background()); err != nil {
		t.Fatalf("up after a stale task: %v", err)
	}
	warned := false
	for _, w := range rec.of(EventWarning, "") {
		warned = warned || strings.Contains(w.Line, "made the container again")
	}
	if !warned {
		t.Errorf("no warning about the stale task: %+v", rec.of(EventWarning, ""))
	}
}

type staleOnce struct {
	*docker.Fake
	once *sync.Once
}

func (s *staleOnce) Start(ctx context.Context, id string) error {
	var err error
	s.once.Do(func() {
		err = fmt.Errorf("start container: task %s: already exists: unknown", id)
	})
	if err != nil {
		return err
	}
	return s.Fake.Start(ctx, id)
}

// A container removed from outside while up runs is reported at once, and
// a restart makes it again.
func TestAContainerRemovedFromOutsideIsReportedAndRestartMakesItAgain(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	opts, done := heldUp(t, f, rec)
	cs, _ := f.Containers(context.Background(), map[string]string{LabelProject: "shop", LabelService: "db"})
	if len(cs) != 1 {
		t.Fatalf("%d db containers", len(cs))
	}
	// docker rm -f: die, then destroy.
	f.Exit(cs[0].ID, 137)
	if err := f.Remove(context.Background(), cs[0].ID); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, rec, "removal reported", func(ev Event) bool {
		return isPhase("db", PhaseFailed)(ev) && strings.Contains(ev.Reason, "removed from outside")
	})
	if err := opts.Controls.Restart(context.Background(), "db"); err != nil {
		t.Fatalf("restart of a removed service: %v", err)
	}
	cs, _ = f.Containers(context.Background(), map[string]string{LabelProject: "shop", LabelService: "db"})
	if len(cs) != 1 || !cs[0].Running {
		t.Fatalf("db after restart: %+v", cs)
	}
	opts.Controls.Quit(false)
	<-done
}

// heldUp runs Up as the live view does (Hold, with controls) until the
// test quits it, and waits until both services answer and the engine's
// events are followed.
func heldUp(t *testing.T, f *docker.Fake, rec *recorder) (UpOptions, <-chan error) {
	t.Helper()
	opts := upProject(t, f)
	opts.Controls, opts.Hold = NewControls(), true
	done := make(chan error, 1)
	go func() { _, err := Up(context.Background(), opts, rec.sink); done <- err }()
	waitEvent(t, rec, "cache ready", isPhase("cache", PhaseReady))
	waitEvent(t, rec, "db ready", isPhase("db", PhaseReady))
	waitFor(t, func() bool { return f.Subscribers() > 0 })
	return opts, done
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// An engine that stops answering is reported within two seconds, and
// when it answers again every service is checked again.
func TestAnEngineThatStopsAnsweringIsReportedAndRejoined(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	opts, done := heldUp(t, f, rec)
	lostAt := time.Now()
	f.SetUnreachable(true)
	lost := waitEvent(t, rec, "engine lost", func(ev Event) bool { return ev.Type == EventEngine && ev.Reason != "" })
	if d := lost.Time.Sub(lostAt); d > 2*time.Second {
		t.Errorf("engine loss reported after %s, want within 2s", d)
	}
	f.SetUnreachable(false)
	back := waitEvent(t, rec, "engine back", func(ev Event) bool { return ev.Type == EventEngine && ev.Reason == "" })
	waitEvent(t, rec, "db probed again", func(ev Event) bool {
		return isPhase("db", PhaseReady)(ev) && !ev.Time.Before(back.Time)
	})
	opts.Controls.Quit(false)
	<-done
}

// An environment exec would refuse (a huge .env) is refused before any
// service is started, naming the variable.
func TestAnAppEnvironmentTooLargeForExecStartsNothing(t *testing.T) {
	f := fakeWithImages()
	opts := upProject(t, f, "true")
	opts.Environ = append(opts.Environ, "HUGE_BLOB="+strings.Repeat("x", 200*1024))
	_, err := Up(context.Background(), opts, (&recorder{}).sink)
	if err == nil || !strings.Contains(err.Error(), "HUGE_BLOB") {
		t.Fatalf("up: %v, want a refusal naming HUGE_BLOB", err)
	}
	if n := f.CallCount("Create"); n != 0 {
		t.Errorf("%d containers created before the refusal", n)
	}
}

// An engine restarting without live restore stops every container; when
// it answers again parity starts the services it lost and probes them.
func TestServicesStoppedByAnEngineRestartAreStartedAgain(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	opts, done := heldUp(t, f, rec)
	f.SetUnreachable(true)
	waitEvent(t, rec, "engine lost", func(ev Event) bool { return ev.Type == EventEngine && ev.Reason != "" })
	f.SetUnreachable(false)
	cs, _ := f.Containers(context.Background(), map[string]string{LabelProject: "shop"})
	for _, c := range cs {
		f.Exit(c.ID, 0) // stopped by the restarting engine, while parity could not see it
	}
	back := waitEvent(t, rec, "engine back", func(ev Event) bool { return ev.Type == EventEngine && ev.Reason == "" })
	for _, svc := range []string{"cache", "db"} {
		waitEvent(t, rec, svc+" ready again", func(ev Event) bool { return isPhase(svc, PhaseReady)(ev) && ev.Time.After(back.Time) })
	}
	if n := runningContainers(t, f); n != 2 {
		t.Errorf("%d services running after the engine came back, want 2", n)
	}
	opts.Controls.Quit(false)
	<-done
}

// blockingPull is an engine whose pulls last until they are cancelled.
type blockingPull struct {
	*docker.Fake
	pulling chan struct{}
	once    sync.Once
}

func (b *blockingPull) ImagePresent(ctx context.Context, ref string) (bool, error) { return false, nil }

func (b *blockingPull) Pull(ctx context.Context, ref string, progress func(docker.PullProgress)) error {
	b.once.Do(func() { close(b.pulling) })
	<-ctx.Done()
	return ctx.Err()
}

// Ctrl-C while an image is being pulled ends up at once with the
// interrupt, and leaves nothing running.
func TestAnInterruptWhilePullingEndsUpAndLeavesNothingRunning(t *testing.T) {
	f := fakeWithImages()
	b := &blockingPull{Fake: f, pulling: make(chan struct{})}
	opts := upProject(t, f, "sleep", "30")
	opts.Docker = b
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { _, err := Up(ctx, opts, (&recorder{}).sink); done <- err }()
	<-b.pulling
	cancel(Interrupted(syscall.SIGTERM))
	select {
	case err := <-done:
		var in *Interrupt
		if !errors.As(err, &in) || in.Signal != syscall.SIGTERM {
			t.Errorf("up returned %v, want the SIGTERM interrupt", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("up did not end after an interrupt during a pull")
	}
	if n := runningContainers(t, f); n != 0 {
		t.Errorf("%d containers running after an interrupted pull", n)
	}
}
