package main

// Production sources beyond Compose, end to end: the examples' Terraform,
// Kubernetes and Helm descriptions start exactly the mapped tags, and each
// example app round-trips data through the variables parity wired from
// the source's references.

import (
	"encoding/json"
	"strings"
	"testing"
)

// sourceStatus is what `parity status --json` says of a service.
type sourceStatus struct {
	Name, Role, Image, Source, Managed string
	Ready                              bool
}

func (e *env) statusOf(source string) map[string]sourceStatus {
	e.t.Helper()
	r := e.mustRun(source, "status", "--json")
	var st []sourceStatus
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		e.t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	out := map[string]sourceStatus{}
	for _, s := range st {
		out[s.Name] = s
	}
	return out
}

// runExample runs the example app against source and wants its "ok": it
// wrote and read a row and a key through the URLs parity gave it.
func (e *env) runExample(source, app string) {
	e.t.Helper()
	r := e.run(source, "run", "--", app)
	if r.code != 0 || !hasLine(r.stdout, "ok") {
		e.t.Fatalf("parity -f %s run -- app: exit %d\nstdout:\n%s\nstderr:\n%s", source, r.code, r.stdout, r.stderr)
	}
}

func TestDockerTerraformExampleRunsTheMappedTagsAndTheAppRoundTrips(t *testing.T) {
	e := newEnv(t)
	const infra = "../../examples/terraform/infra"
	e.runExample(infra, bins.terraformApp)
	st := e.statusOf(infra)
	for name, want := range map[string]string{"main": "postgres:15.4", "cache": "redis:7.0"} {
		s := st[name]
		if s.Image != want || !s.Ready || !strings.HasPrefix(s.Source, "infra/") || !strings.Contains(s.Managed, "a managed version is a floor") {
			t.Errorf("%s: %+v, want %s ready, from infra/, its managed version called a floor", name, s, want)
		}
	}
	if app := st["shop"]; app.Role != "app" {
		t.Errorf("the ECS task's container is %+v, want the app", app)
	}
	// Again, on the same data: the generated password lives with it.
	e.mustRun(infra, "down")
	e.runExample(infra, bins.terraformApp)
}
