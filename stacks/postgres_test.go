package stacks

import (
	"net"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

const secret = "s3cr3t-generated"

func TestPostgresConfigureOfficial(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		creds    Credentials
		wantEnv  map[string]string
		absentOK []string // variables that must be gone
	}{
		{
			name:    "defaults",
			env:     nil,
			creds:   Credentials{User: "postgres", Password: secret, Database: "postgres"},
			wantEnv: map[string]string{"POSTGRES_PASSWORD": secret},
		},
		{
			name:    "user only: database follows the user",
			env:     map[string]string{"POSTGRES_USER": "app", "POSTGRES_PASSWORD": ""},
			creds:   Credentials{User: "app", Password: secret, Database: "app"},
			wantEnv: map[string]string{"POSTGRES_USER": "app", "POSTGRES_PASSWORD": secret},
		},
		{
			name:    "user and database",
			env:     map[string]string{"POSTGRES_USER": "app", "POSTGRES_DB": "shop", "PGDATA": "/var/lib/postgresql/data/pgdata"},
			creds:   Credentials{User: "app", Password: secret, Database: "shop"},
			wantEnv: map[string]string{"POSTGRES_USER": "app", "POSTGRES_DB": "shop", "POSTGRES_PASSWORD": secret, "PGDATA": "/var/lib/postgresql/data/pgdata"},
		},
		{
			name:     "production secret files are dropped",
			env:      map[string]string{"POSTGRES_PASSWORD_FILE": "/run/secrets/db_password", "POSTGRES_USER_FILE": "/run/secrets/db_user", "POSTGRES_DB": "shop"},
			creds:    Credentials{User: "postgres", Password: secret, Database: "shop"},
			wantEnv:  map[string]string{"POSTGRES_PASSWORD": secret, "POSTGRES_DB": "shop"},
			absentOK: []string{"POSTGRES_PASSWORD_FILE", "POSTGRES_USER_FILE"},
		},
		{
			name:     "trust is removed so the password is checked",
			env:      map[string]string{"POSTGRES_HOST_AUTH_METHOD": "trust"},
			creds:    Credentials{User: "postgres", Password: secret, Database: "postgres"},
			wantEnv:  map[string]string{"POSTGRES_PASSWORD": secret},
			absentOK: []string{"POSTGRES_HOST_AUTH_METHOD"},
		},
		{
			name:    "other auth methods stay",
			env:     map[string]string{"POSTGRES_HOST_AUTH_METHOD": "md5", "POSTGRES_INITDB_ARGS": "--auth-host=md5"},
			creds:   Credentials{User: "postgres", Password: secret, Database: "postgres"},
			wantEnv: map[string]string{"POSTGRES_HOST_AUTH_METHOD": "md5", "POSTGRES_INITDB_ARGS": "--auth-host=md5", "POSTGRES_PASSWORD": secret},
		},
		{
			name:    "variables unset here are filled with what the image uses",
			env:     map[string]string{"POSTGRES_USER": "", "POSTGRES_DB": "", "POSTGRES_PASSWORD": ""},
			creds:   Credentials{User: "postgres", Password: secret, Database: "postgres"},
			wantEnv: map[string]string{"POSTGRES_USER": "postgres", "POSTGRES_DB": "postgres", "POSTGRES_PASSWORD": secret},
		},
	}
	for _, image := range []string{"postgres:16", "postgis/postgis:16-3.4", "timescale/timescaledb-ha:pg16", "supabase/postgres:15.1.0.147"} {
		st := ForImage(image)
		for _, tt := range tests {
			svc := Service{Name: "db", Image: image, Env: tt.env}
			cfg := st.Configure(svc, secret)
			if cfg.Credentials != tt.creds {
				t.Errorf("%s, %s: credentials %+v, want %+v", image, tt.name, cfg.Credentials, tt.creds)
			}
			if !reflect.DeepEqual(cfg.Env, tt.wantEnv) {
				t.Errorf("%s, %s: env %v, want %v", image, tt.name, cfg.Env, tt.wantEnv)
			}
			if cfg.Command != nil {
				t.Errorf("%s, %s: command %q, want nil (the image's)", image, tt.name, cfg.Command)
			}
		}
	}
}

