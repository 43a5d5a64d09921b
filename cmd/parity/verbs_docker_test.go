package main

// logs, shell, restart and stop against the real engine, on a project
// started with up --detach: each command from a second parity process.

import (
	"bytes"
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parity-dev/parity/internal/testbed"
)

const verbsManifest = "testdata/verbs/compose.yaml"

// lines are out's lines, trimmed.
func lines(out string) []string {
	var ls []string
	for _, l := range strings.Split(out, "\n") {
		ls = append(ls, strings.TrimSpace(l))
	}
	return ls
}

func hasLine(out, want string) bool {
	for _, l := range lines(out) {
		if l == want {
			return true
		}
	}
	return false
}

func (e *env) running(service string) bool {
	e.t.Helper()
	for _, c := range e.containers() {
		if c["Config"].(map[string]any)["Labels"].(map[string]any)["dev.parity.service"] == service {
			return c["State"].(map[string]any)["Running"] == true
		}
	}
	return false
}

func TestDockerShellRunsTheClientWithArgsAndExitsWithItsCode(t *testing.T) {
	e := newEnv(t)
	e.mustRun(verbsManifest, "up", "--detach")

	r := e.mustRun(verbsManifest, "shell", "db", "--", "-c", "select 1")
	if !hasLine(r.stdout, "1") {
		t.Errorf("shell db -- -c 'select 1' printed:\n%s", r.stdout)
	}
	r = e.run(verbsManifest, "shell", "db", "--", "-c", "select nosuchcolumn")
	if r.code != 1 || !strings.Contains(r.stderr, "nosuchcolumn") {
		t.Errorf("a failing query: exit %d, stderr:\n%s\nwant psql's exit 1 and its error", r.code, r.stderr)
	}
	r = e.run(verbsManifest, "shell", "nope")
	if r.code == 0 || !strings.Contains(r.stderr, "cache, db") {
		t.Errorf("shell nope: exit %d, stderr:\n%s\nwant an error listing the services", r.code, r.stderr)
	}
}

func TestDockerRestartKeepsDataAndRemakesARemovedContainer(t *testing.T) {
	e := newEnv(t)
	e.mustRun(verbsManifest, "up", "--detach")
	if r := e.mustRun(verbsManifest, "shell", "cache", "--", "SET", "k", "v"); !hasLine(r.stdout, "OK") {
		t.Fatalf("SET printed %q", r.stdout)
	}

	r := e.mustRun(verbsManifest, "restart", "cache")
	if !strings.Contains(r.stdout, "cache: restarting") || !strings.Contains(r.stdout, "cache: ready") {
		t.Errorf("restart printed:\n%s", r.stdout)
	}
	if r := e.mustRun(verbsManifest, "shell", "cache", "--", "GET", "k"); !hasLine(r.stdout, "v") {
		t.Errorf("GET k after restart printed %q, want v", r.stdout)
	}

	// Removed from outside: made again on its data volume.
	for name, c := range e.containers() {
		if c["Config"].(map[string]any)["Labels"].(map[string]any)["dev.parity.service"] == "cache" {
			docker(t, "rm", "-f", name)
		}
	}
	e.mustRun(verbsManifest, "restart", "cache")
	if r := e.mustRun(verbsManifest, "shell", "cache", "--", "GET", "k"); !hasLine(r.stdout, "v") {
		t.Errorf("GET k after the container was made again printed %q, want v", r.stdout)
	}
}

