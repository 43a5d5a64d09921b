package manifest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAManifestOnStandardInputLoadsWithTheWorkingDirAsProjectDir(t *testing.T) {
	wd := t.TempDir()
	if err := os.WriteFile(filepath.Join(wd, ".env"), []byte("PG_TAG=15.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := "services:\n  db:\n    image: postgres:${PG_TAG}\n    env_file: [db.env]\n"
	if err := os.WriteFile(filepath.Join(wd, "db.env"), []byte("POSTGRES_DB=shop\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(context.Background(), LoadOptions{WorkingDir: wd, Files: []string{"-"}, Stdin: strings.NewReader(manifest), Environ: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	db := mustService(t, p, "db")
	if db.Image != "postgres:15.4" || db.Environment["POSTGRES_DB"].String() != "shop" {
		t.Errorf("db from stdin: image %q, POSTGRES_DB %q; want the working dir's .env and env_file read", db.Image, db.Environment["POSTGRES_DB"])
	}
	if want := filepath.Base(wd); p.Name != strings.ToLower(want) {
		t.Errorf("project name %q, want the working directory's (%s)", p.Name, want)
	}
	if got := filepath.Base(p.Files[0]); got != StdinName {
		t.Errorf("file named %q, want %q", got, StdinName)
	}
}

func TestAnEmptyOrRepeatedStandardInputManifestIsAClearError(t *testing.T) {
	wd := t.TempDir()
	for _, tc := range []struct {
		files []string
		in    string
		want  string
	}{
		{[]string{"-"}, "", "it is empty; pipe the Compose file in"},
		{[]string{"-", "-"}, "services: {db: {image: redis:7}}", "-f - is given twice"},
		{[]string{"-"}, "services: [", "<stdin>"},
	} {
		_, err := Load(context.Background(), LoadOptions{WorkingDir: wd, Files: tc.files, Stdin: strings.NewReader(tc.in), Environ: map[string]string{}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("files %v, stdin %q: %v, want an error containing %q", tc.files, tc.in, err, tc.want)
		}
	}
	big := strings.NewReader(strings.Repeat("#", MaxManifestSize+1))
	if _, err := Load(context.Background(), LoadOptions{WorkingDir: wd, Files: []string{"-"}, Stdin: big}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a manifest over the cap on stdin: %v, want ErrTooLarge", err)
	}
}

func TestProjectDirectoryIsWhereDotenvAndRelativePathsStart(t *testing.T) {
	wd := t.TempDir()
	proj := filepath.Join(wd, "proj")
	deploy := filepath.Join(wd, "deploy")
	for _, d := range []string{proj, deploy} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(deploy, "compose.yaml"), []byte("services:\n  db:\n    image: postgres:${PG_TAG:-16}\n    env_file: [db.env]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(proj, ".env"), []byte("PG_TAG=15.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(proj, "db.env"), []byte("POSTGRES_DB=fromproj\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(context.Background(), LoadOptions{WorkingDir: wd, Files: []string{"deploy/compose.yaml"}, ProjectDir: "proj", Environ: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	db := mustService(t, p, "db")
	if db.Image != "postgres:15.4" || db.Environment["POSTGRES_DB"].String() != "fromproj" || p.Name != "proj" {
		t.Errorf("with --project-directory proj: image %q, POSTGRES_DB %q, project %q; want proj's .env, proj/db.env and the name proj", db.Image, db.Environment["POSTGRES_DB"], p.Name)
	}
	if _, err := Load(context.Background(), LoadOptions{WorkingDir: wd, Files: []string{"deploy/compose.yaml"}, ProjectDir: "nosuch"}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a project directory that does not exist: %v", err)
	}
}
