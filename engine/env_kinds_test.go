package engine

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

// kindsPlan plans a project of one app (built here) whose environment is
// appEnv, and the given backing services.
func kindsPlan(t *testing.T, st *state, appEnv map[string]string, services ...manifest.Service) *plan {
	t.Helper()
	proj := &manifest.Project{Name: "shop", Files: []string{"/src/shop/compose.yaml"}}
	proj.Services = append(proj.Services, manifest.Service{Name: "app", Build: true, Environment: tenv(appEnv)})
	proj.Services = append(proj.Services, services...)
	p, err := buildPlan(proj, st, testPlanOptions())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func appEnvOf(t *testing.T, p *plan) map[string]EnvVar {
	t.Helper()
	vars, _ := computeAppEnv(appEnvInput{Plan: p})
	return envMap(vars)
}

// wantEnv checks values, and that each came from parity for service svc.
func wantEnv(t *testing.T, env map[string]EnvVar, svc string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got := env[k]
		if got.Value != v {
			t.Errorf("%s = %q, want %q", k, got.Value, v)
			continue
		}
		if got.Source != SourceParity || got.Service != svc {
			t.Errorf("%s: source %s service %q, want parity's for %s", k, got.Source, got.Service, svc)
		}
	}
}

func TestAppEnvMySQL(t *testing.T) {
	st := newState()
	p := kindsPlan(t, st, map[string]string{
		"MYSQL_HOST":     "mysql",
		"MYSQL_PORT":     "3306",
		"MYSQL_USER":     "shop",
		"MYSQL_PASSWORD": "${DB_PASS}",
		"MYSQL_DATABASE": "shop",
		"DB_DSN":         "mysql://shop:${DB_PASS}@mysql:3306/shop",
	}, manifest.Service{Name: "mysql", Image: "mysql:8.0", Environment: tenv(map[string]string{
		"MYSQL_ROOT_PASSWORD": "${ROOT_PASS}", "MYSQL_USER": "shop", "MYSQL_PASSWORD": "${DB_PASS}", "MYSQL_DATABASE": "shop",
	})})
	pw := passwordOf(t, p, "mysql")
	env := appEnvOf(t, p)
	url := "mysql://shop:" + pw + "@127.0.0.1:3306/shop"
	wantEnv(t, env, "mysql", map[string]string{
		"MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": "3306", "MYSQL_PASSWORD": pw,
		"DB_DSN": url, "MYSQL_URL": url,
		// No other database: MySQL is the primary one.
		"DATABASE_URL": url,
	})
	if env["MYSQL_USER"].Value != "shop" || env["MYSQL_DATABASE"].Value != "shop" {
		t.Errorf("MYSQL_USER/MYSQL_DATABASE = %q/%q", env["MYSQL_USER"].Value, env["MYSQL_DATABASE"].Value)
	}
	if !env["DATABASE_URL"].Secret || !env["MYSQL_PASSWORD"].Secret {
		t.Error("values holding the password are not marked secret")
	}
}

// DATABASE_URL is Postgres' when Postgres and MySQL both run, whatever their
// order, and MySQL still gets MYSQL_URL.
func TestAppEnvDatabaseURLPrefersPostgresOverMySQL(t *testing.T) {
	for _, names := range [][2]string{{"a-mysql", "b-postgres"}, {"b-mysql", "a-postgres"}} {
		st := newState()
		p := kindsPlan(t, st, nil,
			manifest.Service{Name: names[0], Image: "mariadb:10.11", Environment: tenv(map[string]string{"MARIADB_ROOT_PASSWORD": "x"})},
			manifest.Service{Name: names[1], Image: "postgres:16"},
		)
		env := appEnvOf(t, p)
		if got := env["DATABASE_URL"]; got.Service != names[1] || !strings.HasPrefix(got.Value, "postgres://") {
			t.Errorf("%v: DATABASE_URL = %+v, want Postgres'", names, got)
		}
		if got := env["MYSQL_URL"]; got.Service != names[0] || !strings.HasPrefix(got.Value, "mysql://root:") {
			t.Errorf("%v: MYSQL_URL = %+v", names, got)
		}
	}
}

