package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/parity-dev/parity/engine/connstr"
	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// envCase is a repository as a developer has it: files (compose.yaml,
// .env, samples...), the shell, and the ports other programs hold.
type envCase struct {
	files map[string]string
	shell map[string]string
	taken []int
}

// envResult is what parity would run: the plan and the app's environment.
type envResult struct {
	plan     *plan
	env      map[string]EnvVar
	warnings []string
}

// computeFrom loads the manifest as parity does and computes the app's
// environment from it, through the same layers a Session uses.
func computeFrom(t *testing.T, c envCase) envResult {
	t.Helper()
	dir := t.TempDir()
	for name, content := range c.files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shell := c.shell
	if shell == nil {
		shell = map[string]string{}
	}
	proj, err := manifest.Load(context.Background(), manifest.LoadOptions{WorkingDir: dir, Files: []string{"compose.yaml"}, Environ: shell})
	if err != nil {
		t.Fatal(err)
	}
	p, err := buildPlan(proj, newState(), testPlanOptions(c.taken...))
	if err != nil {
		t.Fatal(err)
	}
	s := &Session{project: proj, shell: shell, dotenv: proj.DotEnv}
	vars, warnings := computeAppEnv(s.appEnvInput(p))
	checkInvariants(t, p, vars)
	return envResult{plan: p, env: envMap(vars), warnings: append(proj.Warnings, warnings...)}
}

// checkInvariants asserts, for any plan and environment:
// I1 every app variable that carries a backing service's credential —
// its family's password, the password of a connection string pointing at
// it — equals what the container is configured with;
// I2 no app variable still names a service parity runs, and every family
// whose host names a service has its port.
func checkInvariants(t *testing.T, p *plan, vars []EnvVar) {
	t.Helper()
	env := envMap(vars)
	names := map[string]*plannedService{}
	for _, ps := range p.containers() {
		names[ps.Name] = ps
		for _, a := range ps.Svc.Aliases {
			names[a] = ps
		}
	}
	for _, v := range vars {
		prefix, field := stacks.SplitVar(v.Key)
		if c, ok := connstr.ParseStrict(v.Value); ok {
			for _, h := range c.Hosts() {
				if names[h.Name] != nil {
					t.Errorf("I2: %s = %q still names service %s", v.Key, v.Value, h.Name)
				}
				if h.Name != loopback || v.Service == "" {
					continue
				}
				ps := p.service(v.Service)
				if h.HasPort && h.Port != ps.Ports[ps.MainPort] && !hasHostPort(ps, h.Port) {
					t.Errorf("I2: %s = %q points at port %d, service %s is on %d", v.Key, v.Value, h.Port, ps.Name, ps.Ports[ps.MainPort])
				}
				if pw, has := c.Password(); ps.Role == RoleBacking && c.Form() != connstr.HostPort && has && pw != ps.Credentials.Password {
					t.Errorf("I1: %s carries password %q, service %s has %q", v.Key, pw, ps.Name, ps.Credentials.Password)
				}
			}
		} else if field == stacks.FieldHost && names[v.Value] != nil {
			t.Errorf("I2: %s = %q still names a service", v.Key, v.Value)
		}
		if field == stacks.FieldHost && v.Service != "" && v.Value == loopback {
			ps := p.service(v.Service)
			port, ok := env[prefix+"PORT"]
			if !ok {
				t.Errorf("I2: %s points at service %s but %sPORT is not set", v.Key, ps.Name, prefix)
			} else if port.Value != strconv.Itoa(ps.Ports[ps.MainPort]) {
				t.Errorf("I2: %sPORT = %s, service %s is on %d", prefix, port.Value, ps.Name, ps.Ports[ps.MainPort])
			}
			if ps.Role == RoleBacking {
				for k, sib := range env {
					if p2, f := stacks.SplitVar(k); p2 == prefix && f == stacks.FieldPassword && sib.Value != ps.Credentials.Password {
						t.Errorf("I1: %s = %q, service %s has password %q", k, sib.Value, ps.Name, ps.Credentials.Password)
					}
				}
			}
		}
	}
}

