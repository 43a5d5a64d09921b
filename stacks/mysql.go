package stacks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQL is MySQL and the servers that speak its protocol (MariaDB, Percona
// Server), as packaged by one family of images. The zero value is the
// official mysql image; ForImage returns one set for the image at hand.
type MySQL struct {
	family mysqlFamily
}

type mysqlFamily int

const (
	mysqlOfficial   mysqlFamily = iota // mysql, percona: MYSQL_* variables
	mysqlMariaDB                       // mariadb: MARIADB_* variables, MYSQL_* as aliases
	mysqlBitnami                       // bitnami/mysql
	mysqlBitnamiMDB                    // bitnami/mariadb
)

// mysqlImages are the repositories MySQL matches, as repoIs reads them.
// Left out: mysql/mysql-server, Oracle's deprecated image, whose root may
// only log in from inside the container unless MYSQL_ROOT_HOST says so, and
// Galera cluster images, which serve nothing until a cluster is formed.
var mysqlImages = slices.Concat(imageTable[mysqlFamily]{
	{"mysql", mysqlOfficial},
	{"percona", mysqlOfficial},
	{"percona/percona-server", mysqlOfficial},
	{"mariadb", mysqlMariaDB},
}, bitnami("mysql", mysqlBitnami), bitnami("mariadb", mysqlBitnamiMDB))

func mysqlFor(img Image) (MySQL, bool) {
	family, ok := mysqlImages.match(img)
	return MySQL{family: family}, ok
}

func (MySQL) Kind() string { return "mysql" }

func (MySQL) Port() int { return 3306 }

func (m MySQL) DataDir() string {
	switch m.family {
	case mysqlBitnami:
		return "/bitnami/mysql"
	case mysqlBitnamiMDB:
		return "/bitnami/mariadb"
	}
	return "/var/lib/mysql"
}

// Configure: The user and database are production's; the
// root password, and the user's where there is a user, are parity's secret.
// The images apply them only when they initialise an empty data directory,
// so the secret persisted per service keeps the volume and the URL
// agreeing. The app's credentials are the manifest's user where it names
// one, else root.
func (m MySQL) Configure(svc Service, secret string) Config {
	env := cloneEnv(svc.Env)
	var creds Credentials
	switch m.family {
	case mysqlBitnami:
		creds = configureBitnamiMySQL(env, "MYSQL_", secret)
	case mysqlBitnamiMDB:
		creds = configureBitnamiMySQL(env, "MARIADB_", secret)
	default:
		creds = configureOfficialMySQL(env, m.family == mysqlMariaDB, secret, svc.Wanted)
	}
	return Config{Credentials: creds, Env: env, Command: cloneArgs(svc.Command)}
}

// configureOfficialMySQL follows the docker-entrypoint.sh of the official
// mysql and mariadb images. MariaDB reads MARIADB_X first and MYSQL_X as its
// alias; mysql reads only MYSQL_X.
func configureOfficialMySQL(env map[string]string, mariadb bool, secret string, wanted Credentials) Credentials {
	names := func(suffix string) []string {
		if mariadb {
			return []string{"MARIADB_" + suffix, "MYSQL_" + suffix}
		}
		return []string{"MYSQL_" + suffix}
	}
	userVars, passVars, dbVars, rootVars := names("USER"), names("PASSWORD"), names("DATABASE"), names("ROOT_PASSWORD")
	// *_FILE variables point at production secrets that do not exist here
	// (the entrypoints exit when they cannot read one). An empty root
	// password, a random one or a pre-hashed one would each leave parity
	// without the password it hands the app; like POSTGRES_PASSWORD, the
	// root password is always parity's.
	for _, v := range slices.Concat(userVars, passVars, dbVars, rootVars) {
		delete(env, v+"_FILE")
	}
	for _, v := range slices.Concat(names("ALLOW_EMPTY_PASSWORD"), names("RANDOM_ROOT_PASSWORD"), names("ROOT_PASSWORD_HASH"),
		names("PASSWORD_HASH"), []string{"MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", "MYSQL_ONETIME_PASSWORD"}) {
		delete(env, v)
		delete(env, v+"_FILE")
	}
	rootSecret := password(env, secret, rootVars...)
	secret = password(env, secret, passVars...)
	setPresent(env, rootSecret, rootVars...)
	env[rootVars[0]] = rootSecret

	user := firstSet(env, userVars...)
	db := firstSet(env, dbVars...)
	// What the app's URL names, where the manifest names nothing: the
	// database it connects to, and the user it logs in as.
	if db == "" && wanted.Database != "" {
		db, env[dbVars[0]] = wanted.Database, wanted.Database
	}
	if user == "" && wanted.User != "" && wanted.User != "root" {
		user, env[userVars[0]] = wanted.User, wanted.User
	}
	fillEmpty(env, db, dbVars...)
	if user == "" || user == "root" {
		// The images refuse MYSQL_USER=root: root is configured by the root
		// password alone.
		for _, v := range slices.Concat(userVars, passVars) {
			delete(env, v)
		}
		return Credentials{User: "root", Password: rootSecret, Database: db}
	}
	fillEmpty(env, user, userVars...)
	setPresent(env, secret, passVars...)
	// The user is created only with a password.
	env[passVars[0]] = secret
	return Credentials{User: user, Password: secret, Database: db}
}

// configureBitnamiMySQL follows Bitnami's mysql-env.sh and mariadb-env.sh:
// <P>ROOT_USER (root by default), <P>ROOT_PASSWORD, <P>USER, <P>PASSWORD,
// <P>DATABASE, and ALLOW_EMPTY_PASSWORD, which parity drops for the same
// reason as with the official images.
func configureBitnamiMySQL(env map[string]string, prefix, secret string) Credentials {
	vars := []string{"ROOT_USER", "ROOT_PASSWORD", "USER", "PASSWORD", "DATABASE"}
	for _, v := range vars {
		delete(env, prefix+v+"_FILE")
	}
	delete(env, "ALLOW_EMPTY_PASSWORD")
	rootSecret := password(env, secret, prefix+"ROOT_PASSWORD")
	secret = password(env, secret, prefix+"PASSWORD")
	env[prefix+"ROOT_PASSWORD"] = rootSecret
	root := firstSet(env, prefix+"ROOT_USER")
	if root == "" {
		root = "root"
	}
	fillEmpty(env, root, prefix+"ROOT_USER")
	db := firstSet(env, prefix+"DATABASE")
	fillEmpty(env, db, prefix+"DATABASE")
	user := firstSet(env, prefix+"USER")
	if user == "" || user == root {
		delete(env, prefix+"USER")
		delete(env, prefix+"PASSWORD")
		return Credentials{User: root, Password: rootSecret, Database: db}
	}
	fillEmpty(env, user, prefix+"USER")
	env[prefix+"PASSWORD"] = secret
	return Credentials{User: user, Password: secret, Database: db}
}

// Probe: it logs in with the app's credentials, selecting
// the app's database, and pings. The official images run their first-boot
// initialisation on a server with networking off, so a probe cannot log in
// half-way through it: before, Docker's port proxy hangs up (ErrNoAnswer).
func (MySQL) Probe(ctx context.Context, ep Endpoint) error {
	timeout := probeTimeout(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	dialer := &probeDialer{}
	defer dialer.closeAll()
	db, err := mysqlOpen(ep, timeout, dialer)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return mysqlFailed(ctx, dialer, err)
	}
	return nil
}

// mysqlOpen is a pool that logs in at ep as the probe does, through dialer,
// for one short exchange: it keeps no idle connection.
func mysqlOpen(ep Endpoint, timeout time.Duration, dialer *probeDialer) (*sql.DB, error) {
	cfg := mysqlConfig(ep)
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = timeout, timeout, timeout
	cfg.DialFunc = dialer.DialContext
	// The driver prints broken connections to stderr, which would tear
	// through the live view; the dialer keeps the cause instead.
	cfg.Logger = &mysql.NopLogger{}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("configure mysql probe: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxIdleConns(0)
	return db, nil
}

func mysqlConfig(ep Endpoint) *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
	cfg.User = ep.Credentials.User
	cfg.Passwd = ep.Credentials.Password
	cfg.DBName = ep.Credentials.Database
	// MySQL 5.7 and MariaDB authenticate with mysql_native_password.
	cfg.AllowNativePasswords = true
	return cfg
}

// MySQL server error numbers the probe tells apart.
const (
	mysqlAccessDenied       = 1045 // ER_ACCESS_DENIED_ERROR: wrong user or password
	mysqlDBAccessDenied     = 1044 // ER_DBACCESS_DENIED_ERROR: no rights on the database (or it does not exist)
	mysqlHostNotAllowed     = 1130 // ER_HOST_NOT_PRIVILEGED: the user may not log in from this host
	mysqlUnknownDatabase    = 1049 // ER_BAD_DB_ERROR
	mysqlServerShutdown     = 1053 // ER_SERVER_SHUTDOWN: a server stopping, e.g. an init server
	mysqlTooManyConnections = 1040 // ER_CON_COUNT_ERROR
)

func mysqlFailed(ctx context.Context, dialer *probeDialer, err error) error {
	var merr *mysql.MySQLError
	if errors.As(err, &merr) {
		switch merr.Number {
		case mysqlAccessDenied, mysqlHostNotAllowed, mysqlDBAccessDenied:
			return probeFailed(ErrAuth, err)
		case mysqlUnknownDatabase:
			return probeFailed(ErrNoDatabase, err)
		case mysqlServerShutdown, mysqlTooManyConnections:
			return probeFailed(ErrStarting, err)
		}
		return err
	}
	if cause := dialer.transportCause(); cause != nil {
		return cause
	}
	if reason := transportReason(err); reason != nil {
		return probeFailed(reason, err)
	}
	if ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	return err
}

// URL: mysql://user:pass@host:port/db, the form Rails,
// Prisma, SQLAlchemy (as mysql+driver) and dj-database-url read. Go's
// driver takes a DSN instead (user:pass@tcp(host:port)/db), which an app
// builds from MYSQL_HOST and friends, or from this URL.
func (MySQL) URL(ep Endpoint) string {
	u := &url.URL{Scheme: "mysql", Host: net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)), Path: "/" + ep.Credentials.Database}
	switch c := ep.Credentials; {
	case c.User != "" && c.Password != "":
		u.User = url.UserPassword(c.User, c.Password)
	case c.User != "":
		u.User = url.User(c.User)
	}
	return u.String()
}