func TestAppEnvRabbitMQ(t *testing.T) {
	st := newState()
	p := kindsPlan(t, st, map[string]string{
		"AMQP_URL":      "amqp://shop:${RABBIT_PASS}@rabbitmq:5672/",
		"RABBITMQ_HOST": "rabbitmq",
		"RABBITMQ_PORT": "5672",
		"RABBITMQ_USER": "shop",
		"RABBITMQ_PASS": "${RABBIT_PASS}",
	}, manifest.Service{Name: "rabbitmq", Image: "rabbitmq:3-management",
		Environment: tenv(map[string]string{"RABBITMQ_DEFAULT_USER": "shop", "RABBITMQ_DEFAULT_PASS": "${RABBIT_PASS}"}),
		Ports:       []manifest.Port{{Target: 5672, Published: "5672"}, {Target: 15672, Published: "15672"}},
	})
	pw := passwordOf(t, p, "rabbitmq")
	env := appEnvOf(t, p)
	wantEnv(t, env, "rabbitmq", map[string]string{
		"AMQP_URL":      "amqp://shop:" + pw + "@127.0.0.1:5672/",
		"RABBITMQ_URL":  "amqp://shop:" + pw + "@127.0.0.1:5672/",
		"RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": "5672", "RABBITMQ_PASS": pw,
	})
	// The management UI stays published, on loopback.
	if got := p.service("rabbitmq").Ports[15672]; got != 15672 {
		t.Errorf("management port 15672 published on %d", got)
	}
	if b := p.service("rabbitmq").Spec.Ports["15672/tcp"]; b.HostIP != loopback {
		t.Errorf("management port binding %+v, want 127.0.0.1", b)
	}
}

func TestAppEnvMongo(t *testing.T) {
	st := newState()
	p := kindsPlan(t, st, map[string]string{
		"MONGO_URL": "mongodb://root:${PW}@mongo:27017/app?authSource=admin",
	}, manifest.Service{Name: "mongo", Image: "mongo:7", Environment: tenv(map[string]string{
		"MONGO_INITDB_ROOT_USERNAME": "root", "MONGO_INITDB_ROOT_PASSWORD": "${PW}", "MONGO_INITDB_DATABASE": "app",
	})})
	pw := passwordOf(t, p, "mongo")
	env := appEnvOf(t, p)
	u, err := url.Parse(env["MONGO_URL"].Value)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := u.User.Password(); u.Host != "127.0.0.1:27017" || u.User.Username() != "root" || got != pw || u.Path != "/app" ||
		u.Query().Get("authSource") != "admin" || u.Query().Get("directConnection") != "true" {
		t.Errorf("MONGO_URL = %s", env["MONGO_URL"].Value)
	}
	want := "mongodb://root:" + pw + "@127.0.0.1:27017/app?authSource=admin&directConnection=true"
	wantEnv(t, env, "mongo", map[string]string{"MONGODB_URI": want})
}

func TestAppEnvMemcachedAndKafkaServerLists(t *testing.T) {
	st := newState()
	p := kindsPlan(t, st, map[string]string{
		"MEMCACHED_SERVERS": "memcached:11211",
		"KAFKA_BROKERS":     "kafka:9092,kafka:9092",
		"OTHER_SERVERS":     "external.example.com:11211",
	},
		manifest.Service{Name: "memcached", Image: "memcached:1.6-alpine"},
		manifest.Service{Name: "kafka", Image: "apache/kafka:3.8.0", Environment: tenv(map[string]string{"KAFKA_NODE_ID": "3"})},
	)
	env := appEnvOf(t, p)
	wantEnv(t, env, "memcached", map[string]string{"MEMCACHED_SERVERS": "127.0.0.1:11211", "MEMCACHE_SERVERS": "127.0.0.1:11211"})
	wantEnv(t, env, "kafka", map[string]string{"KAFKA_BROKERS": "127.0.0.1:9092", "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092"})
	if env["OTHER_SERVERS"].Value != "external.example.com:11211" || env["OTHER_SERVERS"].Source != SourceManifest {
		t.Errorf("a list naming no service changed: %+v", env["OTHER_SERVERS"])
	}
}

// The broker advertises the host port the app connects to, even when
// another program holds 9092.
func TestPlanKafkaAdvertisesTheHostPort(t *testing.T) {
	proj := &manifest.Project{Name: "shop", Services: []manifest.Service{
		{Name: "kafka", Image: "confluentinc/cp-kafka:7.7.0"},
	}}
	st := newState()
	p, err := buildPlan(proj, st, testPlanOptions(9092))
	if err != nil {
		t.Fatal(err)
	}
	port := p.service("kafka").Ports[9092]
	if port == 9092 || port == 0 {
		t.Fatalf("kafka got port %d although 9092 is taken", port)
	}
	want := "KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:" + itoa(port)
	if !slices.Contains(p.service("kafka").Spec.Env, want) {
		t.Errorf("container env %v lacks %s", p.service("kafka").Spec.Env, want)
	}
	env := appEnvOf(t, p)
	if env["KAFKA_BOOTSTRAP_SERVERS"].Value != "127.0.0.1:"+itoa(port) {
		t.Errorf("KAFKA_BOOTSTRAP_SERVERS = %q", env["KAFKA_BOOTSTRAP_SERVERS"].Value)
	}
}

func TestAppEnvNATS(t *testing.T) {
	st := newState()
	p := kindsPlan(t, st, map[string]string{
		"NATS_SERVERS": "nats://app:${NATS_PASS}@nats:4222",
	}, manifest.Service{Name: "nats", Image: "nats:2.10", Command: tcmd([]string{"-js", "--user", "app", "--pass", "${NATS_PASS}"})})
	pw := passwordOf(t, p, "nats")
	env := appEnvOf(t, p)
	want := "nats://app:" + pw + "@127.0.0.1:4222"
	wantEnv(t, env, "nats", map[string]string{"NATS_SERVERS": want, "NATS_URL": want})
	if got := p.service("nats").Spec.Cmd; got[4] != pw {
		t.Errorf("container command %q does not carry the secret", got)
	}
}

