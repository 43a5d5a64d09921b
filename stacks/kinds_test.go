package stacks

import (
	"testing"
)

// The kinds beyond Postgres and Redis: which images each matches, and
// where each keeps its data.
func TestForImageKindMoreServices(t *testing.T) {
	checkKinds(t, []kindCase{
		{"mysql:8.0", "mysql"},
		{"mysql:8.4.2-oracle", "mysql"},
		{"docker.io/library/mysql:5.7", "mysql"},
		{"127.0.0.1:5959/library/mariadb:10.11", "mysql"},
		{"mariadb:11.4", "mysql"},
		{"percona:8.0", "mysql"},
		{"percona/percona-server:8.0", "mysql"},
		{"bitnami/mysql:8.0", "mysql"},
		{"bitnami/mariadb:11.4", "mysql"},
		{"bitnamilegacy/mariadb:10.11", "mysql"},
		{"mongo:7", "mongo"},
		{"mongo:6.0.14-jammy", "mongo"},
		{"mongodb/mongodb-community-server:7.0-ubi8", "mongo"},
		{"bitnami/mongodb:7.0", "mongo"},
		{"rabbitmq:3-management", "rabbitmq"},
		{"rabbitmq:3.13-management-alpine", "rabbitmq"},
		{"bitnami/rabbitmq:3.13", "rabbitmq"},
		{"memcached:1.6-alpine", "memcached"},
		{"bitnami/memcached:1.6", "memcached"},
		{"nats:2.10", "nats"},
		{"nats:2-alpine", "nats"},
		{"apache/kafka:3.8.0", "kafka"},
		{"apache/kafka-native:3.8.0", "kafka"},
		{"confluentinc/cp-kafka:7.7.0", "kafka"},
		{"bitnami/kafka:3.8", "kafka"},
		{"elasticsearch:8.15.0", "elasticsearch"},
		{"docker.elastic.co/elasticsearch/elasticsearch:8.15.0", "elasticsearch"},
		{"bitnami/elasticsearch:8", "elasticsearch"},
		{"opensearchproject/opensearch:2.17.0", "opensearch"},
		{"bitnami/opensearch:2", "opensearch"},
		{"minio/minio:RELEASE.2024-08-17T01-24-54Z", "minio"},
		{"quay.io/minio/minio:RELEASE.2024-08-17T01-24-54Z", "minio"},
		{"bitnami/minio:2024", "minio"},
		{"valkey/valkey:8", "redis"},

		// Look-alikes: tools around a server, not the server.
		{"phpmyadmin:5", ""},
		{"adminer:4", ""},
		{"mongo-express:1", ""},
		{"mysql/mysql-router:8.0", ""},
		{"bitnami/mariadb-galera:11", ""},
		{"confluentinc/cp-zookeeper:7.7.0", ""},
		{"confluentinc/cp-schema-registry:7.7.0", ""},
		{"provectuslabs/kafka-ui:latest", ""},
		{"docker.elastic.co/kibana/kibana:8.15.0", ""},
		{"opensearchproject/opensearch-dashboards:2", ""},
		{"minio/mc:latest", ""},
		{"natsio/nats-box:latest", ""},
		{"acme/mysql:8", ""},
		{"acme/kafka:1", ""},
	})
}

func TestForImageDataDirMoreServices(t *testing.T) {
	checkDataDirs(t, []dataDirCase{
		{"mysql:8", "/var/lib/mysql"},
		{"mariadb:10.11", "/var/lib/mysql"},
		{"bitnami/mysql:8.0", "/bitnami/mysql"},
		{"bitnami/mariadb:11", "/bitnami/mariadb"},
		{"mongo:7", "/data/db"},
		{"bitnami/mongodb:7.0", "/bitnami/mongodb"},
		{"rabbitmq:3-management", "/var/lib/rabbitmq"},
		{"bitnami/rabbitmq:3.13", "/bitnami/rabbitmq/mnesia"},
		{"memcached:1.6", ""},
		{"nats:2", ""},
		{"apache/kafka:3.8.0", "/var/lib/kafka/data"},
		{"confluentinc/cp-kafka:7.7.0", "/var/lib/kafka/data"},
		{"bitnami/kafka:3.8", "/bitnami/kafka"},
		{"elasticsearch:8.15.0", "/usr/share/elasticsearch/data"},
		{"opensearchproject/opensearch:2", "/usr/share/opensearch/data"},
		{"bitnami/elasticsearch:8", "/bitnami/elasticsearch/data"},
		{"minio/minio:RELEASE.2024-08-17T01-24-54Z", "/data"},
		{"bitnami/minio:2024", "/bitnami/minio/data"},
	})
}

// Valkey is Redis to the app (REDIS_URL), and Valkey clients that read
// VALKEY_URL find it too.
func TestValkeyVars(t *testing.T) {
	got := ForImage("valkey/valkey:8").Vars()
	if len(got) != 2 || got[0] != "REDIS_URL" || got[1] != "VALKEY_URL" {
		t.Errorf("valkey vars = %v, want [REDIS_URL VALKEY_URL]", got)
	}
	if got := ForImage("redis:7").Vars(); len(got) != 1 || got[0] != "REDIS_URL" {
		t.Errorf("redis vars = %v, want [REDIS_URL]", got)
	}
}

// The optional interfaces are implemented by the kinds that need them.
func TestOptionalInterfaces(t *testing.T) {
	if _, ok := ForImage("apache/kafka:3.8.0").(HostPortAware); !ok {
		t.Error("Kafka is not HostPortAware")
	}
	if _, ok := ForImage("minio/minio:RELEASE.2024-08-17T01-24-54Z").(Initializer); !ok {
		t.Error("MinIO is not an Initializer")
	}
	if _, ok := ForImage("minio/minio:RELEASE.2024-08-17T01-24-54Z").(VarValuer); !ok {
		t.Error("MinIO is not a VarValuer")
	}
	if f, ok := ForImage("mysql:8").(FallbackVarser); !ok || len(f.FallbackVars()) != 1 || f.FallbackVars()[0] != "DATABASE_URL" {
		t.Error("MySQL does not fall back on DATABASE_URL")
	}
	for _, image := range []string{"postgres:15", "redis:7"} {
		st := ForImage(image)
		if _, ok := st.(HostPortAware); ok {
			t.Errorf("%s is HostPortAware", image)
		}
		if _, ok := st.(FallbackVarser); ok {
			t.Errorf("%s is a FallbackVarser", image)
		}
	}
}
