package stacks

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
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
//
// The table is managedEngines below: which engine names a provider writes,
// which official image runs the same server, and how the provider's version
// becomes that image's tag. A managed version is a floor (providers upgrade
// minor versions on their own), so where no tag matches exactly parity
// takes the nearest newer release and says so in Note.
func MapManaged(engine, version string) (ManagedImage, error) {
	e := strings.ToLower(strings.TrimSpace(engine))
	v := strings.TrimSpace(version)
	// Cloud SQL and Memorystore put the engine into the version
	// (POSTGRES_15, MYSQL_8_0, REDIS_7_0); OpenSearch Service writes
	// OpenSearch_2.11 and Elasticsearch_7.10.
	if m := prefixedVersion.FindStringSubmatch(v); m != nil {
		named := strings.ToLower(m[1])
		if named == "sqlserver" {
			return ManagedImage{}, fmt.Errorf("managed engine %q (version %q): SQL Server has no upstream image parity runs; pin an image for it in parity.yaml", engine, version)
		}
		if !prefixEngines[e] && familyOf(e) != familyOf(named) {
			return ManagedImage{}, fmt.Errorf("managed engine %q does not match its version %q; pin an image for it in parity.yaml", engine, version)
		}
		e = named
		v = m[2]
		if named != "opensearch" && named != "elasticsearch" {
			v = strings.ReplaceAll(strings.ToLower(v), "_", ".")
		}
	}
	fam, ok := managedEngines[familyOf(e)]
	if !ok {
		if e == "" {
			return ManagedImage{}, fmt.Errorf("managed service with version %q names no engine; pin an image for it in parity.yaml", version)
		}
		return ManagedImage{}, fmt.Errorf("managed engine %q (version %q) has no known upstream image; pin an image for it in parity.yaml", engine, version)
	}
	if v == "" {
		img := fam.repo + ":" + fam.unversioned
		return ManagedImage{Image: img, Kind: fam.kind,
			Note: fmt.Sprintf("the source names no %s version: parity runs %s; pin the version production runs", fam.name, img)}, nil
	}
	tag, note, err := fam.tag(e, v)
	if err != nil {
		return ManagedImage{}, fmt.Errorf("managed %s version %q: %w; pin an image for it in parity.yaml", engine, version, err)
	}
	return ManagedImage{Image: fam.repo + ":" + tag, Kind: fam.kind, Note: note}, nil
}

// prefixedVersion is a version that names its engine: Cloud SQL's
// POSTGRES_15 and MYSQL_8_0, Memorystore's REDIS_7_0, VALKEY_8_0 and
// MEMCACHE_1_6_15, OpenSearch Service's OpenSearch_2.11.
var prefixedVersion = regexp.MustCompile(`(?i)^(postgres|mysql|sqlserver|redis|valkey|memcache|opensearch|elasticsearch)_([0-9][0-9a-z_.]*)$`)

// prefixEngines are the engine names that leave the engine to the version:
// none at all, or the provider's product rather than a server.
var prefixEngines = map[string]bool{"": true, "cloudsql": true, "memorystore": true, "opensearch": true, "elasticsearch": true}

// familyOf is the family an engine name belongs to, as the providers
// spell it: RDS and Aurora engine names, DigitalOcean's PG and MONGODB,
// Heroku's add-on names.
func familyOf(engine string) string {
	switch engine {
	case "postgres", "postgresql", "aurora-postgresql", "pg", "heroku-postgresql":
		return "postgres"
	case "mysql", "aurora-mysql", "aurora":
		return "mysql"
	case "redis", "heroku-redis":
		return "redis"
	case "memcached", "memcache":
		return "memcached"
	case "mongodb", "mongo":
		return "mongo"
	}
	return engine
}

// managedFamily is how one engine family's versions become image tags.
type managedFamily struct {
	name string // as said in notes
	repo string // the official image
	kind string // stacks' kind for repo
	// unversioned is the tag run when the source names no version: a
	// recent release line the providers offer, never "latest", so that two
	// developers run the same server.
	unversioned string
	tag         func(engine, version string) (tag, note string, err error)
}

