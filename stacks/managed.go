package stacks

import (
	"fmt"
	"strings"
)

// ManagedImage is the official image that runs the same server as a
// managed service (RDS, ElastiCache, Cloud SQL, a PaaS database).
type ManagedImage struct {
	Image string // e.g. "postgres:15.4"
	Kind  string // parity's kind for it, e.g. "postgres"
	// Note says why Image is not exactly the managed version (no upstream
	// redis 7.1, so the nearest tag), "" when it is.
	Note string
}

// MapManaged maps a managed engine and version, as the provider writes
// them ("aurora-postgresql" "15.4", "" "POSTGRES_15", "redis" "7.1"), to
// the upstream image. An engine parity does not know is an error naming it.
func MapManaged(engine, version string) (ManagedImage, error) {
	e := strings.ToLower(strings.TrimSpace(engine))
	v := strings.TrimSpace(version)
	tag := func(repo string) string {
		if v == "" {
			return repo + ":latest"
		}
		return repo + ":" + v
	}
	switch e {
	case "postgres", "postgresql", "aurora-postgresql":
		return ManagedImage{Image: tag("postgres"), Kind: "postgres"}, nil
	case "mysql", "aurora-mysql":
		return ManagedImage{Image: tag("mysql"), Kind: "mysql"}, nil
	case "mariadb":
		return ManagedImage{Image: tag("mariadb"), Kind: "mysql"}, nil
	case "redis":
		return ManagedImage{Image: tag("redis"), Kind: "redis"}, nil
	case "valkey":
		return ManagedImage{Image: tag("valkey/valkey"), Kind: "redis"}, nil
	case "memcached":
		return ManagedImage{Image: tag("memcached"), Kind: "memcached"}, nil
	case "rabbitmq":
		return ManagedImage{Image: tag("rabbitmq"), Kind: "rabbitmq"}, nil
	}
	return ManagedImage{}, fmt.Errorf("managed engine %q (version %q) has no known upstream image", engine, version)
}
