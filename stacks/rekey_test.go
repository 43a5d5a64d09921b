package stacks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

func TestRekeyerKinds(t *testing.T) {
	for _, st := range All() {
		_, ok := st.(Rekeyer)
		if want := st.Kind() == "postgres" || st.Kind() == "mysql"; ok != want {
			t.Errorf("%s: Rekeyer = %v, want %v", st.Kind(), ok, want)
		}
	}
}

func TestSecretVars(t *testing.T) {
	tests := []struct {
		image string
		env   map[string]string // the manifest's
		want  []string
	}{
		{"postgres:16", nil, []string{"POSTGRES_PASSWORD"}},
		{"postgres:16", map[string]string{"POSTGRES_USER": "app", "POSTGRES_PASSWORD_FILE": "/run/secrets/pg"}, []string{"POSTGRES_PASSWORD"}},
		{"timescale/timescaledb-ha:pg16", nil, []string{"POSTGRES_PASSWORD"}},
		{"bitnami/postgresql:16", nil, []string{"POSTGRESQL_PASSWORD"}},
		{"bitnami/postgresql:16", map[string]string{"POSTGRES_PASSWORD": "", "POSTGRESQL_USERNAME": "app"}, []string{"POSTGRESQL_PASSWORD", "POSTGRES_PASSWORD"}},
		{"bitnami/postgresql:16", map[string]string{"POSTGRESQL_USERNAME": "app", "POSTGRESQL_POSTGRES_PASSWORD": ""},
			[]string{"POSTGRESQL_PASSWORD", "POSTGRESQL_POSTGRES_PASSWORD"}},
		{"bitnami/postgresql:16", map[string]string{"POSTGRES_POSTGRES_PASSWORD": "admin"},
			[]string{"POSTGRESQL_PASSWORD", "POSTGRESQL_POSTGRES_PASSWORD", "POSTGRES_POSTGRES_PASSWORD"}},
		{"mysql:8.4", nil, []string{"MYSQL_ROOT_PASSWORD"}},
		{"mysql:8.4", map[string]string{"MYSQL_USER": "app", "MYSQL_DATABASE": "shop"}, []string{"MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD"}},
		{"mysql:8.4", map[string]string{"MYSQL_USER": "root", "MYSQL_PASSWORD": "x"}, []string{"MYSQL_ROOT_PASSWORD"}},
		{"percona:8.0", map[string]string{"MYSQL_RANDOM_ROOT_PASSWORD": "yes"}, []string{"MYSQL_ROOT_PASSWORD"}},
		{"mariadb:11", nil, []string{"MARIADB_ROOT_PASSWORD"}},
		{"mariadb:11", map[string]string{"MYSQL_USER": "app", "MYSQL_ROOT_PASSWORD": ""},
			[]string{"MARIADB_PASSWORD", "MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD"}},
		{"mariadb:11", map[string]string{"MARIADB_USER": "app", "MYSQL_PASSWORD": "p"},
			[]string{"MARIADB_PASSWORD", "MARIADB_ROOT_PASSWORD", "MYSQL_PASSWORD"}},
		{"bitnami/mysql:8.0", map[string]string{"MYSQL_USER": "app"}, []string{"MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD"}},
		{"bitnami/mariadb:11.4", map[string]string{"MARIADB_USER": "app", "MARIADB_ROOT_USER": "admin"}, []string{"MARIADB_PASSWORD", "MARIADB_ROOT_PASSWORD"}},
		{"bitnami/mariadb:11.4", nil, []string{"MARIADB_ROOT_PASSWORD"}},
	}
	for _, tt := range tests {
		st := ForImage(tt.image)
		rk, ok := st.(Rekeyer)
		if !ok {
			t.Fatalf("%s: %s is no Rekeyer", tt.image, st.Kind())
		}
		cfg := st.Configure(Service{Name: "db", Image: tt.image, Env: tt.env}, "s3cret")
		got := rk.SecretVars(cfg.Env)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s %v: SecretVars = %q, want %q (container env %v)", tt.image, tt.env, got, tt.want, cfg.Env)
		}
		for _, v := range got {
			if cfg.Env[v] == "" {
				t.Errorf("%s %v: SecretVars names %s, which the container env does not set", tt.image, tt.env, v)
			}
		}
	}

	// Only names set, and set to something: an empty value is no password.
	env := map[string]string{"POSTGRES_PASSWORD": "", "POSTGRES_USER": "app", "PGDATA": "/x"}
	if got := (Postgres{}).SecretVars(env); got != nil {
		t.Errorf("SecretVars(%v) = %q, want none", env, got)
	}
	if got := (MySQL{family: mysqlMariaDB}).SecretVars(nil); got != nil {
		t.Errorf("SecretVars(nil) = %q, want none", got)
	}
}

