package helm

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

func load(t *testing.T, chart string, valueFiles ...string) *manifest.Project {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(context.Background(), manifest.SourceOptions{Path: filepath.Join(wd, chart), WorkingDir: wd, ValueFiles: valueFiles})
	if err != nil {
		t.Fatalf("load %s: %v", chart, err)
	}
	return p
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

func TestChart(t *testing.T) {
	p := load(t, "testdata/shop")
	if p.Source != "helm" {
		t.Errorf("Source = %q", p.Source)
	}
	var names []string
	for _, s := range p.Services {
		names = append(names, s.Name)
	}
	if want := []string{"shop-postgresql", "shop-redis", "shop-web"}; !slices.Equal(names, want) {
		t.Fatalf("services = %v; want %v", names, want)
	}
	pg := p.Service("shop-postgresql")
	if pg.Image != "docker.io/bitnami/postgresql:15.4.0-debian-11-r45" {
		t.Errorf("postgres image = %q", pg.Image)
	}
	if pg.Origin != "testdata/shop/charts/postgresql/templates/primary/statefulset.yaml:1" {
		t.Errorf("postgres origin = %q", pg.Origin)
	}
	// The chart generates the passwords (randAlphaNum) when values give
	// none: they are unset variables, shared by the app's reference.
	want := map[string]string{
		"POSTGRES_USER":              "shop",
		"POSTGRES_DATABASE":          "shop",
		"POSTGRES_PASSWORD":          "${SHOP_POSTGRESQL_PASSWORD}",
		"POSTGRES_POSTGRES_PASSWORD": "${SHOP_POSTGRESQL_POSTGRES_PASSWORD}",
	}
	for k, w := range want {
		if got := show(pg.Environment[k]); got != w {
			t.Errorf("postgres %s = %q; want %q", k, got, w)
		}
	}
	if !slices.Contains(pg.Aliases, "shop-postgresql.default.svc.cluster.local") {
		t.Errorf("postgres aliases = %v", pg.Aliases)
	}
	web := p.Service("shop-web")
	if !web.App || web.Image != "ghcr.io/acme/shop:1.4.2" {
		t.Errorf("web: App=%v Image=%q", web.App, web.Image)
	}
	if got := show(web.Environment["DATABASE_URL"]); got != "postgres://shop:${SHOP_POSTGRESQL_PASSWORD}@shop-postgresql:5432/shop" {
		t.Errorf("DATABASE_URL = %q", got)
	}
	if got := p.Service("shop-redis").Image; got != "redis:7.0" {
		t.Errorf("redis image = %q", got)
	}
	if want := []string{"SHOP_POSTGRESQL_PASSWORD", "SHOP_POSTGRESQL_POSTGRES_PASSWORD"}; !slices.Equal(p.Unset, want) {
		t.Errorf("Unset = %v; want %v", p.Unset, want)
	}
	wantWarning(t, p, "testdata/shop/Chart.yaml", "metrics", "not in charts/")
	for _, f := range []string{"Chart.yaml", "values.yaml", "templates/deployment.yaml", "charts/postgresql/templates/secrets.yaml"} {
		abs, _ := filepath.Abs(filepath.Join("testdata/shop", f))
		if !slices.Contains(p.Files, abs) {
			t.Errorf("Files lack %s: %v", f, p.Files)
		}
	}
}

// A values file given with the chart wins over values.yaml, the
// subchart's tag included; the release is the project's name.
func TestValueFiles(t *testing.T) {
	wd, _ := os.Getwd()
	p, err := Load(context.Background(), manifest.SourceOptions{
		Path: filepath.Join(wd, "testdata/shop"), WorkingDir: wd, ProjectName: "store",
		ValueFiles: []string{"testdata/shop/values-prod.yaml", filepath.Join(wd, "testdata/password.yaml")},
	})
	if err != nil {
		t.Fatal(err)
	}
	pg := p.Service("store-postgresql")
	if pg == nil {
		t.Fatalf("no store-postgresql: %+v", p.Services)
	}
	if pg.Image != "docker.io/bitnami/postgresql:16.2.0" {
		t.Errorf("postgres image = %q; want the values file's tag", pg.Image)
	}
	// A password the values give is production's literal value.
	if got := show(pg.Environment["POSTGRES_PASSWORD"]); got != "given-pw" {
		t.Errorf("POSTGRES_PASSWORD = %q", got)
	}
	if got := show(p.Service("store-web").Environment["DATABASE_URL"]); got != "postgres://shop:given-pw@store-postgresql:5432/shop" {
		t.Errorf("DATABASE_URL = %q", got)
	}
}

func TestErrors(t *testing.T) {
	wd, _ := os.Getwd()
	for _, tc := range []struct {
		chart  string
		values []string
		want   []string
		not    string // what the error must not say
	}{
		{"testdata/broken", nil, []string{"render helm chart testdata/broken", "deployment.yaml", "fix the template"}, ""},
		{"testdata/shop", []string{"testdata/missing.yaml"}, []string{"read helm values testdata/missing.yaml"}, ""},
		{"testdata/nochart", nil, []string{"load helm chart testdata/nochart"}, ""},
		// The templates call the missing dependency's: vendoring it is the fix.
		{"testdata/keycloak", nil, []string{"render helm chart testdata/keycloak", "statefulset.yaml", "postgresql.name", "dependency postgresql is not in charts/", "helm dependency build testdata/keycloak"}, "fix the template"},
	} {
		_, err := Load(context.Background(), manifest.SourceOptions{Path: filepath.Join(wd, tc.chart), WorkingDir: wd, ValueFiles: tc.values})
		if err == nil {
			t.Errorf("%s: no error", tc.chart)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.chart, err, w)
			}
		}
		if tc.not != "" && strings.Contains(err.Error(), tc.not) {
			t.Errorf("%s: error %q says %q", tc.chart, err, tc.not)
		}
	}
}

