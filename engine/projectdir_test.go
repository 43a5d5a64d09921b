package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProjectDirectoryIsWhereTheManifestAndParityYAMLAreFound(t *testing.T) {
	wd := t.TempDir()
	proj := filepath.Join(wd, "svc")
	if err := os.Mkdir(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(proj, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("compose.yaml", "services:\n  db:\n    image: postgres:15.4\n")
	write("parity.yaml", "project: billing\napp:\n  command: [./run]\n")
	s, err := Open(context.Background(), Options{WorkingDir: wd, ProjectDir: "svc", StateDir: t.TempDir()}, false)
	if err != nil {
		t.Fatal(err)
	}
	if s.Project() != "billing" || strings.Join(s.AppCommand(), " ") != "./run" {
		t.Errorf("--project-directory svc: project %q, app command %v; want svc/parity.yaml's", s.Project(), s.AppCommand())
	}
	if _, err := Open(context.Background(), Options{WorkingDir: wd, ProjectDir: "nosuch", StateDir: t.TempDir()}, false); err == nil || !strings.Contains(err.Error(), "--project-directory nosuch: not a directory") {
		t.Errorf("a missing project directory: %v", err)
	}
}
