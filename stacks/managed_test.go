package stacks

import (
	"strings"
	"testing"
)

// The "Versions" table, and the forms each provider writes.
func TestMapManaged(t *testing.T) {
	tests := []struct {
		engine, version string
		image, kind     string
		note            string // a substring the note must have; "" means no note
	}{
		// RDS, Aurora, Azure flexible servers, DigitalOcean, Heroku, Render.
		{"postgres", "15.4", "postgres:15.4", "postgres", ""},
		{"aurora-postgresql", "15.4", "postgres:15.4", "postgres", ""},
		{"postgres", "16", "postgres:16", "postgres", ""},
		{"postgresql", "15", "postgres:15", "postgres", ""},                       // Azure flexible server
		{"PG", "16", "postgres:16", "postgres", ""},                               // DigitalOcean
		{"heroku-postgresql", "16", "postgres:16", "postgres", ""},                // Heroku add-on
		{"postgres", "11.22-rds.20240418", "postgres:11.22", "postgres", "11.22"}, // RDS extended support
		// Cloud SQL puts the engine into the version.
		{"", "POSTGRES_15", "postgres:15", "postgres", ""},
		{"cloudsql", "POSTGRES_15", "postgres:15", "postgres", ""},
		{"", "MYSQL_8_0", "mysql:8.0", "mysql", ""},
		{"", "MYSQL_8_0_31", "mysql:8.0.31", "mysql", ""},
		// MySQL, Aurora MySQL, MariaDB.
		{"mysql", "8.0.35", "mysql:8.0.35", "mysql", ""},
		{"mysql", "8.0.21", "mysql:8.0.21", "mysql", ""}, // Azure flexible server
		{"MYSQL", "8", "mysql:8", "mysql", ""},           // DigitalOcean
		{"aurora-mysql", "8.0.mysql_aurora.3.05.2", "mysql:8.0", "mysql", "Aurora MySQL 3.05.2"},
		{"aurora-mysql", "5.7.mysql_aurora.2.11.2", "mysql:5.7", "mysql", "compatible with MySQL 5.7"},
		{"aurora-mysql", "5.7.12", "mysql:5.7", "mysql", "compatible with MySQL 5.7"},
		{"mariadb", "10.11.6", "mariadb:10.11.6", "mysql", ""},
		// ElastiCache, Memorystore, Azure Cache, DigitalOcean: Redis and Valkey.
		{"redis", "7.1", "redis:7.2", "redis", "nearest newer"},
		{"redis", "7.0", "redis:7.0", "redis", ""},
		{"redis", "6.2.6", "redis:6.2.6", "redis", ""},
		{"redis", "6.x", "redis:6", "redis", ""},
		{"redis", "7", "redis:7", "redis", ""},
		{"redis", "REDIS_7_0", "redis:7.0", "redis", ""},
		{"", "REDIS_7_0", "redis:7.0", "redis", ""},
		{"", "REDIS_6_X", "redis:6", "redis", ""},
		{"redis", "8.4", "redis:8.4", "redis", ""}, // newer than the table: kept
		{"valkey", "8.0", "valkey/valkey:8.0", "redis", ""},
		{"VALKEY", "8", "valkey/valkey:8", "redis", ""},
		{"", "VALKEY_7_2", "valkey/valkey:7.2", "redis", ""},
		{"valkey", "7.3", "valkey/valkey:7.2", "redis", "last release of that line"},
		{"redis", "6.4", "redis:6.2", "redis", "last release of that line"},
		{"memcached", "1.6.22", "memcached:1.6.22", "memcached", ""},
		{"", "MEMCACHE_1_6_15", "memcached:1.6.15", "memcached", ""},
		// Amazon MQ.
		{"rabbitmq", "3.13", "rabbitmq:3.13", "rabbitmq", ""},
		{"RabbitMQ", "3.13.7", "rabbitmq:3.13.7", "rabbitmq", ""},
		// OpenSearch Service.
		{"", "OpenSearch_2.11", "opensearchproject/opensearch:2.11.0", "opensearch", ""},
		{"opensearch", "OpenSearch_2.11", "opensearchproject/opensearch:2.11.0", "opensearch", ""},
		{"OPENSEARCH", "2", "opensearchproject/opensearch:2", "opensearch", ""}, // DigitalOcean
		{"", "Elasticsearch_7.10", "elasticsearch:7.10.1", "elasticsearch", "open-source build"},
		{"elasticsearch", "7.10", "elasticsearch:7.10.1", "elasticsearch", "open-source build"},
		{"elasticsearch", "7.6", "elasticsearch:7.6.0", "elasticsearch", "pin the release"},
		// MSK and DigitalOcean Kafka.
		{"kafka", "3.7.1", "apache/kafka:3.7.1", "kafka", ""},
		{"kafka", "3.6.0", "apache/kafka:3.7.0", "kafka", "start at 3.7.0"},
		{"kafka", "3.6.0.1", "apache/kafka:3.7.0", "kafka", "start at 3.7.0"},
		{"kafka", "3.8.1.1", "apache/kafka:3.8.1", "kafka", "provider's build"},
		{"kafka", "3.7.x", "apache/kafka:3.7.0", "kafka", "release line"},
		{"kafka", "3.9.x.kraft", "apache/kafka:3.9.0", "kafka", "release line"},
		{"KAFKA", "3.8", "apache/kafka:3.8.0", "kafka", "release line"},
		// DocumentDB and MongoDB.
		{"docdb", "5.0.0", "mongo:5.0", "mongo", "not MongoDB"},
		{"docdb", "4.0.0", "mongo:4.0", "mongo", "not MongoDB"},
		{"MONGODB", "7", "mongo:7", "mongo", ""},
	}
	for _, tt := range tests {
		got, err := MapManaged(tt.engine, tt.version)
		if err != nil {
			t.Errorf("MapManaged(%q, %q): %v", tt.engine, tt.version, err)
			continue
		}
		if got.Image != tt.image || got.Kind != tt.kind {
			t.Errorf("MapManaged(%q, %q) = %s (%s), want %s (%s)", tt.engine, tt.version, got.Image, got.Kind, tt.image, tt.kind)
		}
		switch {
		case tt.note == "" && got.Note != "":
			t.Errorf("MapManaged(%q, %q) note %q, want none", tt.engine, tt.version, got.Note)
		case tt.note != "" && !strings.Contains(got.Note, tt.note):
			t.Errorf("MapManaged(%q, %q) note %q, want it to say %q", tt.engine, tt.version, got.Note, tt.note)
		}
		assertKind(t, got)
	}
}

