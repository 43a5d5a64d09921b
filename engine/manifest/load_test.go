package manifest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// load loads a fixture directory under testdata with the given environment.
func load(t *testing.T, dir string, environ map[string]string, mutate ...func(*LoadOptions)) (*Project, error) {
	t.Helper()
	if environ == nil {
		environ = map[string]string{}
	}
	opts := LoadOptions{WorkingDir: filepath.Join("testdata", dir), Environ: environ}
	for _, m := range mutate {
		m(&opts)
	}
	return Load(context.Background(), opts)
}

func mustLoad(t *testing.T, dir string, environ map[string]string, mutate ...func(*LoadOptions)) *Project {
	t.Helper()
	p, err := load(t, dir, environ, mutate...)
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	return p
}

func mustService(t *testing.T, p *Project, name string) *Service {
	t.Helper()
	s := p.Service(name)
	if s == nil {
		t.Fatalf("service %q missing; have %v", name, serviceNames(p))
	}
	return s
}

func serviceNames(p *Project) []string {
	var names []string
	for _, s := range p.Services {
		names = append(names, s.Name)
	}
	return names
}

func TestLoadProductionManifestWithNothingSet(t *testing.T) {
	p := mustLoad(t, "prod", nil)

	equal(t, "Unset", p.Unset, []string{"DB_PASSWORD", "REDIS_PASSWORD"})
	equal(t, "services", serviceNames(p), []string{"app", "cache", "db"})
	equal(t, "Name", p.Name, "prod")
	abs, _ := filepath.Abs("testdata/prod")
	equal(t, "WorkingDir", p.WorkingDir, abs)
	equal(t, "Files", p.Files, []string{filepath.Join(abs, "compose.yaml")})

	app := mustService(t, p, "app")
	equal(t, "app.Build", app.Build, true)
	equal(t, "app.Image", app.Image, "")
	equal(t, "app.Command", shownList(app.Command), []string(nil))
	equal(t, "app.DependsOn", app.DependsOn, []string{"cache", "db"})
	equal(t, "app.Ports", app.Ports, []Port{{Target: 8080, Published: "8080", Protocol: "tcp"}})
	dbURL := shown(app.Environment["DATABASE_URL"])
	equal(t, "DATABASE_URL", dbURL, "postgres://app:${DB_PASSWORD}@db:5432/app")
	equal(t, "DATABASE_URL parts", app.Environment["DATABASE_URL"], Value{{Text: "postgres://app:"}, {Unset: "DB_PASSWORD"}, {Text: "@db:5432/app"}})
	equal(t, "REDIS_URL", shown(app.Environment["REDIS_URL"]), "redis://:${REDIS_PASSWORD}@cache:6379/0")
	equal(t, "LOG_LEVEL", shown(app.Environment["LOG_LEVEL"]), "info")

	cache := mustService(t, p, "cache")
	equal(t, "cache.Image", cache.Image, "redis:7")
	equal(t, "cache.Command", shownList(cache.Command), []string{"redis-server", "--requirepass", "${REDIS_PASSWORD}"})
	equal(t, "cache.Entrypoint", shownList(cache.Entrypoint), []string(nil))
	equal(t, "cache.Aliases", cache.Aliases, []string{"redis-primary", "redis"})

	db := mustService(t, p, "db")
	equal(t, "db.Image", db.Image, "postgres:15")
	equal(t, "db.Build", db.Build, false)
	equal(t, "POSTGRES_PASSWORD", shown(db.Environment["POSTGRES_PASSWORD"]), "${DB_PASSWORD}")
	equal(t, "db.ShmSize", db.ShmSize, int64(256<<20))
	equal(t, "db.Volumes", db.Volumes, []Volume{{Type: "volume", Source: "pgdata", Target: "/var/lib/postgresql/data"}})
	equal(t, "db.Healthcheck", db.Healthcheck, &Healthcheck{
		Test:        []string{"CMD-SHELL", "pg_isready -U app"},
		Interval:    5 * time.Second,
		Timeout:     3 * time.Second,
		StartPeriod: 10 * time.Second,
		Retries:     5,
	})
	equal(t, "db.Ports", db.Ports, []Port(nil))
}

