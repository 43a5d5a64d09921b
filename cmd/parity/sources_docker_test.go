package main

// Production sources beyond Compose, end to end: the examples' Terraform,
// Kubernetes and Helm descriptions start exactly the mapped tags, and each
// example app round-trips data through the variables parity wired from
// the source's references.

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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

func TestDockerKubernetesExampleRunsTheMappedTagsAndTheAppRoundTrips(t *testing.T) {
	e := newEnv(t)
	const k8s = "../../examples/kubernetes/k8s"
	e.runExample(k8s, bins.kubernetesApp)
	st := e.statusOf(k8s)
	for name, want := range map[string]string{"postgres": "postgres:15.4", "redis": "redis:7.0"} {
		if s := st[name]; s.Image != want || !s.Ready || !strings.HasPrefix(s.Source, "k8s/") {
			t.Errorf("%s: %+v, want %s ready, from k8s/", name, s, want)
		}
	}
}

func TestDockerHelmExampleRendersAndTheAppRoundTrips(t *testing.T) {
	e := newEnv(t)
	const chart = "../../examples/helm/chart"
	e.runExample(chart, bins.kubernetesApp)
	images := map[string]bool{}
	for _, s := range e.statusOf(chart) {
		if s.Role == "backing" && s.Ready {
			images[s.Image] = true
		}
	}
	if !images["postgres:15.4"] || !images["redis:7.0"] {
		t.Errorf("ready backing images %v, want postgres:15.4 and redis:7.0 as values.yaml pins", images)
	}
	// The chart generates Postgres' password at install time; parity's
	// stands in for it and lives with the data: a second run still connects.
	e.mustRun(chart, "down")
	e.runExample(chart, bins.kubernetesApp)
}

func TestDockerRenderBlueprintWiresTheAppToItsDatabase(t *testing.T) {
	e := newEnv(t)
	const blueprint = "testdata/render/render.yaml"
	r := e.mustRun(blueprint, "run", "--", "sh", "-c", `printf %s "$DATABASE_URL"`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, r.stdout)
	if err != nil {
		t.Fatalf("connect with the DATABASE_URL Render's fromDatabase gave: %q: %v", r.stdout, err)
	}
	defer conn.Close(ctx)
	var db, user string
	if err := conn.QueryRow(ctx, "select current_database(), current_user").Scan(&db, &user); err != nil || db != "shop" || user != "shop" {
		t.Errorf("connected to database %q as %q (%v), want shop as shop, as the blueprint names them", db, user, err)
	}
	if s := e.statusOf(blueprint)["shopdb"]; s.Image != "postgres:15" || !strings.Contains(s.Managed, "render") {
		t.Errorf("shopdb: %+v, want postgres:15 from Render's postgresMajorVersion", s)
	}
}
