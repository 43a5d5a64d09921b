package paas

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

// load reads the spec at path (relative to testdata) with testdata/<dir>
// as the working directory.
func load(t *testing.T, path string) *manifest.Project {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	wd := abs
	if st, err := os.Stat(abs); err == nil && !st.IsDir() {
		wd = filepath.Dir(abs)
	}
	p, err := Load(context.Background(), manifest.SourceOptions{Path: abs, WorkingDir: wd, ProjectName: "proj"})
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	return p
}

// show writes a Value as the manifest would: unset variables as ${NAME}.
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

func service(t *testing.T, p *manifest.Project, name string) *manifest.Service {
	t.Helper()
	s := p.Service(name)
	if s == nil {
		t.Fatalf("no service %q; have %v", name, p.Defined())
	}
	return s
}

// checkEnv compares the variables named in want; "<absent>" means the
// variable must not be set.
func checkEnv(t *testing.T, s *manifest.Service, want map[string]string) {
	t.Helper()
	for k, w := range want {
		v, ok := s.Environment[k]
		switch {
		case w == "<absent>" && ok:
			t.Errorf("%s: %s = %q, want it absent", s.Name, k, show(v))
		case w != "<absent>" && !ok:
			t.Errorf("%s: %s is absent, want %q", s.Name, k, w)
		case w != "<absent>" && show(v) != w:
			t.Errorf("%s: %s = %q, want %q", s.Name, k, show(v), w)
		}
	}
}

func names(p *manifest.Project) []string {
	var out []string
	for _, s := range p.Services {
		out = append(out, s.Name)
	}
	return out
}

func hasWarning(t *testing.T, p *manifest.Project, parts ...string) {
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
	t.Errorf("no warning with %q in %q", parts, p.Warnings)
}

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	compose := write("compose/compose.yaml", "services:\n  db:\n    image: postgres:16\n")
	k8s := write("k8s/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n")
	pkg := write("node/package.json", `{"name": "x", "scripts": {"start": "node ."}, "dependencies": {}}`)
	noSpec := write("empty/README.md", "nothing here")
	tests := []struct {
		path   string
		format string // "" when not a spec
	}{
		{"testdata/render-django", Render},
		{"testdata/render-django/render.yaml", Render},
		{"testdata/render-projects", Render},
		{"testdata/do-full", DigitalOcean},
		{"testdata/do-full/.do/app.yaml", DigitalOcean},
		{"testdata/do-template", DigitalOcean},
		{"testdata/heroku-full", Heroku},
		{"testdata/heroku-chatwoot/app.json", Heroku},
		{"testdata/expo", ""},
		{"testdata/expo/app.json", ""},
		{"testdata/nowhere", ""},
		{compose, ""},
		{filepath.Dir(compose), ""},
		{k8s, ""},
		{pkg, ""},
		{filepath.Dir(noSpec), ""},
	}
	for _, tt := range tests {
		format, ok := Detect(tt.path)
		if ok != (tt.format != "") || format != tt.format {
			t.Errorf("Detect(%s) = %q, %v; want %q", tt.path, format, ok, tt.format)
		}
	}
}