func hasHostPort(ps *plannedService, port int) bool {
	for _, h := range ps.Ports {
		if h == port {
			return true
		}
	}
	return false
}

func wantVar(t *testing.T, r envResult, key, value string) {
	t.Helper()
	if got, ok := r.env[key]; !ok || got.Value != value {
		t.Errorf("%s = %q (set: %v, source %q), want %q", key, got.Value, ok, got.Source, value)
	}
}

// Issue 10 #1: a Redis without a password runs without one, and its volume
// is labelled with no password rather than a generated one.
func TestARedisWithoutPasswordHasNoCredentialsAndTheAppNone(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": "services:\n  cache:\n    image: redis:7\n  web:\n    build: .\n    environment:\n      REDIS_URL: redis://cache:6379/0\n",
	}})
	if pw := r.plan.service("cache").Credentials.Password; pw != "" {
		t.Errorf("redis password %q, want none", pw)
	}
	wantVar(t, r, "REDIS_URL", "redis://127.0.0.1:6379/0")
	if _, ok := r.env["CACHE_PASSWORD"]; ok {
		t.Errorf("CACHE_PASSWORD set for a server without auth")
	}
}

// Issue 10 #2: with 5432 held, an app that reads only DB_HOST gets the
// port too, and one whose .env says localhost:5432 follows the service.
func TestOffItsUsualPortTheAppGetsThePortEverywhere(t *testing.T) {
	r := computeFrom(t, envCase{taken: []int{5432}, files: map[string]string{
		"compose.yaml": `services:
  db:
    image: postgres:15
    environment: {POSTGRES_PASSWORD: secret, POSTGRES_USER: app, POSTGRES_DB: app}
  web:
    build: .
    environment:
      DB_HOST: db
`,
		".env": "PGHOST=localhost\nPGPORT=5432\nLEGACY_DATABASE_URL=postgres://me:pw@localhost:5432/myapp_dev\n",
	}})
	port := strconv.Itoa(r.plan.service("db").Ports[5432])
	if port == "5432" {
		t.Fatal("the test needs 5432 taken")
	}
	wantVar(t, r, "DB_HOST", "127.0.0.1")
	wantVar(t, r, "DB_PORT", port)
	wantVar(t, r, "DB_USER", "app")
	wantVar(t, r, "DB_PASSWORD", "secret")
	wantVar(t, r, "DB_NAME", "app")
	wantVar(t, r, "PGHOST", "127.0.0.1")
	wantVar(t, r, "PGPORT", port)
	wantVar(t, r, "LEGACY_DATABASE_URL", "postgres://app:secret@127.0.0.1:"+port+"/app?sslmode=disable")
	wantVar(t, r, "DB_URL", "postgres://app:secret@127.0.0.1:"+port+"/app?sslmode=disable")
}