func TestLoadUsesValuesFromEnviron(t *testing.T) {
	p := mustLoad(t, "prod", map[string]string{"DB_PASSWORD": "s3cret", "LOG_LEVEL": "debug"})

	equal(t, "Unset", p.Unset, []string{"REDIS_PASSWORD"})
	app := mustService(t, p, "app")
	equal(t, "DATABASE_URL", shown(app.Environment["DATABASE_URL"]), "postgres://app:s3cret@db:5432/app")
	equal(t, "LOG_LEVEL", shown(app.Environment["LOG_LEVEL"]), "debug")
}

func TestLoadInterpolation(t *testing.T) {
	p := mustLoad(t, "interpolation", nil)
	db := mustService(t, p, "db")

	env := map[string]string{
		"REQUIRED":            "${DB_PASS}",
		"REQUIRED_UNSET_ONLY": "${X}",
		"SOFT_DEFAULT":        "dflt",
		"HARD_DEFAULT":        "hard",
		"ALT_WHEN_SET":        "",
		"ALT_WHEN_DEFINED":    "",
		"BARE":                "${BARE}",
		"ESCAPED":             "$HOME and ${NOT_A_VAR}",
		"NESTED_DEFAULT":      "${INNER}",
		"TWO":                 "a/${SECOND}",
	}
	// Typed fields: the variable is listed but the field gets Compose's
	// empty substitution, then the type's zero.
	equal(t, "Environment", shownEnv(db.Environment), env)
	equal(t, "Unset", p.Unset, []string{"BACKUP_DIR", "BARE", "CACHE_DIR", "DATA_VOLUME", "DB_PASS", "DB_PORT", "HC_INTERVAL", "HC_RETRIES", "INNER", "SECOND", "SHM_SIZE", "X"})
	equal(t, "Image", db.Image, "postgres:15.4")
	equal(t, "Ports", db.Ports, []Port{
		{Target: 5432, Protocol: "tcp"},
		{Target: 8081, Published: "8081", HostIP: "127.0.0.1", Protocol: "tcp"},
	})
	equal(t, "Healthcheck", db.Healthcheck, &Healthcheck{Test: []string{"CMD", "pg_isready"}})
	equal(t, "ShmSize", db.ShmSize, int64(0))
	projectDir, _ := filepath.Abs("testdata/interpolation")
	equal(t, "Volumes", db.Volumes, []Volume{
		{Type: "volume", Target: "/var/lib/postgresql/data"}, // ${DATA_VOLUME}: anonymous
		{Type: "volume", Target: "/backup"},                  // ${BACKUP_DIR}/pg: anonymous, not the host's /pg
		{Type: "bind", Source: projectDir, Target: "/cache"}, // long syntax: "" as in Compose
	})
}