// Render's own Django example: the database and the web service share
// the name mysite.
func TestRenderDjango(t *testing.T) {
	p := load(t, "render-django")
	if p.Source != Render || p.Name != "proj" || len(p.Files) != 1 || !filepath.IsAbs(p.Files[0]) || !strings.HasSuffix(p.Files[0], "render.yaml") {
		t.Errorf("project = source %q, name %q, files %v", p.Source, p.Name, p.Files)
	}
	if got := names(p); !slices.Equal(got, []string{"mysite", "mysite-web"}) {
		t.Fatalf("services = %v", got)
	}
	db := service(t, p, "mysite")
	if db.Image != "postgres:17" || db.App || db.Origin != "render.yaml:3" {
		t.Errorf("mysite = image %q, app %v, origin %q", db.Image, db.App, db.Origin)
	}
	if db.Managed == nil || db.Managed.Provider != "render" || db.Managed.Version != "" || !strings.Contains(db.Managed.Note, "pin the version") {
		t.Errorf("mysite managed = %+v", db.Managed)
	}
	checkEnv(t, db, map[string]string{"POSTGRES_USER": "mysite", "POSTGRES_DB": "mysite", "POSTGRES_PASSWORD": "${RENDER_MYSITE_PASSWORD}"})
	web := service(t, p, "mysite-web")
	if !web.App || web.Image != "" || web.Origin != "render.yaml:8" {
		t.Errorf("mysite-web = app %v, image %q, origin %q", web.App, web.Image, web.Origin)
	}
	checkEnv(t, web, map[string]string{
		"DATABASE_URL":    "postgresql://mysite:${RENDER_MYSITE_PASSWORD}@mysite:5432/mysite",
		"SECRET_KEY":      "${SECRET_KEY}",
		"WEB_CONCURRENCY": "4",
	})
	if !slices.Equal(p.Unset, []string{"RENDER_MYSITE_PASSWORD", "SECRET_KEY"}) {
		t.Errorf("unset = %v", p.Unset)
	}
	hasWarning(t, p, "render.yaml:8", `parity calls it "mysite-web"`)
}

func TestRenderBindings(t *testing.T) {
	p := load(t, "render-full")
	if got := names(p); !slices.Equal(got, []string{"analytics", "cache", "internal-api", "jobs", "legacy-queue", "nightly", "search", "shop", "shop-db"}) {
		t.Fatalf("services = %v (the static site runs nothing)", got)
	}
	shop := service(t, p, "shop")
	checkEnv(t, shop, map[string]string{
		"LOG_LEVEL":       "debug", // the service's own entry wins over its group
		"SESSION_SECRET":  "${SESSION_SECRET}",
		"DATABASE_URL":    "postgresql://shop_owner:${RENDER_SHOP_DB_PASSWORD}@shop-db:5432/shop",
		"DB_HOST":         "shop-db",
		"DB_PORT":         "5432",
		"DB_USER":         "shop_owner",
		"DB_PASSWORD":     "${RENDER_SHOP_DB_PASSWORD}",
		"DB_NAME":         "shop",
		"ANALYTICS_URL":   "postgresql://analytics_user:${RENDER_ANALYTICS_PASSWORD}@analytics:5432/analytics",
		"REDIS_URL":       "redis://cache:6379",
		"REDIS_HOST":      "cache",
		"REDIS_PORT":      "6379",
		"QUEUE_ADDR":      "legacy-queue:6379",
		"SEARCH_HOSTPORT": "search:9200",
		"API_HOSTPORT":    "internal-api:8081",
		"API_TOKEN":       "${API_TOKEN}", // the generated value internal-api has
		"STRIPE_KEY":      "${STRIPE_KEY}",
		"MISSING_DB":      "<absent>",
	})
	checkEnv(t, service(t, p, "jobs"), map[string]string{"LOG_LEVEL": "info", "SESSION_SECRET": "${SESSION_SECRET}"})
	db := service(t, p, "shop-db")
	if db.Image != "postgres:16" || db.Managed.Version != "16" || db.Managed.Note != "" {
		t.Errorf("shop-db = %s %+v", db.Image, db.Managed)
	}
	checkEnv(t, db, map[string]string{"POSTGRES_USER": "shop_owner", "POSTGRES_DB": "shop", "POSTGRES_PASSWORD": "${RENDER_SHOP_DB_PASSWORD}"})
	// An unquoted postgresMajorVersion, and no databaseName or user.
	an := service(t, p, "analytics")
	if an.Image != "postgres:15" {
		t.Errorf("analytics image %s", an.Image)
	}
	checkEnv(t, an, map[string]string{"POSTGRES_USER": "analytics_user", "POSTGRES_DB": "analytics"})
	for _, kv := range []string{"cache", "legacy-queue"} {
		s := service(t, p, kv)
		if s.Image != "valkey/valkey:8" || s.App || s.Managed == nil || !strings.Contains(s.Managed.Note, "Valkey 8") || s.Command != nil {
			t.Errorf("%s = %s app %v managed %+v command %v", kv, s.Image, s.App, s.Managed, s.Command)
		}
	}
	search := service(t, p, "search")
	if search.App || search.Image != "docker.io/opensearchproject/opensearch:2.11.0" || search.Managed != nil {
		t.Errorf("search = app %v image %s managed %+v", search.App, search.Image, search.Managed)
	}
	checkEnv(t, search, map[string]string{"discovery.type": "single-node"})
	for _, app := range []string{"shop", "jobs", "nightly", "internal-api"} {
		if s := service(t, p, app); !s.App {
			t.Errorf("%s is not the app", app)
		}
	}
	if want := []string{"API_TOKEN", "RENDER_ANALYTICS_PASSWORD", "RENDER_SHOP_DB_PASSWORD", "SESSION_SECRET", "STRIPE_KEY"}; !slices.Equal(p.Unset, want) {
		t.Errorf("unset = %v, want %v", p.Unset, want)
	}
	hasWarning(t, p, "render.yaml:82", `no database "nowhere"`)
}