func TestPostgresConfigureBitnami(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		creds   Credentials
		wantEnv map[string]string
	}{
		{
			name:    "defaults: database is postgres, not the user",
			env:     map[string]string{"ALLOW_EMPTY_PASSWORD": "yes"},
			creds:   Credentials{User: "postgres", Password: secret, Database: "postgres"},
			wantEnv: map[string]string{"ALLOW_EMPTY_PASSWORD": "yes", "POSTGRESQL_PASSWORD": secret},
		},
		{
			name:    "custom user without a superuser password stays so",
			env:     map[string]string{"POSTGRESQL_USERNAME": "app", "POSTGRESQL_DATABASE": "shop", "POSTGRESQL_PASSWORD": ""},
			creds:   Credentials{User: "app", Password: secret, Database: "shop"},
			wantEnv: map[string]string{"POSTGRESQL_USERNAME": "app", "POSTGRESQL_DATABASE": "shop", "POSTGRESQL_PASSWORD": secret},
		},
		{
			name:  "superuser password where production sets one",
			env:   map[string]string{"POSTGRESQL_USERNAME": "app", "POSTGRESQL_DATABASE": "shop", "POSTGRESQL_PASSWORD_FILE": "/run/secrets/a", "POSTGRESQL_POSTGRES_PASSWORD_FILE": "/run/secrets/b"},
			creds: Credentials{User: "app", Password: secret, Database: "shop"},
			wantEnv: map[string]string{"POSTGRESQL_USERNAME": "app", "POSTGRESQL_DATABASE": "shop",
				"POSTGRESQL_PASSWORD": secret, "POSTGRESQL_POSTGRES_PASSWORD": secret},
		},
		{
			name:  "official-style aliases Bitnami also reads",
			env:   map[string]string{"POSTGRES_USER": "app", "POSTGRES_DB": "shop", "POSTGRES_PASSWORD": "", "POSTGRES_POSTGRES_PASSWORD": ""},
			creds: Credentials{User: "app", Password: secret, Database: "shop"},
			wantEnv: map[string]string{"POSTGRES_USER": "app", "POSTGRES_DB": "shop", "POSTGRES_PASSWORD": secret,
				"POSTGRES_POSTGRES_PASSWORD": secret, "POSTGRESQL_PASSWORD": secret, "POSTGRESQL_POSTGRES_PASSWORD": secret},
		},
		{
			name:  "the POSTGRESQL_ name wins over its alias",
			env:   map[string]string{"POSTGRESQL_USERNAME": "app", "POSTGRES_USER": "other"},
			creds: Credentials{User: "app", Password: secret, Database: "postgres"},
			wantEnv: map[string]string{"POSTGRESQL_USERNAME": "app", "POSTGRES_USER": "other",
				"POSTGRESQL_PASSWORD": secret},
		},
	}
	for _, image := range []string{"bitnami/postgresql:16", "bitnamilegacy/postgresql:16.4.0"} {
		st := ForImage(image)
		for _, tt := range tests {
			cfg := st.Configure(Service{Name: "db", Image: image, Env: tt.env}, secret)
			if cfg.Credentials != tt.creds {
				t.Errorf("%s, %s: credentials %+v, want %+v", image, tt.name, cfg.Credentials, tt.creds)
			}
			if !reflect.DeepEqual(cfg.Env, tt.wantEnv) {
				t.Errorf("%s, %s: env %v, want %v", image, tt.name, cfg.Env, tt.wantEnv)
			}
		}
	}
}

func TestPostgresConfigureKeepsManifest(t *testing.T) {
	env := map[string]string{"POSTGRES_PASSWORD": "prod", "POSTGRES_HOST_AUTH_METHOD": "trust"}
	cmd := []string{"postgres", "-c", "max_connections=200"}
	cfg := ForImage("postgres:16").Configure(Service{Env: env, Command: cmd}, secret)
	if !reflect.DeepEqual(cfg.Command, cmd) {
		t.Errorf("command %q, want %q unchanged", cfg.Command, cmd)
	}
	cfg.Command[0] = "changed"
	if cmd[0] != "postgres" || env["POSTGRES_PASSWORD"] != "prod" || env["POSTGRES_HOST_AUTH_METHOD"] != "trust" {
		t.Error("Configure changed the manifest's own env or command")
	}
}