func TestLoadInterpolationWithValuesSet(t *testing.T) {
	p := mustLoad(t, "interpolation", map[string]string{
		"DB_PASS": "pw", "X": "", "MODE": "prod", "HARD": "", "ALT": "on", "ALT2": "",
		"BARE": "b", "INNER": "in", "SECOND": "2", "DB_PORT": "15432", "HC_INTERVAL": "2s",
		"HC_RETRIES": "3", "SHM_SIZE": "1g", "DATA_VOLUME": "/srv/pg", "PG_TAG": "16",
		"BACKUP_DIR": "/srv/backup", "CACHE_DIR": "/srv/cache",
	})
	db := mustService(t, p, "db")

	equal(t, "Unset", p.Unset, []string(nil))
	equal(t, "Environment", shownEnv(db.Environment), map[string]string{
		"REQUIRED":            "pw",
		"REQUIRED_UNSET_ONLY": "", // `?` accepts empty
		"SOFT_DEFAULT":        "prod",
		"HARD_DEFAULT":        "", // `-` keeps an empty value
		"ALT_WHEN_SET":        "alt",
		"ALT_WHEN_DEFINED":    "alt", // `+` only needs it defined
		"BARE":                "b",
		"ESCAPED":             "$HOME and ${NOT_A_VAR}",
		"NESTED_DEFAULT":      "in",
		"TWO":                 "prod/2",
	})
	equal(t, "Image", db.Image, "postgres:16")
	equal(t, "Ports[0]", db.Ports[0], Port{Target: 5432, Published: "15432", Protocol: "tcp"})
	equal(t, "Healthcheck", db.Healthcheck, &Healthcheck{Test: []string{"CMD", "pg_isready"}, Interval: 2 * time.Second, Retries: 3})
	equal(t, "ShmSize", db.ShmSize, int64(1<<30))
	equal(t, "Volumes", db.Volumes, []Volume{
		{Type: "bind", Source: "/srv/pg", Target: "/var/lib/postgresql/data"},
		{Type: "bind", Source: "/srv/backup/pg", Target: "/backup"},
		{Type: "bind", Source: "/srv/cache", Target: "/cache"},
	})
}

func TestLoadRequiredButEmptyIsUnset(t *testing.T) {
	p := mustLoad(t, "interpolation", map[string]string{"DB_PASS": ""})
	equal(t, "REQUIRED", shown(mustService(t, p, "db").Environment["REQUIRED"]), "${DB_PASS}")
}

func TestLoadDotEnvAndEnvFile(t *testing.T) {
	p := mustLoad(t, "dotenv", nil)
	app := mustService(t, p, "app")

	equal(t, "Unset", p.Unset, []string(nil))
	equal(t, "Environment", shownEnv(app.Environment), map[string]string{
		"DATABASE_URL": "postgres://app:from-dotenv@db:5432/app", // .env interpolates
		"FROM_SHELL":   "from-dotenv",                            // .env resolves a listed key
		"SECRET_KEY":   "from-env-file",                          // env_file is resolved
		"OVERRIDDEN":   "from-environment",                       // environment wins over env_file
		// LISTED_UNSET is absent: listed without a value and unset.
	})
}

func TestLoadShellWinsOverDotEnv(t *testing.T) {
	p := mustLoad(t, "dotenv", map[string]string{"DB_PASSWORD": "from-shell", "FROM_SHELL": "shell", "LISTED_UNSET": "now-set"})
	app := mustService(t, p, "app")
	equal(t, "DATABASE_URL", shown(app.Environment["DATABASE_URL"]), "postgres://app:from-shell@db:5432/app")
	equal(t, "FROM_SHELL", shown(app.Environment["FROM_SHELL"]), "shell")
	equal(t, "LISTED_UNSET", shown(app.Environment["LISTED_UNSET"]), "now-set")
}