func TestAppEnvElasticsearchAndOpenSearch(t *testing.T) {
	st := newState()
	p := kindsPlan(t, st, map[string]string{
		"ELASTICSEARCH_HOSTS": "https://elastic:${ES_PW}@es:9200",
	},
		manifest.Service{Name: "es", Image: "docker.elastic.co/elasticsearch/elasticsearch:8.15.0", Environment: tenv(map[string]string{"ELASTIC_PASSWORD": "${ES_PW}"})},
		manifest.Service{Name: "search", Image: "opensearchproject/opensearch:2.17.0", Environment: tenv(map[string]string{"DISABLE_SECURITY_PLUGIN": "true"})},
	)
	env := appEnvOf(t, p)
	want := "http://elastic:" + passwordOf(t, p, "es") + "@127.0.0.1:9200"
	wantEnv(t, env, "es", map[string]string{"ELASTICSEARCH_HOSTS": want, "ELASTICSEARCH_URL": want})
	if !strings.Contains(env["ELASTICSEARCH_HOSTS"].Note, "https:// changed to http://") {
		t.Errorf("ELASTICSEARCH_HOSTS note %q does not explain the scheme change", env["ELASTICSEARCH_HOSTS"].Note)
	}
	if got := env["OPENSEARCH_URL"]; got.Service != "search" || !strings.HasPrefix(got.Value, "http://127.0.0.1:") {
		t.Errorf("OPENSEARCH_URL = %+v", got)
	}
}

func TestAppEnvMinIO(t *testing.T) {
	st := newState()
	p := kindsPlan(t, st, map[string]string{
		"S3_ENDPOINT":           "http://minio:9000",
		"AWS_ACCESS_KEY_ID":     "${MINIO_USER}",
		"AWS_SECRET_ACCESS_KEY": "${MINIO_PASSWORD}",
		"S3_BUCKET":             "uploads",
	}, manifest.Service{Name: "minio", Image: "minio/minio:RELEASE.2024-08-17T01-24-54Z",
		Command:     tcmd([]string{"server", "/data", "--console-address", ":9001"}),
		Environment: tenv(map[string]string{"MINIO_ROOT_USER": "${MINIO_USER}", "MINIO_ROOT_PASSWORD": "${MINIO_PASSWORD}"}),
	})
	pw := passwordOf(t, p, "minio")
	env := appEnvOf(t, p)
	// The endpoint carries no credentials: S3 clients take the keys apart.
	wantEnv(t, env, "minio", map[string]string{"S3_ENDPOINT": "http://127.0.0.1:9000", "AWS_REGION": "us-east-1"})
	for k, want := range map[string]string{"AWS_ACCESS_KEY_ID": "minioadmin", "AWS_SECRET_ACCESS_KEY": pw} {
		if env[k].Value != want {
			t.Errorf("%s = %q, want %q", k, env[k].Value, want)
		}
	}
	if env["S3_ENDPOINT"].Secret || env["AWS_REGION"].Secret || !env["AWS_SECRET_ACCESS_KEY"].Secret {
		t.Errorf("secret flags: endpoint %v region %v key %v", env["S3_ENDPOINT"].Secret, env["AWS_REGION"].Secret, env["AWS_SECRET_ACCESS_KEY"].Secret)
	}
	// Init sees the app's bucket variable next to the container's settings.
	in := initInput(p, p.service("minio"))
	if in.Env["S3_BUCKET"] != "uploads" || in.Env["MINIO_ROOT_PASSWORD"] != pw {
		t.Errorf("Init input env = %v", in.Env)
	}
}

// A conventional variable the manifest sets from a variable unset on this
// machine gets parity's value instead of staying empty.
func TestAppEnvFillsConventionalVariablesLeftEmpty(t *testing.T) {
	st := newState()
	p := kindsPlan(t, st, map[string]string{
		"DATABASE_URL": "${DATABASE_URL}",
		"REDIS_URL":    "redis://cache:6379/0",
	}, manifest.Service{Name: "db", Image: "postgres:16"}, manifest.Service{Name: "cache", Image: "redis:7"})
	env := appEnvOf(t, p)
	if got := env["DATABASE_URL"]; got.Service != "db" || !strings.HasPrefix(got.Value, "postgres://postgres:"+passwordOf(t, p, "db")+"@127.0.0.1:") {
		t.Errorf("DATABASE_URL = %+v, want parity's", got)
	}
	if got := env["REDIS_URL"]; got.Value != "redis://127.0.0.1:6379/0" {
		t.Errorf("REDIS_URL = %+v", got)
	}
}
