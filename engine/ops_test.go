package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parity-dev/parity/engine/docker"
)

// detached runs `up --detach` on the fake and returns the options to act on
// the project with, and each service's container id.
func detached(t *testing.T, f *docker.Fake) (Options, map[string]string) {
	t.Helper()
	uo := upProject(t, f)
	uo.Detach = true
	if _, err := Up(context.Background(), uo, nil); err != nil {
		t.Fatal(err)
	}
	return uo.Options, containerIDs(t, f)
}

func containerIDs(t *testing.T, f *docker.Fake) map[string]string {
	t.Helper()
	cs, err := f.Containers(context.Background(), map[string]string{LabelProject: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, c := range cs {
		ids[c.Labels[LabelService]] = c.ID
	}
	return ids
}

// logLines are the log events rec got, as "source text".
func logLines(rec *recorder) []string {
	var out []string
	for _, ev := range rec.all() {
		if ev.Type == EventLog {
			out = append(out, ev.Source+" "+ev.Line)
		}
	}
	return out
}

func TestLogsPrintEveryServicesLinesInTimeOrderAfterUpDetach(t *testing.T) {
	f := fakeWithImages()
	opts, ids := detached(t, f)
	f.Log(ids["db"], "stdout", "db one")
	f.Log(ids["cache"], "stdout", "cache one")
	f.Log(ids["db"], "stderr", "db two")

	rec := &recorder{}
	if err := Logs(context.Background(), opts, LogsOptions{Tail: -1}, rec.sink); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(logLines(rec), "\n")
	if want := "db db one\ncache cache one\ndb db two"; got != want {
		t.Errorf("logs:\n%s\nwant:\n%s", got, want)
	}

	rec = &recorder{}
	if err := Logs(context.Background(), opts, LogsOptions{Services: []string{"db"}, Tail: 1}, rec.sink); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(logLines(rec), "\n"); got != "db db two" {
		t.Errorf("logs --tail 1 db: %q, want only db's last line", got)
	}
}

func TestLogsSinceAndTimestamps(t *testing.T) {
	f := fakeWithImages()
	opts, ids := detached(t, f)
	f.Log(ids["cache"], "stdout", "old")
	deadline := time.Now().Add(time.Second)
	since := time.Now()
	for !time.Now().After(since) && time.Now().Before(deadline) {
	}
	f.Log(ids["cache"], "stdout", "new")

	rec := &recorder{}
	if err := Logs(context.Background(), opts, LogsOptions{Tail: -1, Since: since, Timestamps: true}, rec.sink); err != nil {
		t.Fatal(err)
	}
	lines := logLines(rec)
	if len(lines) != 1 || !strings.HasSuffix(lines[0], " new") {
		t.Fatalf("logs --since: %q, want only the new line", lines)
	}
	stamp := strings.Fields(lines[0])[1]
	if _, err := time.Parse(time.RFC3339Nano, stamp); err != nil {
		t.Errorf("line %q does not start with a timestamp: %v", lines[0], err)
	}
}

func TestLogsOfAStoppedServiceAreItsLastLines(t *testing.T) {
	f := fakeWithImages()
	opts, ids := detached(t, f)
	f.Log(ids["db"], "stdout", "shutting down")
	if err := Stop(context.Background(), opts, []string{"db"}, nil); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := Logs(context.Background(), opts, LogsOptions{Services: []string{"db"}, Tail: -1, Follow: true}, rec.sink); err != nil {
		t.Fatal(err)
	}
	if got := logLines(rec); len(got) != 1 || got[0] != "db shutting down" {
		t.Errorf("logs of stopped db: %q", got)
	}
}

func TestLogsFollowPrintsNewLinesOnceUntilCancelled(t *testing.T) {
	f := fakeWithImages()
	opts, ids := detached(t, f)
	f.Log(ids["cache"], "stdout", "before")
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Logs(ctx, opts, LogsOptions{Tail: -1, Follow: true}, rec.sink) }()
	waitEvent(t, rec, "backlog", func(ev Event) bool { return ev.Line == "before" })
	f.Log(ids["cache"], "stdout", "after")
	waitEvent(t, rec, "new line", func(ev Event) bool { return ev.Line == "after" })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("logs -f did not end on cancel")
	}
	if got := strings.Join(logLines(rec), "\n"); got != "cache before\ncache after" {
		t.Errorf("logs -f:\n%s\nwant each line once", got)
	}
}

