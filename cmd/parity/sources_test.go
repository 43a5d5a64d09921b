package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// parityIn runs parity's root command in dir (no Docker: files only) and
// returns its output and exit code.
func parityIn(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	io, out, errb := testStreams("PARITY_STATE_DIR=" + t.TempDir())
	io.Getwd = func() (string, error) { return dir, nil }
	t.Setenv("PARITY_STATE_DIR", t.TempDir())
	root := newRootCmd(io)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	code := 0
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		code = 1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

// copyTree copies the example's directory into a fresh repository.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-R", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp %s: %v\n%s", from, err, out)
	}
}

func TestCheckFailsWhenADevComposeFileDriftsFromTerraform(t *testing.T) {
	repo := t.TempDir()
	copyTree(t, "../../examples/terraform/infra", filepath.Join(repo, "infra"))
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	dev := "services:\n  postgres:\n    image: postgres:13\n  redis:\n    image: redis:7.0\n"
	if err := os.WriteFile(filepath.Join(repo, "docker-compose.dev.yml"), []byte(dev), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := parityIn(t, repo, "check", "-f", "infra")
	if code != 1 || !strings.Contains(out, "docker-compose.dev.yml:3") || !strings.Contains(out, "postgres:13") || !strings.Contains(out, "postgres:15.4") {
		t.Errorf("check -f infra with a dev file on postgres:13: exit %d\n%s%s\nwant exit 1 naming docker-compose.dev.yml:3, postgres:13 and production's postgres:15.4", code, out, errs)
	}
	// In step: nothing to report.
	dev = strings.Replace(dev, "postgres:13", "postgres:15.4", 1)
	if err := os.WriteFile(filepath.Join(repo, "docker-compose.dev.yml"), []byte(dev), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := parityIn(t, repo, "check", "-f", "infra"); code != 0 {
		t.Errorf("check with the dev file in step: exit %d\n%s%s", code, out, errs)
	}
}

func TestCheckFailsWhenTwoProductionSourcesDisagree(t *testing.T) {
	repo := t.TempDir()
	copyTree(t, "../../examples/terraform/infra", filepath.Join(repo, "infra"))
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	prod := "services:\n  db:\n    image: postgres:16\n"
	if err := os.WriteFile(filepath.Join(repo, "compose.yaml"), []byte(prod), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := parityIn(t, repo, "check", "-f", "infra", "-f", "compose.yaml")
	if code != 1 || !strings.Contains(out, "infra/rds.tf:6") || !strings.Contains(out, "make them agree") || !strings.Contains(out, "postgres:16") {
		t.Errorf("Terraform on 15.4 and compose.yaml on 16: exit %d\n%s%s\nwant exit 1 saying the sources disagree", code, out, errs)
	}
}
