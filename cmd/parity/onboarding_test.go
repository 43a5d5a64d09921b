package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine/doctor"
)

// runRoot runs the whole command tree in dir, as the binary would.
func runRoot(t *testing.T, dir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	io, out, errb := testStreams(os.Environ()...)
	io.Getwd = func() (string, error) { return dir, nil }
	root := newRootCmd(io)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func exitCodeOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return 1
	}
	return 0
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const shopManifest = "services:\n  web:\n    build: .\n  db:\n    image: postgres:15\n"

func TestDoctorFailsNamingAnUnreachableDockerHost(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent.sock")
	t.Setenv("PARITY_STATE_DIR", t.TempDir())
	dir := writeFiles(t, map[string]string{"compose.yaml": shopManifest})

	out, _, err := runRoot(t, dir, "doctor")
	if exitCodeOf(err) == 0 {
		t.Fatalf("doctor passed with no engine:\n%s", out)
	}
	for _, want := range []string{"✗ docker", "unix:///nonexistent.sock", "DOCKER_HOST", "✓ manifest"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	out, _, err = runRoot(t, dir, "doctor", "--json")
	if exitCodeOf(err) == 0 {
		t.Fatal("doctor --json passed with no engine")
	}
	var checks []map[string]string
	if err := json.Unmarshal([]byte(out), &checks); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, out)
	}
	if len(checks) == 0 || checks[0]["check"] != "docker" || checks[0]["status"] != "fail" || !strings.Contains(checks[0]["detail"], "unix:///nonexistent.sock") {
		t.Errorf("first check %v", checks[0])
	}
	for _, c := range checks {
		for _, k := range []string{"check", "status", "detail", "fix"} {
			if _, ok := c[k]; !ok {
				t.Errorf("check %v lacks %q", c, k)
			}
		}
	}
}

func TestDoctorPrintsOneMarkedLinePerCheckAndTheFixUnderProblems(t *testing.T) {
	io, out, _ := testStreams()
	printChecks(io, []doctor.Check{
		{Check: "docker", Status: doctor.OK, Detail: "answers"},
		{Check: "ports", Status: doctor.Warn, Detail: "5432 taken", Fix: "stop it"},
		{Check: "state", Status: doctor.Fail, Detail: "not writable", Fix: "set PARITY_STATE_DIR"},
		{Check: "registry", Status: doctor.Skip, Detail: "no manifest loaded", Fix: "fix the manifest first"},
	})
	want := "✓ docker    answers\n" +
		"! ports     5432 taken\n" +
		"            fix: stop it\n" +
		"✗ state     not writable\n" +
		"            fix: set PARITY_STATE_DIR\n" +
		"- registry  no manifest loaded\n" +
		"            fix: fix the manifest first\n" +
		"\n1 failed, 1 warnings: parity up cannot work until the failures are fixed\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestInitWritesParityYAMLAndRefusesToOverwriteWithoutForce(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"compose.yaml":             shopManifest,
		"deploy/compose.prod.yaml": shopManifest,
		"compose.dev.yaml":         shopManifest,
		"package.json":             `{"scripts": {"dev": "vite", "start": "node ."}}`,
	})
	out, _, err := runRoot(t, dir, "init")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"deploy/compose.prod.yaml (named for production)", "compose.dev.yaml: dev-only", "service web", "npm run dev (package.json scripts.dev)", "npm start", "wrote " + filepath.Join(dir, "parity.yaml"), "parity doctor"} {
		if !strings.Contains(out, want) {
			t.Errorf("init output lacks %q:\n%s", want, out)
		}
	}
	written, err := os.ReadFile(filepath.Join(dir, "parity.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(written), `files: ["deploy/compose.prod.yaml"]`) || !strings.Contains(string(written), "command: npm run dev") {
		t.Errorf("parity.yaml:\n%s", written)
	}

	// A second init leaves the file alone and exits non-zero, naming --force.
	if err := os.WriteFile(filepath.Join(dir, "parity.yaml"), []byte("project: mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = runRoot(t, dir, "init")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code == 0 || !strings.Contains(ee.msg, "--force") || !strings.Contains(ee.msg, "already exists") {
		t.Fatalf("second init: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "parity.yaml")); string(data) != "project: mine\n" {
		t.Fatalf("init replaced parity.yaml without --force:\n%s", data)
	}
	if _, _, err := runRoot(t, dir, "init", "--force"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "parity.yaml")); !bytes.Contains(data, []byte("deploy/compose.prod.yaml")) {
		t.Errorf("init --force did not replace parity.yaml:\n%s", data)
	}
}

func TestInitFailsWithoutAManifest(t *testing.T) {
	dir := writeFiles(t, map[string]string{"package.json": `{"scripts": {"dev": "vite"}}`})
	if _, _, err := runRoot(t, dir, "init"); err == nil || !strings.Contains(err.Error(), "find manifest") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "parity.yaml")); err == nil {
		t.Error("init wrote parity.yaml without a manifest")
	}
}

func TestCompletionScriptsForEachShell(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, _, err := runRoot(t, t.TempDir(), "completion", shell)
		if err != nil {
			t.Fatalf("%s: %v", shell, err)
		}
		if len(out) < 200 || !strings.Contains(out, "parity") {
			t.Errorf("%s completion is %d bytes and names parity: %v", shell, len(out), strings.Contains(out, "parity"))
		}
	}
	if _, _, err := runRoot(t, t.TempDir(), "completion", "tcsh"); err == nil {
		t.Error("completion tcsh succeeded")
	}
}

func TestVersionShowsTheModuleVersionAndTheCommit(t *testing.T) {
	shape := regexp.MustCompile(`^parity version \S+( \(commit [0-9a-f]{7,40}\))?\n$`)
	out, _, err := runRoot(t, t.TempDir(), "--version")
	if err != nil || !shape.MatchString(out) {
		t.Errorf("--version: %q, %v", out, err)
	}

	old := commit
	commit = "0123abc"
	defer func() { commit = old }()
	out, _, err = runRoot(t, t.TempDir(), "--version")
	if err != nil || !shape.MatchString(out) || !strings.Contains(out, "(commit 0123abc)") {
		t.Errorf("--version with -X main.commit=0123abc: %q, %v", out, err)
	}
}

// TestEveryCommandHasExamples walks the whole command tree: a command a
// new user cannot copy an example from is a command they will get wrong.
func TestEveryCommandHasExamples(t *testing.T) {
	io, _, _ := testStreams()
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if c.Runnable() && !c.Hidden {
			n++
			if strings.TrimSpace(c.Example) == "" {
				t.Errorf("%q has no examples in --help", c.CommandPath())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(io))
	if n < 8 {
		t.Errorf("walked %d runnable commands, want at least up, down, run, env, status, doctor, init, completion", n)
	}
}
