package stacks

import "testing"

func TestForImageKind(t *testing.T) {
	checkKinds(t, []kindCase{
		{"postgres:15.4", "postgres"},
		{"postgres", "postgres"},
		{"postgres@" + testDigest, "postgres"},
		{"docker.io/library/postgres:15", "postgres"},
		{"docker.io/postgres:15", "postgres"},
		{"127.0.0.1:5959/library/postgres:15-alpine", "postgres"},
		{"127.0.0.1:5959/postgres:15", "postgres"},
		{"public.ecr.aws/docker/library/postgres:16", "postgres"},
		{"mirror.gcr.io/library/postgres:16", "postgres"},
		{"harbor.acme.io/dockerhub-proxy/library/postgres:16", "postgres"},
		{"postgis/postgis:16-3.4", "postgres"},
		{"pgvector/pgvector:pg16", "postgres"},
		{"ankane/pgvector:v0.5.1", "postgres"},
		{"timescale/timescaledb:2.14.2-pg16", "postgres"},
		{"timescale/timescaledb-ha:pg16-ts2.14", "postgres"},
		{"timescale/timescaledb-postgis:1.7.4-pg12", "postgres"},
		{"bitnami/postgresql:16", "postgres"},
		{"docker.io/bitnamilegacy/postgresql:16.4.0", "postgres"},
		{"harbor.acme.io/dockerhub-proxy/bitnami/postgresql:16", "postgres"},
		{"supabase/postgres:15.1.0.147", "postgres"},
		{"tensorchord/pgvecto-rs:pg14-v0.2.0", "postgres"},
		{"tensorchord/vchord-postgres:pg17-v0.4.3", "postgres"},
		// A project's own build of Postgres, named for it, outside Docker Hub.
		{"ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0", "postgres"},
		{"ghcr.io/acme/postgres:15", "postgres"},
		{"registry.gitlab.com/acme/infra/postgresql:16", "postgres"},

		{"redis:7", "redis"},
		{"redis:7.2-alpine", "redis"},
		{"127.0.0.1:5959/library/redis:7", "redis"},
		{"valkey/valkey:8", "redis"},
		{"bitnami/redis:7.2", "redis"},
		{"bitnami/valkey:8.0", "redis"},
		{"bitnamilegacy/redis:7.4", "redis"},
		{"redis/redis-stack:7.2.0-v10", "redis"},
		{"redis/redis-stack-server:7.2.0-v10", "redis"},
		{"eqalpha/keydb:x86_64_v6.3.4", "redis"},

		// Look-alikes that are not the server, or not one parity can run alone.
		{"acme/postgres-backup:1", ""},
		{"mypostgres:1", ""},
		{"acme/postgres:15", ""}, // a Docker Hub namespace is anyone's: see ForProjectImage
		{"ghcr.io/acme/postgres-exporter:1", ""},
		{"quay.io/sclorg/postgresql-15-c9s:latest", ""}, // Red Hat's packaging, other variables
		{"ghcr.io/acme/pg:1", ""},
		{"prometheuscommunity/postgres-exporter:v0.15.0", ""},
		{"bitnami/postgresql-repmgr:16", ""},
		{"dpage/pgadmin4:8", ""},
		{"redis-commander:latest", ""},
		{"rediscommander/redis-commander:latest", ""},
		{"bitnami/redis-sentinel:7.2", ""},
		{"bitnami/redis-cluster:7.2", ""},
		{"redis/redisinsight:2", ""},
		{"oliver006/redis_exporter:v1", ""},
		{"nginx:1.25", ""},
		{"", ""},
	})
}

func TestForImageDataDir(t *testing.T) {
	checkDataDirs(t, []dataDirCase{
		{"postgres:15.4", "/var/lib/postgresql/data"},
		{"postgres:17-alpine", "/var/lib/postgresql/data"},
		{"postgres:18", "/var/lib/postgresql"},
		{"postgres:18.1-trixie", "/var/lib/postgresql"},
		{"docker.io/library/postgres:19beta1", "/var/lib/postgresql"},
		{"postgres", "/var/lib/postgresql"},        // latest is 18 or later
		{"postgres:latest", "/var/lib/postgresql"}, // likewise
		{"postgres@" + testDigest, "/var/lib/postgresql/data"},
		{"postgis/postgis:16-3.4", "/var/lib/postgresql/data"},
		{"postgis/postgis:18-3.6", "/var/lib/postgresql"},
		{"pgvector/pgvector:pg17", "/var/lib/postgresql/data"},
		{"pgvector/pgvector:0.8.1-pg18-trixie", "/var/lib/postgresql"},
		{"timescale/timescaledb:2.14.2-pg16", "/var/lib/postgresql/data"},
		{"timescale/timescaledb:2.22.0-pg18", "/var/lib/postgresql"},
		{"ankane/pgvector:v0.5.1", "/var/lib/postgresql/data"},
		{"timescale/timescaledb-ha:pg18-ts2.22", "/home/postgres/pgdata"},
		{"bitnami/postgresql:18", "/bitnami/postgresql"},
		{"supabase/postgres:17.4.1.054", "/var/lib/postgresql/data"},
		{"tensorchord/vchord-postgres:pg18-v0.5.3", "/var/lib/postgresql"},
		{"ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0", "/var/lib/postgresql/data"},
		{"redis:7", "/data"},
		{"valkey/valkey:8", "/data"},
		{"bitnami/redis:7.2", "/bitnami/redis/data"},
		{"bitnami/valkey:8", "/bitnami/valkey/data"},
	})
}