func TestPostgresURL(t *testing.T) {
	p := Postgres{}
	tests := []struct {
		creds Credentials
		want  string
	}{
		{Credentials{User: "app", Password: "pw", Database: "shop"}, "postgres://app:pw@127.0.0.1:55432/shop?sslmode=disable"},
		{Credentials{User: "app", Database: "shop"}, "postgres://app@127.0.0.1:55432/shop?sslmode=disable"},
		{Credentials{User: "a@b", Password: "p@ss:w/rd?#%x", Database: "my db"}, "postgres://a%40b:p%40ss%3Aw%2Frd%3F%23%25x@127.0.0.1:55432/my%20db?sslmode=disable"},
	}
	for _, tt := range tests {
		ep := Endpoint{Host: "127.0.0.1", Port: 55432, Credentials: tt.creds}
		got := p.URL(ep)
		if got != tt.want {
			t.Errorf("URL(%+v) = %q, want %q", tt.creds, got, tt.want)
		}
		// What matters is that clients read back exactly the credentials.
		cfg, err := pgx.ParseConfig(got)
		if err != nil {
			t.Fatalf("pgx cannot parse %q: %v", got, err)
		}
		if cfg.User != tt.creds.User || cfg.Password != tt.creds.Password || cfg.Database != tt.creds.Database ||
			cfg.Host != "127.0.0.1" || cfg.Port != 55432 || cfg.TLSConfig != nil {
			t.Errorf("pgx reads %q as user %q password %q db %q host %s:%d tls %v", got, cfg.User, cfg.Password, cfg.Database, cfg.Host, cfg.Port, cfg.TLSConfig != nil)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("net/url cannot parse %q: %v", got, err)
		}
		if pw, _ := u.User.Password(); pw != tt.creds.Password || u.User.Username() != tt.creds.User {
			t.Errorf("net/url reads %q as %q:%q", got, u.User.Username(), pw)
		}
	}
	ipv6 := p.URL(Endpoint{Host: "::1", Port: 5432, Credentials: Credentials{User: "u", Password: "p", Database: "d"}})
	if ipv6 != "postgres://u:p@[::1]:5432/d?sslmode=disable" {
		t.Errorf("IPv6 URL = %q", ipv6)
	}
}

func TestPostgresShell(t *testing.T) {
	got := Postgres{}.Shell(Credentials{User: "app", Password: "pw", Database: "shop"})
	want := ShellCommand{Args: []string{"psql", "-U", "app", "-d", "shop"}, Env: map[string]string{"PGPASSWORD": "pw"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Shell = %+v, want %+v", got, want)
	}
}

// fakePostgres answers every connection as serve does, speaking the
// PostgreSQL protocol through pgproto3.
func fakePostgres(t *testing.T, handle func(be *pgproto3.Backend, startup *pgproto3.StartupMessage)) int {
	return serve(t, func(c net.Conn) {
		be := pgproto3.NewBackend(c, c)
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return
		}
		startup, ok := msg.(*pgproto3.StartupMessage)
		if !ok {
			t.Errorf("fake postgres: got %T before startup, want a StartupMessage (sslmode=disable)", msg)
			return
		}
		handle(be, startup)
	})
}

func pgFatal(be *pgproto3.Backend, code, message string) {
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: message})
	be.Flush()
}

// pgPassword asks for a cleartext password and returns what the client sent.
func pgPassword(be *pgproto3.Backend) (string, bool) {
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if be.Flush() != nil || be.SetAuthType(pgproto3.AuthTypeCleartextPassword) != nil {
		return "", false
	}
	msg, err := be.Receive()
	if err != nil {
		return "", false
	}
	pw, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return "", false
	}
	return pw.Password, true
}