func TestLoadExplicitEnvFilesReplaceDotEnv(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "custom.env")
	if err := os.WriteFile(envFile, []byte("DB_PASSWORD=from-custom\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := mustLoad(t, "dotenv", nil, func(o *LoadOptions) { o.EnvFiles = []string{envFile} })
	app := mustService(t, p, "app")
	equal(t, "DATABASE_URL", shown(app.Environment["DATABASE_URL"]), "postgres://app:from-custom@db:5432/app")
	if _, ok := app.Environment["FROM_SHELL"]; ok {
		t.Errorf("FROM_SHELL = %q, want it absent: .env must not be read when env files are given", shown(app.Environment["FROM_SHELL"]))
	}
}

func TestLoadDisableDefaultEnvFile(t *testing.T) {
	p := mustLoad(t, "dotenv", map[string]string{"COMPOSE_DISABLE_ENV_FILE": "true"})
	equal(t, "Unset", p.Unset, []string{"DB_PASSWORD"})
}

func TestLoadMergesFilesInOrder(t *testing.T) {
	p := mustLoad(t, "merge", nil, func(o *LoadOptions) { o.Files = []string{"compose.yaml", "compose.prod.yaml"} })
	db := mustService(t, p, "db")

	equal(t, "db.Image", db.Image, "postgres:15.6")
	equal(t, "db.Environment", shownEnv(db.Environment), map[string]string{"POSTGRES_DB": "app", "POSTGRES_USER": "prod"})
	equal(t, "services", serviceNames(p), []string{"cache", "db"})
	if len(p.Files) != 2 || !filepath.IsAbs(p.Files[1]) || filepath.Base(p.Files[1]) != "compose.prod.yaml" {
		t.Errorf("Files = %v, want the two files as absolute paths in order", p.Files)
	}
}

func TestLoadDiscoveryIgnoresOverrideFile(t *testing.T) {
	p := mustLoad(t, "merge", nil)
	equal(t, "db.Image", mustService(t, p, "db").Image, "postgres:15")
	equal(t, "Files", len(p.Files), 1)
}

func TestLoadExtends(t *testing.T) {
	p := mustLoad(t, "extends", nil)
	db := mustService(t, p, "db")
	equal(t, "services", serviceNames(p), []string{"db"})
	equal(t, "db.Image", db.Image, "postgres:15")
	equal(t, "db.Environment", shownEnv(db.Environment), map[string]string{"POSTGRES_USER": "app", "POSTGRES_DB": "app"})
	equal(t, "db.ShmSize", db.ShmSize, int64(128<<20))
}

func TestLoadProfiles(t *testing.T) {
	tests := []struct {
		name     string
		profiles []string
		environ  map[string]string
		want     []string
		unset    []string // only variables of enabled services
	}{
		{"none", nil, nil, []string{"db"}, nil},
		{"one", []string{"jobs"}, nil, []string{"db", "worker"}, []string{"WORKER_TOKEN"}},
		{"shared", []string{"debug"}, nil, []string{"db", "mail", "worker"}, []string{"MAIL_AUTH_FILE", "WORKER_TOKEN"}},
		{"all", []string{"*"}, nil, []string{"db", "mail", "worker"}, []string{"MAIL_AUTH_FILE", "WORKER_TOKEN"}},
		{"COMPOSE_PROFILES", nil, map[string]string{"COMPOSE_PROFILES": "jobs"}, []string{"db", "worker"}, []string{"WORKER_TOKEN"}},
		{"flag wins over COMPOSE_PROFILES", []string{"debug"}, map[string]string{"COMPOSE_PROFILES": "jobs"}, []string{"db", "mail", "worker"}, []string{"MAIL_AUTH_FILE", "WORKER_TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, "profiles", tt.environ, func(o *LoadOptions) { o.Profiles = tt.profiles })
			equal(t, "services", serviceNames(p), tt.want)
			equal(t, "Unset", p.Unset, tt.unset)
		})
	}
	p := mustLoad(t, "profiles", nil, func(o *LoadOptions) { o.Profiles = []string{"jobs"} })
	equal(t, "worker.Profiles", mustService(t, p, "worker").Profiles, []string{"jobs", "debug"})
}

func TestLoadUnknownProfile(t *testing.T) {
	_, err := load(t, "profiles", nil, func(o *LoadOptions) { o.Profiles = []string{"jbos"} })
	abs, _ := filepath.Abs("testdata/profiles/compose.yaml")
	errorContains(t, err, `unknown profile "jbos" in `+abs+"; profiles defined: debug, jobs")
}

func TestLoadNoServices(t *testing.T) {
	_, err := load(t, "noservices", nil)
	errorContains(t, err, "no services", "testdata/noservices/compose.yaml")
}

func TestLoadAllServicesBehindProfiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "compose.yaml"), "services:\n  mail:\n    image: mailhog/mailhog\n    profiles: [debug]\n")
	_, err := Load(context.Background(), LoadOptions{WorkingDir: dir})
	errorContains(t, err, filepath.Join(dir, "compose.yaml"), "no services enabled", "(debug)", "--profile")
}

