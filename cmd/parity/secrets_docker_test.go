package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

// A password parity generates lives in its state file and in the app's
// environment (parity env prints it on purpose) and nowhere else it shows:
// not in the labels of anything it creates, not in status (--json or not),
// not in up's events (--json) nor its plain log lines.
func TestDockerGeneratedPasswordsAppearNowhereButEnv(t *testing.T) {
	e := newEnv(t)
	const manifest = "testdata/secrets/compose.yaml"
	shown := map[string]string{} // where -> what parity showed there

	// First up, in the foreground: it initialises the data, so every log
	// line of a first start goes through the plain printer.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := e.command(ctx, manifest, "up", "--no-tui", "--", "sh", "-c", "echo app-$((6*7)); exec sleep 600")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	testbed.WaitFor(t, 3*time.Minute, func() (bool, string) {
		return strings.Contains(out.String(), "app-42"), out.String() // not the echoed command line
	})
	_ = cmd.Process.Signal(syscall.SIGINT)
	_ = cmd.Wait()
	shown["up --no-tui"] = out.String()
	for _, want := range []string{"db: ready", "cache: ready", "database system is ready"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("up --no-tui output lacks %q:\n%s", want, out.String())
		}
	}

	secrets := generatedSecrets(t, e)
	up := e.mustRun(manifest, "up", "--detach", "--json")
	shown["up --detach --json"] = up.stdout + up.stderr
	if !strings.Contains(up.stdout, `"phase":"ready"`) {
		t.Errorf("up --detach --json shows no service ready:\n%s", up.stdout)
	}
	st := e.mustRun(manifest, "status", "--json")
	shown["status --json"] = st.stdout + st.stderr
	if !json.Valid([]byte(st.stdout)) || !strings.Contains(st.stdout, `"url"`) {
		t.Errorf("status --json shows no URL:\n%s", st.stdout)
	}
	plain := e.mustRun(manifest, "status")
	shown["status"] = plain.stdout + plain.stderr
	for _, obj := range []string{"container", "volume", "network"} {
		list := []string{obj, "ls", "-q", "--filter", "label=dev.parity.project=" + e.project}
		if obj == "container" {
			list = []string{"ps", "-aq", "--filter", "label=dev.parity.project=" + e.project}
		}
		format := "{{json .Labels}}"
		if obj == "container" {
			format = "{{json .Config.Labels}}"
		}
		ids := strings.Fields(docker(t, list...))
		if len(ids) == 0 {
			t.Errorf("no %s labelled with the project", obj)
		}
		for _, id := range ids {
			shown[obj+" "+id+" labels"] = docker(t, obj, "inspect", "-f", format, id)
		}
	}

	for where, text := range shown {
		for name, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows the password generated for %s:\n%s", where, name, text)
			}
		}
	}

	// The same passwords are the ones in use: parity env hands them to the app.
	env := e.mustRun(manifest, "env", "--format", "json")
	var vars map[string]string
	if err := json.Unmarshal([]byte(env.stdout), &vars); err != nil {
		t.Fatalf("env --format json: %v\n%s", err, env.stdout)
	}
	if !strings.Contains(vars["DATABASE_URL"], secrets["db"]) || !strings.Contains(vars["REDIS_URL"], secrets["REDIS_PASSWORD"]) {
		t.Errorf("the app's URLs %q and %q do not carry the generated passwords, so the search above proves nothing", vars["DATABASE_URL"], vars["REDIS_URL"])
	}
}

// generatedSecrets are the passwords in the project's state file, by the
// service or variable they were generated for.
func generatedSecrets(t *testing.T, e *env) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e.stateDir, "projects", e.project+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Secrets    map[string]string `json:"secrets"`
		VarSecrets map[string]string `json:"variable_secrets"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range st.Secrets {
		out[k] = v
	}
	for k, v := range st.VarSecrets {
		out[k] = v
	}
	if out["db"] == "" || out["REDIS_PASSWORD"] == "" {
		t.Fatalf("state holds no generated password for db or REDIS_PASSWORD: %v", out)
	}
	return out
}