var managedEngines = map[string]managedFamily{
	"postgres":      {name: "PostgreSQL", repo: "postgres", kind: "postgres", unversioned: "17", tag: postgresTag},
	"mysql":         {name: "MySQL", repo: "mysql", kind: "mysql", unversioned: "8.4", tag: mysqlTag},
	"mariadb":       {name: "MariaDB", repo: "mariadb", kind: "mysql", unversioned: "11.4", tag: plainTag("MariaDB")},
	"redis":         {name: "Redis", repo: "redis", kind: "redis", unversioned: "7.4", tag: nearestTag("redis", redisMinors)},
	"valkey":        {name: "Valkey", repo: "valkey/valkey", kind: "redis", unversioned: "8.1", tag: nearestTag("valkey/valkey", valkeyMinors)},
	"memcached":     {name: "Memcached", repo: "memcached", kind: "memcached", unversioned: "1.6", tag: plainTag("Memcached")},
	"rabbitmq":      {name: "RabbitMQ", repo: "rabbitmq", kind: "rabbitmq", unversioned: "4.1", tag: plainTag("RabbitMQ")},
	"mongo":         {name: "MongoDB", repo: "mongo", kind: "mongo", unversioned: "8.0", tag: plainTag("MongoDB")},
	"docdb":         {name: "DocumentDB", repo: "mongo", kind: "mongo", unversioned: "5.0", tag: docdbTag},
	"kafka":         {name: "Kafka", repo: "apache/kafka", kind: "kafka", unversioned: "3.9.0", tag: kafkaTag},
	"opensearch":    {name: "OpenSearch", repo: "opensearchproject/opensearch", kind: "opensearch", unversioned: "2", tag: opensearchTag},
	"elasticsearch": {name: "Elasticsearch", repo: "elasticsearch", kind: "elasticsearch", unversioned: "8.15.0", tag: elasticsearchTag},
}

