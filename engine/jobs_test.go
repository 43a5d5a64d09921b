package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/engine/manifest"
)

// withJob is a project with a one-shot job: init (redis-cli in the redis
// image) waits for the database to be healthy, and both the app and a
// search container wait for init to complete.
func withJob() *manifest.Project {
	completed := manifest.ConditionCompleted
	return &manifest.Project{Name: "shop", Files: []string{"/src/shop/compose.yaml"}, Services: []manifest.Service{
		{Name: "app", Build: true, DependsOn: []string{"db", "init"},
			DependsOnCondition: map[string]manifest.Condition{"db": manifest.ConditionStarted, "init": completed}},
		{Name: "db", Image: "postgres:16"},
		{Name: "init", Image: "redis:7", Entrypoint: manifest.Texts([]string{"redis-cli", "--version"}), DependsOn: []string{"db"},
			DependsOnCondition: map[string]manifest.Condition{"db": manifest.ConditionHealthy}},
		{Name: "search", Image: "getmeili/meilisearch:v1.8", DependsOn: []string{"init"},
			DependsOnCondition: map[string]manifest.Condition{"init": completed}},
	}}
}

func fakeForJobs() *docker.Fake {
	f := fakeWithImages()
	f.AddRegistryImage("127.0.0.1:5959/getmeili/meilisearch:v1.8", "sha256:eee")
	return f
}

// phaseIndex is the position of the first phase event of source, -1 if none.
func phaseIndex(r *recorder, source string, phase Phase) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, ev := range r.events {
		if ev.Type == EventPhase && ev.Source == source && ev.Phase == phase {
			return i
		}
	}
	return -1
}

func TestAJobThatExitsZeroBeforeTheFirstLookIsDoneAndWhatWaitsForItStartsAfter(t *testing.T) {
	f := fakeForJobs()
	f.OnStart(func(c docker.Container) {
		if c.Labels[LabelService] == "init" {
			f.Log(c.ID, "stdout", "redis-cli 7.0.15")
			f.Exit(c.ID, 0) // done before parity inspects it even once
		}
	})
	rec := &recorder{}
	s := testSession(t, withJob(), f, rec, "")
	var dbReady atomic.Bool
	s.probe = func(ctx context.Context, service string) error {
		if service == "db" {
			dbReady.Store(true)
		}
		return nil
	}
	if err := s.startAndWait(context.Background()); err != nil {
		t.Fatalf("up: %v", err)
	}

	init := s.plan.service("init")
	if !init.Job || init.Role != RoleGeneric || init.Spec.Entrypoint[0] != "redis-cli" {
		t.Fatalf("init planned as %s job=%v entrypoint %v: %s", init.Role, init.Job, init.Spec.Entrypoint, init.Why)
	}
	done := phaseIndex(rec, "init", PhaseDone)
	if done < 0 {
		t.Fatalf("no done event for init; events: %+v", rec.of(EventPhase, "init"))
	}
	if i := phaseIndex(rec, "init", PhaseExited); i >= 0 {
		t.Errorf("init reported as exited (a failure) at exit 0")
	}
	// The job started only once the database answered, and the container
	// waiting for it was created only after it completed.
	if ready, creating := phaseIndex(rec, "db", PhaseReady), phaseIndex(rec, "init", PhaseCreating); ready < 0 || creating < ready {
		t.Errorf("init created at event %d, db ready at %d: the job must wait for the database", creating, ready)
	}
	if creating := phaseIndex(rec, "search", PhaseCreating); creating < done {
		t.Errorf("search created at event %d, before init completed at %d", creating, done)
	}
	if c, err := f.Inspect(context.Background(), s.id("search")); err != nil || !c.Running {
		t.Errorf("search: %v running=%v", err, c.Running)
	}

	// WaitReady (as after a plain Up) takes the exited job as done, too.
	if err := s.waitReady(context.Background()); err != nil {
		t.Errorf("wait ready after the job completed: %v", err)
	}
	// So does status.
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, ss := range st {
		if ss.Name == "init" && (ss.State != "completed" || !ss.Ready || !ss.Job) {
			t.Errorf("status of init: %+v, want completed", ss)
		}
	}
}