// Without a version parity runs a fixed release of the engine, never
// "latest", and asks to pin the version production runs.
func TestMapManagedNoVersion(t *testing.T) {
	for engine, image := range map[string]string{
		"postgres": "postgres:17", "mysql": "mysql:8.4", "mariadb": "mariadb:11.4",
		"redis": "redis:7.4", "valkey": "valkey/valkey:8.1", "memcached": "memcached:1.6",
		"rabbitmq": "rabbitmq:4.1", "mongodb": "mongo:8.0", "docdb": "mongo:5.0",
		"kafka": "apache/kafka:3.9.0", "opensearch": "opensearchproject/opensearch:2",
		"elasticsearch": "elasticsearch:8.15.0",
	} {
		got, err := MapManaged(engine, "")
		if err != nil {
			t.Errorf("MapManaged(%q, \"\"): %v", engine, err)
			continue
		}
		if got.Image != image {
			t.Errorf("MapManaged(%q, \"\") = %s, want %s", engine, got.Image, image)
		}
		if !strings.Contains(got.Note, "names no") || !strings.Contains(got.Note, "pin the version") {
			t.Errorf("MapManaged(%q, \"\") note %q, want it to ask for a pinned version", engine, got.Note)
		}
		assertKind(t, got)
	}
}

func TestMapManagedErrors(t *testing.T) {
	tests := []struct {
		engine, version string
		want            string // a substring of the error
	}{
		{"oracle-ee", "19", `"oracle-ee"`},
		{"", "SQLSERVER_2019_STANDARD", "SQL Server"},
		{"cloudsql", "SQLSERVER_2022_WEB", "SQL Server"},
		{"", "15.4", "names no engine"},
		{"mysql", "POSTGRES_15", "does not match"},
		{"postgres", "latest", "not a version number"},
		{"redis", "seven", "not a version number"},
		{"kafka", "3.x.y", "not a version number"},
		{"activemq", "5.18", `"activemq"`},
	}
	for _, tt := range tests {
		got, err := MapManaged(tt.engine, tt.version)
		if err == nil {
			t.Errorf("MapManaged(%q, %q) = %+v, want an error", tt.engine, tt.version, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "parity.yaml") {
			t.Errorf("MapManaged(%q, %q) error %q, want it to say %q and how to pin an image", tt.engine, tt.version, err, tt.want)
		}
	}
}

// assertKind checks that the engine recognises the image as the kind
// MapManaged says, so the service is run as that kind.
func assertKind(t *testing.T, got ManagedImage) {
	t.Helper()
	st := ForImage(got.Image)
	if st == nil {
		t.Errorf("ForImage(%q) = nil, want kind %s", got.Image, got.Kind)
		return
	}
	if st.Kind() != got.Kind {
		t.Errorf("ForImage(%q).Kind() = %s, want %s", got.Image, st.Kind(), got.Kind)
	}
}

func FuzzMapManaged(f *testing.F) {
	for _, s := range [][2]string{{"redis", "7.1"}, {"", "POSTGRES_15"}, {"aurora-mysql", "8.0.mysql_aurora.3.05.2"}, {"kafka", "3.6.0.1"}, {"", "OpenSearch_2.11"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, engine, version string) {
		got, err := MapManaged(engine, version)
		if err != nil {
			return
		}
		if got.Image == "" || strings.HasSuffix(got.Image, ":") || strings.HasSuffix(got.Image, ":latest") {
			t.Fatalf("MapManaged(%q, %q) = %q", engine, version, got.Image)
		}
		if st := ForImage(got.Image); st == nil || st.Kind() != got.Kind {
			t.Fatalf("MapManaged(%q, %q) = %s, not recognised as %s", engine, version, got.Image, got.Kind)
		}
	})
}
