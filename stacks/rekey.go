package stacks

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Rekeying: data initialised with one set of passwords (a template's, a
// snapshot's) is given the passwords of the service that now runs on it.
// Each account's variable names its old password (what the data was
// initialised with) and its new one (the container environment now);
// only accounts whose two differ are touched, and an account that already
// answers to the new password is one a previous rekey finished.

// rekeyTimeout bounds a rekey whose ctx sets no deadline: a few logins and
// statements, each of which a server that accepts and then says nothing
// could otherwise hold forever.
const rekeyTimeout = 30 * time.Second

func rekeyContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, rekeyTimeout)
}

// setVars are those of vars that env sets to a non-empty value, sorted.
func setVars(env map[string]string, vars ...string) []string {
	var out []string
	for _, v := range vars {
		if env[v] != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// rekeyAccount is one login whose password the data keeps.
type rekeyAccount struct {
	user     string
	old, new string // "" when the variables are unset there
}

// changed reports whether the account needs a new password: the data's
// is known, differs, and there is one to set.
func (a rekeyAccount) changed() bool { return a.old != "" && a.new != "" && a.old != a.new }

// loginEither logs in with the old password, else with the new one. It
// returns the connection, whether it was the new password that logged in,
// and an error wrapping ErrAuth when neither did.
func loginEither[C any](ctx context.Context, kind string, a rekeyAccount, login func(ctx context.Context, password string) (C, error)) (C, bool, error) {
	var zero C
	var firstErr error
	for i, pw := range []string{a.old, a.new} {
		if pw == "" || (i == 1 && pw == a.old) {
			continue
		}
		c, err := login(ctx, pw)
		if err == nil {
			return c, i == 1, nil
		}
		if !errors.Is(err, ErrAuth) {
			return zero, false, fmt.Errorf("log in to %s as %s: %w", kind, a.user, err)
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		return zero, false, fmt.Errorf("log in to %s as %s: %w: no password known", kind, a.user, ErrAuth)
	}
	return zero, false, fmt.Errorf("log in to %s as %s with the data's old password or the new one: %w", kind, a.user, firstErr)
}

// SecretVars implements Rekeyer: the official image keeps POSTGRES_PASSWORD
// as the password of POSTGRES_USER; Bitnami's keeps its app user's and, where
// set, the postgres superuser's.
func (p Postgres) SecretVars(env map[string]string) []string {
	if p.family == pgBitnami {
		return setVars(env, slices.Concat(bitnamiPGPasswordVars, bitnamiPGAdminVars)...)
	}
	return setVars(env, "POSTGRES_PASSWORD")
}

// postgresAccounts are the roles whose passwords env sets, with their old
// values from old.
func (p Postgres) postgresAccounts(user string, env, old map[string]string) []rekeyAccount {
	if p.family != pgBitnami {
		return []rekeyAccount{{user: user, old: old["POSTGRES_PASSWORD"], new: env["POSTGRES_PASSWORD"]}}
	}
	accounts := []rekeyAccount{{user: user, old: firstSet(old, bitnamiPGPasswordVars...), new: firstSet(env, bitnamiPGPasswordVars...)}}
	// Bitnami gives the superuser a password of its own only when the app
	// user is another role; as the app user, postgres has the app's.
	if user != "postgres" {
		accounts = append(accounts, rekeyAccount{user: "postgres", old: firstSet(old, bitnamiPGAdminVars...), new: firstSet(env, bitnamiPGAdminVars...)})
	}
	return accounts
}

// Rekey implements Rekeyer. Each role logs in itself and changes its own
// password, which any role may do: Bitnami's app user is no superuser, and
// its postgres superuser has no password at all unless production gives it
// one. Both connect to ep's database, the one the probe will use.
func (p Postgres) Rekey(ctx context.Context, ep Endpoint, env map[string]string, old map[string]string) error {
	ctx, cancel := rekeyContext(ctx)
	defer cancel()
	for _, a := range p.postgresAccounts(ep.Credentials.User, env, old) {
		if !a.changed() {
			continue
		}
		login := func(ctx context.Context, password string) (*pgx.Conn, error) {
			at := ep
			at.Credentials.User, at.Credentials.Password = a.user, password
			return postgresConnect(ctx, at, probeTimeout(ctx))
		}
		conn, done, err := loginEither(ctx, "postgres", a, login)
		if err != nil {
			return fmt.Errorf("rekey postgres: %w", err)
		}
		if !done {
			_, err = conn.Exec(ctx, "ALTER ROLE "+pgIdent(a.user)+" PASSWORD "+pgLiteral(a.new))
		}
		_ = conn.Close(ctx)
		if err != nil {
			return fmt.Errorf("rekey postgres: change password of %s: %w", a.user, postgresFailed(ctx, err))
		}
	}
	return nil
}

// pgIdent quotes a role name as an SQL identifier.
func pgIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

// pgLiteral quotes s as a string literal the way libpq's PQescapeLiteral
// does: with a backslash inside, as an E'...' string with backslashes doubled,
// which reads the same whatever standard_conforming_strings says.
func pgLiteral(s string) string {
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.Contains(s, `\`) {
		return "E" + strings.ReplaceAll(q, `\`, `\\`)
	}
	return q
}

// mysqlVars are the variables of one family's image naming the root
// account, its password, the app user and the user's password, each in the
// image's order of precedence. rootUser is nil where root is always root.
func (m MySQL) mysqlVars() (rootUser, rootPassword, user, userPassword []string) {
	switch m.family {
	case mysqlBitnami:
		return []string{"MYSQL_ROOT_USER"}, []string{"MYSQL_ROOT_PASSWORD"}, []string{"MYSQL_USER"}, []string{"MYSQL_PASSWORD"}
	case mysqlBitnamiMDB:
		return []string{"MARIADB_ROOT_USER"}, []string{"MARIADB_ROOT_PASSWORD"}, []string{"MARIADB_USER"}, []string{"MARIADB_PASSWORD"}
	case mysqlMariaDB:
		return nil, []string{"MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD"}, []string{"MARIADB_USER", "MYSQL_USER"}, []string{"MARIADB_PASSWORD", "MYSQL_PASSWORD"}
	}
	return nil, []string{"MYSQL_ROOT_PASSWORD"}, []string{"MYSQL_USER"}, []string{"MYSQL_PASSWORD"}
}

// SecretVars implements Rekeyer: the root password and the app user's.
func (m MySQL) SecretVars(env map[string]string) []string {
	_, rootPassword, _, userPassword := m.mysqlVars()
	return setVars(env, slices.Concat(rootPassword, userPassword)...)
}

// mysqlAccounts are root and, where env names one, the app user, with their
// passwords in old and env.
func (m MySQL) mysqlAccounts(env, old map[string]string) (root rekeyAccount, user *rekeyAccount) {
	rootUser, rootPassword, userVars, userPassword := m.mysqlVars()
	root = rekeyAccount{user: cmp.Or(firstSet(env, rootUser...), "root"), old: firstSet(old, rootPassword...), new: firstSet(env, rootPassword...)}
	if name := firstSet(env, userVars...); name != "" && name != root.user {
		user = &rekeyAccount{user: name, old: firstSet(old, userPassword...), new: firstSet(env, userPassword...)}
	}
	return root, user
}

// Rekey implements Rekeyer. It logs in as root over TCP, as root@'%'
// (the images create it unless MYSQL_ROOT_HOST says otherwise), reads the
// hosts root and the app user have in mysql.user and sets the password of
// each of those accounts that logs in with one. SET PASSWORD keeps an
// account's authentication plugin, where ALTER USER ... IDENTIFIED BY would
// replace MariaDB's chain (root@localhost's "mysql_native_password OR
// unix_socket") with a password alone. MySQL (5.7.6 and later) takes the
// new password as a plain string there; MariaDB takes plain text only inside
// PASSWORD(), which it hands to the account's own plugin (10.4 and later),
// and reads a plain string as a hash. MariaDB refuses SET PASSWORD for a
// chain that starts with a plugin without a password ("unix_socket OR
// mysql_native_password", error 1699); Rekey then fails naming the account
// rather than rebuild the chain.
func (m MySQL) Rekey(ctx context.Context, ep Endpoint, env map[string]string, old map[string]string) error {
	ctx, cancel := rekeyContext(ctx)
	defer cancel()
	root, user := m.mysqlAccounts(env, old)
	newPassword := map[string]string{}
	for _, a := range []*rekeyAccount{&root, user} {
		if a != nil && a.changed() {
			newPassword[a.user] = a.new
		}
	}
	if len(newPassword) == 0 {
		return nil
	}

	dialer := &probeDialer{}
	defer dialer.closeAll()
	login := func(ctx context.Context, password string) (*mysqlSession, error) {
		// No database: the one ep names is the app's, and root needs none.
		at := Endpoint{Host: ep.Host, Port: ep.Port, Credentials: Credentials{User: root.user, Password: password}}
		db, err := mysqlOpen(at, probeTimeout(ctx), dialer)
		if err != nil {
			return nil, err
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			_ = db.Close()
			return nil, mysqlFailed(ctx, dialer, err)
		}
		return &mysqlSession{db: db, conn: conn}, nil
	}
	s, _, err := loginEither(ctx, "mysql", root, login)
	if err != nil {
		return fmt.Errorf("rekey mysql: %w", err)
	}
	defer s.close()
	if err := s.setPasswords(ctx, newPassword); err != nil {
		return fmt.Errorf("rekey mysql: %w", mysqlFailed(ctx, dialer, err))
	}
	return nil
}

// mysqlPasswordPlugins are the authentication plugins that check a password
// the server stores, as mysql.user names them ("" in old MySQL meaning
// mysql_native_password). Accounts of other plugins (unix_socket,
// auth_socket, pam, gssapi) have no password to change, and MariaDB refuses
// SET PASSWORD for them.
var mysqlPasswordPlugins = map[string]bool{
	"": true, "mysql_native_password": true, "mysql_old_password": true,
	"caching_sha2_password": true, "sha256_password": true, "ed25519": true, "parsec": true,
}

// mysqlSession is one connection, so that the session's sql_mode holds
// for the statements after it.
type mysqlSession struct {
	db   *sql.DB
	conn *sql.Conn
}

func (s *mysqlSession) close() {
	_ = s.conn.Close()
	_ = s.db.Close()
}

// setPasswords gives every account of the users in newPassword that logs
// in with a password the user's new one.
func (s *mysqlSession) setPasswords(ctx context.Context, newPassword map[string]string) error {
	var version string
	if err := s.conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return fmt.Errorf("read server version: %w", err)
	}
	mariadb := strings.Contains(version, "MariaDB")
	// mysqlLiteral escapes with backslashes, which NO_BACKSLASH_ESCAPES
	// (were the server's sql_mode to have it) would read as plain text.
	if _, err := s.conn.ExecContext(ctx, "SET SESSION sql_mode = ''"); err != nil {
		return fmt.Errorf("set sql_mode: %w", err)
	}
	users := slices.Sorted(maps.Keys(newPassword))
	quoted := make([]string, len(users))
	for i, u := range users {
		quoted[i] = mysqlLiteral(u)
	}
	rows, err := s.conn.QueryContext(ctx, "SELECT user, host, plugin FROM mysql.user WHERE user IN ("+strings.Join(quoted, ", ")+") ORDER BY user, host")
	if err != nil {
		return fmt.Errorf("read accounts: %w", err)
	}
	type account struct{ user, host string }
	var accounts []account
	for rows.Next() {
		var a account
		var plugin sql.NullString
		if err := rows.Scan(&a.user, &a.host, &plugin); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read accounts: %w", err)
		}
		if mysqlPasswordPlugins[plugin.String] {
			accounts = append(accounts, a)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read accounts: %w", err)
	}
	_ = rows.Close()
	for _, u := range users {
		if !slices.ContainsFunc(accounts, func(a account) bool { return a.user == u }) {
			return fmt.Errorf("set password of %s: the data has no account %s that logs in with a password", u, u)
		}
	}
	for _, a := range accounts {
		if _, err := s.conn.ExecContext(ctx, mysqlSetPassword(mariadb, a.user, a.host, newPassword[a.user])); err != nil {
			return fmt.Errorf("set password of %s@%s: %w", a.user, a.host, err)
		}
	}
	return nil
}

// mysqlSetPassword is the statement that gives user@host password,
// keeping the account's authentication plugin (see MySQL.Rekey).
func mysqlSetPassword(mariadb bool, user, host, password string) string {
	stmt := "SET PASSWORD FOR " + mysqlLiteral(user) + "@" + mysqlLiteral(host) + " = "
	if mariadb {
		return stmt + "PASSWORD(" + mysqlLiteral(password) + ")"
	}
	return stmt + mysqlLiteral(password)
}

// mysqlEscaper escapes what mysql_real_escape_string does: the quote and
// the backslash, which would end or bend the literal, and NUL, newline,
// carriage return and ^Z, so that the statement stays one printable line.
var mysqlEscaper = strings.NewReplacer(`\`, `\\`, "'", `\'`, "\x00", `\0`, "\n", `\n`, "\r", `\r`, "\x1a", `\Z`)

// mysqlLiteral quotes s as a string literal, for a session whose sql_mode
// lacks NO_BACKSLASH_ESCAPES. Account names take the same quoting.
func mysqlLiteral(s string) string { return "'" + mysqlEscaper.Replace(s) + "'" }