// Issue 10 #3 and I1: a password variable the developer set in .env is the
// container's and the app's.
func TestAPasswordVariableSetInDotenvIsTheContainersAndTheApps(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": `services:
  db:
    image: postgres:15
    environment:
      POSTGRES_PASSWORD: ${DB_PASSWORD}
      POSTGRES_USER: app
  web:
    build: .
    environment:
      DATABASE_URL: postgres://app:${DB_PASSWORD}@db:5432/app
`,
		".env": "DB_PASSWORD=postgres\n",
	}})
	if pw := r.plan.service("db").Credentials.Password; pw != "postgres" {
		t.Errorf("container password %q, want the .env's", pw)
	}
	wantVar(t, r, "DB_PASSWORD", "postgres")
	wantVar(t, r, "DATABASE_URL", "postgres://app:postgres@127.0.0.1:5432/app?sslmode=disable")
}

// A value from the shell wins over .env, for the container and the app alike.
func TestAShellPasswordWinsOverDotenvForBoth(t *testing.T) {
	r := computeFrom(t, envCase{shell: map[string]string{"DB_PASSWORD": "from-shell"}, files: map[string]string{
		"compose.yaml": "services:\n  db:\n    image: postgres:15\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n  web:\n    build: .\n    environment:\n      DB_HOST: db\n",
		".env":         "DB_PASSWORD=from-dotenv\n",
	}})
	if pw := r.plan.service("db").Credentials.Password; pw != "from-shell" {
		t.Errorf("container password %q, want the shell's", pw)
	}
	wantVar(t, r, "DB_PASSWORD", "from-shell")
}

// Issue 10 #7: a literal password in the committed manifest is kept, and
// the app that names none of it still gets the family's siblings.
func TestALiteralPasswordIsKept(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": `services:
  db:
    image: postgres:16
    environment:
      POSTGRES_DB: paperless
      POSTGRES_USER: paperless
      POSTGRES_PASSWORD: paperless
  webserver:
    image: ghcr.io/paperless-ngx/paperless-ngx:latest
    depends_on: [db]
    environment:
      PAPERLESS_DBHOST: db
`,
	}})
	if pw := r.plan.service("db").Credentials.Password; pw != "paperless" {
		t.Errorf("password %q, want the manifest's", pw)
	}
	wantVar(t, r, "PAPERLESS_DBHOST", "127.0.0.1")
	wantVar(t, r, "PAPERLESS_DBPORT", "5432")
	wantVar(t, r, "PAPERLESS_DBPASSWORD", "paperless")
}

// Issue 10 #8: services that share one unset password variable share one
// secret, and the app's variable of that name is it.
func TestServicesSharingAnUnsetPasswordVariableShareOneSecret(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": `services:
  rabbit-a:
    image: rabbitmq:3.13
    environment: {RABBITMQ_DEFAULT_USER: shop, RABBITMQ_DEFAULT_PASS: "${RABBITMQ_PASS}"}
  rabbit-b:
    image: rabbitmq:3.13
    environment: {RABBITMQ_DEFAULT_USER: shop, RABBITMQ_DEFAULT_PASS: "${RABBITMQ_PASS}"}
  web:
    build: .
    environment:
      RABBITMQ_PASS: ${RABBITMQ_PASS}
`,
	}})
	a, b := r.plan.service("rabbit-a").Credentials.Password, r.plan.service("rabbit-b").Credentials.Password
	if a == "" || a != b {
		t.Errorf("passwords %q and %q, want one shared secret", a, b)
	}
	wantVar(t, r, "RABBITMQ_PASS", a)
}

// Issue 10 #6: an app reading X_USER, X_NAME or X_DATABASE next to X_HOST
// gets all of them.
func TestAHostFamilyGetsEverySibling(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": `services:
  mysql:
    image: mariadb:10.11
    environment: {MARIADB_USER: shop, MARIADB_PASSWORD: "${SHOP_DB_PASS}", MARIADB_DATABASE: shop}
  web:
    build: .
    environment:
      SHOP_DB_HOST: mysql
`,
	}})
	pw := r.plan.service("mysql").Credentials.Password
	for k, v := range map[string]string{
		"SHOP_DB_HOST": "127.0.0.1", "SHOP_DB_PORT": "3306", "SHOP_DB_USER": "shop", "SHOP_DB_USERNAME": "shop",
		"SHOP_DB_PASSWORD": pw, "SHOP_DB_NAME": "shop", "SHOP_DB_DATABASE": "shop", "SHOP_DB_PASS": pw,
	} {
		wantVar(t, r, k, v)
	}
}

// Issue 10 #12: a password with URL-special characters, interpolated into
// the app's URL, is still rewritten, encoded, and masked.
func TestAPasswordWithURLSpecialCharactersIsRewrittenAndMasked(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": `services:
  db:
    image: postgres:15
    environment: {POSTGRES_PASSWORD: "${DB_PASSWORD}", POSTGRES_USER: app, POSTGRES_DB: app}
  web:
    build: .
    environment:
      DATABASE_URL: postgres://app:${DB_PASSWORD}@db:5432/app
`,
		".env": "DB_PASSWORD='dev/pass#1@x'\n",
	}})
	v := r.env["DATABASE_URL"]
	if v.Source != SourceParity || v.Service != "db" {
		t.Fatalf("DATABASE_URL = %+v, want it pointed at db", v)
	}
	c, ok := connstr.ParseStrict(v.Value)
	if !ok {
		t.Fatalf("DATABASE_URL %q does not parse", v.Value)
	}
	if pw, _ := c.Password(); pw != "dev/pass#1@x" || c.Hosts()[0].Name != loopback {
		t.Errorf("DATABASE_URL %q reads as password %q host %v", v.Value, pw, c.Hosts())
	}
	if strings.Contains(v.Masked(), "dev/pass") || strings.Contains(v.Masked(), "dev%2Fpass") {
		t.Errorf("masked %q shows the password", v.Masked())
	}
}

// Every connection-string form an app uses is pointed at the service.
func TestEveryConnectionStringFormIsRewritten(t *testing.T) {
	r := computeFrom(t, envCase{taken: []int{5432}, files: map[string]string{
		"compose.yaml": `services:
  db:
    image: postgres:15
    environment: {POSTGRES_PASSWORD: pw, POSTGRES_USER: app, POSTGRES_DB: app}
  web:
    build: .
    environment:
      SQLALCHEMY_URL: postgresql+psycopg://app:pw@db:5432/app
      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/app
      PG_CONN: host=db port=5432 dbname=app user=app password=pw sslmode=require
      ConnectionStrings__Default: Host=db;Port=5432;Username=app;Password=pw;Database=app
`,
	}})
	port := strconv.Itoa(r.plan.service("db").Ports[5432])
	for k, v := range r.env {
		if strings.HasPrefix(k, "SQLALCHEMY") || k == "SPRING_DATASOURCE_URL" || k == "PG_CONN" || strings.HasPrefix(k, "ConnectionStrings") {
			if !strings.Contains(v.Value, "127.0.0.1") || !strings.Contains(v.Value, port) {
				t.Errorf("%s = %q, want it at 127.0.0.1:%s", k, v.Value, port)
			}
		}
	}
	if !strings.Contains(r.env["PG_CONN"].Value, "sslmode=disable") {
		t.Errorf("PG_CONN = %q, want sslmode=disable", r.env["PG_CONN"].Value)
	}
}

// Issue 10 #5: the variables the app reads come from the committed sample
// when the manifest's env_file is not in the repository.
func TestACommittedSampleListsTheAppsVariables(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": `services:
  db:
    image: mysql:8.0
    environment: {MYSQL_DATABASE: shop, MYSQL_USER: shop, MYSQL_PASSWORD: "${DB_PASSWORD}", MYSQL_ROOT_PASSWORD: "${DB_ROOT_PASSWORD}"}
  cache:
    image: redis:7
  app:
    build: .
    env_file: .env.production
`,
		".env.example": "APP_NAME=Shop\nAPP_KEY=\nDB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_PORT=3306\nDB_DATABASE=laravel\nDB_USERNAME=root\nDB_PASSWORD=\nREDIS_HOST=127.0.0.1\nREDIS_PASSWORD=null\nREDIS_PORT=6379\n",
	}, taken: []int{3306, 6379}})
	db, cache := r.plan.service("db"), r.plan.service("cache")
	wantVar(t, r, "APP_NAME", "Shop")
	if r.env["APP_NAME"].Source != SourceSample {
		t.Errorf("APP_NAME source %q, want sample", r.env["APP_NAME"].Source)
	}
	wantVar(t, r, "DB_HOST", "127.0.0.1")
	wantVar(t, r, "DB_PORT", strconv.Itoa(db.Ports[3306]))
	wantVar(t, r, "DB_USERNAME", "shop")
	wantVar(t, r, "DB_PASSWORD", db.Credentials.Password)
	wantVar(t, r, "DB_DATABASE", "shop")
	wantVar(t, r, "REDIS_PORT", strconv.Itoa(cache.Ports[6379]))
	if _, ok := r.env["APP_KEY"]; ok {
		t.Error("an empty sample value is set; the app's own default should apply")
	}
}

// I2: a value parity cannot rewrite is a warning naming the variable.
func TestAValueParityCannotRewriteIsAWarning(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": "services:\n  cache:\n    image: redis:7\n  web:\n    build: .\n    environment:\n      CACHES: '{\"default\": \"cache:6379\"}'\n      REDIS_URL: redis://cache:6379\n",
	}})
	found := false
	for _, w := range r.warnings {
		if strings.Contains(w, "CACHES") && strings.Contains(w, "cache") {
			found = true
		}
	}
	if !found {
		t.Errorf("warnings %q, want one naming CACHES", r.warnings)
	}
}

// Laravel reads DB_* and REDIS_* only: they are set even when nothing in
// the repository names them.
func TestLaravelGetsItsOwnVariables(t *testing.T) {
	r := computeFrom(t, envCase{taken: []int{5432}, files: map[string]string{
		"compose.yaml": "services:\n  pgsql:\n    image: postgres:15\n    environment: {POSTGRES_PASSWORD: pw, POSTGRES_DB: shop}\n  app:\n    build: .\n",
		"artisan":      "#!/usr/bin/env php\n",
	}})
	port := strconv.Itoa(r.plan.service("pgsql").Ports[5432])
	wantVar(t, r, "DB_CONNECTION", "pgsql")
	wantVar(t, r, "DB_HOST", "127.0.0.1")
	wantVar(t, r, "DB_PORT", port)
	wantVar(t, r, "DB_DATABASE", "shop")
	wantVar(t, r, "DB_USERNAME", "postgres")
	wantVar(t, r, "DB_PASSWORD", "pw")
}

// Issue 10 #12, fuzzed: whatever the password, interpolated into the app's
// URL as Compose does, the app's DATABASE_URL either reads back — through
// the real driver's parser — as the local server with the container's
// password, or is left with a warning naming it.
func FuzzAPasswordInterpolatedIntoTheAppsURL(f *testing.F) {
	for _, seed := range []string{"plain", "dev/pass#1", "p@ss", "a:b", "50%off", "with space", "?x=1", "é", "@db:5432/", "]["} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		if pw == "" || strings.ContainsAny(pw, "\x00\n\r") {
			return
		}
		proj := &manifest.Project{Name: "fz", Services: []manifest.Service{
			{Name: "db", Image: "postgres:15", Environment: map[string]manifest.Value{
				"POSTGRES_PASSWORD": manifest.Text(pw), "POSTGRES_USER": manifest.Text("app"), "POSTGRES_DB": manifest.Text("app")}},
			{Name: "web", Build: true, Environment: map[string]manifest.Value{
				"DATABASE_URL": manifest.Text("postgres://app:" + pw + "@db:5432/app")}},
		}}
		p, err := buildPlan(proj, newState(), testPlanOptions())
		if err != nil {
			t.Fatal(err)
		}
		vars, warnings := computeAppEnv(appEnvInput{Plan: p})
		v := envMap(vars)["DATABASE_URL"]
		if v.Source != SourceParity {
			for _, w := range warnings {
				if strings.Contains(w, "DATABASE_URL") {
					return
				}
			}
			t.Fatalf("DATABASE_URL %q left as it was without a warning", v.Value)
		}
		cfg, err := pgx.ParseConfig(v.Value)
		if err != nil {
			t.Fatalf("the driver cannot read DATABASE_URL %q: %v", v.Value, err)
		}
		// A blank password is none given: the container gets a generated one.
		want := p.service("db").Credentials.Password
		if strings.TrimSpace(pw) != "" && want != pw {
			t.Fatalf("the container's password is %q, want the manifest's %q", want, pw)
		}
		if cfg.Password != want || cfg.Host != loopback || cfg.User != "app" || cfg.Database != "app" {
			t.Fatalf("DATABASE_URL %q reads as %s:%q@%s/%s, want app:%q@%s/app", v.Value, cfg.User, cfg.Password, cfg.Host, cfg.Database, want, loopback)
		}
	})
}

// Immich's shape: the app's sample names the database's credentials but
// no host (the app defaults to production's service name), and the
// manifest's env_file .env is a project sample example.env.
func TestAFamilyWithCredentialsButNoHostGetsOne(t *testing.T) {
	r := computeFrom(t, envCase{taken: []int{5432}, files: map[string]string{
		"compose.yaml": `services:
  server:
    image: ghcr.io/immich-app/immich-server:release
    env_file: [.env]
    depends_on: [database]
  database:
    image: postgres:15
    environment:
      POSTGRES_PASSWORD: ${DB_PASSWORD}
      POSTGRES_USER: ${DB_USERNAME}
      POSTGRES_DB: ${DB_DATABASE_NAME}
`,
		"example.env": "DB_PASSWORD=postgres\nDB_USERNAME=postgres\nDB_DATABASE_NAME=immich\nUPLOAD_LOCATION=\n",
	}})
	db := r.plan.service("database")
	if c := db.Credentials; c.Password != "postgres" || c.Database != "immich" {
		t.Errorf("database credentials %+v, want the sample's", c)
	}
	wantVar(t, r, "DB_HOSTNAME", "127.0.0.1")
	wantVar(t, r, "DB_PORT", strconv.Itoa(db.Ports[5432]))
	wantVar(t, r, "DB_PASSWORD", "postgres")
	wantVar(t, r, "DB_DATABASE_NAME", "immich")
	if _, ok := r.env["UPLOAD_LOCATION"]; ok {
		t.Error("an empty sample value reached the app")
	}
}

// Firefly III's shape: each service's env_file is missing and its
// committed sample configures it, the database as well as the app.
func TestAMissingEnvFilesSampleConfiguresTheService(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": `services:
  app:
    image: fireflyiii/core:latest
    env_file: .env
    depends_on: [db]
  db:
    image: mariadb:lts
    env_file: .db.env
`,
		".env.example":    "DB_CONNECTION=mysql\nDB_HOST=db\nDB_PORT=3306\nDB_DATABASE=firefly\nDB_USERNAME=firefly\nDB_PASSWORD=1234\n",
		".db.env.example": "MYSQL_RANDOM_ROOT_PASSWORD=yes\nMYSQL_USER=firefly\nMYSQL_PASSWORD=1234\nMYSQL_DATABASE=firefly\n",
	}})
	if c := r.plan.service("db").Credentials; c != (stacks.Credentials{User: "firefly", Password: "1234", Database: "firefly"}) {
		t.Errorf("db credentials %+v, want the sample's", c)
	}
	wantVar(t, r, "DB_DATABASE", "firefly")
	wantVar(t, r, "DB_PASSWORD", "1234")
	found := false
	for _, w := range r.warnings {
		found = found || strings.Contains(w, ".db.env.example")
	}
	if !found {
		t.Errorf("warnings %q, want one naming the sample used", r.warnings)
	}
}

// Mattermost's shape: no .env, everything (even the image tag) in the
// committed env.example; the app's data source passes through from it.
func TestWithoutDotenvTheCommittedSampleInterpolates(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": `services:
  postgres:
    image: postgres:${POSTGRES_IMAGE_TAG}
    environment: [POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB]
  mattermost:
    image: mattermost/mattermost-team-edition:${MATTERMOST_IMAGE_TAG}
    depends_on: [postgres]
    environment: [MM_SQLSETTINGS_DATASOURCE]
`,
		"env.example": "POSTGRES_IMAGE_TAG=13-alpine\nPOSTGRES_USER=mmuser\nPOSTGRES_PASSWORD=mmuser_password\nPOSTGRES_DB=mattermost\n" +
			"MM_SQLSETTINGS_DATASOURCE=postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}?sslmode=disable&connect_timeout=10\nMATTERMOST_IMAGE_TAG=9\n",
	}})
	db := r.plan.service("postgres")
	if db.Image != "postgres:13-alpine" || db.Credentials.Database != "mattermost" || db.Credentials.User != "mmuser" {
		t.Errorf("postgres %s %+v, want the sample's tag and credentials", db.Image, db.Credentials)
	}
	wantVar(t, r, "MM_SQLSETTINGS_DATASOURCE", "postgres://mmuser:mmuser_password@127.0.0.1:5432/mattermost?sslmode=disable&connect_timeout=10")
}

// Zulip's shape: the port variable belongs to no family parity knows
// (DB_HOST_PORT next to DB_HOST), and says the usual port.
func TestAPortVariableOfNoFamilyFollowsItsService(t *testing.T) {
	r := computeFrom(t, envCase{taken: []int{5432}, files: map[string]string{
		"compose.yaml": "services:\n  database:\n    image: postgres:15\n    environment: {POSTGRES_PASSWORD: pw}\n  web:\n    build: .\n    environment:\n      DB_HOST: database\n      DB_HOST_PORT: \"5432\"\n      SMTP_PORT: \"587\"\n",
	}})
	wantVar(t, r, "DB_HOST_PORT", strconv.Itoa(r.plan.service("database").Ports[5432]))
	wantVar(t, r, "SMTP_PORT", "587")
}

// I1: a sample's value for a variable the service's password is bound to
// (the .env lacks it, so it was generated) is replaced by the service's.
func TestASampleValueOfABoundPasswordIsReplaced(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": "services:\n  db:\n    image: postgres:15\n    environment: {POSTGRES_PASSWORD: \"${DB_PASSWORD}\"}\n  web:\n    build: .\n    env_file: .env.production\n",
		".env":         "LOG_LEVEL=debug\n",
		".env.example": "DB_PASSWORD=changeme\nLOG_LEVEL=info\n",
	}})
	pw := r.plan.service("db").Credentials.Password
	if pw == "changeme" || pw == "" {
		t.Fatalf("password %q, want a generated one", pw)
	}
	wantVar(t, r, "DB_PASSWORD", pw)
	wantVar(t, r, "LOG_LEVEL", "debug")
}

// n8n's shape: the committed sample's values are placeholders the reader
// must change ("your_postgres_user" twice, for two different users); they
// say nothing about production and are treated as unset.
func TestASamplesPlaceholderValuesAreUnset(t *testing.T) {
	r := computeFrom(t, envCase{files: map[string]string{
		"compose.yaml": `services:
  postgres:
    image: postgres:16
    environment: [POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, POSTGRES_NON_ROOT_USER]
  n8n:
    image: docker.n8n.io/n8nio/n8n
    depends_on: [postgres]
    environment:
      - DB_POSTGRESDB_HOST=postgres
      - DB_POSTGRESDB_DATABASE=${POSTGRES_DB}
      - DB_POSTGRESDB_USER=${POSTGRES_NON_ROOT_USER}
      - DB_POSTGRESDB_PASSWORD=${POSTGRES_NON_ROOT_PASSWORD}
`,
		".env.example": "POSTGRES_USER=your_postgres_user\nPOSTGRES_PASSWORD=your_secure_password_here\nPOSTGRES_DB=n8n\nPOSTGRES_NON_ROOT_USER=your_postgres_user\n",
	}})
	db := r.plan.service("postgres")
	if c := db.Credentials; c.User != "postgres" || c.Database != "n8n" || c.Password == "your_secure_password_here" {
		t.Errorf("credentials %+v, want the image's user, the sample's database and a generated password", c)
	}
	wantVar(t, r, "DB_POSTGRESDB_USER", "postgres")
	wantVar(t, r, "DB_POSTGRESDB_PASSWORD", db.Credentials.Password)
	wantVar(t, r, "DB_POSTGRESDB_DATABASE", "n8n")
}
