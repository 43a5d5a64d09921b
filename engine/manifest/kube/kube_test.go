package kube

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

// load reads testdata/dir (or a file in it) with the test's directory as
// the working directory, so origins read "testdata/...".
func load(t *testing.T, path string) *manifest.Project {
	t.Helper()
	p, err := loadErr(t, path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return p
}

func loadErr(t *testing.T, path string) (*manifest.Project, error) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return Load(context.Background(), manifest.SourceOptions{Path: filepath.Join(wd, path), WorkingDir: wd})
}

func svcNamed(t *testing.T, p *manifest.Project, name string) *manifest.Service {
	t.Helper()
	s := p.Service(name)
	if s == nil {
		var names []string
		for _, s := range p.Services {
			names = append(names, s.Name)
		}
		t.Fatalf("no service %s; have %v", name, names)
	}
	return s
}

// env is the service's environment as text, unset variables as ${NAME}.
func env(s *manifest.Service) map[string]string {
	out := map[string]string{}
	for k, v := range s.Environment {
		out[k] = show(v)
	}
	return out
}

func show(v manifest.Value) string {
	var b strings.Builder
	for _, p := range v {
		if p.Unset != "" {
			b.WriteString("${" + p.Unset + "}")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func shows(vs []manifest.Value) []string {
	if vs == nil {
		return nil
	}
	out := []string{}
	for _, v := range vs {
		out = append(out, show(v))
	}
	return out
}

func wantEnv(t *testing.T, s *manifest.Service, want map[string]string) {
	t.Helper()
	got := env(s)
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: %s not set; want %q", s.Name, k, w)
			continue
		}
		if g != w {
			t.Errorf("%s: %s = %q; want %q", s.Name, k, g, w)
		}
	}
}

func wantWarning(t *testing.T, p *manifest.Project, parts ...string) {
	t.Helper()
	for _, w := range p.Warnings {
		if containsAll(w, parts) {
			return
		}
	}
	t.Errorf("no warning containing %q; warnings:\n%s", parts, strings.Join(p.Warnings, "\n"))
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func wantAliases(t *testing.T, s *manifest.Service, want ...string) {
	t.Helper()
	for _, a := range want {
		if !slices.Contains(s.Aliases, a) {
			t.Errorf("%s: no alias %s; have %v", s.Name, a, s.Aliases)
		}
	}
}

func TestBasicManifests(t *testing.T) {
	p := load(t, "testdata/basic")
	if p.Source != "kubernetes" {
		t.Errorf("Source = %q", p.Source)
	}
	var names []string
	for _, s := range p.Services {
		names = append(names, s.Name)
	}
	// The exporter and the mesh proxy are sidecars; the Job is not run.
	if want := []string{"postgres", "redis", "web"}; !slices.Equal(names, want) {
		t.Fatalf("services = %v; want %v", names, want)
	}

	web := svcNamed(t, p, "web")
	if !web.App || web.Image != "ghcr.io/acme/shop:1.4.2" || web.Origin != "testdata/basic/app.yaml:22" {
		t.Errorf("web: App=%v Image=%q Origin=%q", web.App, web.Image, web.Origin)
	}
	wantEnv(t, web, map[string]string{
		"DB_USER":        "shop",
		"DB_PASSWORD":    "s3cret-pw", // from base64 data
		"DB_NAME":        "shop",
		"LOG_LEVEL":      "info",
		"SHOP_LOG_LEVEL": "info", // envFrom with a prefix
		"SHOP_FEATURE_X": "on",
		"DATABASE_URL":   "postgres://shop:s3cret-pw@postgres.default.svc.cluster.local:5432/shop",
		"REDIS_URL":      "redis://redis:6379/0",
		"ESCAPED":        "$(NOT_EXPANDED) and $(UNKNOWN)",
		"POD_NAMESPACE":  "default",
	})
	if _, ok := web.Environment["OPTIONAL_MISSING"]; ok {
		t.Error("an absent optional key is set")
	}
	if got := shows(web.Command); !slices.Equal(got, []string{"serve", "--port", "8080"}) {
		t.Errorf("web command = %q", got)
	}
	if len(web.Ports) != 1 || web.Ports[0].Target != 8080 {
		t.Errorf("web ports = %+v", web.Ports)
	}

	pg := svcNamed(t, p, "postgres")
	if pg.App || pg.Image != "postgres:15.4" || pg.Origin != "testdata/basic/postgres.yaml:14" {
		t.Errorf("postgres: App=%v Image=%q Origin=%q", pg.App, pg.Image, pg.Origin)
	}
	wantEnv(t, pg, map[string]string{"POSTGRES_USER": "shop", "POSTGRES_PASSWORD": "s3cret-pw", "POSTGRES_DB": "shop"})
	wantAliases(t, pg, "postgres.default", "postgres.default.svc", "postgres.default.svc.cluster.local", "postgres-0.postgres", "postgres-0.postgres.default.svc.cluster.local")

	redis := svcNamed(t, p, "redis")
	if redis.Image != "redis:7.0" {
		t.Errorf("redis image = %q", redis.Image)
	}
	if got := shows(redis.Entrypoint); !slices.Equal(got, []string{"redis-server"}) {
		t.Errorf("redis entrypoint = %q", got)
	}
	if got := shows(redis.Command); !slices.Equal(got, []string{"--appendonly", "yes"}) {
		t.Errorf("redis command = %q", got)
	}
	wantAliases(t, redis, "redis.default.svc.cluster.local")

	wantWarning(t, p, "testdata/basic/app.yaml:", "Job migrate", "not run")
	if len(p.Unset) != 0 {
		t.Errorf("Unset = %v", p.Unset)
	}
	if len(p.Files) != 4 || !filepath.IsAbs(p.Files[0]) {
		t.Errorf("Files = %v", p.Files)
	}
}
