package drift

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/parity-dev/parity/stacks"
)

// engine is the server an image or a URL runs or points at, e.g.
// {postgres, sql}. Images of one engine compare by version; images of two
// engines in one category (postgres and mysql are both "sql") are the drift
// this package exists for; an image of no known engine compares only with
// production images of the same repository.
type engine struct {
	Name     string // "postgres", "mysql", ...; "" when unknown
	Category string // "sql", "keyvalue", "document", "search"; "" when unknown
}

// categories groups engines an app could use one for the other in dev, and
// wrongly so.
var categories = map[string]string{
	"postgres": "sql", "mysql": "sql", "mariadb": "sql", "sqlserver": "sql", "oracle": "sql",
	"cockroachdb": "sql", "sqlite": "sql",
	"redis": "keyvalue", "valkey": "keyvalue", "keydb": "keyvalue", "dragonfly": "keyvalue", "memcached": "keyvalue",
	"mongo":         "document",
	"elasticsearch": "search", "opensearch": "search",
}

// extraImages are images stacks does not run but that stand for an engine
// in dev files and CI: CI vendors' convenience images (cimg/postgres is
// PostgreSQL on CircleCI) and the engines a team might use instead of
// production's. Matched as stacks matches repositories: with any registry
// or mirror in front, and "library/" for one-word official names.
var extraImages = []struct{ repo, engine string }{
	{"cimg/postgres", "postgres"}, {"circleci/postgres", "postgres"},
	{"cimg/redis", "redis"}, {"circleci/redis", "redis"},
	{"mysql", "mysql"}, {"mysql/mysql-server", "mysql"}, {"bitnami/mysql", "mysql"},
	{"cimg/mysql", "mysql"}, {"circleci/mysql", "mysql"},
	{"mariadb", "mariadb"}, {"bitnami/mariadb", "mariadb"}, {"cimg/mariadb", "mariadb"}, {"circleci/mariadb", "mariadb"},
	{"mssql/server", "sqlserver"}, {"azure-sql-edge", "sqlserver"},
	{"gvenzl/oracle-xe", "oracle"}, {"gvenzl/oracle-free", "oracle"},
	{"cockroachdb/cockroach", "cockroachdb"},
	{"dragonflydb/dragonfly", "dragonfly"},
	{"memcached", "memcached"}, {"bitnami/memcached", "memcached"},
	{"mongo", "mongo"}, {"bitnami/mongodb", "mongo"}, {"circleci/mongo", "mongo"}, {"mongodb/mongodb-community-server", "mongo"},
	{"elasticsearch", "elasticsearch"}, {"elasticsearch/elasticsearch", "elasticsearch"}, {"bitnami/elasticsearch", "elasticsearch"},
	{"opensearchproject/opensearch", "opensearch"},
}

// engineOf names the engine an image runs: stacks' kind first (what parity
// itself runs), split by product where one kind covers several servers
// (Valkey and KeyDB speak Redis's protocol but are other engines), then the
// images stacks does not run.
func engineOf(img stacks.Image) engine {
	ref := img.String()
	if st := stacks.ForImage(ref); st != nil {
		name := st.Kind()
		switch {
		case name == "redis" && strings.Contains(img.Repo, "valkey"):
			name = "valkey"
		case name == "redis" && strings.Contains(img.Repo, "keydb"):
			name = "keydb"
		case name == "mysql" && strings.Contains(img.Repo, "mariadb"):
			name = "mariadb"
		}
		return engine{Name: name, Category: categories[name]}
	}
	for _, x := range extraImages {
		if repoIs(img, x.repo) {
			return engine{Name: x.engine, Category: categories[x.engine]}
		}
	}
	return engine{}
}

// repoIs is stacks' repository match, which it does not export: name, or
// name under any registry or mirror path ("…/library/mysql", "…/cimg/postgres").
func repoIs(img stacks.Image, name string) bool {
	if img.Repo == name {
		return true
	}
	if strings.Contains(name, "/") {
		return strings.HasSuffix(img.Repo, "/"+name)
	}
	return img.Repo == "library/"+name || strings.HasSuffix(img.Repo, "/library/"+name)
}

// URL schemes of the engines stacks does not know, and of sqlite, which no
// container runs. Schemes with a driver suffix ("mysql+pymysql") are read by
// the part before the "+".
var schemeEngines = map[string][]string{
	"mysql": {"mysql", "mariadb"}, "mysql2": {"mysql", "mariadb"}, "mysqlx": {"mysql", "mariadb"},
	"mariadb": {"mariadb", "mysql"},
	"sqlite":  {"sqlite"}, "sqlite3": {"sqlite"}, "spatialite": {"sqlite"},
	"mongodb": {"mongo"}, "mongodb+srv": {"mongo"},
	"memcached": {"memcached"}, "memcache": {"memcached"},
	"sqlserver": {"sqlserver"}, "mssql": {"sqlserver"},
	"oracle":      {"oracle"},
	"cockroachdb": {"cockroachdb", "postgres"},
}

// compatible lists, for each engine stacks runs, the engines an app using
// that kind's URL scheme can talk to.
var compatible = map[string][]string{
	"postgres": {"postgres", "cockroachdb"},
	"redis":    {"redis", "valkey", "keydb", "dragonfly"},
	"mysql":    {"mysql", "mariadb"},
}

// webSchemes name a transport, not an engine, even where a stack lists
// them (Elasticsearch and MinIO answer over HTTP): an APP_URL=http://... is
// not a search engine.
var webSchemes = map[string]bool{"http": true, "https": true, "s3": true, "ws": true, "wss": true, "ftp": true, "file": true}