func TestRenderProjects(t *testing.T) {
	p := load(t, "render-projects")
	if got := names(p); !slices.Equal(got, []string{"agents-db", "agents-valkey", "agents-web"}) {
		t.Fatalf("services = %v", got)
	}
	if img := service(t, p, "agents-db").Image; img != "postgres:17" {
		t.Errorf("agents-db image %s", img)
	}
	checkEnv(t, service(t, p, "agents-web"), map[string]string{
		"DATABASE_URL": "postgresql://agents_db_user:${RENDER_AGENTS_DB_PASSWORD}@agents-db:5432/agents_db",
		"REDIS_URL":    "redis://agents-valkey:6379",
	})
}

func TestDigitalOcean(t *testing.T) {
	p := load(t, "do-full")
	if p.Source != DigitalOcean {
		t.Errorf("source %q", p.Source)
	}
	want := []string{"cache", "db", "db-job", "docs", "events", "kv", "ledger", "orders", "search", "web", "worker"}
	if got := names(p); !slices.Equal(got, want) {
		t.Fatalf("services = %v, want %v (static sites and ORACLE are not run)", got, want)
	}
	images := map[string]string{
		"db": "postgres:16", "orders": "mysql:8", "ledger": "postgres:15", "cache": "redis:7",
		"kv": "valkey/valkey:8", "docs": "mongo:7", "events": "apache/kafka:3.8.0", "search": "opensearchproject/opensearch:2",
	}
	for name, img := range images {
		s := service(t, p, name)
		if s.Image != img || s.App || s.Managed == nil || s.Managed.Provider != "digitalocean" {
			t.Errorf("%s = %s app %v managed %+v, want %s", name, s.Image, s.App, s.Managed, img)
		}
	}
	if m := service(t, p, "db").Managed; m.Engine != "PG" || m.Version != "16" {
		t.Errorf("db managed %+v", m)
	}
	if m := service(t, p, "events").Managed; !strings.Contains(m.Note, "3.8.0") {
		t.Errorf("events note %q", m.Note)
	}
	// A dev database is named after its component; a cluster has
	// defaultdb and doadmin unless db_name and db_user say otherwise.
	checkEnv(t, service(t, p, "db"), map[string]string{"POSTGRES_USER": "db", "POSTGRES_DB": "db", "POSTGRES_PASSWORD": "${DO_DB_PASSWORD}"})
	checkEnv(t, service(t, p, "orders"), map[string]string{"MYSQL_USER": "doadmin", "MYSQL_DATABASE": "defaultdb", "MYSQL_PASSWORD": "${DO_ORDERS_PASSWORD}"})
	checkEnv(t, service(t, p, "ledger"), map[string]string{"POSTGRES_USER": "ledger_app", "POSTGRES_DB": "ledger"})
	checkEnv(t, service(t, p, "docs"), map[string]string{"MONGO_INITDB_ROOT_PASSWORD": "${DO_DOCS_PASSWORD}"})
	checkEnv(t, service(t, p, "search"), map[string]string{"DISABLE_SECURITY_PLUGIN": "true"})
	for name, server := range map[string]string{"cache": "redis-server", "kv": "valkey-server"} {
		if got := manifest.Strings(service(t, p, name).Command, func(n string) (string, bool) { return "<" + n + ">", true }); !slices.Equal(got, []string{server, "--requirepass", "<DO_" + strings.ToUpper(name) + "_PASSWORD>"}) {
			t.Errorf("%s command %v", name, got)
		}
	}
	web := service(t, p, "web")
	if !web.App || web.Origin != ".do/app.yaml:47" {
		t.Errorf("web = app %v origin %q", web.App, web.Origin)
	}
	checkEnv(t, web, map[string]string{
		"DATABASE_URL":   "postgresql://db:${DO_DB_PASSWORD}@db:5432/db",
		"PGHOST":         "db",
		"PGPORT":         "5432",
		"PGUSER":         "db",
		"PGPASSWORD":     "${DO_DB_PASSWORD}",
		"PGDATABASE":     "db",
		"PGSSLROOTCERT":  "",
		"ORDERS_URL":     "mysql://doadmin:${DO_ORDERS_PASSWORD}@orders:3306/defaultdb",
		"LEDGER_URL":     "postgresql://ledger_app:${DO_LEDGER_PASSWORD}@ledger:5432/ledger",
		"REDIS_URL":      "redis://default:${DO_CACHE_PASSWORD}@cache:6379",
		"VALKEY_URL":     "redis://default:${DO_KV_PASSWORD}@kv:6379",
		"MONGODB_URI":    "mongodb://docs:${DO_DOCS_PASSWORD}@docs:27017/admin?authSource=admin",
		"KAFKA_BROKERS":  "events:9092",
		"OPENSEARCH_URL": "http://search:9200",
		"WORKER_URL":     "http://worker:8080",
		"PUBLIC_URL":     "${APP_URL}",
		"SECRET":         "${JWT_SECRET}",                    // an encrypted app-level secret
		"SENTRY":         "https://key@sentry.example.com/1", // an app-level variable
		"SENTRY_DSN":     "https://key@sentry.example.com/1", // app-level variables reach every component
		"JWT_SECRET":     "${JWT_SECRET}",
		"LOG_LEVEL":      "debug", // the component's own wins
		"NPM_TOKEN":      "<absent>",
		"API_KEY":        "${API_KEY}",
		"GHOST":          "${NOWHERE_DATABASE_URL}",
	})
	checkEnv(t, service(t, p, "worker"), map[string]string{"LOG_LEVEL": "info", "DATABASE_URL": "postgresql://db:${DO_DB_PASSWORD}@db:5432/db"})
	if !service(t, p, "db-job").App {
		t.Error("the job is not the app")
	}
	hasWarning(t, p, ".do/app.yaml:43", `"ORACLE"`)
	hasWarning(t, p, ".do/app.yaml:37", "without authentication")
	hasWarning(t, p, ".do/app.yaml:93", `"nowhere"`)
	hasWarning(t, p, ".do/app.yaml:101", `"db-job"`)
}