func TestAnUnknownServiceIsRefusedNamingTheManifestsServices(t *testing.T) {
	f := fakeWithImages()
	opts, _ := detached(t, f)
	for verb, err := range map[string]error{
		"logs":    Logs(context.Background(), opts, LogsOptions{Services: []string{"nope"}}, nil),
		"restart": Restart(context.Background(), opts, []string{"nope"}, nil),
		"stop":    Stop(context.Background(), opts, []string{"nope"}, nil),
		"shell": func() error {
			_, err := Shell(context.Background(), opts, ShellOptions{Service: "nope"})
			return err
		}(),
	} {
		if err == nil || !strings.Contains(err.Error(), verb+" nope") || !strings.Contains(err.Error(), "cache, db") {
			t.Errorf("%s nope: %v, want an error naming the service and listing cache, db", verb, err)
		}
	}
}

func TestRestartKeepsTheContainersAndWaitsUntilTheyAnswer(t *testing.T) {
	f := fakeWithImages()
	opts, before := detached(t, f)
	rec := &recorder{}
	if err := Restart(context.Background(), opts, nil, rec.sink); err != nil {
		t.Fatal(err)
	}
	if n := f.CallCount("Restart"); n != 2 {
		t.Errorf("%d restarts, want 2", n)
	}
	for _, svc := range []string{"cache", "db"} {
		waitEvent(t, rec, svc+" restarting", isPhase(svc, PhaseRestarting))
		waitEvent(t, rec, svc+" ready", isPhase(svc, PhaseReady))
	}
	if after := containerIDs(t, f); after["db"] != before["db"] || after["cache"] != before["cache"] {
		t.Errorf("containers changed: %v -> %v", before, after)
	}
	if n := runningContainers(t, f); n != 2 {
		t.Errorf("%d running after restart, want 2", n)
	}
}

func TestRestartMakesARemovedContainerAgain(t *testing.T) {
	f := fakeWithImages()
	opts, before := detached(t, f)
	if err := f.Remove(context.Background(), before["cache"]); err != nil {
		t.Fatal(err)
	}
	if err := Restart(context.Background(), opts, []string{"cache"}, nil); err != nil {
		t.Fatal(err)
	}
	after := containerIDs(t, f)
	if after["cache"] == "" || after["cache"] == before["cache"] {
		t.Fatalf("cache not made again: %v", after)
	}
	if n := runningContainers(t, f); n != 2 {
		t.Errorf("%d running, want 2", n)
	}
}

func TestStopStopsOnlyTheNamedServicesAndKeepsThem(t *testing.T) {
	f := fakeWithImages()
	opts, ids := detached(t, f)
	if err := Stop(context.Background(), opts, []string{"cache"}, nil); err != nil {
		t.Fatal(err)
	}
	c, err := f.Inspect(context.Background(), ids["cache"])
	if err != nil {
		t.Fatalf("cache removed by stop: %v", err)
	}
	if c.Running {
		t.Error("cache still running")
	}
	if d, _ := f.Inspect(context.Background(), ids["db"]); !d.Running {
		t.Error("db stopped too")
	}
	if err := Stop(context.Background(), opts, nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := runningContainers(t, f); n != 0 {
		t.Errorf("%d running after stop, want 0", n)
	}
}

// TestShellRunsTheKindsClientWithTheArgsAndItsExitCode: the docker CLI
// (a script here) gets `exec -i` without a terminal, the client with the
// arguments appended, the password only in its environment.
func TestShellRunsTheKindsClientWithTheArgsAndItsExitCode(t *testing.T) {
	f := fakeWithImages()
	opts, ids := detached(t, f)
	bin := t.TempDir()
	script := "#!/bin/sh\necho \"$@\"\necho \"PGPASSWORD=$PGPASSWORD\" >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out, errOut strings.Builder
	code, err := Shell(context.Background(), opts, ShellOptions{
		Service: "db", Args: []string{"-c", "select 1"}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
	})
	if err != nil {
		t.Fatal(err)
	}
	if code != 3 {
		t.Errorf("code %d, want the client's 3", code)
	}
	args := strings.TrimSpace(out.String())
	if !strings.HasPrefix(args, "exec -i -e ") || !strings.Contains(args, ids["db"]+" psql") || !strings.HasSuffix(args, "-c select 1") {
		t.Errorf("docker %s", args)
	}
	if strings.Contains(args, "pw") {
		t.Errorf("password on the command line: docker %s", args)
	}
	if !strings.Contains(errOut.String(), "PGPASSWORD=pw") {
		t.Errorf("password not in the environment: %q", errOut.String())
	}

	if err := Stop(context.Background(), opts, []string{"db"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Shell(context.Background(), opts, ShellOptions{Service: "db"}); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("shell into a stopped db: %v", err)
	}
}
