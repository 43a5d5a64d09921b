package main

// Instant data: initialised templates, reset and snapshots, against the
// real engine, with a real client (kindcheck) doing what an app does.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dataManifest is Postgres and Redis with passwords, and an app naming both.
const dataManifest = `
services:
  app:
    build: .
    depends_on: [db, cache]
    environment:
      DATABASE_URL: postgres://app:${DB_PASSWORD}@db:5432/app
      REDIS_URL: redis://:${REDIS_PASSWORD}@cache:6379/0
  db:
    image: postgres:15
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${DB_PASSWORD}
      POSTGRES_DB: app
      POSTGRES_INITDB_ARGS: ${INITDB_ARGS:-}
    volumes:
      - ./initdb:/docker-entrypoint-initdb.d:ro
  cache:
    image: redis:7
    command: redis-server --requirepass ${REDIS_PASSWORD} --appendonly yes
`

// dataProject writes dataManifest and an init script into a directory of
// its own and returns the manifest's path.
func dataProject(t *testing.T, initSQL string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "initdb"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "initdb", "01.sql"), []byte(initSQL), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(manifest, []byte(dataManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return manifest
}

// kc runs kindcheck through parity run and returns its trimmed output.
func (e *env) kc(manifest string, args ...string) string {
	e.t.Helper()
	r := e.run(manifest, append([]string{"run", "--timeout", matrixTimeout, "--", kindcheckBin}, args...)...)
	if r.code != 0 {
		e.t.Fatalf("kindcheck %v: exit %d\n%s", args, r.code, failureLines(r.stderr))
	}
	return strings.TrimSpace(r.stdout)
}

func hasPrefix(t *testing.T, got, want, what string) {
	t.Helper()
	if !strings.HasPrefix(got, want) {
		t.Errorf("%s: got %q, want it to start with %q", what, got, want)
	}
}

type templateJSON struct {
	Volume, Kind, Image string
	FirstProject        string `json:"first_project"`
	Size                int64  `json:"size_bytes"`
}

func (e *env) templates(manifest string) []templateJSON {
	e.t.Helper()
	var out []templateJSON
	if err := json.Unmarshal([]byte(e.mustRun(manifest, "templates", "--format", "json").stdout), &out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// A second project with the same image and settings gets its database from
// the template the first one left, with its own password, and the app
// round-trips data through it. A changed init script or initdb argument
// is another key: the template is missed, and a new one made.
func TestDockerASecondProjectGetsItsDatabaseFromTheTemplate(t *testing.T) {
	const initSQL = "CREATE TABLE seeded (name text); INSERT INTO seeded VALUES ('from-init');\n"
	first := newEnv(t)
	m1 := dataProject(t, initSQL)
	// Templates outlive tests (they belong to no project): start from
	// none, so the misses below are misses of this run's keys. Not
	// parallel, so no other test is copying one now.
	first.mustRun(m1, "templates", "prune")
	up1 := first.mustRun(m1, "up", "-d")
	pw1 := first.secret("db")
	found := false
	for _, tm := range first.templates(m1) {
		found = found || (tm.Kind == "postgres" && tm.Size > 0)
	}
	if !found {
		t.Fatalf("no postgres template after a cold up:\n%s", up1.stderr)
	}

	second := newEnv(t)
	m2 := dataProject(t, initSQL)
	up2 := second.mustRun(m2, "up", "-d")
	if !strings.Contains(up2.stderr, "(from template)") {
		t.Errorf("the second project's db did not say it came from the template:\n%s", up2.stderr)
	}
	if st := second.mustRun(m2, "status").stdout; !strings.Contains(st, "db's data: template parity-template-postgres-") {
		t.Errorf("status does not say db's data came from the template:\n%s", st)
	}
	if pw2 := second.secret("db"); pw2 == pw1 {
		t.Errorf("both projects' db have password %q: a copy must get its own", pw1)
	}
	hasPrefix(t, second.kc(m2, "postgres", "write", "k", "v2"), "postgres wrote k via", "write through the copy")
	hasPrefix(t, second.kc(m2, "postgres", "read", "k"), "postgres k=v2 via", "read through the copy")
	// The init script's rows came with the copy.
	row := docker(t, "exec", "parity-"+second.project+"-db", "psql", "-U", "app", "-d", "app", "-Atc", "select name from seeded")
	if strings.TrimSpace(row) != "from-init" {
		t.Errorf("the init script's row in the copy: %q", row)
	}
	// The first project's data is its own.
	hasPrefix(t, first.kc(m1, "postgres", "read", "k"), "postgres k missing via", "the first project after the second wrote")

	// Changed init script: no template of that key yet.
	third := newEnv(t)
	m3 := dataProject(t, initSQL+"-- changed\n")
	if up3 := third.mustRun(m3, "up", "-d"); strings.Contains(up3.stderr, "(from template)") {
		t.Errorf("a changed init script used the old template:\n%s", up3.stderr)
	}
	// Changed initdb argument: the same.
	fourth := newEnv(t)
	m4 := dataProject(t, initSQL)
	fourth.extra = append(fourth.extra, "INITDB_ARGS=--locale=C")
	if up4 := fourth.mustRun(m4, "up", "-d"); strings.Contains(up4.stderr, "(from template)") {
		t.Errorf("a changed POSTGRES_INITDB_ARGS used the old template:\n%s", up4.stderr)
	}
}

// reset returns Postgres to its just-initialised data with the same
// password, while Redis's data stays.
func TestDockerResetEmptiesOneServiceAndKeepsItsPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := dataProject(t, "CREATE TABLE seeded (name text);\n")
	e.mustRun(m, "up", "-d")
	pw := e.secret("db")
	e.kc(m, "postgres", "write", "k", "before")
	e.kc(m, "redis", "write", "k", "kept")

	r := e.run(m, "reset", "db")
	if r.code == 0 {
		t.Fatalf("reset off a terminal without --yes succeeded:\n%s", r.stderr)
	}
	r = e.mustRun(m, "reset", "db", "--yes")
	// Postgres kept pristine copies of its databases when it was
	// initialised (or they came with the template): no volume copy.
	if !strings.Contains(r.stdout, "reset db: pristine copies in the server") {
		t.Errorf("reset did not take Postgres's fast path:\n%s", r.stdout)
	}
	if e.secret("db") != pw {
		t.Errorf("reset changed db's password")
	}
	hasPrefix(t, e.kc(m, "postgres", "read", "k"), "postgres k missing via", "postgres after reset")
	hasPrefix(t, e.kc(m, "redis", "read", "k"), "redis k=kept via", "redis after resetting db")
	// The init script ran again (or came with the template): its table is there.
	out := docker(t, "exec", "parity-"+e.project+"-db", "psql", "-U", "app", "-d", "app", "-Atc", "select count(*) from seeded")
	if strings.TrimSpace(out) != "0" {
		t.Errorf("the init script's table after reset: %q", out)
	}
}

// snapshot save → write → restore brings the data back as it was saved;
// ls lists it; rm removes its volumes; down --volumes leaves it.
func TestDockerSnapshotSaveWriteRestoreBringsTheRowsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := dataProject(t, "SELECT 1;\n")
	e.mustRun(m, "up", "-d")
	e.kc(m, "postgres", "write", "k", "saved")
	e.kc(m, "redis", "write", "k", "saved")
	e.mustRun(m, "snapshot", "save", "one")
	if r := e.run(m, "snapshot", "save", "one"); r.code == 0 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("saving a name twice: exit %d\n%s", r.code, r.stderr)
	}
	e.kc(m, "postgres", "write", "k", "later")
	e.kc(m, "redis", "write", "k", "later")
	e.kc(m, "postgres", "write", "k2", "later")

	if r := e.run(m, "snapshot", "restore", "one"); r.code == 0 {
		t.Fatalf("restore off a terminal without --yes succeeded")
	}
	e.mustRun(m, "snapshot", "restore", "one", "--yes")
	hasPrefix(t, e.kc(m, "postgres", "read", "k"), "postgres k=saved via", "postgres after restore")
	hasPrefix(t, e.kc(m, "postgres", "read", "k2"), "postgres k2 missing via", "a row written after the save")
	hasPrefix(t, e.kc(m, "redis", "read", "k"), "redis k=saved via", "redis after restore")

	ls := e.mustRun(m, "snapshot", "ls").stdout
	if !strings.Contains(ls, "one") || !strings.Contains(ls, "cache, db") {
		t.Errorf("snapshot ls:\n%s", ls)
	}
	// down --volumes removes the data, not the snapshot; a restore then
	// brings the data back under the new passwords.
	e.mustRun(m, "down", "--volumes", "--yes")
	e.mustRun(m, "up", "-d")
	e.mustRun(m, "snapshot", "restore", "one", "--yes")
	hasPrefix(t, e.kc(m, "postgres", "read", "k"), "postgres k=saved via", "postgres restored after down --volumes")

	e.mustRun(m, "snapshot", "rm", "one")
	vols := docker(t, "volume", "ls", "-q", "--filter", "label=dev.parity.snapshot=one", "--filter", "label=dev.parity.project="+e.project)
	if strings.TrimSpace(vols) != "" {
		t.Errorf("snapshot rm left volumes: %s", vols)
	}
	if r := e.run(m, "snapshot", "restore", "one", "--yes"); r.code == 0 || !strings.Contains(r.stderr, "no such snapshot") {
		t.Errorf("restoring a removed snapshot: exit %d\n%s", r.code, r.stderr)
	}
}

