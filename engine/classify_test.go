package engine

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

// loadClassifyFixture loads testdata/classify/NAME with nothing set in the shell.
func loadClassifyFixture(t *testing.T, name string) *manifest.Project {
	t.Helper()
	p, err := manifest.Load(context.Background(), manifest.LoadOptions{
		WorkingDir: filepath.Join("testdata", "classify", name),
		Environ:    map[string]string{},
	})
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return p
}

// want is what classify should decide for one service.
type want struct {
	role Role
	kind string // the backing service's kind
	job  bool
	why  string // a part of the reason
}

func TestClassifyRealManifests(t *testing.T) {
	cases := map[string]map[string]want{
		// The machine-learning worker depends on nothing but comes from the
		// server's namespace; the database is Immich's own Postgres build.
		"immich": {
			"immich-server":           {role: RoleApp, why: "depends on database"},
			"immich-machine-learning": {role: RoleApp, why: "comes from ghcr.io/immich-app/, as immich-server's image"},
			"redis":                   {role: RoleBacking, kind: "redis"},
			"database":                {role: RoleBacking, kind: "postgres"},
		},
		// base: is the template merged into rails and sidekiq.
		"chatwoot": {
			"base":     {role: RoleApp, why: "runs rails's image chatwoot/chatwoot:latest"},
			"rails":    {role: RoleApp},
			"sidekiq":  {role: RoleApp},
			"postgres": {role: RoleBacking, kind: "postgres"},
			"redis":    {role: RoleBacking, kind: "redis"},
		},
		"anchors": {
			"web":       {role: RoleApp, why: "build:"},
			"scheduler": {role: RoleApp, why: "runs web's image ghcr.io/acme/shop:2024.06.1"},
			"frontend":  {role: RoleApp, why: "comes from ghcr.io/acme/"},
			"mail":      {role: RoleGeneric},
			"db":        {role: RoleBacking, kind: "postgres"},
		},
		// The ownership fixer is a job the server waits for; the worker
		// runs the server's image.
		"twenty": {
			"change-vol-ownership": {role: RoleGeneric, job: true, why: "server waits for it to complete"},
			"server":               {role: RoleApp},
			"worker":               {role: RoleApp},
			"db":                   {role: RoleBacking, kind: "postgres"},
			"redis":                {role: RoleBacking, kind: "redis"},
		},
		// A job runs its command whatever its image serves: the redis
		// image running redis-cli is no Redis server.
		"migrate": {
			"app":        {role: RoleApp},
			"migrate":    {role: RoleGeneric, job: true, why: "app waits for it"},
			"warm-cache": {role: RoleGeneric, job: true},
			"db":         {role: RoleBacking, kind: "postgres"},
			"cache":      {role: RoleBacking, kind: "redis"},
		},
		"builtdb": {
			"web":    {role: RoleApp},
			"db":     {role: RoleBacking, kind: "postgres", why: "built from db/Dockerfile, whose final stage is FROM postgres:15, a postgres image"},
			"worker": {role: RoleApp, why: "build:"},
		},
		"multistage": {
			"api": {role: RoleApp},
			"pg":  {role: RoleBacking, kind: "postgres", why: "built from docker/postgres/Dockerfile, whose final stage is FROM pgvector/pgvector:pg17"},
		},
		"namespaces": {
			"web":          {role: RoleApp},
			"db":           {role: RoleBacking, kind: "postgres", why: "the project's own postgres image"},
			"admin":        {role: RoleApp, why: "comes from acme/, as web's image acme/web:3.1 does"},
			"proxy-worker": {role: RoleGeneric},
			"queue":        {role: RoleBacking, kind: "kafka"},
			"mail":         {role: RoleGeneric},
			"other":        {role: RoleGeneric},
		},
		// Builds parity cannot read are the team's code, as before.
		"remote": {
			"app": {role: RoleApp, why: "build:"},
			"db":  {role: RoleApp, why: "build:"},
		},
	}
	for fixture, services := range cases {
		t.Run(fixture, func(t *testing.T) {
			proj := loadClassifyFixture(t, fixture)
			got := classify(proj, planOptions{})
			var names []string
			for _, ps := range got {
				names = append(names, ps.Name)
				w, ok := services[ps.Name]
				if !ok {
					t.Errorf("%s: no expectation (role %s: %s)", ps.Name, ps.Role, ps.Why)
					continue
				}
				kind := ""
				if ps.Stack != nil {
					kind = ps.Stack.Kind()
				}
				if ps.Role != w.role || kind != w.kind || ps.Job != w.job {
					t.Errorf("%s: role %s kind %q job %v (%s), want role %s kind %q job %v", ps.Name, ps.Role, kind, ps.Job, ps.Why, w.role, w.kind, w.job)
				}
				if !strings.Contains(ps.Why, w.why) {
					t.Errorf("%s: reason %q lacks %q", ps.Name, ps.Why, w.why)
				}
			}
			for name := range services {
				if !slices.Contains(names, name) {
					t.Errorf("%s: not in the plan", name)
				}
			}
		})
	}
}

func TestClassifyBuiltDatabaseKeepsWhatTheBuildNeeds(t *testing.T) {
	ps := findService(classify(loadClassifyFixture(t, "builtdb"), planOptions{}), "db")
	b := ps.Build
	if b == nil {
		t.Fatal("db has no build")
	}
	abs, _ := filepath.Abs("testdata/classify/builtdb/db")
	if b.Context != abs || b.Dockerfile != "Dockerfile" || b.Base != "postgres:15" || ps.Image != "postgres:15" {
		t.Errorf("build %+v, image %q", b, ps.Image)
	}
	if !slices.Equal(b.Images, []string{"postgres:15"}) || b.Args["PG_MAJOR"] != "15" {
		t.Errorf("images %v args %v", b.Images, b.Args)
	}

	pg := findService(classify(loadClassifyFixture(t, "multistage"), planOptions{}), "pg")
	if pg.Build == nil || !slices.Equal(pg.Build.Images, []string{"rust:1.80", "pgvector/pgvector:pg17"}) || pg.Build.Target != "final" {
		t.Fatalf("multistage build %+v", pg.Build)
	}
	// The image's own table decides the family: pgvector keeps the official layout.
	if got := pg.Stack.DataDir(); got != "/var/lib/postgresql/data" {
		t.Errorf("pgvector:pg17 data dir %q", got)
	}
}

// parity.yaml still wins over every rule.
func TestClassifyParityYAMLWins(t *testing.T) {
	proj := loadClassifyFixture(t, "immich")
	got := classify(proj, planOptions{AppService: "immich-machine-learning", Skip: map[string]bool{"immich-server": true}})
	if ps := findService(got, "immich-server"); ps.Role != RoleSkipped {
		t.Errorf("immich-server: %s (%s)", ps.Role, ps.Why)
	}
	if ps := findService(got, "immich-machine-learning"); ps.Role != RoleApp || ps.Why != "named as the app in parity.yaml" {
		t.Errorf("immich-machine-learning: %s (%s)", ps.Role, ps.Why)
	}
}

func findService(services []*plannedService, name string) *plannedService {
	for _, ps := range services {
		if ps.Name == name {
			return ps
		}
	}
	return nil
}