func TestForProjectImageMatchesPostgresByNameInAnyNamespace(t *testing.T) {
	for _, tt := range []kindCase{
		{"acme/postgres:15", "postgres"},
		{"acme/postgresql:16", "postgres"},
		{"postgres:16", "postgres"},
		{"bitnami/postgresql:16", "postgres"},
		{"redis:7", "redis"},
		{"acme/postgres-backup:1", ""},
		{"acme/web:1", ""},
		{"", ""},
	} {
		got := ""
		if st := ForProjectImage(tt.image); st != nil {
			got = st.Kind()
		}
		if got != tt.kind {
			t.Errorf("ForProjectImage(%q) = %q, want %q", tt.image, got, tt.kind)
		}
	}
	// They run as the official image: its variables and data directory.
	cfg := ForProjectImage("acme/postgres:16").Configure(Service{Name: "db", Env: map[string]string{"POSTGRES_USER": "app"}}, "pw")
	if cfg.Env["POSTGRES_PASSWORD"] != "pw" || cfg.Credentials.User != "app" {
		t.Errorf("acme/postgres configured as %+v", cfg)
	}
	if got := ForProjectImage("acme/postgres:18").DataDir(); got != "/var/lib/postgresql" {
		t.Errorf("acme/postgres:18 data dir %q", got)
	}
}

func TestAllPorts(t *testing.T) {
	want := map[string]int{
		"postgres": 5432, "redis": 6379, "mysql": 3306, "mongo": 27017, "rabbitmq": 5672, "memcached": 11211,
		"nats": 4222, "kafka": 9092, "elasticsearch": 9200, "opensearch": 9200, "minio": 9000,
	}
	for _, st := range All() {
		if st.Port() != want[st.Kind()] {
			t.Errorf("%s port = %d, want %d", st.Kind(), st.Port(), want[st.Kind()])
		}
		delete(want, st.Kind())
	}
	if len(want) > 0 {
		t.Errorf("All() lacks %v", want)
	}
}

func TestGeneric(t *testing.T) {
	g := Generic(1025)
	if g.Kind() != "generic" || g.Port() != 1025 {
		t.Errorf("Generic(1025): kind %q port %d", g.Kind(), g.Port())
	}
	svc := Service{Env: map[string]string{"MP_SMTP_AUTH": "x"}, Command: []string{"--smtp", "1025"}}
	cfg := g.Configure(svc, "secret")
	if cfg.Credentials != (Credentials{}) || cfg.Env["MP_SMTP_AUTH"] != "x" || len(cfg.Command) != 2 {
		t.Errorf("Generic Configure = %+v, want the manifest's settings unchanged", cfg)
	}
	cfg.Env["MP_SMTP_AUTH"] = "changed"
	if svc.Env["MP_SMTP_AUTH"] != "x" {
		t.Error("Generic Configure shares the manifest's env map")
	}
	if g.URL(Endpoint{Host: "127.0.0.1", Port: 1025}) != "" || g.Shell(Credentials{}).Args != nil || g.Vars() != nil {
		t.Error("Generic has a URL, shell or variables")
	}
}

// kindCase is an image reference and the kind ForImage finds for it.
type kindCase struct {
	image string
	kind  string // "" when no kind matches
}

// checkKinds checks the kind ForImage finds for each image.
func checkKinds(t *testing.T, tests []kindCase) {
	t.Helper()
	for _, tt := range tests {
		st := ForImage(tt.image)
		got := ""
		if st != nil {
			got = st.Kind()
		}
		if got != tt.kind {
			t.Errorf("ForImage(%q) kind = %q, want %q", tt.image, got, tt.kind)
		}
	}
}

// dataDirCase is an image reference and the data directory of its stack.
type dataDirCase struct{ image, want string }

func checkDataDirs(t *testing.T, tests []dataDirCase) {
	t.Helper()
	for _, tt := range tests {
		st := ForImage(tt.image)
		if st == nil {
			t.Errorf("ForImage(%q) = nil", tt.image)
			continue
		}
		if got := st.DataDir(); got != tt.want {
			t.Errorf("ForImage(%q).DataDir() = %q, want %q", tt.image, got, tt.want)
		}
	}
}

// configureCase is a service's image and environment, the credentials its
// stack's Configure decides, and variables of the container environment it
// should set ("" for a variable it should leave out).
type configureCase struct {
	name    string
	image   string
	env     map[string]string
	want    Credentials
	wantEnv map[string]string
}

func checkConfigure(t *testing.T, tests []configureCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ForImage(tt.image).Configure(Service{Env: tt.env}, secret)
			if cfg.Credentials != tt.want {
				t.Errorf("credentials = %+v, want %+v", cfg.Credentials, tt.want)
			}
			for k, v := range tt.wantEnv {
				if got, ok := cfg.Env[k]; v == "" && ok || v != "" && got != v {
					t.Errorf("env %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// A project's own Postgres build is named for the project or for Postgres;
// exporters and other tools named after Postgres are not databases.
func TestProjectPostgresImagesByName(t *testing.T) {
	for image, want := range map[string]bool{
		"zulip/zulip-postgresql:14":             true,
		"acme/postgres:16":                      true,
		"acme/acme_postgres:16":                 true,
		"prometheuscommunity/postgres-exporter": false,
		"acme/postgresql-15-c9s:1":              false,
		"acme/pgadmin:8":                        false,
	} {
		if got := ForProjectImage(image) != nil; got != want {
			t.Errorf("ForProjectImage(%q) is a kind: %v, want %v", image, got, want)
		}
	}
	if ForImage("zulip/zulip-postgresql:14") != nil {
		t.Error("ForImage matched a Docker Hub namespace by name alone")
	}
}
