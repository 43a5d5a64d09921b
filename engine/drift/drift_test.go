package drift

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/lockfile"
	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/internal/testbed"
	"github.com/parity-dev/parity/stacks"
)

// repo copies testdata/<name> into a temporary repository (with a .git
// directory, so RepoRoot stops there) and returns its root.
func repo(t *testing.T, name string) string {
	t.Helper()
	return testbed.CopyRepo(t, filepath.Join("testdata", name))
}

// load reads the repository's production manifest and lock as the engine does.
func load(t *testing.T, root string) Input {
	t.Helper()
	proj, err := manifest.Load(context.Background(), manifest.LoadOptions{WorkingDir: root, Files: []string{filepath.Join(root, "compose.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Project: proj}
	lockPath := filepath.Join(root, lockfile.Name)
	if l, err := lockfile.Read(lockPath); err == nil {
		in.Lock, in.LockPath = l, lockPath
	} else if !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return in
}

func check(t *testing.T, in Input) *Report {
	t.Helper()
	r, err := Check(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// want is a finding as the tests assert it.
type want struct {
	where      string
	production string
	found      string
	severity   Severity
}

func assertFindings(t *testing.T, r *Report, wants []want) {
	t.Helper()
	var got []string
	for _, f := range r.Findings {
		got = append(got, fmt.Sprintf("%s %s %s %s", f.Where(), f.Production, f.Found, f.Severity))
	}
	var exp []string
	for _, w := range wants {
		exp = append(exp, fmt.Sprintf("%s %s %s %s", w.where, w.production, w.found, w.severity))
	}
	if strings.Join(got, "\n") != strings.Join(exp, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"))
		for _, f := range r.Findings {
			t.Logf("%s: %s; fix: %s", f.Where(), f.Problem, f.Fix)
		}
	}
	for _, f := range r.Findings {
		if f.Problem == "" || f.Fix == "" || f.Kind == "" {
			t.Errorf("%s: problem %q, fix %q, kind %q: each must be set", f.Where(), f.Problem, f.Fix, f.Kind)
		}
	}
}

func TestCleanRepositoryHasNoDrift(t *testing.T) {
	root := repo(t, "clean")
	// Dependencies and build output would be drift if they were read.
	for _, dir := range []string{"node_modules/pkg", ".venv/lib", "target/debug"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dir, "docker-compose.yml"), []byte("services:\n  db:\n    image: mysql:5.7\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := check(t, load(t, root))
	assertFindings(t, r, nil)
	if r.ExitCode(true) != 0 {
		t.Errorf("exit %d with --strict on a clean repository", r.ExitCode(true))
	}
	if r.Scanned != 3 || strings.Join(r.Manifest, ",") != "compose.yaml" || r.Root != root {
		t.Errorf("scanned %d files (want the dev compose, the workflow, .env), manifest %v, root %s", r.Scanned, r.Manifest, r.Root)
	}
}

func TestDevComposeFilesAreComparedByEngineNotByName(t *testing.T) {
	r := check(t, load(t, repo(t, "devcompose")))
	assertFindings(t, r, []want{
		{".devcontainer/docker-compose.yml:5", "postgres:15", "postgis/postgis:13-3.4", Error},
		{"compose.override.yaml:3", "postgres:15", "postgres:15.4", Warning},
		{"docker-compose.dev.yml:3", "postgres:15", "postgres:13", Error},
		{"docker-compose.dev.yml:5", "redis:7", "redis:7.2-alpine", Warning},
	})
	f := r.Findings[2]
	if f.Service != "db" || f.Kind != "postgres" || !strings.Contains(f.Problem, "major version 13, production runs 15") || !strings.Contains(f.Fix, "use version 15") {
		t.Errorf("dev postgres:13 finding: %+v", f)
	}
	if r.ExitCode(false) != 1 {
		t.Errorf("exit %d, want 1", r.ExitCode(false))
	}
}

func TestGitHubActionsServicesContainersAndMatrices(t *testing.T) {
	r := check(t, load(t, repo(t, "github")))
	assertFindings(t, r, []want{
		{".github/workflows/test.yml:8", "postgres:15", "mysql:8.0", Error},
		{".github/workflows/test.yml:19", "postgres:15", "postgres:14", Error},
		{".github/workflows/test.yml:24", "redis:7", "valkey/valkey:8", Error},
	})
	if p := r.Findings[0].Problem; !strings.Contains(p, "job unit service db: runs mysql where production runs postgres") {
		t.Errorf("mysql problem: %s", p)
	}
	if p := r.Findings[1].Problem; !strings.Contains(p, "matrix pg=14") {
		t.Errorf("matrix problem: %s", p)
	}
}

func TestGitLabServicesWithVariablesAndAnchors(t *testing.T) {
	r := check(t, load(t, repo(t, "gitlab")))
	assertFindings(t, r, []want{
		{".gitlab-ci.yml:7", "postgres:15", "postgres:13", Error},
		{".gitlab-ci.yml:11", "redis:7", "redis:6.2", Error},
	})
}

func TestCircleCIConvenienceImagesAreTheirEngine(t *testing.T) {
	r := check(t, load(t, repo(t, "circleci")))
	assertFindings(t, r, []want{
		{".circleci/config.yml:11", "postgres:15", "cimg/postgres:14.9", Error},
	})
}

func TestDotenvURLsOfAnotherEngine(t *testing.T) {
	r := check(t, load(t, repo(t, "dotenv")))
	assertFindings(t, r, []want{
		{".env:2", "postgres:15", "DATABASE_URL=sqlite:///dev.db", Error},
		{".env.example:2", "postgres:15", "DATABASE_URL=mysql://root:***@localhost:3306/app", Error},
		{".env.local:1", "postgres:15", "DB_CONNECTION=sqlite", Error},
		{".env.local:2", "redis:7", "CACHE_URL=memcached://localhost:11211", Error},
		{".env.test:2", "postgres:15", "DATABASE_URL=sqlite:///test.db", Error}, // read with Compose's interpolation
	})
	for _, f := range r.Findings {
		if strings.Contains(f.Found+f.Problem+f.Fix, "s3cret") {
			t.Errorf("a password shows in the report: %+v", f)
		}
	}
}

func TestUnpinnedImagesWarnAndFailOnlyWhenStrict(t *testing.T) {
	r := check(t, load(t, repo(t, "unpinned")))
	assertFindings(t, r, []want{
		{".github/workflows/ci.yml:7", "postgres:15", "postgres:alpine", Warning},
		{"compose.yaml:6", "redis", "redis", Warning},
		{"compose.yaml:8", "axllent/mailpit:latest", "axllent/mailpit:latest", Warning},
		{"docker-compose.yml:3", "postgres:15", "postgres:latest", Warning},
		{"docker-compose.yml:5", "axllent/mailpit:latest", "axllent/mailpit", Warning},
	})
	if r.ExitCode(false) != 0 || r.ExitCode(true) != 1 {
		t.Errorf("exit %d, strict %d; want 0 and 1", r.ExitCode(false), r.ExitCode(true))
	}
}

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	digestD = "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
)

func TestALockTheManifestMovedPastIsReported(t *testing.T) {
	r := check(t, load(t, repo(t, "lock")))
	assertFindings(t, r, []want{
		{"compose.yaml:8", "redis:7.2", "not in parity.lock", Warning},
		{"parity.lock:4", "postgres:16", "postgres:15", Error},
		{"parity.lock:5", "-", "axllent/mailpit:v1.20", Warning},
	})
	if f := r.Findings[1]; f.Service != "db" || !strings.Contains(f.Fix, "parity lock") {
		t.Errorf("stale entry: %+v", f)
	}
}

func TestAMovedTagIsReportedWhenTheRegistryIsAsked(t *testing.T) {
	in := load(t, repo(t, "lock"))
	in.Remote = map[string]string{"cache": digestD}
	r := check(t, in)
	var moved *Finding
	for i, f := range r.Findings {
		if f.Where() == "parity.lock:3" {
			moved = &r.Findings[i]
		}
	}
	if moved == nil {
		t.Fatalf("no finding for the moved redis:7 tag: %+v", r.Findings)
	}
	if moved.Severity != Warning || moved.Found != "redis:7@sha256:bbbbbbbbbbbb" || moved.Production != "redis:7@sha256:dddddddddddd" || !strings.Contains(moved.Fix, "parity lock --update") {
		t.Errorf("moved tag: %+v", moved)
	}
	in.Remote = map[string]string{"cache": digestB}
	for _, f := range check(t, in).Findings {
		if f.Where() == "parity.lock:3" {
			t.Errorf("tag did not move, yet: %+v", f)
		}
	}
}

func TestRunningContainersThatPredateTheManifestOrTheLock(t *testing.T) {
	in := load(t, repo(t, "lock"))
	in.Running = []Running{
		{Service: "db", Container: "parity-shop-db", Image: "postgres:15", Ref: "postgres:15"},
		{Service: "cache", Container: "parity-shop-cache", Image: "redis:7", Ref: "mirror:5000/library/redis:7"},
		{Service: "search", Container: "parity-shop-search", Image: "redis:7.2", Ref: "redis:7.2"},
		{Service: "gone", Container: "parity-shop-gone", Image: "redis:6", Ref: "redis:6"},
	}
	r := check(t, in)
	var got []string
	for _, f := range r.Findings {
		if f.Container != "" {
			got = append(got, fmt.Sprintf("%s %s %s %s", f.Where(), f.Production, f.Found, f.Severity))
		}
	}
	wantLines := []string{
		"container parity-shop-cache redis:7@sha256:bbbbbbbbbbbb mirror:5000/library/redis:7 warning",
		"container parity-shop-db postgres:16 postgres:15 error",
	}
	if strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("container findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantLines, "\n"))
	}
	// Running the locked digest is what the lock asks for.
	in.Running = []Running{{Service: "cache", Container: "parity-shop-cache", Image: "redis:7", Ref: "mirror:5000/library/redis@" + digestB}}
	for _, f := range check(t, in).Findings {
		if f.Container != "" {
			t.Errorf("container on the locked digest reported: %+v", f)
		}
	}
}

func TestRolesFromTheEngineLeaveTheAppOut(t *testing.T) {
	in := load(t, repo(t, "unpinned"))
	in.Roles = map[string]string{"db": "backing", "cache": "backing", "mail": "app"}
	for _, f := range check(t, in).Findings {
		if strings.Contains(f.Production, "mailpit") {
			t.Errorf("a service the engine calls the app was compared: %+v", f)
		}
	}
}

func TestUnparseableYAMLIsAWarningNotAFailure(t *testing.T) {
	root := repo(t, "clean")
	if err := os.WriteFile(filepath.Join(root, "docker-compose.broken.yml"), []byte("services:\n  db:\n    image: [postgres\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := check(t, load(t, root))
	if len(r.Findings) != 1 || r.Findings[0].File != "docker-compose.broken.yml" || r.Findings[0].Severity != Warning {
		t.Errorf("findings %+v", r.Findings)
	}
}

func TestAnUnreadableFileFailsTheCheck(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	root := repo(t, "clean")
	p := filepath.Join(root, "docker-compose.dev.yml")
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(context.Background(), load(t, root)); err == nil {
		t.Error("check succeeded without reading a source file")
	}
}

func TestVersionsAndUnpinned(t *testing.T) {
	for _, tc := range []struct {
		eng, tag string
		want     string
	}{
		{"postgres", "15.4-alpine", "15.4"},
		{"postgres", "2.14.2-pg16", "16"},
		{"postgres", "pg17", "17"},
		{"postgres", "16-3.4", "16"},
		{"", "v1.20.3", "1.20.3"},
		{"redis", "alpine", ""},
		{"redis", "7.2.4.1.9", "7.2.4.1"},
	} {
		if got := versionOf(tc.eng, tc.tag).String(); got != tc.want {
			t.Errorf("versionOf(%s, %s) = %q, want %q", tc.eng, tc.tag, got, tc.want)
		}
	}
}

func TestInterpolateLikeCompose(t *testing.T) {
	vars := map[string]string{"TAG": "15", "EMPTY": ""}
	for in, want := range map[string]string{
		"postgres:${TAG}":                 "postgres:15",
		"postgres:$TAG":                   "postgres:15",
		"postgres:${NOPE:-14}":            "postgres:14",
		"postgres:${EMPTY:-13}":           "postgres:13",
		"postgres:${EMPTY-13}":            "postgres:",
		"${IMG:-postgres:${TAG}}":         "",
		"postgres:${TAG:?must be set}":    "postgres:15",
		"postgres:${TAG:+16}":             "postgres:16",
		"price$$":                         "price$",
		"${REG:-docker.io}/postgres:16.1": "docker.io/postgres:16.1",
	} {
		got, ok := interpolate(in, vars)
		if want == "" {
			continue // nested defaults are not supported; the result is not asserted
		}
		if !ok || got != want {
			t.Errorf("interpolate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := interpolate("postgres:${UNSET}", vars); ok {
		t.Error("an unset variable without default must make the image unknown")
	}
}

func TestClassifyPath(t *testing.T) {
	for p, want := range map[string]sourceKind{
		"docker-compose.yml":               composeSource,
		"deploy/compose.staging.yaml":      composeSource,
		"docker-compose-test.yml":          composeSource,
		".devcontainer/services.yml":       composeSource,
		"apps/api/.devcontainer/x/db.yaml": composeSource,
		".github/workflows/ci.yaml":        githubSource,
		"svc/.github/workflows/ci.yml":     githubSource,
		".github/dependabot.yml":           notASource,
		".gitlab-ci.yml":                   gitlabSource,
		".circleci/config.yml":             circleSource,
		".env":                             dotenvSource,
		"config/.env.production":           dotenvSource,
		".envrc":                           notASource,
		"composer.yaml":                    notASource,
		"k8s/postgres.yaml":                notASource,
	} {
		if got := classifyPath(p); got != want {
			t.Errorf("classifyPath(%s) = %d, want %d", p, got, want)
		}
	}
}

func TestEnginesFollowStacksKindsAndSplitProducts(t *testing.T) {
	for image, want := range map[string]string{
		"postgres:15":                       "postgres sql",
		"timescale/timescaledb:2.14.2-pg16": "postgres sql",
		"cimg/postgres:15.4":                "postgres sql",
		"valkey/valkey:8":                   "valkey keyvalue",
		"bitnami/redis:7.2":                 "redis keyvalue",
		"mariadb:11":                        "mariadb sql",
		"mysql:8.0":                         "mysql sql",
		"mongo:7":                           "mongo document",
		"ghcr.io/acme/web:1.2":              " ",
	} {
		e := engineOf(stacks.ParseImage(image))
		if got := e.Name + " " + e.Category; got != want {
			t.Errorf("engineOf(%s) = %q, want %q", image, got, want)
		}
	}
	for value, want := range map[string]string{
		"sqlite:///dev.db":          "sqlite",
		"sqlite:db.sqlite3":         "sqlite",
		"mysql+pymysql://u:p@h/db":  "mysql mariadb",
		"mariadb://h/db":            "mysql mariadb",
		"postgresql+asyncpg://h/db": "postgres cockroachdb",
		"rediss://h:6380":           "redis valkey keydb dragonfly",
		"mongodb+srv://cluster0/db": "mongo",
		"http://localhost:9200":     "",
		"https://api.example.com":   "",
		"localhost:5432":            "",
		"C:\\data\\x":               "",
	} {
		if got := strings.Join(dotenvEngines("URL", value), " "); got != want {
			t.Errorf("dotenvEngines(%q) = %q, want %q", value, got, want)
		}
	}
}

func TestALinkedComposeFileIsReadAndADanglingOneIgnored(t *testing.T) {
	root := repo(t, "clean")
	if err := os.MkdirAll(filepath.Join(root, "deploy"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "deploy", "dev.yml"), []byte("services:\n  db:\n    image: postgres:13\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("deploy/dev.yml", filepath.Join(root, "docker-compose.linked.yml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere.yml", filepath.Join(root, "docker-compose.dangling.yml")); err != nil {
		t.Fatal(err)
	}
	r := check(t, load(t, root))
	assertFindings(t, r, []want{{"docker-compose.linked.yml:3", "postgres:15.4", "postgres:13", Error}})
}