func TestAFailingJobFailsUpWithItsExitCodeAndLogsAndWhatWaitsForItNeverStarts(t *testing.T) {
	f := fakeForJobs()
	f.OnStart(func(c docker.Container) {
		if c.Labels[LabelService] == "init" {
			f.Log(c.ID, "stderr", "Could not connect to Redis at cache:6379: Name does not resolve")
			f.Exit(c.ID, 3)
		}
	})
	rec := &recorder{}
	s := testSession(t, withJob(), f, rec, "")
	s.opts.Timeout = 10 * time.Minute // failing fast is the point
	err := s.startAndWait(context.Background())
	var se *ServiceError
	if !errors.As(err, &se) || se.Service != "init" || !se.Exited || se.ExitCode != 3 {
		t.Fatalf("err = %v, want init's failure with exit code 3", err)
	}
	if !strings.Contains(err.Error(), "job init failed with exit code 3") || !strings.Contains(err.Error(), "Could not connect to Redis") {
		t.Errorf("error does not tell the exit code and the last log line:\n%v", err)
	}
	ex := rec.of(EventPhase, "init")
	if last := ex[len(ex)-1]; last.Phase != PhaseExited || last.ExitCode != 3 || len(last.LastLogs) == 0 {
		t.Errorf("last init event %+v, want exited 3 with its logs", last)
	}
	for _, c := range f.Calls() {
		if c.Method == "Create" && c.Arg == containerName("shop", "search") {
			t.Errorf("search was created although init failed")
		}
	}
	if failed := rec.of(EventPhase, "search"); len(failed) == 0 || failed[len(failed)-1].Phase != PhaseFailed {
		t.Errorf("search events %+v, want it failed because init did", failed)
	}

	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, ss := range st {
		if ss.Name == "init" && (ss.State != "exited" || ss.Ready || ss.Reason != "exit code 3") {
			t.Errorf("status of init: %+v, want exited with exit code 3", ss)
		}
	}
}

