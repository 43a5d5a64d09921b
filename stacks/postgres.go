package stacks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Postgres is PostgreSQL, as packaged by one family of images. The zero
// value is the official image of an unknown version; ForImage returns one
// set for the image at hand.
type Postgres struct {
	family pgFamily
	major  int // PostgreSQL major version read from the tag; 0 when unknown
}

type pgFamily int

const (
	// pgOfficial is the official image and those built FROM it, which keep
	// its entrypoint, variables and data directory.
	pgOfficial pgFamily = iota
	pgBitnami
	pgTimescaleHA // Timescale's own Ubuntu-based image; the official entrypoint, another data dir
	pgSupabase    // built with Nix, not FROM postgres: its data dir does not follow the official one
)

// postgresImages are the repositories Postgres matches, as repoIs reads them.
var postgresImages = slices.Concat(imageTable[pgFamily]{
	{"postgres", pgOfficial},
	{"postgis/postgis", pgOfficial},
	{"pgvector/pgvector", pgOfficial},
	{"ankane/pgvector", pgOfficial},
	{"tensorchord/pgvecto-rs", pgOfficial},      // FROM postgres, with the vectors extension
	{"tensorchord/vchord-postgres", pgOfficial}, // FROM postgres, with VectorChord
	{"timescale/timescaledb", pgOfficial},
	{"timescale/timescaledb-postgis", pgOfficial},
	{"timescale/timescaledb-ha", pgTimescaleHA},
	{"supabase/postgres", pgSupabase},
}, bitnami("postgresql", pgBitnami))

// latestPostgresMajor is what an untagged or "latest" official image runs
// today; only its data directory layout (18 and later) depends on it.
const latestPostgresMajor = 18

// pgTagMajor finds "pg16" in tags such as "pg16", "0.8.0-pg17-trixie",
// "2.14.2-pg16" and "pg17.2-ts2.17.2-all" (pgvector and Timescale images,
// whose tags start with their own version, not PostgreSQL's).
var pgTagMajor = regexp.MustCompile(`(?:^|-)pg(\d+)`)

func postgresFor(img Image) (Postgres, bool) {
	family, ok := postgresImages.match(img)
	if !ok && !img.DockerHub() && ownPostgres(img) {
		family, ok = pgOfficial, true
	}
	if !ok {
		return Postgres{}, false
	}
	return Postgres{family: family, major: postgresMajor(img)}, true
}

// ownPostgres reports an image a project builds of Postgres for itself,
// named for it: ghcr.io/immich-app/postgres:14-vectorchord0.4.3,
// registry.gitlab.com/acme/infra/postgresql:16. Such images are built FROM
// the official image with extensions added, and keep its entrypoint,
// variables and data directory, so they run as the official family. Only
// the exact names count, or the project's name before them
// (zulip/zulip-postgresql) — not postgres-exporter or postgresql-15-c9s,
// which are other things or other packagings — and Bitnami's images, whose
// variables differ, are matched by their table first, mirrored paths
// included. On Docker Hub a namespace is anyone's, so there the name alone
// says nothing: ForImage matches it there only in Docker Hub's own mirrors
// (library/postgres), and ForProjectImage when the caller knows the
// namespace is the project's.
func ownPostgres(img Image) bool {
	name := img.Repo[strings.LastIndexByte(img.Repo, '/')+1:]
	for _, pg := range []string{"postgres", "postgresql"} {
		if name == pg || strings.HasSuffix(name, "-"+pg) || strings.HasSuffix(name, "_"+pg) {
			return true
		}
	}
	return false
}

func postgresMajor(img Image) int {
	if m := pgTagMajor.FindStringSubmatch(img.Tag); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if img.Tag == "" || img.Tag == "latest" {
		if img.Digest != "" {
			return 0 // a digest pins some build we cannot date
		}
		return latestPostgresMajor
	}
	// Other tags start with the PostgreSQL version ("15.4", "16-3.4-alpine",
	// "15.1.0.147") or with the image's own small version number, which stays
	// below 18 and so reads as an old layout, as those images indeed are.
	if n := leadingInt(img.Tag); n > 0 && n < 100 {
		return n
	}
	return 0
}

func (Postgres) Kind() string { return "postgres" }

func (Postgres) Port() int { return 5432 }

// DataDir: From PostgreSQL 18 the official image keeps its
// data in /var/lib/postgresql/MAJOR/docker and declares the volume at
// /var/lib/postgresql; a volume at the old path there makes the entrypoint
// refuse to start, and before 18 a volume at the new path is shadowed by
// the image's own anonymous volume at .../data and loses the data. When the
// tag does not tell the version, the old layout is assumed.
func (p Postgres) DataDir() string {
	switch p.family {
	case pgBitnami:
		return "/bitnami/postgresql"
	case pgTimescaleHA:
		return "/home/postgres/pgdata"
	case pgSupabase:
		return "/var/lib/postgresql/data"
	}
	if p.major >= 18 {
		return "/var/lib/postgresql"
	}
	return "/var/lib/postgresql/data"
}