func TestDockerLogsOfRunningAndStoppedServicesAndFollow(t *testing.T) {
	e := newEnv(t)
	e.mustRun(verbsManifest, "up", "--detach")

	r := e.mustRun(verbsManifest, "logs", "cache")
	if !strings.Contains(r.stdout, "cache  | ") || !strings.Contains(r.stdout, "Ready to accept connections") {
		t.Errorf("logs cache printed:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "database system is ready") {
		t.Errorf("logs cache printed db's lines:\n%s", r.stdout)
	}

	// Follow: a line the database writes later is printed as it comes.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	follow := e.command(ctx, verbsManifest, "logs", "--follow", "--tail", "5", "db")
	out := &syncBuffer{}
	follow.Stdout, follow.Stderr = out, out
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = follow.Process.Kill() })
	testbed.WaitFor(t, time.Minute, func() (bool, string) {
		return strings.Contains(out.String(), "db     | "), "no db line in:\n" + out.String()
	})
	e.run(verbsManifest, "shell", "db", "--", "-c", "select followmarker")
	testbed.WaitFor(t, time.Minute, func() (bool, string) {
		return strings.Contains(out.String(), "followmarker"), "no new line in:\n" + out.String()
	})
	if err := follow.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- follow.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("logs --follow did not end on Ctrl-C")
	}

	// Stopped: its last logs, with the shutdown.
	r = e.mustRun(verbsManifest, "stop", "cache")
	if !strings.Contains(r.stdout, "cache: stopped") {
		t.Errorf("stop printed:\n%s", r.stdout)
	}
	if e.running("cache") || !e.running("db") {
		t.Errorf("after stop cache: cache running %v, db running %v", e.running("cache"), e.running("db"))
	}
	r = e.mustRun(verbsManifest, "logs", "--tail", "20", "cache")
	if !strings.Contains(r.stdout, "ready to exit") {
		t.Errorf("logs of the stopped cache printed:\n%s", r.stdout)
	}
	r = e.run(verbsManifest, "logs", "nope")
	if r.code == 0 || !strings.Contains(r.stderr, "cache, db") {
		t.Errorf("logs nope: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

func TestDockerUpOfOneServiceStartsOnlyItAndRunServiceToo(t *testing.T) {
	e := newEnv(t)
	r := e.mustRun(verbsManifest, "up", "-d", "db")
	if e.running("cache") || !e.running("db") {
		t.Fatalf("up -d db: db running %v, cache running %v; want only db\nstderr:\n%s", e.running("db"), e.running("cache"), r.stderr)
	}
	// The app's environment names only what runs: psql through it works.
	r = e.mustRun(verbsManifest, "run", "--service", "db", "--", "sh", "-c", `printf %s "$DATABASE_URL"`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, r.stdout)
	if err != nil {
		t.Fatalf("connect with run --service db's DATABASE_URL %q: %v", r.stdout, err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "select 40+2").Scan(&n); err != nil || n != 42 {
		t.Errorf("select 40+2 through run --service db's DATABASE_URL: %d, %v", n, err)
	}
	if e.running("cache") {
		t.Errorf("run --service db started cache too")
	}
	r = e.run(verbsManifest, "up", "-d", "nosuch")
	if r.code == 0 || !strings.Contains(r.stderr, "no service nosuch") || !strings.Contains(r.stderr, "cache, db") {
		t.Errorf("up -d nosuch: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if e.running("cache") {
		t.Errorf("a refused up -d nosuch started cache")
	}
}

func TestDockerAManifestOnStandardInput(t *testing.T) {
	e := newEnv(t)
	data, err := os.ReadFile(verbsManifest)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := e.command(ctx, "-", "up", "--detach", "cache")
	cmd.Stdin = bytes.NewReader(data)
	r := e.finish(cmd)
	if r.code != 0 || !e.running("cache") {
		t.Fatalf("cat compose.yaml | parity -f - up --detach cache: exit %d, cache running %v\nstderr:\n%s", r.code, e.running("cache"), r.stderr)
	}
	cmd = e.command(ctx, "-", "down")
	cmd.Stdin = bytes.NewReader(data)
	if r := e.finish(cmd); r.code != 0 || e.running("cache") {
		t.Errorf("parity -f - down: exit %d, cache running %v\n%s", r.code, e.running("cache"), r.stderr)
	}
}