// Schemes: the schemes URL parsers read as a MySQL server,
// Rails' mysql2 and trilogy and SQLAlchemy's dialect+driver forms among them.
func (MySQL) Schemes() []string {
	return []string{
		"mysql", "mysql2", "mariadb", "trilogy",
		"mysql+pymysql", "mysql+mysqldb", "mysql+mysqlconnector", "mysql+aiomysql", "mysql+asyncmy",
		"mariadb+mariadbconnector",
	}
}

// Vars: DATABASE_URL is also among FallbackVars: it goes to
// MySQL only when no other kind (Postgres) claims it.
func (MySQL) Vars() []string { return []string{"MYSQL_URL", "DATABASE_URL"} }

// FallbackVars implements FallbackVarser.
func (MySQL) FallbackVars() []string { return []string{"DATABASE_URL"} }

// Shell: the image's own client (MariaDB images from 11 on
// no longer ship the mysql name). The password goes in MYSQL_PWD, which
// both clients read, rather than on the command line (MySQL 8 deprecated
// the variable but its clients still read it).
func (m MySQL) Shell(creds Credentials) ShellCommand {
	cli := "mysql"
	if m.family == mysqlMariaDB || m.family == mysqlBitnamiMDB {
		cli = "mariadb"
	}
	sh := ShellCommand{Args: []string{cli}}
	if creds.Password != "" {
		sh.Env = map[string]string{"MYSQL_PWD": creds.Password}
	}
	if creds.User != "" {
		sh.Args = append(sh.Args, "-u"+creds.User)
	}
	if creds.Database != "" {
		sh.Args = append(sh.Args, creds.Database)
	}
	return sh
}