// Configure: The user and database are production's; the
// password is always parity's secret: production's is not known here (nor
// should it be copied to a laptop), and the official image applies
// POSTGRES_PASSWORD only when it initialises an empty data directory, so a
// secret persisted per service keeps the volume and the URL agreeing.
func (p Postgres) Configure(svc Service, secret string) Config {
	env := cloneEnv(svc.Env)
	var creds Credentials
	if p.family == pgBitnami {
		creds = configureBitnamiPostgres(env, secret, svc.Wanted)
	} else {
		creds = configureOfficialPostgres(env, secret, svc.Wanted)
	}
	return Config{Credentials: creds, Env: env, Command: cloneArgs(svc.Command)}
}

func configureOfficialPostgres(env map[string]string, secret string, wanted Credentials) Credentials {
	secret = password(env, secret, "POSTGRES_PASSWORD")
	// *_FILE variables point at production secrets (/run/secrets/...) that do
	// not exist here, and the entrypoint exits when it cannot read one; it
	// also refuses a variable and its _FILE twin set together.
	for _, v := range []string{"POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB"} {
		delete(env, v+"_FILE")
	}
	user := firstSet(env, "POSTGRES_USER")
	if user == "" && wanted.User != "" {
		user, env["POSTGRES_USER"] = wanted.User, wanted.User
	}
	if user == "" {
		user = "postgres"
	}
	db := firstSet(env, "POSTGRES_DB")
	if db == "" && wanted.Database != "" {
		db, env["POSTGRES_DB"] = wanted.Database, wanted.Database
	}
	if db == "" {
		db = user
	}
	fillEmpty(env, user, "POSTGRES_USER")
	fillEmpty(env, db, "POSTGRES_DB")
	env["POSTGRES_PASSWORD"] = secret
	// "trust" would let any password, or none, in. parity hands the app a URL
	// with the secret and probes with it; under trust neither proves anything,
	// and an app that sends a stale or wrong password would work here and
	// fail wherever the password is checked. The published port is also open
	// to every process on the machine. Other methods (md5, scram-sha-256)
	// stay: they are what production's clients must be able to speak.
	if strings.EqualFold(strings.TrimSpace(env["POSTGRES_HOST_AUTH_METHOD"]), "trust") {
		delete(env, "POSTGRES_HOST_AUTH_METHOD")
	}
	return Credentials{User: user, Password: secret, Database: db}
}

// Bitnami's password variables, its own name first, then the alias it also
// reads: the app user's, and the postgres superuser's.
var (
	bitnamiPGPasswordVars = []string{"POSTGRESQL_PASSWORD", "POSTGRES_PASSWORD"}
	bitnamiPGAdminVars    = []string{"POSTGRESQL_POSTGRES_PASSWORD", "POSTGRES_POSTGRES_PASSWORD"}
)

// configureBitnamiPostgres follows Bitnami's postgresql-env.sh: its
// POSTGRESQL_* variables win over the POSTGRES_* aliases it also reads, and
// its database defaults to "postgres", not to the user.
func configureBitnamiPostgres(env map[string]string, secret string, wanted Credentials) Credentials {
	userVars := []string{"POSTGRESQL_USERNAME", "POSTGRES_USERNAME", "POSTGRES_USER", "POSTGRESQL_USER"}
	dbVars := []string{"POSTGRESQL_DATABASE", "POSTGRES_DATABASE", "POSTGRES_DB"}
	passVars, adminVars := bitnamiPGPasswordVars, bitnamiPGAdminVars

	// Whether production gives the postgres superuser a password of its own,
	// read before the _FILE variables go.
	adminPassword := anySet(env, adminVars...) || anySet(env, suffixed(adminVars, "_FILE")...)
	adminSecret := password(env, password(env, secret, passVars...), adminVars...)
	secret = password(env, secret, passVars...)
	for _, v := range slices.Concat(userVars, dbVars, passVars, adminVars) {
		delete(env, v+"_FILE")
	}
	user := firstSet(env, userVars...)
	if user == "" && wanted.User != "" {
		user, env[userVars[0]] = wanted.User, wanted.User
	}
	if user == "" {
		user = "postgres"
	}
	db := firstSet(env, dbVars...)
	if db == "" && wanted.Database != "" {
		db, env[dbVars[0]] = wanted.Database, wanted.Database
	}
	if db == "" {
		db = "postgres"
	}
	fillEmpty(env, user, userVars...)
	fillEmpty(env, db, dbVars...)
	// The aliases get the secret too where they are set, not deleted: the
	// engine reads them to bind the variables they came from.
	setPresent(env, secret, passVars...)
	env["POSTGRESQL_PASSWORD"] = secret
	// With a custom user, Bitnami makes it the database owner, not a
	// superuser, and leaves the postgres superuser without a password (so it
	// cannot log in over the network) unless POSTGRESQL_POSTGRES_PASSWORD is
	// set. parity keeps production's choice: it sets that password, to the
	// same secret, only where production sets one, so code that needs
	// superuser rights fails here as it would in production.
	if adminPassword {
		setPresent(env, adminSecret, adminVars...)
		env["POSTGRESQL_POSTGRES_PASSWORD"] = adminSecret
	}
	return Credentials{User: user, Password: secret, Database: db}
}

