package kube

import (
	"context"
	"errors"
	"github.com/parity-dev/parity/stacks"
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

func TestOperators(t *testing.T) {
	t.Run("cloudnative-pg", func(t *testing.T) {
		p := load(t, "testdata/cnpg")
		db := svcNamed(t, p, "shop-db")
		if db.Image != "postgres:16.2" || db.Managed == nil || db.Managed.Provider != "cloudnative-pg" || db.Managed.Version != "16.2" {
			t.Errorf("shop-db: Image=%q Managed=%+v", db.Image, db.Managed)
		}
		wantEnv(t, db, map[string]string{"POSTGRES_DB": "shop", "POSTGRES_USER": "shop_owner", "POSTGRES_PASSWORD": "${SHOP_DB_APP_PASSWORD}"})
		wantAliases(t, db, "shop-db-rw", "shop-db-rw.prod", "shop-db-ro.prod.svc", "shop-db-r.prod.svc.cluster.local")
		// The app's references to the operator's Secret share the
		// database's password variable.
		wantEnv(t, svcNamed(t, p, "api"), map[string]string{
			"DATABASE_URL": "postgresql://shop_owner:${SHOP_DB_APP_PASSWORD}@shop-db-rw.prod:5432/shop",
			"DB_HOST":      "shop-db-rw",
			"DB_PASSWORD":  "${SHOP_DB_APP_PASSWORD}",
			"DB_USER":      "shop_owner",
		})
		plain := svcNamed(t, p, "plain")
		// No imageName: the operator's default, which parity cannot know;
		// the managed table's fixed release for an unnamed version.
		if want, _ := stacks.MapManaged("postgres", ""); plain.Image != want.Image {
			t.Errorf("plain image = %q, want %q", plain.Image, want.Image)
		}
		wantEnv(t, plain, map[string]string{"POSTGRES_DB": "app", "POSTGRES_USER": "app"})
		wantWarning(t, p, "testdata/cnpg/default-image.yaml:1", "no spec.imageName")
		if want := []string{"PLAIN_APP_PASSWORD", "SHOP_DB_APP_PASSWORD"}; !slices.Equal(p.Unset, want) {
			t.Errorf("Unset = %v; want %v", p.Unset, want)
		}
	})
	t.Run("zalando", func(t *testing.T) {
		p := load(t, "testdata/zalando")
		db := svcNamed(t, p, "acid-shop")
		if db.Image != "postgres:15" || db.Managed == nil || db.Managed.Provider != "zalando-postgres-operator" {
			t.Errorf("acid-shop: Image=%q Managed=%+v", db.Image, db.Managed)
		}
		wantEnv(t, db, map[string]string{"POSTGRES_DB": "shop", "POSTGRES_USER": "shop_owner", "POSTGRES_PASSWORD": "${ACID_SHOP_SHOP_OWNER_PASSWORD}"})
		wantAliases(t, db, "acid-shop.default.svc.cluster.local", "acid-shop-repl")
		wantEnv(t, svcNamed(t, p, "shop"), map[string]string{"PGUSER": "shop_owner", "PGPASSWORD": "${ACID_SHOP_SHOP_OWNER_PASSWORD}"})
		wantWarning(t, p, "user reporting is not created")
	})
	t.Run("crunchy", func(t *testing.T) {
		p := load(t, "testdata/crunchy")
		db := svcNamed(t, p, "hippo")
		// The image's tag names the exact minor of postgresVersion 16.
		if db.Image != "postgres:16.4" || db.Managed == nil || db.Managed.Provider != "crunchy-postgres-operator" {
			t.Errorf("hippo: Image=%q Managed=%+v", db.Image, db.Managed)
		}
		wantEnv(t, db, map[string]string{"POSTGRES_DB": "zoo", "POSTGRES_USER": "rhino", "POSTGRES_PASSWORD": "${HIPPO_PGUSER_RHINO_PASSWORD}"})
		wantAliases(t, db, "hippo-primary.apps.svc", "hippo-primary")
		wantEnv(t, svcNamed(t, p, "zoo"), map[string]string{
			"DATABASE_URL": "postgresql://rhino:${HIPPO_PGUSER_RHINO_PASSWORD}@hippo-primary.apps.svc:5432/zoo",
			"PG_host":      "hippo-primary.apps.svc",
			"PG_password":  "${HIPPO_PGUSER_RHINO_PASSWORD}",
		})
		wantWarning(t, p, "testdata/crunchy/postgrescluster.yaml:40", "InnoDBCluster legacy", "MySQL operator")
	})
}

// A Secret kept outside the manifests (sealed, external) becomes one
// unset variable per key, shared by the database and the app.
func TestSecretNotInManifests(t *testing.T) {
	p := load(t, "testdata/external-secret")
	wantEnv(t, svcNamed(t, p, "db"), map[string]string{"POSTGRES_PASSWORD": "${DB_CREDENTIALS_PASSWORD}", "POSTGRES_USER": "app"})
	wantEnv(t, svcNamed(t, p, "app"), map[string]string{
		"DB_PASSWORD":  "${DB_CREDENTIALS_PASSWORD}",
		"DATABASE_URL": "postgres://app:${DB_CREDENTIALS_PASSWORD}@db:5432/app",
		"REDIS_URL":    "${CACHE_AUTH_URL}",
	})
	cache := svcNamed(t, p, "cache")
	if got := shows(cache.Command); !slices.Equal(got, []string{"--requirepass", "${CACHE_AUTH_REDIS_PASSWORD}"}) {
		t.Errorf("cache command = %q", got)
	}
	if name, ok := cache.Command[1].OnlyUnset(); !ok || name != "CACHE_AUTH_REDIS_PASSWORD" {
		t.Errorf("the requirepass argument is not exactly the unset variable: %v", cache.Command[1])
	}
	if want := []string{"CACHE_AUTH_REDIS_PASSWORD", "CACHE_AUTH_URL", "DB_CREDENTIALS_PASSWORD"}; !slices.Equal(p.Unset, want) {
		t.Errorf("Unset = %v; want %v", p.Unset, want)
	}
	wantWarning(t, p, "testdata/external-secret/manifests.yaml:11", "Secret db-credentials is not in the manifests", "DB_CREDENTIALS_PASSWORD")
	wantWarning(t, p, "Secret app-extra", "envFrom")
}

func TestKustomizeOverlay(t *testing.T) {
	p := load(t, "testdata/kustomize/overlays/prod")
	pg := svcNamed(t, p, "postgres")
	if pg.Image != "postgres:15.4" {
		t.Errorf("postgres image = %q; want the overlay's tag", pg.Image)
	}
	// Origins name the base file and the object's line.
	if pg.Origin != "testdata/kustomize/base/postgres.yaml:10" {
		t.Errorf("postgres origin = %q", pg.Origin)
	}
	wantAliases(t, pg, "postgres.shop.svc.cluster.local", "postgres-0.postgres.shop")
	wantEnv(t, pg, map[string]string{"POSTGRES_PASSWORD": "overlay-pw"})
	// The overlay's generated Secret and merged ConfigMap, renamed with
	// hashes by kustomize, reach the app.
	wantEnv(t, svcNamed(t, p, "app"), map[string]string{"DB_PASSWORD": "overlay-pw", "LOG_LEVEL": "info"})
	wantWarning(t, p, "testdata/kustomize/overlays/prod/kustomization.yaml", "remote resource https://github.com/acme/platform")
	var names []string
	for _, f := range p.Files {
		names = append(names, filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f))
	}
	for _, want := range []string{"prod/kustomization.yaml", "base/kustomization.yaml", "base/postgres.yaml", "base/app.yaml"} {
		if !slices.Contains(names, want) {
			t.Errorf("Files lack %s: %v", want, names)
		}
	}
	if !Detect(filepath.Join("testdata/kustomize/overlays/prod")) {
		t.Error("Detect misses a kustomization directory")
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		path string
		want []string
		is   error
	}{
		{"testdata/syntax", []string{"testdata/syntax/bad.yaml:10:11: mapping values are not allowed", "fix the YAML syntax"}, nil},
		{"testdata/noservice", []string{"testdata/noservice", "no backing service"}, ErrNoBackingService},
		{"testdata/missing", []string{"no such file"}, nil},
	} {
		_, err := loadErr(t, tc.path)
		if err == nil {
			t.Errorf("%s: no error", tc.path)
			continue
		}
		if !containsAll(err.Error(), tc.want) {
			t.Errorf("%s: error %q; want it to contain %q", tc.path, err, tc.want)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: error is not %v", tc.path, tc.is)
		}
	}
}

