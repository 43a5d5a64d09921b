package stacks

import "strings"

// Naming conventions apps use for their connection settings, in one table
// that the engine's environment, plan and drift checks share.

// Field is the part of a connection a variable carries.
type Field int

const (
	FieldNone     Field = iota
	FieldHost           // DB_HOST=db
	FieldPort           // DB_PORT=5432
	FieldUser           // DB_USER=app
	FieldPassword       // DB_PASSWORD=...
	FieldDatabase       // DB_NAME=app
	FieldURL            // DATABASE_URL=postgres://..., MONGO_URI, PG_DSN
	FieldList           // MEMCACHED_SERVERS=a:11211,b:11211, KAFKA_BROKERS
)

// fieldSuffixes are the variable-name endings of each field, longest
// alternatives first where one ends another (HOSTNAME before NAME).
var fieldSuffixes = []struct {
	field    Field
	suffixes []string
}{
	{FieldURL, []string{"CONNECTION_STRING", "CONNSTRING", "URL", "URI", "DSN"}},
	{FieldList, []string{"BOOTSTRAP_SERVERS", "SERVERS", "HOSTS", "BROKERS", "NODES"}},
	{FieldHost, []string{"HOSTNAME", "HOST", "SERVER", "ADDRESS", "ADDR", "ENDPOINT"}},
	{FieldPort, []string{"PORT"}},
	{FieldUser, []string{"USERNAME", "USER"}},
	{FieldPassword, []string{"PASSWORD", "PASSWD", "PASS", "PWD"}},
	{FieldDatabase, []string{"DATABASE", "NAME", "DB"}},
}

// glued are prefixes apps write without a separator before the field:
// libpq's PGHOST, Railway's MYSQLHOST and REDISHOST, paperless'
// PAPERLESS_DBHOST.
var glued = []string{"PG", "DB", "SQL", "MYSQL", "REDIS", "MONGO", "MONGODB", "AMQP"}

// SplitVar splits a variable name into its family prefix and the field it
// carries: DB_HOST -> ("DB_", FieldHost), PGPASSWORD -> ("PG",
// FieldPassword), PAPERLESS_DBPORT -> ("PAPERLESS_DB", FieldPort). A name
// that is only a suffix (PORT, HOST) is not a family: PORT is the app's
// own port.
func SplitVar(key string) (string, Field) {
	up := strings.ToUpper(key)
	for _, fs := range fieldSuffixes {
		for _, s := range fs.suffixes {
			if !strings.HasSuffix(up, s) || len(up) == len(s) {
				continue
			}
			prefix := up[:len(up)-len(s)]
			if strings.HasSuffix(prefix, "_") || strings.HasSuffix(prefix, "__") || isGlued(prefix) {
				return key[:len(prefix)], fs.field
			}
		}
	}
	return "", FieldNone
}

func isGlued(prefix string) bool {
	for _, g := range glued {
		if strings.HasSuffix(prefix, g) {
			return true
		}
	}
	return false
}

// SiblingNames are the variables of a family that apps commonly read for
// a field, the first being the most common: DB_ -> DB_USER, DB_USERNAME.
func SiblingNames(prefix string, f Field) []string {
	var names []string
	var suffixes []string
	switch f {
	case FieldPort:
		suffixes = []string{"PORT"}
	case FieldUser:
		suffixes = []string{"USER", "USERNAME"}
	case FieldPassword:
		suffixes = []string{"PASSWORD"}
	case FieldDatabase:
		suffixes = []string{"NAME", "DATABASE"}
	}
	lower := prefix != "" && strings.ToLower(prefix) == prefix
	for _, s := range suffixes {
		if lower {
			s = strings.ToLower(s)
		}
		names = append(names, prefix+s)
	}
	return names
}

// IsPasswordVar reports whether a variable name says it holds a password,
// secret or token: DB_PASSWORD, REDIS_PASS, RABBITMQ_DEFAULT_PASS, PGPASSWORD.
func IsPasswordVar(name string) bool {
	if _, f := SplitVar(name); f == FieldPassword {
		return true
	}
	up := strings.ToUpper(name)
	for _, s := range []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN"} {
		if strings.Contains(up, s) {
			return true
		}
	}
	return up == "PASS" || up == "PWD"
}

// kindPrefixes are the family prefixes apps use for a kind's settings
// (without separator): REDIS_HOST, PGHOST, AMQP_URL.
var kindPrefixes = map[string][]string{
	"postgres":      {"POSTGRES", "POSTGRESQL", "PG", "PSQL"},
	"mysql":         {"MYSQL", "MARIADB"},
	"redis":         {"REDIS", "VALKEY", "KEYDB"},
	"mongo":         {"MONGO", "MONGODB"},
	"rabbitmq":      {"RABBITMQ", "RABBIT", "AMQP"},
	"memcached":     {"MEMCACHED", "MEMCACHE"},
	"nats":          {"NATS"},
	"kafka":         {"KAFKA"},
	"elasticsearch": {"ELASTICSEARCH", "ELASTIC", "ES", "OPENSEARCH"},
	"minio":         {"MINIO", "S3"},
}

// databasePrefixes name "the database", whichever kind it is.
var databasePrefixes = []string{"DB", "DATABASE"}

// KindsForPrefix are the kinds a family prefix names: REDIS_ -> redis;
// DB_ -> every database kind. nil when the prefix names no kind.
func KindsForPrefix(prefix string) []string {
	p := strings.TrimRight(strings.ToUpper(prefix), "_")
	// The last word names the kind: SPRING_DATA_REDIS_ is redis,
	// PAPERLESS_DB is "the database".
	if i := strings.LastIndexByte(p, '_'); i >= 0 {
		p = p[i+1:]
	}
	for kind, prefixes := range kindPrefixes {
		for _, k := range prefixes {
			if p == k {
				return []string{kind}
			}
		}
	}
	for _, d := range databasePrefixes {
		if p == d || strings.HasSuffix(p, d) {
			return []string{"postgres", "mysql", "mongo"}
		}
	}
	return nil
}

// KindForScheme is the kind a URL scheme (or JDBC subprotocol) names:
// postgresql+psycopg -> postgres, mysql2 -> mysql; "" when none.
func KindForScheme(scheme string) string {
	s := strings.ToLower(scheme)
	for _, st := range All() {
		for _, sc := range st.Schemes() {
			if s == sc {
				return st.Kind()
			}
		}
	}
	return ""
}