// templates prune removes the machine's templates and nothing else: the
// project's data and its snapshots stay. Not parallel: the other tests'
// templates carry the same test label.
func TestDockerTemplatesPruneRemovesOnlyTemplates(t *testing.T) {
	e := newEnv(t)
	m := dataProject(t, "SELECT 2;\n")
	e.mustRun(m, "up", "-d")
	if len(e.templates(m)) == 0 {
		t.Fatal("no template after a cold up")
	}
	e.kc(m, "postgres", "write", "k", "kept")
	e.mustRun(m, "snapshot", "save", "s")
	out := e.mustRun(m, "templates", "prune").stdout
	if !strings.Contains(out, "removed template parity-template-postgres-") {
		t.Errorf("prune printed:\n%s", out)
	}
	if left := e.templates(m); len(left) != 0 {
		t.Errorf("templates left after prune: %+v", left)
	}
	for _, vol := range []string{"parity-" + e.project + "-db-data", "parity-" + e.project + "-snapshot-s-db"} {
		if strings.TrimSpace(docker(t, "volume", "ls", "-q", "--filter", "name=^"+vol+"$")) != vol {
			t.Errorf("prune removed %s", vol)
		}
	}
	hasPrefix(t, e.kc(m, "postgres", "read", "k"), "postgres k=kept via", "the project's data after prune")
}

