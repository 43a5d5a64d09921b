package main

// End-to-end tests of the onboarding path: parity doctor against the real
// engine, and examples/onboard.sh run as a team would run it, on the quickstart.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// onboard runs examples/onboard.sh from the repository root with parity
// pointed at the built binary and extra environment.
func onboard(t *testing.T, environ []string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "examples/onboard.sh")
	cmd.Dir = "../.."
	cmd.Env = append(environ, "PARITY="+bins.parity)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run onboard.sh: %v", err)
	}
	return result{out.String(), errb.String(), code}
}

func TestDockerOnboardScriptBringsUpAndMigratesTheQuickstart(t *testing.T) {
	e := newEnv(t)
	r := onboard(t, append(e.environ(),
		"PARITY_FLAGS=-p "+e.project+" -f examples/quickstart/compose.yaml",
		"APP_COMMAND=go run ./examples/quickstart",
		// MIGRATE is left unset: the script's own default runs, as shipped.
	))
	t.Cleanup(func() {
		if d := e.run(quickstartManifest(), "down", "--volumes"); d.code != 0 {
			t.Errorf("parity down --volumes: exit %d\n%s", d.code, d.stderr)
		}
		if cs := e.containers(); len(cs) != 0 {
			t.Errorf("containers left after down --volumes: %v", cs)
		}
	})
	if r.code != 0 {
		t.Fatalf("onboard.sh: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"==> 1/3", "✓ docker", "✓ manifest",
		"==> 2/3", "db", "postgres:15",
		"==> 3/3", "visits=1",
		"Next steps:", "parity -p " + e.project + " -f examples/quickstart/compose.yaml up -- go run ./examples/quickstart",
		"down --volumes",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("onboard.sh output lacks %q:\n%s\nstderr:\n%s", want, r.stdout, r.stderr)
		}
	}
	if len(e.containers()) != 2 {
		t.Errorf("want the 2 quickstart services running after onboarding, have %v", e.containers())
	}
}

func TestOnboardScriptStopsAtTheFirstFailureAndSaysWhich(t *testing.T) {
	build(t)
	r := onboard(t, append(os.Environ(),
		"DOCKER_HOST=unix:///nonexistent.sock",
		"PARITY_STATE_DIR="+t.TempDir(),
		"PARITY_FLAGS=-f examples/quickstart/compose.yaml",
	))
	if r.code == 0 {
		t.Fatalf("onboard.sh passed without an engine:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, `step "doctor" failed`) || !strings.Contains(r.stdout, "unix:///nonexistent.sock") {
		t.Errorf("the failure does not say which step or why:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "==> 2/3") {
		t.Errorf("onboard.sh went on after doctor failed:\n%s", r.stdout)
	}
}

func TestDockerDoctorReportsTheEngineItReaches(t *testing.T) {
	e := newEnv(t)
	r := e.run(quickstartManifest(), "doctor", "--json")
	var checks []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &checks); err != nil {
		t.Fatalf("doctor --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	byName := map[string]map[string]string{}
	for _, c := range checks {
		byName[c["check"]] = c
	}
	d := byName["docker"]
	if d["status"] != "ok" || !strings.Contains(d["detail"], "API ") || !strings.Contains(d["detail"], "answers at ") {
		t.Errorf("docker check %v", d)
	}
	if st := byName["registry"]["status"]; st != "ok" {
		t.Errorf("registry check through the test bed's mirror: %v", byName["registry"])
	}
	for _, c := range checks {
		if c["status"] == "fail" {
			t.Errorf("check failed on a working machine: %v", c)
		}
	}
	if r.code != 0 {
		t.Errorf("doctor exit %d with no failed check\n%s", r.code, r.stderr)
	}
}