// schemeEngine returns the engines a URL scheme can point at, nil when the
// scheme is not a database's.
func schemeEngine(scheme string) []string {
	scheme = strings.ToLower(scheme)
	if webSchemes[scheme] {
		return nil
	}
	for _, st := range stacks.All() {
		for _, s := range st.Schemes() {
			if s == scheme {
				if c := compatible[st.Kind()]; c != nil {
					return c
				}
				return []string{st.Kind()}
			}
		}
	}
	if e, ok := schemeEngines[scheme]; ok {
		return e
	}
	if base, _, ok := strings.Cut(scheme, "+"); ok {
		return schemeEngine(base)
	}
	return nil
}

// driverEngines reads the values of variables that name a database driver
// rather than a URL (Laravel's DB_CONNECTION=sqlite, DB_DRIVER=mysql).
var driverEngines = map[string][]string{
	"sqlite": {"sqlite"}, "sqlite3": {"sqlite"},
	"mysql": {"mysql", "mariadb"}, "mysql2": {"mysql", "mariadb"}, "mariadb": {"mariadb", "mysql"},
	"pgsql": {"postgres"}, "postgres": {"postgres"}, "postgresql": {"postgres"},
	"sqlsrv": {"sqlserver"}, "mssql": {"sqlserver"}, "sqlserver": {"sqlserver"},
}

// driverKeys are the variables whose value driverEngines reads.
var driverKeys = map[string]bool{
	"DB_CONNECTION": true, "DB_DRIVER": true, "DB_ENGINE": true, "DATABASE_ENGINE": true,
	"DB_ADAPTER": true, "DATABASE_ADAPTER": true, "DB_DIALECT": true, "DB_TYPE": true,
	"DATABASE_TYPE": true, "TYPEORM_CONNECTION": true,
}

// version is the numeric version a tag starts with: "15.4-alpine" is
// [15 4], "v1.0.1" is [1 0 1]. PostgreSQL images whose tags start with their
// own version (Timescale's "2.14.2-pg16", pgvector's "0.8.0-pg17") give the
// PostgreSQL major they name instead.
type version []int

var (
	pgInTag     = regexp.MustCompile(`(?:^|-)pg(\d+)`)
	leadingVers = regexp.MustCompile(`^v?(\d+(?:\.\d+)*)`)
)

func versionOf(eng string, tag string) version {
	if eng == "postgres" {
		if m := pgInTag.FindStringSubmatch(tag); m != nil {
			n, _ := strconv.Atoi(m[1])
			return version{n}
		}
	}
	m := leadingVers.FindStringSubmatch(tag)
	if m == nil {
		return nil
	}
	var v version
	for _, p := range strings.Split(m[1], ".") {
		n, err := strconv.Atoi(p)
		if err != nil || len(v) == 4 {
			break
		}
		v = append(v, n)
	}
	return v
}

func (v version) String() string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ".")
}

// floatingTags are tags that name no version and move with every release.
var floatingTags = map[string]bool{
	"": true, "latest": true, "alpine": true, "slim": true, "stable": true, "edge": true, "lts": true,
	"current": true, "mainline": true, "nightly": true, "rolling": true,
	"bookworm": true, "bullseye": true, "buster": true, "trixie": true, "jammy": true, "focal": true, "noble": true,
}

// unpinned reports whether the reference floats: no digest and a tag that is
// missing, "latest", or another name for the newest release ("alpine").
func unpinned(img stacks.Image) bool {
	return img.Digest == "" && floatingTags[img.Tag]
}

// comparison is how a found image differs from production's.
type comparison struct {
	Severity Severity
	Problem  string
	Fix      string
}

// compareImages compares a found image with the production service it
// matched (same engine, or same repository for unknown engines). ok is
// false when they agree, or when nothing can be told (production itself
// unpinned, found pinned by digest only).
func compareImages(prod *prodService, found stacks.Image) (comparison, bool) {
	if unpinned(found) {
		fix := pinFix(prod)
		if unpinned(prod.Img) {
			fix = "pin a version here and in production's " + prod.Name
		}
		return comparison{Warning, "not pinned to a version: it moves with every release", fix}, true
	}
	if unpinned(prod.Img) || found.Tag == "" {
		return comparison{}, false // digest-only or production floats: nothing to compare
	}
	fv := versionOf(prod.Engine.Name, found.Tag)
	pv := prod.Version
	if fv == nil || pv == nil {
		if found.Tag != prod.Img.Tag {
			return comparison{Warning, fmt.Sprintf("tag %s differs from production's %s", found.Tag, prod.Img.Tag),
				"use tag " + prod.Img.Tag}, true
		}
		return comparison{}, false
	}
	if fv[0] != pv[0] {
		return comparison{Error, fmt.Sprintf("major version %d, production runs %d", fv[0], pv[0]),
			"use version " + pv.String()}, true
	}
	for i := 0; i < len(fv) && i < len(pv); i++ {
		if fv[i] != pv[i] {
			return comparison{Warning, fmt.Sprintf("version %s, production runs %s", fv, pv),
				"use version " + pv.String()}, true
		}
	}
	switch {
	case len(fv) < len(pv):
		return comparison{Warning, fmt.Sprintf("%s floats over %s.x releases, production pins %s", fv, fv, pv),
			"pin version " + pv.String()}, true
	case len(fv) > len(pv):
		return comparison{Warning, fmt.Sprintf("pins %s, production floats on %s and may run a later %s.x", fv, pv, pv),
			fmt.Sprintf("use version %s as production does, or pin production's %s too", pv, prod.Name)}, true
	}
	return comparison{}, false
}

func pinFix(prod *prodService) string {
	if prod.Version != nil {
		return "pin version " + prod.Version.String()
	}
	return "pin tag " + prod.Img.Tag
}