// hostilePasswords end or bend a literal quoted without care.
var hostilePasswords = []string{
	"plain",
	"",
	"it's",
	`back\slash`,
	`trailing\`,
	`'`,
	`\'`,
	`\\'`,
	`'\`,
	`''`,
	`\'; DROP ROLE app; --`,
	`' OR '1'='1`,
	`"double" and ` + "`back`",
	`$$dollar$$`,
	`E'x\'`,
	"new\nline\r\ttab",
	"ctrl-z\x1a",
	"ünïcødé €",
	`%_wildcards_%`,
}

// pgUnquote reads one PostgreSQL string literal at the start of s, as the
// server's lexer does, and returns its value and what follows it.
func pgUnquote(s string) (value, rest string, err error) {
	escapes := false
	if strings.HasPrefix(s, "E'") || strings.HasPrefix(s, "e'") {
		escapes, s = true, s[1:]
	}
	if !strings.HasPrefix(s, "'") {
		return "", s, fmt.Errorf("no literal at %q", s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case c == '\'':
			return b.String(), s[i+1:], nil
		case c == '\\' && escapes && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated literal")
}

// pgUnquoteIdent reads one double-quoted identifier at the start of s.
func pgUnquoteIdent(s string) (value, rest string, err error) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, fmt.Errorf("no quoted identifier at %q", s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '"' && i+1 < len(s) && s[i+1] == '"':
			b.WriteByte('"')
			i++
		case s[i] == '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", errors.New("unterminated identifier")
}

// mysqlUnquote reads one single-quoted MySQL string literal at the start of
// s, as the server's lexer does without NO_BACKSLASH_ESCAPES.
func mysqlUnquote(s string) (value, rest string, err error) {
	if !strings.HasPrefix(s, "'") {
		return "", s, fmt.Errorf("no literal at %q", s)
	}
	unescape := map[byte]string{'0': "\x00", 'b': "\b", 'n': "\n", 'r': "\r", 't': "\t", 'Z': "\x1a", '%': `\%`, '_': `\_`}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case c == '\'':
			return b.String(), s[i+1:], nil
		case c == '\\' && i+1 < len(s):
			i++
			if u, ok := unescape[s[i]]; ok {
				b.WriteString(u)
			} else {
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated literal")
}

// parsePGAlterRole reads what pgx sends for ALTER ROLE: the role and the
// password, and fails on anything left over.
func parsePGAlterRole(stmt string) (role, password string, err error) {
	rest, ok := strings.CutPrefix(stmt, "ALTER ROLE ")
	if !ok {
		return "", "", fmt.Errorf("not ALTER ROLE: %q", stmt)
	}
	if role, rest, err = pgUnquoteIdent(rest); err != nil {
		return "", "", err
	}
	if rest, ok = strings.CutPrefix(rest, " PASSWORD "); !ok {
		return "", "", fmt.Errorf("no PASSWORD in %q", stmt)
	}
	if password, rest, err = pgUnquote(rest); err != nil {
		return "", "", err
	}
	if rest != "" {
		return "", "", fmt.Errorf("%q left after the password in %q", rest, stmt)
	}
	return role, password, nil
}

func TestPostgresQuoting(t *testing.T) {
	for _, pw := range hostilePasswords {
		stmt := "ALTER ROLE " + pgIdent(pw) + " PASSWORD " + pgLiteral(pw)
		role, got, err := parsePGAlterRole(stmt)
		if err != nil || role != pw || got != pw {
			t.Errorf("%q: %s reads as role %q password %q (%v)", pw, stmt, role, got, err)
		}
		// Without backslashes the plain form, which any server reads alike;
		// with them the E form, whose reading does not depend on
		// standard_conforming_strings.
		if lit := pgLiteral(pw); strings.HasPrefix(lit, "E") != strings.Contains(pw, `\`) {
			t.Errorf("pgLiteral(%q) = %s", pw, lit)
		}
	}
	for pw, want := range map[string]string{
		`it's`:       `'it''s'`,
		`back\slash`: `E'back\\slash'`,
		`\'`:         `E'\\'''`,
		`ünï`:        `'ünï'`,
	} {
		if got := pgLiteral(pw); got != want {
			t.Errorf("pgLiteral(%q) = %s, want %s", pw, got, want)
		}
	}
	if got, want := pgIdent(`my "app"`), `"my ""app"""`; got != want {
		t.Errorf("pgIdent = %s, want %s", got, want)
	}
}

func TestMySQLQuoting(t *testing.T) {
	for _, pw := range append(hostilePasswords, "nul\x00byte") {
		for _, mariadb := range []bool{false, true} {
			stmt := mysqlSetPassword(mariadb, pw, pw, pw)
			rest, ok := strings.CutPrefix(stmt, "SET PASSWORD FOR ")
			user, rest, err1 := mysqlUnquote(rest)
			rest, ok2 := strings.CutPrefix(rest, "@")
			host, rest, err2 := mysqlUnquote(rest)
			rest, ok3 := strings.CutPrefix(rest, " = ")
			if mariadb {
				rest, ok3 = strings.CutPrefix(rest, "PASSWORD(")
				rest = strings.TrimSuffix(rest, ")")
			}
			got, rest, err3 := mysqlUnquote(rest)
			if !ok || !ok2 || !ok3 || errors.Join(err1, err2, err3) != nil || rest != "" || user != pw || host != pw || got != pw {
				t.Errorf("%q (mariadb %v): %s reads as %q@%q = %q, %q left (%v)", pw, mariadb, stmt, user, host, got, rest, errors.Join(err1, err2, err3))
			}
		}
	}
	for pw, want := range map[string]string{
		`it's`:          `'it\'s'`,
		`back\slash`:    `'back\\slash'`,
		`\'`:            `'\\\''`,
		"a\x00b\nc\x1a": `'a\0b\nc\Z'`,
		`%_`:            `'%_'`,
	} {
		if got := mysqlLiteral(pw); got != want {
			t.Errorf("mysqlLiteral(%q) = %s, want %s", pw, got, want)
		}
	}
	// MariaDB reads a plain string after = as a hash; MySQL 8 has no
	// PASSWORD() any more.
	if got, want := mysqlSetPassword(true, "root", "%", "pw"), `SET PASSWORD FOR 'root'@'%' = PASSWORD('pw')`; got != want {
		t.Errorf("MariaDB: %s, want %s", got, want)
	}
	if got, want := mysqlSetPassword(false, "root", "localhost", "pw"), `SET PASSWORD FOR 'root'@'localhost' = 'pw'`; got != want {
		t.Errorf("MySQL: %s, want %s", got, want)
	}
}

func TestMySQLAccounts(t *testing.T) {
	tests := []struct {
		image    string
		env, old map[string]string
		root     rekeyAccount
		user     *rekeyAccount
	}{
		{"mysql:8.4", map[string]string{"MYSQL_ROOT_PASSWORD": "r2"}, map[string]string{"MYSQL_ROOT_PASSWORD": "r1"},
			rekeyAccount{"root", "r1", "r2"}, nil},
		{"mysql:8.4", map[string]string{"MYSQL_ROOT_PASSWORD": "r2", "MYSQL_USER": "app", "MYSQL_PASSWORD": "u2"},
			map[string]string{"MYSQL_ROOT_PASSWORD": "r1", "MYSQL_PASSWORD": "u1"},
			rekeyAccount{"root", "r1", "r2"}, &rekeyAccount{"app", "u1", "u2"}},
		// MariaDB's own names win over the aliases, in old as in env.
		{"mariadb:11", map[string]string{"MARIADB_ROOT_PASSWORD": "r2", "MYSQL_ROOT_PASSWORD": "r2", "MYSQL_USER": "app", "MARIADB_PASSWORD": "u2"},
			map[string]string{"MARIADB_ROOT_PASSWORD": "r1", "MYSQL_ROOT_PASSWORD": "stale", "MYSQL_PASSWORD": "u1"},
			rekeyAccount{"root", "r1", "r2"}, &rekeyAccount{"app", "u1", "u2"}},
		{"bitnami/mysql:8.0", map[string]string{"MYSQL_ROOT_USER": "admin", "MYSQL_ROOT_PASSWORD": "r2", "MYSQL_USER": "app", "MYSQL_PASSWORD": "u2"},
			map[string]string{"MYSQL_ROOT_PASSWORD": "r1", "MYSQL_PASSWORD": "u1"},
			rekeyAccount{"admin", "r1", "r2"}, &rekeyAccount{"app", "u1", "u2"}},
		{"bitnami/mariadb:11.4", map[string]string{"MARIADB_ROOT_PASSWORD": "r2", "MARIADB_USER": "root"},
			map[string]string{"MARIADB_ROOT_PASSWORD": "r1"},
			rekeyAccount{"root", "r1", "r2"}, nil},
	}
	for _, tt := range tests {
		m := ForImage(tt.image).(MySQL)
		root, user := m.mysqlAccounts(tt.env, tt.old)
		if root != tt.root || (user == nil) != (tt.user == nil) || (user != nil && *user != *tt.user) {
			t.Errorf("%s: accounts %+v %+v, want %+v %+v", tt.image, root, user, tt.root, tt.user)
		}
	}
}

func TestLoginEither(t *testing.T) {
	refused := probeFailed(ErrRefused, errors.New("dial: connection refused"))
	denied := probeFailed(ErrAuth, errors.New("password authentication failed"))
	tests := []struct {
		name     string
		account  rekeyAccount
		answers  map[string]error // password -> login's error
		tried    []string
		usingNew bool
		reason   error
	}{
		{"old logs in", rekeyAccount{"app", "o", "n"}, map[string]error{"o": nil}, []string{"o"}, false, nil},
		{"new logs in: rekeyed before", rekeyAccount{"app", "o", "n"}, map[string]error{"o": denied, "n": nil}, []string{"o", "n"}, true, nil},
		{"neither logs in", rekeyAccount{"app", "o", "n"}, map[string]error{"o": denied, "n": denied}, []string{"o", "n"}, false, ErrAuth},
		{"server down: no second try", rekeyAccount{"app", "o", "n"}, map[string]error{"o": refused}, []string{"o"}, false, ErrRefused},
		{"same password: one try", rekeyAccount{"app", "p", "p"}, map[string]error{"p": denied}, []string{"p"}, false, ErrAuth},
		{"no old password", rekeyAccount{"app", "", "n"}, map[string]error{"n": nil}, []string{"n"}, true, nil},
		{"no password at all", rekeyAccount{"app", "", ""}, nil, nil, false, ErrAuth},
	}
	for _, tt := range tests {
		var tried []string
		login := func(_ context.Context, pw string) (string, error) {
			tried = append(tried, pw)
			if err := tt.answers[pw]; err != nil {
				return "", err
			}
			return "conn:" + pw, nil
		}
		conn, usingNew, err := loginEither(context.Background(), "postgres", tt.account, login)
		wantReason(t, tt.name, err, tt.reason)
		if !slices.Equal(tried, tt.tried) || usingNew != tt.usingNew {
			t.Errorf("%s: tried %q, using new %v; want %q, %v", tt.name, tried, usingNew, tt.tried, tt.usingNew)
		}
		if err == nil && conn != "conn:"+tried[len(tried)-1] {
			t.Errorf("%s: connection %q is not the one that logged in", tt.name, conn)
		}
		if err != nil && strings.Contains(err.Error(), "conn:") {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// fakeRoles is a PostgreSQL server holding roles and their passwords, which
// lets a role change only its own password, as a role without CREATEROLE
// may.
type fakeRoles struct {
	mu     sync.Mutex
	pw     map[string]string
	logins int
	alters []string
}

func (f *fakeRoles) password(role string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pw[role]
}

func (f *fakeRoles) serve(t *testing.T) int {
	return fakePostgres(t, func(be *pgproto3.Backend, s *pgproto3.StartupMessage) {
		user := s.Parameters["user"]
		pw, ok := pgPassword(be)
		if !ok {
			return
		}
		f.mu.Lock()
		f.logins++
		want, exists := f.pw[user]
		f.mu.Unlock()
		if !exists || pw != want {
			pgFatal(be, "28P01", `password authentication failed for user "`+user+`"`)
			return
		}
		be.Send(&pgproto3.AuthenticationOk{})
		be.Send(&pgproto3.BackendKeyData{ProcessID: 1, SecretKey: []byte{0, 0, 0, 1}})
		be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		be.Flush()
		for {
			msg, err := be.Receive()
			if err != nil {
				return
			}
			switch m := msg.(type) {
			case *pgproto3.Query:
				role, newPW, err := parsePGAlterRole(m.String)
				f.mu.Lock()
				switch {
				case m.String == "SELECT 1":
					be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT 1")})
				case err != nil:
					t.Errorf("fake postgres: %v", err)
					be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", Code: "42601", Message: err.Error()})
				case role != user:
					be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", Code: "42501", Message: "permission denied to alter role"})
				default:
					f.pw[role] = newPW
					f.alters = append(f.alters, role)
					be.Send(&pgproto3.CommandComplete{CommandTag: []byte("ALTER ROLE")})
				}
				f.mu.Unlock()
				be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
				be.Flush()
			case *pgproto3.Terminate:
				return
			}
		}
	})
}

func TestPostgresRekey(t *testing.T) {
	const hostile = `n'ew\pa"ss'; --`
	ctx := probeCtx(t, 10*time.Second)
	official := Postgres{}
	roles := &fakeRoles{pw: map[string]string{"app": "0ld-s3cret"}}
	ep := Endpoint{Host: "127.0.0.1", Port: roles.serve(t), Credentials: Credentials{User: "app", Password: hostile, Database: "shop"}}
	env := map[string]string{"POSTGRES_USER": "app", "POSTGRES_PASSWORD": hostile}
	old := map[string]string{"POSTGRES_PASSWORD": "0ld-s3cret"}

	if err := official.Rekey(ctx, ep, env, old); err != nil {
		t.Fatalf("Rekey: %v", err)
	}
	if got := roles.password("app"); got != hostile {
		t.Fatalf("app's password is %q, want %q", got, hostile)
	}
	if err := official.Probe(ctx, ep); err != nil {
		t.Errorf("Probe after Rekey: %v", err)
	}
	// Again, as after a crash that followed the change: the new password
	// logs in, and nothing is altered twice.
	if err := official.Rekey(ctx, ep, env, old); err != nil {
		t.Errorf("second Rekey: %v", err)
	}
	if len(roles.alters) != 1 {
		t.Errorf("ALTER ROLE for %q, want once for app", roles.alters)
	}
	// The data answering to neither password.
	roles.mu.Lock()
	roles.pw["app"] = "someone else's"
	roles.mu.Unlock()
	err := official.Rekey(ctx, ep, env, old)
	if !errors.Is(err, ErrAuth) || strings.Contains(err.Error(), hostile) || strings.Contains(err.Error(), "0ld-s3cret") {
		t.Errorf("Rekey with neither password: %v, want ErrAuth without the passwords", err)
	}
	// Nothing differs: no login at all.
	roles.mu.Lock()
	roles.logins = 0
	roles.mu.Unlock()
	if err := official.Rekey(ctx, ep, env, env); err != nil || roles.logins != 0 {
		t.Errorf("Rekey with old == new: %v after %d logins, want nil after none", err, roles.logins)
	}
}

func TestPostgresRekeyBitnami(t *testing.T) {
	ctx := probeCtx(t, 10*time.Second)
	bitnami := ForImage("bitnami/postgresql:16").(Postgres)

	// A custom user, and a superuser password of production's: each role
	// changes its own.
	roles := &fakeRoles{pw: map[string]string{"app": "u1", "postgres": "a1"}}
	ep := Endpoint{Host: "127.0.0.1", Port: roles.serve(t), Credentials: Credentials{User: "app", Password: "u2", Database: "shop"}}
	env := map[string]string{"POSTGRESQL_USERNAME": "app", "POSTGRESQL_PASSWORD": "u2", "POSTGRES_PASSWORD": "u2", "POSTGRESQL_POSTGRES_PASSWORD": "a2"}
	old := map[string]string{"POSTGRESQL_PASSWORD": "u1", "POSTGRES_PASSWORD": "u1", "POSTGRESQL_POSTGRES_PASSWORD": "a1"}
	if err := bitnami.Rekey(ctx, ep, env, old); err != nil {
		t.Fatalf("Rekey: %v", err)
	}
	if got := [2]string{roles.password("app"), roles.password("postgres")}; got != [2]string{"u2", "a2"} {
		t.Errorf("passwords of app and postgres: %q, want u2 and a2", got)
	}

	// A rekey that stopped after the app user: the superuser follows.
	roles = &fakeRoles{pw: map[string]string{"app": "u2", "postgres": "a1"}}
	ep.Port = roles.serve(t)
	if err := bitnami.Rekey(ctx, ep, env, old); err != nil {
		t.Fatalf("Rekey after a half-done one: %v", err)
	}
	if !slices.Equal(roles.alters, []string{"postgres"}) || roles.password("postgres") != "a2" {
		t.Errorf("altered %q, postgres's password %q; want postgres only, a2", roles.alters, roles.password("postgres"))
	}

	// Without a superuser password the superuser is left alone: Bitnami
	// gave it none, so it cannot log in over the network.
	roles = &fakeRoles{pw: map[string]string{"app": "u1"}}
	ep.Port = roles.serve(t)
	delete(env, "POSTGRESQL_POSTGRES_PASSWORD")
	if err := bitnami.Rekey(ctx, ep, env, old); err != nil {
		t.Fatalf("Rekey without a superuser password: %v", err)
	}
	if roles.password("app") != "u2" || !slices.Equal(roles.alters, []string{"app"}) {
		t.Errorf("altered %q, app's password %q; want app only, u2", roles.alters, roles.password("app"))
	}

	// The app user being postgres, POSTGRESQL_PASSWORD is its password and
	// the superuser variable goes unread.
	roles = &fakeRoles{pw: map[string]string{"postgres": "u1"}}
	ep.Port, ep.Credentials.User = roles.serve(t), "postgres"
	env = map[string]string{"POSTGRESQL_PASSWORD": "u2", "POSTGRESQL_POSTGRES_PASSWORD": "a2"}
	old = map[string]string{"POSTGRESQL_PASSWORD": "u1", "POSTGRESQL_POSTGRES_PASSWORD": "a1"}
	if err := bitnami.Rekey(ctx, ep, env, old); err != nil {
		t.Fatalf("Rekey as postgres: %v", err)
	}
	if roles.password("postgres") != "u2" {
		t.Errorf("postgres's password is %q, want u2", roles.password("postgres"))
	}
}

// Rekey reports why it could not log in, as the probe does, and keeps to
// ctx's deadline.
func TestRekeyReasons(t *testing.T) {
	stacks := []struct {
		st       Rekeyer
		env, old map[string]string
	}{
		{Postgres{}, map[string]string{"POSTGRES_PASSWORD": "new"}, map[string]string{"POSTGRES_PASSWORD": "old"}},
		{MySQL{family: mysqlMariaDB}, map[string]string{"MARIADB_ROOT_PASSWORD": "new"}, map[string]string{"MARIADB_ROOT_PASSWORD": "old"}},
	}
	for _, s := range stacks {
		for _, tt := range []probeCase{
			{"closed port", closedPort(t), time.Second, ErrRefused},
			{"silent server", serve(t, hold), 300 * time.Millisecond, ErrTimeout},
		} {
			name := fmt.Sprintf("%T %s", s.st, tt.name)
			ep := Endpoint{Host: "127.0.0.1", Port: tt.port, Credentials: Credentials{User: "root", Password: "new"}}
			start := time.Now()
			err := s.st.Rekey(probeCtx(t, tt.wait), ep, s.env, s.old)
			wantReason(t, name, err, tt.reason)
			if took := time.Since(start); took > tt.wait+time.Second {
				t.Errorf("%s: Rekey took %s, past its deadline", name, took)
			}
		}
		// Nothing to change: no connection is made, so a closed port is fine.
		ep := Endpoint{Host: "127.0.0.1", Port: closedPort(t)}
		if err := s.st.Rekey(probeCtx(t, time.Second), ep, s.env, s.env); err != nil {
			t.Errorf("%T: Rekey with old == new: %v", s.st, err)
		}
	}
}
