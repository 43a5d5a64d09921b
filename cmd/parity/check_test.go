package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parity-dev/parity/internal/testbed"
)

// fixtureRepo copies engine/drift's testdata/<name> into a temporary
// repository root (with .git, where check stops looking upwards).
func fixtureRepo(t *testing.T, name string) string {
	t.Helper()
	return testbed.CopyRepo(t, filepath.Join("..", "..", "engine", "drift", "testdata", name))
}

// runParity runs the real command tree in dir and returns parity's exit status.
func runParity(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	io, out, errb := testStreams("PARITY_STATE_DIR=" + t.TempDir())
	io.Getwd = func() (string, error) { return dir, nil }
	root := newRootCmd(io)
	root.SetArgs(args)
	ctx := context.Background()
	err := root.ExecuteContext(ctx)
	return exitCode(io, err, context.Cause(ctx)), out.String(), errb.String()
}

func TestCheckExitCodesOnTheDriftFixtures(t *testing.T) {
	for _, tc := range []struct {
		fixture      string
		code, strict int
		mentions     []string
	}{
		{"clean", 0, 0, []string{"no drift: 3 files compared with compose.yaml"}},
		{"devcompose", 1, 1, []string{"docker-compose.dev.yml:3", "postgres:15 (db)", "postgres:13", "error", "2 errors, 2 warnings"}},
		{"github", 1, 1, []string{".github/workflows/test.yml:8", "mysql:8.0", "use postgres:15 as production's db does"}},
		{"gitlab", 1, 1, []string{".gitlab-ci.yml:7", "postgres:13"}},
		{"circleci", 1, 1, []string{".circleci/config.yml:11", "cimg/postgres:14.9"}},
		{"dotenv", 1, 1, []string{".env:2", "DATABASE_URL=sqlite:///dev.db"}},
		{"unpinned", 0, 1, []string{"compose.yaml:6", "0 errors, 5 warnings"}},
		{"lock", 1, 1, []string{"parity.lock:4", "run parity lock to lock postgres:16"}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			dir := fixtureRepo(t, tc.fixture)
			code, out, errb := runParity(t, dir, "check")
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errb)
			}
			for _, m := range tc.mentions {
				if !strings.Contains(out, m) {
					t.Errorf("output lacks %q:\n%s", m, out)
				}
			}
			if code, _, _ := runParity(t, dir, "check", "--strict"); code != tc.strict {
				t.Errorf("--strict: exit %d, want %d", code, tc.strict)
			}
		})
	}
}

func TestCheckJSONNamesFileLineAndVersions(t *testing.T) {
	dir := fixtureRepo(t, "devcompose")
	code, out, _ := runParity(t, dir, "check", "--json")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	var rep struct {
		Manifest []string
		Findings []struct {
			File, Kind, Service, Production, Found, Severity, Problem, Fix string
			Line                                                           int
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if len(rep.Findings) != 4 || rep.Manifest[0] != "compose.yaml" {
		t.Fatalf("report %+v", rep)
	}
	f := rep.Findings[2]
	if f.File != "docker-compose.dev.yml" || f.Line != 3 || f.Kind != "postgres" || f.Service != "db" ||
		f.Production != "postgres:15" || f.Found != "postgres:13" || f.Severity != "error" {
		t.Errorf("finding %+v", f)
	}
}

func TestCheckFailsWithStatus2WhenItCannotCheck(t *testing.T) {
	dir := fixtureRepo(t, "clean")
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services:\n  db: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errb := runParity(t, dir, "check")
	if code != 2 || !strings.Contains(errb, "compose.yaml") {
		t.Errorf("broken manifest: exit %d, stderr %q; want 2 naming the file", code, errb)
	}
	dir = fixtureRepo(t, "lock")
	if err := os.WriteFile(filepath.Join(dir, "parity.lock"), []byte("db postgres:16\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errb := runParity(t, dir, "check"); code != 2 || !strings.Contains(errb, "parity.lock") {
		t.Errorf("broken lock: exit %d, stderr %q; want 2 naming the file", code, errb)
	}
}

func TestCheckAndLockFlags(t *testing.T) {
	io, _, _ := testStreams()
	var co *checkOptions
	if err := execute(t, newCheckCmd(io, &globalOptions{}, func(o *checkOptions) error { co = o; return nil }), "--json", "--strict", "--running", "--remote"); err != nil {
		t.Fatal(err)
	}
	if !co.json || !co.strict || !co.running || !co.remote {
		t.Errorf("check options %+v", co)
	}
	var lo *lockOptions
	if err := execute(t, newLockCmd(io, &globalOptions{}, func(o *lockOptions) error { lo = o; return nil }), "--update"); err != nil {
		t.Fatal(err)
	}
	if !lo.update {
		t.Errorf("lock options %+v", lo)
	}
	if err := execute(t, newCheckCmd(io, &globalOptions{}, func(o *checkOptions) error { return nil }), "extra"); err == nil {
		t.Error("check accepted an argument")
	}
}