func TestRealWorld(t *testing.T) {
	t.Run("microservices-demo", func(t *testing.T) {
		p := load(t, "testdata/realworld/microservices-demo")
		redis := svcNamed(t, p, "redis-cart")
		if redis.Image != "redis:alpine" || redis.App {
			t.Errorf("redis-cart: Image=%q App=%v", redis.Image, redis.App)
		}
		cart := svcNamed(t, p, "cartservice")
		if !cart.App || cart.Environment["REDIS_ADDR"].String() != "redis-cart:6379" {
			t.Errorf("cartservice: App=%v env=%v", cart.App, env(cart))
		}
	})
	t.Run("voting-app", func(t *testing.T) {
		p := load(t, "testdata/realworld/voting-app")
		db := svcNamed(t, p, "db")
		if db.Image != "postgres:9.4" || db.Origin != "testdata/realworld/voting-app/db-deployment.yaml:3" {
			t.Errorf("db: Image=%q Origin=%q", db.Image, db.Origin)
		}
		wantEnv(t, db, map[string]string{"POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "postgres"})
		wantAliases(t, db, "db.vote", "db.vote.svc.cluster.local")
		if !svcNamed(t, p, "worker").App {
			t.Error("worker is not the app")
		}
	})
	t.Run("cloudnative-pg sample with a basic-auth secret", func(t *testing.T) {
		p := load(t, "testdata/realworld/cnpg-secret")
		db := svcNamed(t, p, "cluster-example-secret")
		wantEnv(t, db, map[string]string{"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "password", "POSTGRES_DB": "app"})
		wantAliases(t, db, "cluster-example-secret-rw")
	})
}

func TestDetect(t *testing.T) {
	for path, want := range map[string]bool{
		"testdata/basic":                                      true,
		"testdata/basic/redis.yaml":                           true,
		"testdata/basic/notes.yml":                            false,
		"testdata/kustomize/base":                             true,
		"testdata/kustomize/overlays/prod":                    true,
		"testdata/kustomize/overlays/prod/kustomization.yaml": true,
		"testdata/kustomize/overlays":                         false,
		"testdata/missing":                                    false,
		"kube.go":                                             false,
	} {
		if got := Detect(path); got != want {
			t.Errorf("Detect(%s) = %v; want %v", path, got, want)
		}
	}
}

// The example the end-to-end tests run: the tags the test bed has.
func TestExample(t *testing.T) {
	p := load(t, "../../../examples/kubernetes/k8s")
	if got := svcNamed(t, p, "postgres").Image; got != "postgres:15.4" {
		t.Errorf("postgres image = %q", got)
	}
	if got := svcNamed(t, p, "redis").Image; got != "redis:7.0" {
		t.Errorf("redis image = %q", got)
	}
	app := svcNamed(t, p, "app")
	if !app.App {
		t.Error("app is not the app")
	}
	wantEnv(t, app, map[string]string{
		"DATABASE_URL": "postgres://app:change-me-in-production@postgres:5432/app?sslmode=disable",
		"REDIS_URL":    "redis://redis.default.svc.cluster.local:6379/0",
	})
	wantAliases(t, svcNamed(t, p, "redis"), "redis.default.svc.cluster.local")
}

// CloudNativePG's own samples, each read as production runs it.
func TestCloudNativePGSamples(t *testing.T) {
	t.Run("image catalog in the manifests", func(t *testing.T) {
		p := load(t, "testdata/realworld/cnpg-catalog")
		db := svcNamed(t, p, "cluster-example")
		if db.Image != "postgres:15" || db.Managed == nil || db.Managed.Version != "15" {
			t.Errorf("cluster-example: Image=%q Managed=%+v", db.Image, db.Managed)
		}
		for _, w := range p.Warnings {
			if strings.Contains(w, "cluster-example names no spec.imageName") {
				t.Errorf("warning for a cluster whose catalog names its image: %s", w)
			}
		}
	})
	t.Run("cluster image catalog in the manifests", func(t *testing.T) {
		p := load(t, "testdata/realworld/cnpg-cluster-catalog")
		if db := svcNamed(t, p, "cluster-example"); db.Image != "postgres:18.6" {
			t.Errorf("cluster-example: Image=%q", db.Image)
		}
	})
	t.Run("image catalog installed elsewhere", func(t *testing.T) {
		p := load(t, "testdata/realworld/cnpg-catalog")
		db := svcNamed(t, p, "cluster-shared-catalog")
		if db.Image != "postgres:16" || db.Managed == nil || db.Managed.Version != "16" {
			t.Errorf("cluster-shared-catalog: Image=%q Managed=%+v", db.Image, db.Managed)
		}
		wantWarning(t, p, "testdata/realworld/cnpg-catalog/cluster-catalog-elsewhere.yaml:5", "ClusterImageCatalog postgresql", "major 16")
	})
	t.Run("postgis operand image", func(t *testing.T) {
		p := load(t, "testdata/realworld/cnpg-postgis/cluster-postgis.yaml")
		db := svcNamed(t, p, "cluster-postgis")
		if db.Image != "postgis/postgis:18-3.6" || db.Managed == nil || db.Managed.Version != "18.6" || !strings.Contains(db.Managed.Note, "PostGIS") {
			t.Errorf("cluster-postgis: Image=%q Managed=%+v", db.Image, db.Managed)
		}
		if stacks.ForImage(db.Image) == nil {
			t.Errorf("%s is not a backing service parity knows", db.Image)
		}
	})
	t.Run("postgis extension image", func(t *testing.T) {
		p := load(t, "testdata/realworld/cnpg-postgis/postgis-example.yaml")
		if db := svcNamed(t, p, "postgis-example"); db.Image != "postgis/postgis:18-3.6" {
			t.Errorf("postgis-example: Image=%q", db.Image)
		}
	})
	t.Run("pooler", func(t *testing.T) {
		p := load(t, "testdata/realworld/cnpg-pooler")
		db := svcNamed(t, p, "cluster-example")
		wantAliases(t, db, "pooler-example-rw", "pooler-example-rw.default.svc.cluster.local", "cluster-example-rw")
		if s := p.Service("pooler-example-rw"); s != nil {
			t.Errorf("the pooler is a service of its own: %+v", s)
		}
		wantWarning(t, p, "testdata/realworld/cnpg-pooler/cluster.yaml:", "database reports", "parity creates app")
	})
}

// A secretGenerator's file kept out of the repository (s3.conf beside
// s3.conf.example) does not stop the kustomization from being read.
func TestKustomizeMissingGeneratorFile(t *testing.T) {
	p := load(t, "testdata/realworld/crunchy-s3")
	if db := svcNamed(t, p, "hippo-s3"); db.Image != "postgres:18" {
		t.Errorf("hippo-s3 image = %q", db.Image)
	}
	wantWarning(t, p, "testdata/realworld/crunchy-s3/kustomization.yaml", "secretGenerator pgo-s3-creds reads s3.conf", "not there")
	wantEnv(t, svcNamed(t, p, "backup-check"), map[string]string{"S3_CONF": "${PGO_S3_CREDS_S3_CONF}"})
}

// A generator keeps the sources that are there: its literals are read,
// the missing env file's keys are not known.
func TestKustomizeGeneratorPartlyMissing(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"kustomization.yaml": "resources: [db.yaml]\nsecretGenerator:\n- name: db\n  literals: [password=s3cret]\n  envs: [.env.secret]\n",
		"db.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: db}
spec:
  template:
    spec:
      containers:
        - name: db
          image: postgres:16.3
          env:
            - name: POSTGRES_PASSWORD
              valueFrom: {secretKeyRef: {name: db, key: password}}
`,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Load(context.Background(), manifest.SourceOptions{Path: dir, WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	wantEnv(t, svcNamed(t, p, "db"), map[string]string{"POSTGRES_PASSWORD": "s3cret"})
	wantWarning(t, p, "kustomization.yaml: secretGenerator db reads .env.secret", "its keys from them are not known")
}