// numericVersion is a version of numbers only ("15", "15.4", "8.0.35"),
// with the provider's suffix after it, if any ("-rds.20240418", ".x").
var numericVersion = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)*)(.*)$`)

// splitVersion is the numeric part of v and what follows it; an error when
// v does not start with a number.
func splitVersion(v string) (num, rest string, err error) {
	m := numericVersion.FindStringSubmatch(v)
	if m == nil {
		return "", "", fmt.Errorf("not a version number")
	}
	return m[1], m[2], nil
}

// wildcard reports the version without a trailing ".x" (ElastiCache's
// "6.x", Memorystore's REDIS_6_X): the newest release of that line.
func wildcard(v string) (string, bool) {
	if s, ok := strings.CutSuffix(strings.ToLower(v), ".x"); ok {
		return s, true
	}
	return v, false
}

// plainTag maps a version to the same tag: the official images of these
// engines publish every release under its own number.
func plainTag(name string) func(string, string) (string, string, error) {
	return func(_, v string) (string, string, error) {
		v, _ = wildcard(v)
		num, rest, err := splitVersion(v)
		if err != nil {
			return "", "", err
		}
		if rest != "" {
			return num, fmt.Sprintf("%s %s runs as the upstream release %s", name, v, num), nil
		}
		return num, "", nil
	}
}

// postgresTag: RDS, Aurora, Cloud SQL and Azure run the community release
// of the same number, so the tag is the version. RDS's extended-support
// builds ("11.22-rds.20240418") run that community release too.
func postgresTag(_, v string) (string, string, error) {
	num, rest, err := splitVersion(v)
	if err != nil {
		return "", "", err
	}
	if rest != "" {
		return num, fmt.Sprintf("PostgreSQL %s is the provider's build of %s", v, num), nil
	}
	return num, "", nil
}

// auroraMySQL is Aurora MySQL's version form: the MySQL line it is
// compatible with, then Aurora's own release ("8.0.mysql_aurora.3.05.2").
var auroraMySQL = regexp.MustCompile(`^([0-9]+\.[0-9]+)\.mysql_aurora\.(.+)$`)

// mysqlTag: RDS and Azure MySQL run the community release of the same
// number. Aurora MySQL is its own server, compatible with a MySQL line;
// parity runs that line's newest release.
func mysqlTag(engine, v string) (string, string, error) {
	if m := auroraMySQL.FindStringSubmatch(v); m != nil {
		return m[1], fmt.Sprintf("Aurora MySQL %s is compatible with MySQL %s, not a MySQL release: parity runs mysql:%s", m[2], m[1], m[1]), nil
	}
	num, rest, err := splitVersion(v)
	if err != nil {
		return "", "", err
	}
	if engine == "aurora-mysql" || engine == "aurora" {
		line := majorMinor(num)
		return line, fmt.Sprintf("Aurora MySQL %s is compatible with MySQL %s, not a MySQL release: parity runs mysql:%s", v, line, line), nil
	}
	if rest != "" {
		return num, fmt.Sprintf("MySQL %s is the provider's build of %s", v, num), nil
	}
	return num, "", nil
}

// majorMinor is "8.0" of "8.0.35", and "8" of "8".
func majorMinor(num string) string {
	parts := strings.SplitN(num, ".", 3)
	if len(parts) > 2 {
		parts = parts[:2]
	}
	return strings.Join(parts, ".")
}

// redisMinors are the minor releases of Redis, in order. ElastiCache and
// Memorystore run some that upstream never released (ElastiCache 7.1);
// those map to the nearest release.
var redisMinors = []string{"2.8", "3.0", "3.2", "4.0", "5.0", "6.0", "6.2", "7.0", "7.2", "7.4", "8.0", "8.2"}

// valkeyMinors are the minor releases of Valkey, in order.
var valkeyMinors = []string{"7.2", "8.0", "8.1", "9.0"}

// nearestTag maps a version to its own tag when upstream released that
// minor, else to the nearest newer minor of the same major. Newer, because
// a managed version is a floor: the provider's 7.1 serves everything Redis
// 7.0 does and some of 7.2, and 7.2 serves all of it, while 7.0 would
// reject commands the app may use. A minor past the table's newest is kept
// as written when its major is the newest (upstream has released it since
// the table was written); in an older major it maps to that line's last release.
func nearestTag(repo string, minors []string) func(string, string) (string, string, error) {
	return func(_, v string) (string, string, error) {
		v, _ = wildcard(v)
		num, rest, err := splitVersion(v)
		if err != nil {
			return "", "", err
		}
		if rest != "" {
			return "", "", fmt.Errorf("not a version number")
		}
		line := majorMinor(num)
		if !strings.Contains(line, ".") || slices.Contains(minors, line) {
			return num, "", nil
		}
		major, minor := splitMinor(line)
		lower, later := "", false
		for _, m := range minors {
			mj, mn := splitMinor(m)
			switch {
			case mj == major && mn > minor:
				return m, fmt.Sprintf("there is no upstream %s %s: %s:%s is the nearest newer release", repo, num, repo, m), nil
			case mj == major:
				lower = m
			case mj > major:
				later = true
			}
		}
		if lower != "" && later {
			// The line is closed: a newer major replaced it, and a major
			// changes behaviour, so its last release is the nearest.
			return lower, fmt.Sprintf("there is no upstream %s %s: %s:%s is the last release of that line", repo, num, repo, lower), nil
		}
		return num, "", nil
	}
}

func splitMinor(line string) (major, minor int) {
	a, b, _ := strings.Cut(line, ".")
	major, _ = strconv.Atoi(a)
	minor, _ = strconv.Atoi(b)
	return major, minor
}

// docdbTag: Amazon DocumentDB implements the MongoDB API of its version
// ("5.0.0" speaks MongoDB 5.0) on its own storage engine; parity runs
// MongoDB of that line, which accepts everything DocumentDB does and more.
func docdbTag(_, v string) (string, string, error) {
	num, _, err := splitVersion(v)
	if err != nil {
		return "", "", err
	}
	line := majorMinor(num)
	return line, fmt.Sprintf("Amazon DocumentDB %s is MongoDB-compatible, not MongoDB: parity runs mongo:%s, whose API it implements; features DocumentDB lacks will work locally", v, line), nil
}

// kafkaMinimum is the first release Apache published as the apache/kafka
// image; older brokers speak the same protocol to clients.
const kafkaMinimum = "3.7.0"

// kafkaTag: apache/kafka publishes full release numbers only ("3.7.0",
// not "3.7"). MSK writes "3.6.0", "3.7.x" (the newest 3.7 patch), "3.6.0.1"
// (its own build) and suffixes such as ".tiered" and ".kraft".
func kafkaTag(_, v string) (string, string, error) {
	lv := strings.ToLower(v)
	for _, suffix := range []string{".tiered", ".kraft"} {
		lv = strings.TrimSuffix(lv, suffix)
	}
	lv, wild := wildcard(lv)
	num, rest, err := splitVersion(lv)
	if err != nil {
		return "", "", err
	}
	if rest != "" {
		return "", "", fmt.Errorf("not a version number")
	}
	parts := strings.Split(num, ".")
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	tag := strings.Join(parts[:3], ".")
	var note string
	switch {
	case versionLess(tag, kafkaMinimum):
		note = fmt.Sprintf("apache/kafka images start at %s: parity runs it for Kafka %s (clients speak the same protocol)", kafkaMinimum, v)
		tag = kafkaMinimum
	case wild || len(strings.Split(num, ".")) < 3:
		note = fmt.Sprintf("Kafka %s names a release line: parity runs its first release, %s; pin the patch production runs", v, tag)
	case tag != v:
		note = fmt.Sprintf("Kafka %s is the provider's build of %s", v, tag)
	}
	return tag, note, nil
}

// versionLess compares dotted numbers.
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// opensearchTag: OpenSearch Service names a minor ("2.11"), which it runs
// as that minor's release; the image publishes "2.11.0" and the majors.
func opensearchTag(_, v string) (string, string, error) {
	num, rest, err := splitVersion(v)
	if err != nil || rest != "" {
		return "", "", fmt.Errorf("not a version number")
	}
	if strings.Count(num, ".") == 1 {
		return num + ".0", "", nil
	}
	return num, "", nil
}

// elasticsearchReleases are the Docker Hub elasticsearch tags for the
// Elasticsearch minors OpenSearch Service (formerly Elasticsearch Service)
// still runs: that minor's last release on Docker Hub.
var elasticsearchReleases = map[string]string{
	"6.8": "6.8.23", "7.1": "7.1.1", "7.4": "7.4.2", "7.7": "7.7.1", "7.8": "7.8.1", "7.9": "7.9.3", "7.10": "7.10.1",
}

// elasticsearchTag: the elasticsearch image publishes full release
// numbers only.
func elasticsearchTag(_, v string) (string, string, error) {
	num, rest, err := splitVersion(v)
	if err != nil || rest != "" {
		return "", "", fmt.Errorf("not a version number")
	}
	if strings.Count(num, ".") >= 2 {
		return num, "", nil
	}
	if tag, ok := elasticsearchReleases[num]; ok {
		return tag, fmt.Sprintf("Elasticsearch %s as a managed service runs the open-source build; parity runs elasticsearch:%s, the default distribution of that line", num, tag), nil
	}
	tag := num + ".0"
	if !strings.Contains(num, ".") {
		tag = num + ".0.0"
	}
	return tag, fmt.Sprintf("Elasticsearch %s names a release line: parity runs elasticsearch:%s; pin the release production runs", num, tag), nil
}