func TestDetect(t *testing.T) {
	for path, want := range map[string]bool{"testdata/shop": true, "testdata/shop/charts/postgresql": true, "testdata": false, "testdata/shop/Chart.yaml": false} {
		if got := Detect(path); got != want {
			t.Errorf("Detect(%s) = %v; want %v", path, got, want)
		}
	}
}

func wantWarning(t *testing.T, p *manifest.Project, parts ...string) {
	t.Helper()
	for _, w := range p.Warnings {
		ok := true
		for _, part := range parts {
			ok = ok && strings.Contains(w, part)
		}
		if ok {
			return
		}
	}
	t.Errorf("no warning with %q: %q", parts, p.Warnings)
}

// The example the end-to-end tests run: the tags the test bed has, and
// one generated password for Postgres and the app.
func TestExample(t *testing.T) {
	p := load(t, "../../../examples/helm/chart")
	pg, redis, app := p.Service("shop-postgres"), p.Service("shop-redis"), p.Service("shop-app")
	if pg == nil || redis == nil || app == nil {
		t.Fatalf("services: %+v", p.Services)
	}
	if pg.Image != "postgres:15.4" || redis.Image != "redis:7.0" {
		t.Errorf("images %q, %q", pg.Image, redis.Image)
	}
	if got := show(pg.Environment["POSTGRES_PASSWORD"]); got != "${SHOP_POSTGRES_PASSWORD}" {
		t.Errorf("POSTGRES_PASSWORD = %q", got)
	}
	if got := show(app.Environment["DATABASE_URL"]); got != "postgres://app:${SHOP_POSTGRES_PASSWORD}@shop-postgres:5432/app?sslmode=disable" {
		t.Errorf("DATABASE_URL = %q", got)
	}
	if got := show(app.Environment["REDIS_URL"]); got != "redis://shop-redis:6379/0" {
		t.Errorf("REDIS_URL = %q", got)
	}
}

// A dependency in a file:// repository is read from where it names.
func TestLocalDependency(t *testing.T) {
	p := load(t, "testdata/localdep")
	pg := p.Service("localdep-postgresql")
	if pg == nil || pg.Image != "docker.io/bitnami/postgresql:15.4.0-debian-11-r45" {
		t.Fatalf("localdep-postgresql = %+v", pg)
	}
	for _, w := range p.Warnings {
		if strings.Contains(w, "not in charts/") {
			t.Errorf("warning for a dependency read from its file:// repository: %s", w)
		}
	}
	if web := p.Service("localdep-web"); web == nil || show(web.Environment["DB_HOST"]) != "localdep-postgresql" {
		t.Errorf("localdep-web = %+v", web)
	}
}
