package main

// End-to-end tests of one-shot jobs and of a database built from the
// project's own Dockerfile, against the real engine and the test bed's
// images.

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

var pgrow struct {
	once sync.Once
	bin  string
	err  error
}

// buildPgrow compiles testdata/pgrow once per test binary.
func buildPgrow(t *testing.T) string {
	t.Helper()
	pgrow.once.Do(func() {
		dir, err := os.MkdirTemp("", "parity-e2e-pgrow")
		if err != nil {
			pgrow.err = err
			return
		}
		pgrow.bin = filepath.Join(dir, "pgrow")
		if out, err := exec.Command("go", "build", "-o", pgrow.bin, "./testdata/pgrow").CombinedOutput(); err != nil {
			pgrow.err = err
			pgrow.bin = string(out)
		}
	})
	if pgrow.err != nil {
		t.Fatalf("build pgrow: %v\n%s", pgrow.err, pgrow.bin)
	}
	return pgrow.bin
}

// serviceStatus is one entry of `parity status --json`.
type serviceStatus struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Kind  string `json:"kind"`
	Job   bool   `json:"job"`
	State string `json:"state"`
	Ready bool   `json:"ready"`
}

func (e *env) status(manifest string) map[string]serviceStatus {
	e.t.Helper()
	r := e.mustRun(manifest, "status", "--json")
	var list []serviceStatus
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		e.t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	out := map[string]serviceStatus{}
	for _, s := range list {
		out[s.Name] = s
	}
	return out
}

func stateTime(t *testing.T, c map[string]any, key string) time.Time {
	t.Helper()
	v, _ := c["State"].(map[string]any)[key].(string)
	at, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		t.Fatalf("State.%s %q: %v", key, v, err)
	}
	return at
}

func TestDockerJobsCompleteBeforeWhatWaitsForThem(t *testing.T) {
	e := newEnv(t)
	const manifest = "testdata/job/compose.yaml"
	r := e.mustRun(manifest, "up", "--detach")
	if strings.Contains(r.stderr, "exited") {
		t.Errorf("a job's exit 0 was reported as an exit:\n%s", r.stderr)
	}

	cs := e.containers()
	prepare, cache, version := cs["parity-"+e.project+"-prepare"], cs["parity-"+e.project+"-cache"], cs["parity-"+e.project+"-version"]
	if prepare == nil || cache == nil || version == nil {
		t.Fatalf("containers %v, want prepare, cache and version", keys(cs))
	}
	for name, c := range map[string]map[string]any{"prepare": prepare, "version": version} {
		st := c["State"].(map[string]any)
		if st["Status"] != "exited" || st["ExitCode"].(float64) != 0 {
			t.Errorf("%s: status %v exit code %v, want exited 0", name, st["Status"], st["ExitCode"])
		}
	}
	// The cache, which waits for prepare, started only after prepare ended.
	if done, started := stateTime(t, prepare, "FinishedAt"), stateTime(t, cache, "StartedAt"); started.Before(done) {
		t.Errorf("cache started at %s, before prepare finished at %s", started, done)
	}
	if !cache["State"].(map[string]any)["Running"].(bool) {
		t.Errorf("cache is not running")
	}

	st := e.status(manifest)
	for _, name := range []string{"prepare", "version"} {
		if s := st[name]; !s.Job || s.State != "completed" || !s.Ready || s.Role != "generic" {
			t.Errorf("status of %s: %+v, want a completed job", name, s)
		}
	}
	if s := st["cache"]; s.Kind != "redis" || s.State != "running" || !s.Ready {
		t.Errorf("status of cache: %+v", s)
	}

	// A second up runs the jobs again and succeeds again.
	e.mustRun(manifest, "up", "--detach")
	if got := stateTime(t, e.containers()["parity-"+e.project+"-prepare"], "StartedAt"); !got.After(stateTime(t, prepare, "StartedAt")) {
		t.Errorf("prepare did not run again on the second up")
	}
}

func TestDockerBuiltPostgresRunsItsInitScriptAndTheAppReadsTheRow(t *testing.T) {
	var project string
	// Registered before the project's own cleanup, so it runs after the
	// containers using the image are gone.
	t.Cleanup(func() {
		if project == "" {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := testbed.Docker(ctx, "images", "-q", "--filter", "label="+testbed.TestLabel+"=1", "--filter", "label=dev.parity.project="+project)
		if err != nil {
			t.Errorf("list built images: %v", err)
		}
		if ids := strings.Fields(out); len(ids) > 0 {
			if _, err := testbed.Docker(ctx, append([]string{"rmi", "-f"}, ids...)...); err != nil {
				t.Errorf("remove built image: %v", err)
			}
		}
	})
	e := newEnv(t)
	project = e.project
	client := buildPgrow(t)
	const manifest = "testdata/builtdb/compose.yaml"

	r := e.mustRun(manifest, "run", "--", client)
	if got := strings.TrimSpace(r.stdout); got != "seed=from-init-script" {
		t.Fatalf("pgrow printed %q, want the row the init script inserted\nstderr:\n%s", got, r.stderr)
	}

	st := e.status(manifest)
	if s := st["db"]; s.Role != "backing" || s.Kind != "postgres" || !s.Ready {
		t.Errorf("status of db: %+v, want a ready postgres", s)
	}
	if s := st["web"]; s.Role != "app" {
		t.Errorf("status of web: %+v", s)
	}
	cs := e.containers()
	db := cs["parity-"+e.project+"-db"]
	if db == nil {
		t.Fatalf("containers %v", keys(cs))
	}
	cfg := db["Config"].(map[string]any)
	labels := cfg["Labels"].(map[string]any)
	if cfg["Image"] != "parity-"+e.project+"-db:latest" || labels["dev.parity.built-image"] == nil || labels["dev.parity.kind"] != "postgres" {
		t.Errorf("db runs %v with labels %v", cfg["Image"], labels)
	}

	// Built again on the next run, unchanged: the container and its data stay.
	r = e.mustRun(manifest, "run", "--", client)
	if got := strings.TrimSpace(r.stdout); got != "seed=from-init-script" {
		t.Errorf("second run: pgrow printed %q", got)
	}
	if again := e.containers()["parity-"+e.project+"-db"]; again == nil || again["Id"] != db["Id"] {
		t.Errorf("an unchanged build recreated the db container")
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