func TestLoadMalformedYAMLNamesFile(t *testing.T) {
	_, err := load(t, "malformed", nil)
	errorContains(t, err, "testdata/malformed/compose.yaml", "line 4")
}

func TestLoadSchemaErrorNamesFile(t *testing.T) {
	_, err := load(t, "schema", nil)
	errorContains(t, err, "testdata/schema/compose.yaml", "services.db.ports")
}

func TestLoadMissingFile(t *testing.T) {
	_, err := load(t, "prod", nil, func(o *LoadOptions) { o.Files = []string{"compose.prod.yaml"} })
	errorContains(t, err, "testdata/prod/compose.prod.yaml")
}

func TestLoadProjectName(t *testing.T) {
	tests := []struct {
		dir     string
		environ map[string]string
		flag    string
		want    string
	}{
		{dir: "shop", want: "shop"},
		{dir: "My Shop", want: "myshop"},
		{dir: "Shop.V2", want: "shopv2"},
		{dir: "_shop-app", want: "shop-app"},
		{dir: "-_Shop_App", want: "shop_app"},
		{dir: "9lives", want: "9lives"},
		{dir: "café", want: "caf"},
		{dir: "shop", environ: map[string]string{"COMPOSE_PROJECT_NAME": "fromenv"}, want: "fromenv"},
		{dir: "shop", environ: map[string]string{"COMPOSE_PROJECT_NAME": "fromenv"}, flag: "fromflag", want: "fromflag"},
	}
	for _, tt := range tests {
		t.Run(tt.dir+"/"+tt.want, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), tt.dir)
			writeFile(t, filepath.Join(dir, "compose.yaml"), "services:\n  db:\n    image: postgres:15\n")
			p, err := Load(context.Background(), LoadOptions{WorkingDir: dir, Environ: tt.environ, ProjectName: tt.flag})
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "Name", p.Name, tt.want)
		})
	}
}

func TestLoadProjectNameFromManifest(t *testing.T) {
	equal(t, "Name", mustLoad(t, "named", nil).Name, "shopprod")
	equal(t, "Name with COMPOSE_PROJECT_NAME", mustLoad(t, "named", map[string]string{"COMPOSE_PROJECT_NAME": "env"}).Name, "env")
}

func TestLoadInvalidProjectNameFlag(t *testing.T) {
	_, err := load(t, "prod", nil, func(o *LoadOptions) { o.ProjectName = "My Shop" })
	errorContains(t, err, `invalid project name "My Shop"`)
}

func mustLoadDir(t *testing.T, dir string, environ map[string]string) *Project {
	t.Helper()
	p, err := Load(context.Background(), LoadOptions{WorkingDir: dir, Environ: environ})
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	return p
}