func TestDigitalOceanTemplate(t *testing.T) {
	p := load(t, "do-template")
	if got := names(p); !slices.Equal(got, []string{"db", "web"}) {
		t.Fatalf("services = %v", got)
	}
	if img := service(t, p, "db").Image; img != "postgres:12" {
		t.Errorf("db image %s", img)
	}
	checkEnv(t, service(t, p, "web"), map[string]string{"DATABASE_URL": "postgresql://db:${DO_DB_PASSWORD}@db:5432/db"})
}

func TestHeroku(t *testing.T) {
	p := load(t, "heroku-full")
	if p.Source != Heroku {
		t.Errorf("source %q", p.Source)
	}
	if got := names(p); !slices.Equal(got, []string{"analytics-db", "cloudamqp", "database", "memcachier", "my-shop", "redis"}) {
		t.Fatalf("services = %v", got)
	}
	images := map[string]string{"database": "postgres:16", "analytics-db": "postgres:17", "redis": "redis:7.4", "cloudamqp": "rabbitmq:4.1", "memcachier": "memcached:1.6"}
	for name, img := range images {
		if s := service(t, p, name); s.Image != img || s.App {
			t.Errorf("%s = %s app %v, want %s", name, s.Image, s.App, img)
		}
	}
	if m := service(t, p, "database").Managed; m.Provider != "heroku-postgresql" || m.Version != "16" || m.Note != "" {
		t.Errorf("database managed %+v", m)
	}
	if m := service(t, p, "analytics-db").Managed; m.Version != "" || !strings.Contains(m.Note, "pin the version") {
		t.Errorf("analytics-db managed %+v", m)
	}
	app := service(t, p, "my-shop")
	if !app.App || app.Origin != "app.json:1" {
		t.Errorf("app = %v origin %q", app.App, app.Origin)
	}
	checkEnv(t, app, map[string]string{
		"WEB_CONCURRENCY":     "5",
		"RAILS_ENV":           "production",
		"SECRET_KEY_BASE":     "${SECRET_KEY_BASE}",
		"ADMIN_EMAIL":         "${ADMIN_EMAIL}",
		"STRIPE_KEY":          "${STRIPE_KEY}", // required by default
		"SENTRY_DSN":          "<absent>",
		"DATABASE_URL":        "postgresql://my_shop:${HEROKU_DATABASE_PASSWORD}@database:5432/my_shop",
		"ANALYTICS_DB_URL":    "postgresql://my_shop:${HEROKU_ANALYTICS_DB_PASSWORD}@analytics-db:5432/my_shop",
		"REDIS_URL":           "redis://:${HEROKU_REDIS_PASSWORD}@redis:6379",
		"CLOUDAMQP_URL":       "amqp://my_shop:${HEROKU_CLOUDAMQP_PASSWORD}@cloudamqp:5672/my_shop",
		"MEMCACHIER_SERVERS":  "memcachier:11211",
		"MEMCACHIER_PASSWORD": "",
	})
	checkEnv(t, service(t, p, "database"), map[string]string{"POSTGRES_PASSWORD": "${HEROKU_DATABASE_PASSWORD}", "POSTGRES_USER": "my_shop"})
	checkEnv(t, service(t, p, "cloudamqp"), map[string]string{"RABBITMQ_DEFAULT_PASS": "${HEROKU_CLOUDAMQP_PASSWORD}", "RABBITMQ_DEFAULT_VHOST": "my_shop"})
	hasWarning(t, p, "app.json:8", "ADMIN_EMAIL is required")
	hasWarning(t, p, "add-ons parity does not run: papertrail, sendgrid")
}