func TestPostgresProbe(t *testing.T) {
	creds := Credentials{User: "app", Password: "p@ss:w/rd", Database: "shop"}
	startingUp := fakePostgres(t, func(be *pgproto3.Backend, _ *pgproto3.StartupMessage) {
		pgFatal(be, "57P03", "the database system is starting up")
	})
	wrongPassword := fakePostgres(t, func(be *pgproto3.Backend, s *pgproto3.StartupMessage) {
		if _, ok := pgPassword(be); ok {
			pgFatal(be, "28P01", `password authentication failed for user "`+s.Parameters["user"]+`"`)
		}
	})
	noRole := fakePostgres(t, func(be *pgproto3.Backend, s *pgproto3.StartupMessage) {
		pgFatal(be, "28000", `role "`+s.Parameters["user"]+`" does not exist`)
	})
	noDatabase := fakePostgres(t, func(be *pgproto3.Backend, s *pgproto3.StartupMessage) {
		if _, ok := pgPassword(be); ok {
			pgFatal(be, "3D000", `database "`+s.Parameters["database"]+`" does not exist`)
		}
	})
	tooMany := fakePostgres(t, func(be *pgproto3.Backend, _ *pgproto3.StartupMessage) {
		pgFatal(be, "53300", "sorry, too many clients already")
	})
	ready := fakePostgres(t, func(be *pgproto3.Backend, s *pgproto3.StartupMessage) {
		if got := s.Parameters; got["user"] != creds.User || got["database"] != creds.Database || got["application_name"] != "parity" {
			t.Errorf("startup parameters %v, want user %s database %s application_name parity", got, creds.User, creds.Database)
		}
		pw, ok := pgPassword(be)
		if !ok {
			return
		}
		if pw != creds.Password {
			pgFatal(be, "28P01", "password authentication failed")
			return
		}
		be.Send(&pgproto3.AuthenticationOk{})
		be.Send(&pgproto3.ParameterStatus{Name: "server_version", Value: "16.4"})
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
				if m.String != "SELECT 1" {
					t.Errorf("probe query %q, want SELECT 1", m.String)
				}
				be.Send(&pgproto3.RowDescription{Fields: []pgproto3.FieldDescription{{Name: []byte("?column?"), DataTypeOID: 23, DataTypeSize: 4, TypeModifier: -1}}})
				be.Send(&pgproto3.DataRow{Values: [][]byte{[]byte("1")}})
				be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT 1")})
				be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
				be.Flush()
			case *pgproto3.Terminate:
				return
			}
		}
	})

	tests := []struct {
		name   string
		port   int
		reason error // nil: ready
	}{
		{"closed port", closedPort(t), ErrRefused},
		{"proxy with nothing behind it", serve(t, hangUp), ErrNoAnswer},
		{"server accepting but silent", serve(t, hold), ErrTimeout},
		{"starting up", startingUp, ErrStarting},
		{"wrong password", wrongPassword, ErrAuth},
		{"unknown role", noRole, ErrAuth},
		{"no such database", noDatabase, ErrNoDatabase},
		{"ready", ready, nil},
	}
	for _, tt := range tests {
		ep := Endpoint{Host: "127.0.0.1", Port: tt.port, Credentials: creds}
		err := Postgres{}.Probe(probeCtx(t, 500*time.Millisecond), ep)
		wantReason(t, tt.name, err, tt.reason)
	}

	// An error parity has no word for keeps the server's own message.
	err := Postgres{}.Probe(probeCtx(t, 500*time.Millisecond), Endpoint{Host: "127.0.0.1", Port: tooMany, Credentials: creds})
	if err == nil || !strings.Contains(Reason(err), "too many clients") {
		t.Errorf("too many clients: Reason(%v) = %q", err, Reason(err))
	}
}

// The developer's PG* variables must not steer the probe.
func TestPostgresProbeIgnoresPGEnv(t *testing.T) {
	t.Setenv("PGSSLMODE", "require")
	t.Setenv("PGTARGETSESSIONATTRS", "read-only")
	t.Setenv("PGREQUIREAUTH", "scram-sha-256")
	t.Setenv("PGCHANNELBINDING", "require")
	t.Setenv("PGOPTIONS", "-c search_path=elsewhere")
	port := fakePostgres(t, func(be *pgproto3.Backend, s *pgproto3.StartupMessage) {
		if _, ok := s.Parameters["options"]; ok {
			t.Errorf("probe sent PGOPTIONS: %v", s.Parameters)
		}
		if _, ok := pgPassword(be); !ok {
			return
		}
		be.Send(&pgproto3.AuthenticationOk{})
		be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		be.Flush()
		for {
			msg, err := be.Receive()
			if err != nil {
				return
			}
			if _, ok := msg.(*pgproto3.Query); ok {
				be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT 1")})
				be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
				be.Flush()
			}
		}
	})
	ep := Endpoint{Host: "127.0.0.1", Port: port, Credentials: Credentials{User: "u", Password: "p", Database: "d"}}
	if err := (Postgres{}).Probe(probeCtx(t, time.Second), ep); err != nil {
		t.Errorf("probe with PG* variables set: %v", err)
	}
}

func TestPostgresTakesTheUserAndDatabaseTheAppWantsWhereTheManifestNamesNone(t *testing.T) {
	for image, vars := range map[string][2]string{
		"postgres:16":           {"POSTGRES_USER", "POSTGRES_DB"},
		"bitnami/postgresql:16": {"POSTGRESQL_USERNAME", "POSTGRESQL_DATABASE"},
	} {
		st := ForImage(image)
		cfg := st.Configure(Service{Name: "db", Image: image, Wanted: Credentials{User: "shop", Database: "shop_dev"}}, "s3cret")
		if cfg.Credentials.User != "shop" || cfg.Credentials.Database != "shop_dev" || cfg.Env[vars[0]] != "shop" || cfg.Env[vars[1]] != "shop_dev" {
			t.Errorf("%s: credentials %+v env %v", image, cfg.Credentials, cfg.Env)
		}
		// The manifest's own choice wins over what the app asks.
		cfg = st.Configure(Service{Name: "db", Image: image, Env: map[string]string{vars[0]: "owner"}, Wanted: Credentials{User: "shop"}}, "s3cret")
		if cfg.Credentials.User != "owner" {
			t.Errorf("%s: user %q, want the manifest's owner", image, cfg.Credentials.User)
		}
	}
}