// Probe: it logs in with the app's credentials and runs
// SELECT 1. It connects over TCP, like the app, which also steps around the
// official entrypoint's first-run dance: that runs a temporary server for the
// init scripts, reachable only on the container's Unix socket, then restarts
// ("ready to accept connections" is logged twice). A Bitnami image, though,
// runs its temporary server on TCP, so on a first run with an empty volume
// a probe can succeed a moment before that server restarts.
func (Postgres) Probe(ctx context.Context, ep Endpoint) error {
	timeout := probeTimeout(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	conn, err := postgresConnect(ctx, ep, timeout)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	// Without arguments pgx sends this as one simple-protocol Query message.
	if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
		return postgresFailed(ctx, err)
	}
	return nil
}

// postgresConnect logs in at ep as the probe does; a failed login's error
// is postgresFailed's.
func postgresConnect(ctx context.Context, ep Endpoint, timeout time.Duration) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(postgresURL("postgres", ep).String())
	if err != nil {
		return nil, fmt.Errorf("parse probe config: %w", err)
	}
	// ParseConfig also reads the developer's PG* variables; none of them
	// should steer the probe, so every setting they could have changed is
	// set again here.
	cfg.ConnectTimeout = timeout
	cfg.TLSConfig = nil
	cfg.Fallbacks = nil
	cfg.ValidateConnect = nil
	cfg.RequireAuth = ""
	cfg.ChannelBinding = "disable"
	cfg.MinProtocolVersion, cfg.MaxProtocolVersion = "3.0", "3.0"
	cfg.RuntimeParams = map[string]string{"application_name": "parity"}

	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, postgresFailed(ctx, err)
	}
	return conn, nil
}

func postgresFailed(ctx context.Context, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P03": // cannot_connect_now: starting up, shutting down, recovering
			return probeFailed(ErrStarting, err)
		case "28P01", "28000": // invalid_password, invalid_authorization_specification
			return probeFailed(ErrAuth, err)
		case "3D000": // invalid_catalog_name
			return probeFailed(ErrNoDatabase, err)
		}
		return err
	}
	if reason := transportReason(err); reason != nil {
		return probeFailed(reason, err)
	}
	if ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	return err
}

// URL: postgres://user:pass@host:port/db?sslmode=disable.
// The local server has no TLS, so the URL says so rather than leaving
// clients that default to "prefer" or "require" to find out.
func (Postgres) URL(ep Endpoint) string { return postgresURL("postgres", ep).String() }

func postgresURL(scheme string, ep Endpoint) *url.URL {
	u := &url.URL{
		Scheme:   scheme,
		Host:     net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)),
		Path:     "/" + ep.Credentials.Database,
		RawQuery: "sslmode=disable",
	}
	switch c := ep.Credentials; {
	case c.User != "" && c.Password != "":
		u.User = url.UserPassword(c.User, c.Password)
	case c.User != "":
		u.User = url.User(c.User)
	}
	return u
}

// Schemes: the schemes URL parsers in common use read as a
// PostgreSQL server: libpq's two, Laravel's and Doctrine's pgsql,
// dj-database-url's postgis and timescale, and SQLAlchemy's dialect+driver
// forms. An app keeps its own scheme when the engine rewrites its URL.
func (Postgres) Schemes() []string {
	return []string{
		"postgres", "postgresql", "pgsql", "postgis", "timescale",
		"postgresql+psycopg", "postgresql+psycopg2", "postgresql+asyncpg",
	}
}

func (Postgres) Vars() []string { return []string{"DATABASE_URL"} }

// Shell: The password goes in PGPASSWORD even where the
// Unix socket is trusted (the official image's default) because not every
// image trusts it: Bitnami's pg_hba.conf asks for md5 there too once a
// password is set, and so does an official image initialised with
// POSTGRES_INITDB_ARGS=--auth-local=....
func (Postgres) Shell(creds Credentials) ShellCommand {
	sh := ShellCommand{Args: []string{"psql"}}
	if creds.Password != "" {
		sh.Env = map[string]string{"PGPASSWORD": creds.Password}
	}
	if creds.User != "" {
		sh.Args = append(sh.Args, "-U", creds.User)
	}
	if creds.Database != "" {
		sh.Args = append(sh.Args, "-d", creds.Database)
	}
	return sh
}