func TestAJobStillRunningIsWaitedFor(t *testing.T) {
	f := fakeForJobs()
	started := make(chan string, 1)
	f.OnStart(func(c docker.Container) {
		if c.Labels[LabelService] == "init" {
			started <- c.ID
		}
	})
	rec := &recorder{}
	s := testSession(t, withJob(), f, rec, "")
	errc := make(chan error, 1)
	go func() { errc <- s.startAndWait(context.Background()) }()
	id := <-started
	// Up cannot finish while the job runs: once parity has looked at the
	// running job a few times, up must still be going.
	inspected := func() int {
		n := 0
		for _, c := range f.Calls() {
			if c.Method == "Inspect" && c.Arg == id {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for inspected() < 3 && time.Now().Before(deadline) {
		select {
		case err := <-errc:
			t.Fatalf("up returned while the job was running: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	select {
	case err := <-errc:
		t.Fatalf("up returned while the job was running: %v", err)
	default:
	}
	f.Exit(id, 0)
	if err := <-errc; err != nil {
		t.Fatalf("up: %v", err)
	}
	if running, done := phaseIndex(rec, "init", PhaseRunning), phaseIndex(rec, "init", PhaseDone); running < 0 || done < running {
		t.Errorf("init events running=%d done=%d", running, done)
	}
}

// builtDB is a project whose database is built FROM postgres:16 with an
// init script, from a real context directory.
func builtDB(t *testing.T) *manifest.Project {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("ARG PG=15\nFROM postgres:${PG}\nCOPY init.sql /docker-entrypoint-initdb.d/\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "init.sql"), []byte("CREATE TABLE seed (id int);\n"), 0o644))
	return &manifest.Project{Name: "shop", WorkingDir: dir, Files: []string{filepath.Join(dir, "compose.yaml")}, Services: []manifest.Service{
		{Name: "app", Build: true, DependsOn: []string{"db"}, Environment: tenv(map[string]string{"DATABASE_URL": "postgres://shop@db/shop"})},
		{Name: "db", Build: true, BuildSpec: &manifest.BuildSpec{Context: dir, Dockerfile: "Dockerfile", Args: map[string]string{"PG": "16"}},
			Environment: tenv(map[string]string{"POSTGRES_USER": "shop"})},
	}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestABuiltDatabaseIsBuiltFromTheMirroredBaseAndRunsAsItsKind(t *testing.T) {
	f := fakeWithImages() // has 127.0.0.1:5959/library/postgres:16 to pull, not postgres:16
	rec := &recorder{}
	proj := builtDB(t)
	s := testSession(t, proj, f, rec, "")
	up(t, s)

	db := s.plan.service("db")
	if db.Role != RoleBacking || db.Stack.Kind() != "postgres" || db.Image != "postgres:16" {
		t.Fatalf("db planned as %s %v image %q: %s", db.Role, db.Stack, db.Image, db.Why)
	}
	builds := f.Builds()
	if len(builds) != 1 {
		t.Fatalf("%d builds, want 1", len(builds))
	}
	b := builds[0]
	if b.ContextDir != proj.WorkingDir || b.Tag != "parity-shop-db:latest" || b.Args["PG"] != "16" {
		t.Errorf("build %+v", b)
	}
	if !strings.Contains(string(b.DockerfileContent), "FROM 127.0.0.1:5959/library/postgres:16\n") {
		t.Errorf("the Dockerfile sent does not start FROM the mirror's image:\n%s", b.DockerfileContent)
	}
	if b.Labels[LabelProject] != "shop" || b.Labels[LabelService] != "db" {
		t.Errorf("build labels %v", b.Labels)
	}
	spec, _ := f.Spec(s.id("db"))
	if spec.Image != "parity-shop-db:latest" || spec.Labels[LabelBuiltImage] == "" || spec.Labels[LabelKind] != "postgres" {
		t.Errorf("db container runs %s labels %v", spec.Image, spec.Labels)
	}
	env := strings.Join(spec.Env, " ")
	if !strings.Contains(env, "POSTGRES_PASSWORD=") || !strings.Contains(env, "POSTGRES_USER=shop") {
		t.Errorf("db env %v: not configured as Postgres", spec.Env)
	}
	if idx := phaseIndex(rec, "db", PhaseBuilding); idx < 0 {
		t.Errorf("no building phase for db")
	}

	// An unchanged build keeps the container; a changed Dockerfile replaces it.
	first := s.id("db")
	s2 := testSession(t, proj, f, &recorder{}, s.stateDir)
	up(t, s2)
	if s2.id("db") != first {
		t.Errorf("an unchanged build recreated the container")
	}
	must(t, os.WriteFile(filepath.Join(proj.WorkingDir, "Dockerfile"), []byte("FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\nENV TZ=UTC\n"), 0o644))
	s3 := testSession(t, proj, f, &recorder{}, s.stateDir)
	up(t, s3)
	if s3.id("db") == first {
		t.Errorf("a changed Dockerfile kept the old container")
	}
}

func TestABuildWhoseBaseCannotBePulledFailsNamingTheService(t *testing.T) {
	f := docker.NewFake() // the mirror has nothing
	s := testSession(t, builtDB(t), f, &recorder{}, "")
	err := s.start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "postgres:16") || !strings.Contains(err.Error(), "service db") {
		t.Fatalf("err = %v, want the pull of the base for db to fail", err)
	}
	if f.CallCount("Build") != 0 {
		t.Errorf("built without the base image")
	}
}
