package engine

import (
	"net/url"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

// quickstart is the shape of a typical production manifest: Postgres and
// Redis with credentials from unset variables, and an app built from source.
func quickstart() *manifest.Project {
	return &manifest.Project{
		Name:  "shop",
		Files: []string{"/src/shop/compose.yaml"},
		Services: []manifest.Service{
			{Name: "app", Build: true, DependsOn: []string{"cache", "db"}, Environment: tenv(map[string]string{
				"DATABASE_URL": "postgres://app:${DB_PASSWORD}@db:5432/app?sslmode=require",
				"REDIS_URL":    "redis://:${REDIS_PASSWORD}@cache:6379/0",
				"DB_HOST":      "db",
				"DB_PORT":      "5432",
				"DB_USER":      "app",
				"DB_PASSWORD":  "${DB_PASSWORD}",
				"REDIS_HOST":   "cache",
				"REDIS_PORT":   "6379",
				"CACHE_DRIVER": "cache",
				"LOG_LEVEL":    "info",
				"SENTRY_DSN":   "${SENTRY_DSN}",
			})},
			{Name: "cache", Image: "redis:7", Command: tcmd([]string{"redis-server", "--requirepass", "${REDIS_PASSWORD}"})},
			{Name: "db", Image: "postgres:15.4", Environment: tenv(map[string]string{
				"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "${DB_PASSWORD}", "POSTGRES_DB": "app",
			})},
		},
		Unset: []string{"DB_PASSWORD", "REDIS_PASSWORD", "SENTRY_DSN"},
	}
}

func testPlanOptions(taken ...int) planOptions {
	next := 40000
	return planOptions{
		PortFree: func(p int) bool {
			for _, t := range taken {
				if t == p {
					return false
				}
			}
			return true
		},
		FreePort: func() (int, error) { next++; return next, nil },
	}
}

func newState() *state {
	return &state{Ports: map[string]int{}, Secrets: map[string]string{}, VarSecrets: map[string]string{}}
}

func envMap(vars []EnvVar) map[string]EnvVar {
	m := map[string]EnvVar{}
	for _, v := range vars {
		m[v.Key] = v
	}
	return m
}

func TestAppEnvPointsManifestValuesAtLocalServices(t *testing.T) {
	st := newState()
	p, err := buildPlan(quickstart(), st, testPlanOptions())
	if err != nil {
		t.Fatal(err)
	}
	vars, warnings := computeAppEnv(appEnvInput{Plan: p})
	env := envMap(vars)
	dbPass, redisPass := passwordOf(t, p, "db"), passwordOf(t, p, "cache")
	if dbPass == "" || redisPass == "" || dbPass == redisPass {
		t.Fatalf("secrets not generated per service: %v", st.Secrets)
	}

	u, err := url.Parse(env["DATABASE_URL"].Value)
	if err != nil {
		t.Fatal(err)
	}
	if pw, _ := u.User.Password(); u.Host != "127.0.0.1:5432" || u.User.Username() != "app" || pw != dbPass || u.Path != "/app" {
		t.Errorf("DATABASE_URL = %s, want app:<db secret>@127.0.0.1:5432/app", env["DATABASE_URL"].Value)
	}
	if got := u.Query().Get("sslmode"); got != "disable" {
		t.Errorf("sslmode = %q, want disable (the local server has no TLS)", got)
	}
	if !strings.Contains(env["DATABASE_URL"].Note, "sslmode=require") {
		t.Errorf("DATABASE_URL note %q does not explain the sslmode change", env["DATABASE_URL"].Note)
	}
	if want := "redis://:" + redisPass + "@127.0.0.1:6379/0"; env["REDIS_URL"].Value != want {
		t.Errorf("REDIS_URL = %q, want %q", env["REDIS_URL"].Value, want)
	}
	for k, want := range map[string]string{
		"DB_HOST": "127.0.0.1", "DB_PORT": "5432", "DB_USER": "app", "DB_PASSWORD": dbPass,
		"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379",
		"CACHE_DRIVER": "cache", // not a host variable: left alone
		"LOG_LEVEL":    "info",
		"SENTRY_DSN":   "",
	} {
		if env[k].Value != want {
			t.Errorf("%s = %q, want %q", k, env[k].Value, want)
		}
	}
	if env["DB_PASSWORD"].Source != SourceParity || !env["DB_PASSWORD"].Secret {
		t.Errorf("DB_PASSWORD = %+v, want a secret from parity", env["DB_PASSWORD"])
	}
	if env["DB_URL"].Value == "" || env["DB_URL"].Service != "db" || env["CACHE_URL"].Service != "cache" {
		t.Errorf("per-service URLs missing: DB_URL=%+v CACHE_URL=%+v", env["DB_URL"], env["CACHE_URL"])
	}
	if !strings.Contains(strings.Join(warnings, "\n"), "SENTRY_DSN") {
		t.Errorf("warnings %q do not name the unset SENTRY_DSN", warnings)
	}
}

func TestAppEnvParityOverridesDotenvAndShellWithAWarning(t *testing.T) {
	p, err := buildPlan(quickstart(), newState(), testPlanOptions())
	if err != nil {
		t.Fatal(err)
	}
	vars, warnings := computeAppEnv(appEnvInput{
		Plan:   p,
		Config: map[string]string{"LOG_LEVEL": "warn", "FEATURE_X": "on"},
		Dotenv: map[string]string{"DATABASE_URL": "sqlite:///dev.db", "LOG_LEVEL": "debug", "ONLY_DOTENV": "1"},
		Shell:  map[string]string{"LOG_LEVEL": "trace", "PATH": "/usr/bin"},
	})
	env := envMap(vars)
	if !strings.HasPrefix(env["DATABASE_URL"].Value, "postgres://app:") {
		t.Errorf("DATABASE_URL = %q: .env's sqlite URL must not win", env["DATABASE_URL"].Value)
	}
	if !strings.Contains(strings.Join(warnings, "\n"), `DATABASE_URL from .env ("sqlite:///dev.db")`) {
		t.Errorf("no warning about the replaced .env value: %q", warnings)
	}
	if env["LOG_LEVEL"].Value != "trace" || env["LOG_LEVEL"].Source != SourceShell {
		t.Errorf("LOG_LEVEL = %+v, want the shell's trace", env["LOG_LEVEL"])
	}
	if env["ONLY_DOTENV"].Value != "1" || env["FEATURE_X"].Value != "on" {
		t.Errorf(".env and parity.yaml variables missing: %+v %+v", env["ONLY_DOTENV"], env["FEATURE_X"])
	}
	if _, ok := env["PATH"]; ok {
		t.Errorf("shell variables the app template does not name are passed through, not listed")
	}
}

func TestAppEnvFollowsATakenPort(t *testing.T) {
	st := newState()
	p, err := buildPlan(quickstart(), st, testPlanOptions(5432))
	if err != nil {
		t.Fatal(err)
	}
	vars, _ := computeAppEnv(appEnvInput{Plan: p})
	env := envMap(vars)
	port := st.Ports["db/5432"]
	if port == 5432 || port == 0 {
		t.Fatalf("db got port %d although 5432 is taken", port)
	}
	if env["DB_PORT"].Value != itoa(port) || !strings.Contains(env["DATABASE_URL"].Value, "127.0.0.1:"+itoa(port)+"/") {
		t.Errorf("env does not follow the port: DB_PORT=%s DATABASE_URL=%s", env["DB_PORT"].Value, env["DATABASE_URL"].Value)
	}
	// The next run keeps the port even once 5432 is free again.
	p2, err := buildPlan(quickstart(), st, testPlanOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got := p2.service("db").Ports[5432]; got != port {
		t.Errorf("second run: port %d, want the remembered %d", got, port)
	}
}

func TestAppEnvDefaultsWhenTheManifestNamesNoURL(t *testing.T) {
	proj := &manifest.Project{Name: "p", Services: []manifest.Service{
		{Name: "web", Build: true, Environment: tenv(map[string]string{"PGHOST": "postgres", "PGPORT": "5432"})},
		{Name: "postgres", Image: "postgres:16"},
		{Name: "redis", Image: "redis:7.2"},
	}}
	st := newState()
	p, err := buildPlan(proj, st, testPlanOptions())
	if err != nil {
		t.Fatal(err)
	}
	vars, _ := computeAppEnv(appEnvInput{Plan: p})
	env := envMap(vars)
	want := "postgres://postgres:" + passwordOf(t, p, "postgres") + "@127.0.0.1:5432/postgres?sslmode=disable"
	if env["DATABASE_URL"].Value != want {
		t.Errorf("DATABASE_URL = %q, want %q", env["DATABASE_URL"].Value, want)
	}
	if env["REDIS_URL"].Value != "redis://127.0.0.1:6379/0" {
		t.Errorf("REDIS_URL = %q: production's redis has no password, so neither does dev", env["REDIS_URL"].Value)
	}
	if env["PGHOST"].Value != "127.0.0.1" || env["PGPORT"].Value != "5432" {
		t.Errorf("PGHOST/PGPORT = %q/%q", env["PGHOST"].Value, env["PGPORT"].Value)
	}
	if env["POSTGRES_URL"].Service != "postgres" || env["REDIS_URL"].Service != "redis" {
		t.Errorf("service URLs: %+v %+v", env["POSTGRES_URL"], env["REDIS_URL"])
	}
}

func TestMaskURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:s3cret@127.0.0.1:5432/app": "postgres://app:****@127.0.0.1:5432/app",
		"redis://127.0.0.1:6379/0":                 "redis://127.0.0.1:6379/0",
		"plainsecret":                              "****",
	} {
		if got := maskURL(in); got != want {
			t.Errorf("maskURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRememberedPortsAreKeptWhenNotStarting(t *testing.T) {
	st := newState()
	if _, err := buildPlan(quickstart(), st, testPlanOptions()); err != nil {
		t.Fatal(err)
	}
	// Now parity's own container holds 5432; env must not move it.
	opts := testPlanOptions(5432)
	opts.KeepPorts = true
	p, err := buildPlan(quickstart(), st, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.service("db").Ports[5432]; got != 5432 {
		t.Errorf("db port %d, want the remembered 5432", got)
	}
}

func TestProxiesAndSidecarsOfTheAppAreLeftOut(t *testing.T) {
	proj := quickstart()
	proj.Services = append(proj.Services,
		manifest.Service{Name: "proxy", Image: "nginx:1.27", DependsOn: []string{"app"}},
		manifest.Service{Name: "edge", Image: "traefik:v3.1"},
		manifest.Service{Name: "sidecar", Image: "acme/log-shipper:2", DependsOn: []string{"app"}},
		manifest.Service{Name: "mail", Image: "axllent/mailpit:v1.21"},
	)
	p, err := buildPlan(proj, newState(), testPlanOptions())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]Role{"proxy": RoleSkipped, "edge": RoleSkipped, "sidecar": RoleSkipped, "mail": RoleGeneric, "db": RoleBacking, "app": RoleApp} {
		if got := p.service(name).Role; got != want {
			t.Errorf("%s: role %s (%s), want %s", name, got, p.service(name).Why, want)
		}
	}
	if why := p.service("proxy").Why; !strings.Contains(why, "app") {
		t.Errorf("proxy's reason %q does not name the app", why)
	}
}

// A manifest that leaves the database's user and name to ops still gets a
// local database the app's own URL can use.
func TestTheAppsURLNamesTheUserAndDatabaseTheManifestLeavesOut(t *testing.T) {
	proj := &manifest.Project{Name: "p", Services: []manifest.Service{
		{Name: "web", Build: true, Environment: tenv(map[string]string{
			"DATABASE_URL": "postgres://shop:${PW}@db:5432/shop_production",
			"OTHER_HOST":   "pg2", "OTHER_USER": "reporting", "OTHER_NAME": "reports",
		})},
		{Name: "db", Image: "postgres:16"},
		{Name: "pg2", Image: "postgres:16", Environment: tenv(map[string]string{"POSTGRES_DB": "fixed"})},
	}}
	p, err := buildPlan(proj, newState(), testPlanOptions())
	if err != nil {
		t.Fatal(err)
	}
	db := p.service("db")
	if db.Credentials.User != "shop" || db.Credentials.Database != "shop_production" || db.Config.Env["POSTGRES_DB"] != "shop_production" {
		t.Errorf("db credentials %+v env %v, want the user and database the app's URL names", db.Credentials, db.Config.Env)
	}
	pg2 := p.service("pg2")
	if pg2.Credentials.User != "reporting" || pg2.Credentials.Database != "fixed" {
		t.Errorf("pg2 credentials %+v: split variables name the user; the manifest's POSTGRES_DB wins", pg2.Credentials)
	}
	vars, _ := computeAppEnv(appEnvInput{Plan: p})
	if u := envMap(vars)["DATABASE_URL"].Value; !strings.HasPrefix(u, "postgres://shop:") || !strings.Contains(u, "/shop_production?") {
		t.Errorf("DATABASE_URL %s", u)
	}
}

// tv is a manifest value written as in a Compose file: each ${NAME} is a
// variable unset on this machine.
func tv(s string) manifest.Value {
	var v manifest.Value
	for s != "" {
		i := strings.Index(s, "${")
		if i < 0 {
			v = append(v, manifest.Part{Text: s})
			break
		}
		if i > 0 {
			v = append(v, manifest.Part{Text: s[:i]})
		}
		end := strings.IndexByte(s[i:], '}')
		v = append(v, manifest.Part{Unset: s[i+2 : i+end]})
		s = s[i+end+1:]
	}
	return v
}

func tenv(m map[string]string) map[string]manifest.Value {
	out := make(map[string]manifest.Value, len(m))
	for k, s := range m {
		out[k] = tv(s)
	}
	return out
}

func tcmd(args []string) []manifest.Value {
	out := make([]manifest.Value, len(args))
	for i, a := range args {
		out[i] = tv(a)
	}
	return out
}

// passwordOf is the password the service's container is configured with.
func passwordOf(t *testing.T, p *plan, service string) string {
	t.Helper()
	ps := p.service(service)
	if ps == nil {
		t.Fatalf("no service %s in the plan", service)
	}
	return ps.Credentials.Password
}