func TestLoadConvertsServiceFields(t *testing.T) {
	p := mustLoad(t, "convert", nil)
	abs, _ := filepath.Abs("testdata/convert")
	s := mustService(t, p, "search")

	equal(t, "Image", s.Image, "docker.elastic.co/elasticsearch/elasticsearch:8.13.4@sha256:0000000000000000000000000000000000000000000000000000000000000000")
	equal(t, "Entrypoint", shownList(s.Entrypoint), []string{"/bin/tini", "--"})
	equal(t, "Command", shownList(s.Command), []string{"eswrapper"})
	equal(t, "User", s.User, "1000:0")
	equal(t, "WorkingDir", s.WorkingDir, "/usr/share/elasticsearch")
	equal(t, "Labels", s.Labels, map[string]string{"team": "search"})
	equal(t, "Tmpfs", s.Tmpfs, []string{"/tmp"})
	equal(t, "ExtraHosts", s.ExtraHosts, []string{"api.internal:10.0.0.5", "api.internal:10.0.0.6", "metrics.internal:10.0.0.7"})
	equal(t, "Aliases", s.Aliases, []string{"es", "elastic", "elasticsearch"}) // container_name "es" deduplicated
	equal(t, "Ports", s.Ports, []Port{
		{Target: 9200, Published: "19200", HostIP: "127.0.0.1", Protocol: "tcp"},
		{Target: 5000, Published: "5000", Protocol: "udp"},
		{Target: 5001, Published: "5001", Protocol: "udp"},
		{Target: 9300, Protocol: "tcp"},
	})
	equal(t, "Volumes", s.Volumes, []Volume{
		{Type: "bind", Source: filepath.Join(abs, "config"), Target: "/usr/share/elasticsearch/config", ReadOnly: true},
		{Type: "volume", Target: "/usr/share/elasticsearch/data"},
	})
	equal(t, "Healthcheck.Disable", s.Healthcheck != nil && s.Healthcheck.Disable, true)
	equal(t, "Environment", shownEnv(s.Environment), map[string]string(nil))

	w := mustService(t, p, "worker")
	equal(t, "worker.Healthcheck.Disable", w.Healthcheck != nil && w.Healthcheck.Disable, true)
	equal(t, "worker.Command", shownList(w.Command), []string{})
	equal(t, "worker.Aliases", w.Aliases, []string(nil))
}

func TestLoadDiscoversFromSubdirectory(t *testing.T) {
	root := makeTree(t, map[string]string{"compose.yaml": minimalManifest, ".env": "X=1\n", "web/main.go": "package main\n"})
	p := mustLoadDir(t, filepath.Join(root, "web"), nil)
	equal(t, "WorkingDir", p.WorkingDir, root)
	equal(t, "Name", p.Name, filepath.Base(root)) // t.TempDir names are already normal
	equal(t, "Files", p.Files, []string{filepath.Join(root, "compose.yaml")})
}

func TestLoadDiscoversComposeFile(t *testing.T) {
	root := makeTree(t, map[string]string{"compose.yaml": minimalManifest, "deploy/prod.yaml": "services:\n  cache:\n    image: redis:7\n"})
	p := mustLoadDir(t, root, map[string]string{"COMPOSE_FILE": "deploy/prod.yaml"})
	equal(t, "services", serviceNames(p), []string{"cache"})
}

func TestLoadKeepsBuildSectionsAndDependencyConditions(t *testing.T) {
	p := mustLoad(t, "buildjobs", map[string]string{"FROM_SHELL": "yes"})
	abs, _ := filepath.Abs("testdata/buildjobs")

	db := mustService(t, p, "db")
	equal(t, "db.Build", db.Build, true)
	equal(t, "db.BuildSpec", db.BuildSpec, &BuildSpec{
		Context:    filepath.Join(abs, "db"),
		Dockerfile: "Dockerfile",
		Args:       map[string]string{"PG_MAJOR": "16", "FROM_SHELL": "yes"},
		Target:     "final",
	})
	equal(t, "inline.BuildSpec", mustService(t, p, "inline").BuildSpec, &BuildSpec{Context: abs, DockerfileInline: "FROM redis:7\n"})
	equal(t, "cache.BuildSpec", mustService(t, p, "cache").BuildSpec, (*BuildSpec)(nil))

	web := mustService(t, p, "web")
	equal(t, "web.DependsOn", web.DependsOn, []string{"cache", "db", "fix-perms", "migrate"})
	equal(t, "web.DependsOnCondition", web.DependsOnCondition, map[string]Condition{
		"cache":     ConditionStarted,
		"db":        ConditionHealthy,
		"fix-perms": ConditionStarted,
		"migrate":   ConditionCompleted,
	})
	equal(t, "migrate.DependsOnCondition", mustService(t, p, "migrate").DependsOnCondition, map[string]Condition{"db": ConditionStarted})
	equal(t, "cache.DependsOnCondition", mustService(t, p, "cache").DependsOnCondition, map[string]Condition(nil))
}