// chatwoot's app.json: add-ons as objects with plans, a key given twice.
func TestHerokuChatwoot(t *testing.T) {
	p := load(t, "heroku-chatwoot/app.json")
	if got := names(p); !slices.Equal(got, []string{"database", "daxow", "redis"}) {
		t.Fatalf("services = %v", got)
	}
	checkEnv(t, service(t, p, "daxow"), map[string]string{
		"SECRET_TOKEN": "${SECRET_TOKEN}",
		"RACK_ENV":     "production",
		"REDIS_URL":    "redis://:${HEROKU_REDIS_PASSWORD}@redis:6379",
		"DATABASE_URL": "postgresql://daxow:${HEROKU_DATABASE_PASSWORD}@database:5432/daxow",
	})
	if len(p.Warnings) != 0 {
		t.Errorf("warnings %q", p.Warnings)
	}
}

// Anchors and merge keys are YAML; blueprints use them for shared envVars.
func TestRenderAnchors(t *testing.T) {
	p := loadText(t, "render.yaml", `
databases:
  - &db
    name: main
    postgresMajorVersion: "16"
services:
  - type: web
    name: api
    envVars: &vars
      - key: DATABASE_URL
        fromDatabase: {name: main, property: connectionString}
  - <<: {type: worker, envVars: *vars}
    name: jobs
`)
	checkEnv(t, service(t, p, "jobs"), map[string]string{"DATABASE_URL": "postgresql://main_user:${RENDER_MAIN_PASSWORD}@main:5432/main"})
}