// parity.yaml's seed runs once on fresh data; reset goes back to the
// seeded data without running it again.
func TestDockerSeedRunsOnceAndResetGoesBackToTheSeededData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := dataProject(t, "SELECT 3;\n")
	dir := filepath.Dir(m)
	runs := filepath.Join(dir, "seed-runs")
	seed := "seed: [\"sh\", \"-c\", \"echo run >> " + runs + " && exec " + kindcheckBin + " postgres write k seeded\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "parity.yaml"), []byte(seed), 0o644); err != nil {
		t.Fatal(err)
	}
	pd := []string{"--project-directory", dir}
	up := e.mustRun(m, append(pd, "up", "-d")...)
	if !strings.Contains(up.stderr, "seed: done") {
		t.Errorf("up did not seed:\n%s", up.stderr)
	}
	hasPrefix(t, e.kc(m, "postgres", "read", "k"), "postgres k=seeded via", "after the seed")
	e.kc(m, "postgres", "write", "k2", "later")
	e.mustRun(m, append(pd, "reset", "db", "--yes")...)
	hasPrefix(t, e.kc(m, "postgres", "read", "k"), "postgres k=seeded via", "after reset")
	hasPrefix(t, e.kc(m, "postgres", "read", "k2"), "postgres k2 missing via", "a row written after the seed, after reset")
	e.mustRun(m, append(pd, "down")...)
	e.mustRun(m, append(pd, "up", "-d")...)
	data, err := os.ReadFile(runs)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "run"); n != 1 {
		t.Errorf("the seed ran %d times over up, reset, down, up; want once", n)
	}
}