func loadText(t *testing.T, name, text string) *manifest.Project {
	t.Helper()
	p, err := loadFile(t, name, text)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func loadFile(t testing.TB, name, text string) (*manifest.Project, error) {
	dir := t.TempDir()
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(context.Background(), manifest.SourceOptions{Path: path, WorkingDir: dir})
}

func TestErrors(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
		"services: [*f]\n"
	tests := []struct {
		name, file, text string
		want             string
	}{
		{"yaml syntax", "render.yaml", "services:\n  - type: web\n    name: [oops\n", "render.yaml:2: did not find"},
		{"json syntax", "app.json", "{\n  \"name\": \"x\",\n  \"addons\": [}\n", "app.json:3:14: "},
		{"json cut short", "app.json", "{\n  \"env\": {\"A\": \"b\"", "app.json:2:"},
		{"json trailing text", "app.json", "{\"env\": {}} {}", "app.json:1:"},
		{"addons not a list", "app.json", "{\"env\": {},\n \"addons\": {\"plan\": \"heroku-redis\"}}", "app.json:2:12: addons must be a list, not a mapping"},
		{"addon without plan", "app.json", "{\"addons\": [{\"as\": \"X\"}]}", "app.json:1:13: addons[0] names no plan"},
		{"render service without name", "render.yaml", "services:\n  - type: web\n    envVars: []\n", "render.yaml:2:5: services[0] has no name"},
		{"render services not a list", "render.yaml", "envVarGroups: []\nservices:\n  web: {type: web}\n", "render.yaml:3:3: services must be a list, not a mapping"},
		{"render envVars not a list", "render.yaml", "services:\n  - type: web\n    name: web\n    envVars: {key: A}\n", "render.yaml:4:14: envVars of web must be a list"},
		{"do database without name", ".do/app.yaml", "name: x\ndatabases:\n  - engine: PG\n", ".do/app.yaml:3:5: databases[0] has no name"},
		{"do envs not a list", ".do/app.yaml", "name: x\nservices:\n  - name: web\n    envs: {A: b}\n", ".do/app.yaml:4:11: envs of web must be a list"},
		{"not a spec", "render.yaml", "hello: world\n", "not a Render blueprint"},
		{"alias bomb", "render.yaml", bomb, "too many values"},
	}
	for _, tt := range tests {
		_, err := loadFile(t, tt.file, tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	if _, err := Load(context.Background(), manifest.SourceOptions{Path: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no Render render.yaml") {
		t.Errorf("empty directory: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, manifest.SourceOptions{Path: "testdata/render-django"}); err == nil {
		t.Error("a cancelled context loads")
	}
}

// Versions and engines parity cannot run are warnings; the rest still runs.
func TestUnrunnable(t *testing.T) {
	p := loadText(t, "render.yaml", "databases:\n  - name: old\n    postgresMajorVersion: banana\n  - name: ok\n")
	if got := names(p); !slices.Equal(got, []string{"ok"}) {
		t.Errorf("services = %v", got)
	}
	hasWarning(t, p, "render.yaml:2", `"old" is not run`, "not a version number")
	p = loadText(t, "render.yaml", "services:\n  - type: web\n    name: a\n  - type: web\n    name: a\n  - type: lambda\n    name: b\n")
	if got := names(p); !slices.Equal(got, []string{"a"}) {
		t.Errorf("services = %v", got)
	}
	hasWarning(t, p, "render.yaml:4", "second service")
	hasWarning(t, p, "render.yaml:6", `"lambda" is not run`)
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncd\n\nef")
	for off, want := range map[int64][2]int{0: {1, 1}, 1: {1, 2}, 3: {2, 1}, 4: {2, 2}, 6: {3, 1}, 7: {4, 1}, 9: {4, 3}, 99: {4, 3}, -1: {1, 1}} {
		if l, c := position(data, off); l != want[0] || c != want[1] {
			t.Errorf("position(%d) = %d:%d, want %d:%d", off, l, c, want[0], want[1])
		}
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"My Shop": "my-shop", "ANALYTICS_DB": "analytics-db", "--x--": "x", "Start on Heroku: Ruby": "start-on-heroku-ruby", "": ""} {
		if got := dnsName(in); got != want {
			t.Errorf("dnsName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := varName("RENDER", "shop-db.1", "PASSWORD"); got != "RENDER_SHOP_DB_1_PASSWORD" {
		t.Errorf("varName = %q", got)
	}
}
