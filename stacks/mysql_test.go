package stacks

import (
	"encoding/binary"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestMySQLConfigure(t *testing.T) {
	tests := []struct {
		name    string
		image   string
		env     map[string]string
		want    Credentials
		wantEnv map[string]string // "" = must be absent
	}{
		{
			"official, app user and database",
			"mysql:8.0",
			map[string]string{"MYSQL_ROOT_PASSWORD": "", "MYSQL_USER": "shop", "MYSQL_PASSWORD": "", "MYSQL_DATABASE": "shop"},
			Credentials{User: "shop", Password: secret, Database: "shop"},
			map[string]string{"MYSQL_ROOT_PASSWORD": secret, "MYSQL_PASSWORD": secret, "MYSQL_USER": "shop", "MYSQL_DATABASE": "shop"},
		},
		{
			"official, root only, from secret files and an empty-password switch",
			"mysql:8.0",
			map[string]string{"MYSQL_ROOT_PASSWORD_FILE": "/run/secrets/root", "MYSQL_ALLOW_EMPTY_PASSWORD": "yes", "MYSQL_DATABASE": "app"},
			Credentials{User: "root", Password: secret, Database: "app"},
			map[string]string{"MYSQL_ROOT_PASSWORD": secret, "MYSQL_ROOT_PASSWORD_FILE": "", "MYSQL_ALLOW_EMPTY_PASSWORD": ""},
		},
		{
			"official, random root password: parity's instead",
			"mysql:5.7",
			map[string]string{"MYSQL_RANDOM_ROOT_PASSWORD": "yes", "MYSQL_USER": "app", "MYSQL_PASSWORD_FILE": "/run/secrets/app"},
			Credentials{User: "app", Password: secret},
			map[string]string{"MYSQL_RANDOM_ROOT_PASSWORD": "", "MYSQL_PASSWORD": secret, "MYSQL_PASSWORD_FILE": "", "MYSQL_ROOT_PASSWORD": secret},
		},
		{
			"MYSQL_USER=root, which the image refuses: root alone",
			"mysql:8.0",
			map[string]string{"MYSQL_USER": "root", "MYSQL_PASSWORD": "", "MYSQL_ROOT_PASSWORD": ""},
			Credentials{User: "root", Password: secret},
			map[string]string{"MYSQL_USER": "", "MYSQL_PASSWORD": "", "MYSQL_ROOT_PASSWORD": secret},
		},
		{
			"mariadb, MARIADB_* with MYSQL_* aliases",
			"mariadb:10.11",
			map[string]string{"MARIADB_ROOT_PASSWORD": "", "MYSQL_USER": "app", "MARIADB_PASSWORD": "", "MARIADB_DATABASE": "shop", "MARIADB_ROOT_PASSWORD_HASH": "*ABC"},
			Credentials{User: "app", Password: secret, Database: "shop"},
			map[string]string{"MARIADB_ROOT_PASSWORD": secret, "MARIADB_PASSWORD": secret, "MARIADB_ROOT_PASSWORD_HASH": ""},
		},
		{
			"mariadb with MYSQL_* names only",
			"mariadb:10.11",
			map[string]string{"MYSQL_ROOT_PASSWORD": "", "MYSQL_DATABASE": "shop"},
			Credentials{User: "root", Password: secret, Database: "shop"},
			map[string]string{"MYSQL_ROOT_PASSWORD": secret, "MARIADB_ROOT_PASSWORD": secret},
		},
		{
			"bitnami mysql with a user",
			"bitnami/mysql:8.0",
			map[string]string{"MYSQL_ROOT_PASSWORD": "", "MYSQL_USER": "app", "MYSQL_PASSWORD": "", "MYSQL_DATABASE": "app", "ALLOW_EMPTY_PASSWORD": "yes"},
			Credentials{User: "app", Password: secret, Database: "app"},
			map[string]string{"MYSQL_ROOT_PASSWORD": secret, "MYSQL_PASSWORD": secret, "ALLOW_EMPTY_PASSWORD": ""},
		},
		{
			"bitnami mariadb, custom root user",
			"bitnami/mariadb:11",
			map[string]string{"MARIADB_ROOT_USER": "admin"},
			Credentials{User: "admin", Password: secret},
			map[string]string{"MARIADB_ROOT_PASSWORD": secret},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg := ForImage(tt.image).Configure(Service{Name: "db", Image: tt.image, Env: env}, secret)
			if cfg.Credentials != tt.want {
				t.Errorf("credentials = %+v, want %+v", cfg.Credentials, tt.want)
			}
			for k, v := range tt.wantEnv {
				got, ok := cfg.Env[k]
				if v == "" && ok {
					t.Errorf("env %s = %q, want it removed", k, got)
				}
				if v != "" && got != v {
					t.Errorf("env %s = %q, want %q", k, got, v)
				}
			}
			if len(env) != len(tt.env) {
				t.Error("Configure changed the manifest's env map")
			}
		})
	}
}

func TestMySQLURLAndShell(t *testing.T) {
	m := ForImage("mariadb:10.11")
	ep := Endpoint{Host: "127.0.0.1", Port: 3307, Credentials: Credentials{User: "app", Password: "p@ss/word", Database: "shop"}}
	u, err := url.Parse(m.URL(ep))
	if err != nil {
		t.Fatal(err)
	}
	if pw, _ := u.User.Password(); u.Scheme != "mysql" || u.Host != "127.0.0.1:3307" || u.User.Username() != "app" || pw != "p@ss/word" || u.Path != "/shop" {
		t.Errorf("URL = %s", m.URL(ep))
	}
	if got := m.Shell(ep.Credentials); strings.Join(got.Args, " ") != "mariadb -uapp shop" || len(got.Env) != 1 || got.Env["MYSQL_PWD"] != "p@ss/word" {
		t.Errorf("Shell = %+v", got)
	}
	if got := ForImage("mysql:8").Shell(Credentials{User: "root"}); strings.Join(got.Args, " ") != "mysql -uroot" || len(got.Env) != 0 {
		t.Errorf("mysql Shell = %+v", got)
	}
	vars := m.Vars()
	if len(vars) != 2 || vars[0] != "MYSQL_URL" || vars[1] != "DATABASE_URL" {
		t.Errorf("Vars = %v", vars)
	}
}

// mysqlErrPacket answers a new connection with a MySQL ERR packet instead
// of the handshake, as a server does when it refuses a client outright
// (too many connections, host not allowed); the driver reports it as a
// *mysql.MySQLError, like an error after the login.
func mysqlErrPacket(code uint16, msg string) func(net.Conn) {
	return func(c net.Conn) {
		payload := []byte{0xff, 0, 0, '#', 'H', 'Y', '0', '0', '0'}
		binary.LittleEndian.PutUint16(payload[1:3], code)
		payload = append(payload, msg...)
		hdr := []byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), 0}
		_, _ = c.Write(append(hdr, payload...))
		hold(c)
	}
}

func TestMySQLProbeReasons(t *testing.T) {
	m := ForImage("mysql:8")
	creds := Credentials{User: "app", Password: "x", Database: "app"}
	checkProbeReasons(t, m, creds, []probeCase{
		{"nothing listens", closedPort(t), 2 * time.Second, ErrRefused},
		{"proxy with nobody behind it", serve(t, hangUp), 2 * time.Second, ErrNoAnswer},
		{"accepts and says nothing", serve(t, hold), 300 * time.Millisecond, ErrTimeout},
		{"access denied", serve(t, mysqlErrPacket(1045, "Access denied for user 'app'@'172.17.0.1'")), 2 * time.Second, ErrAuth},
		{"host not allowed", serve(t, mysqlErrPacket(1130, "Host '172.17.0.1' is not allowed to connect")), 2 * time.Second, ErrAuth},
		{"unknown database", serve(t, mysqlErrPacket(1049, "Unknown database 'app'")), 2 * time.Second, ErrNoDatabase},
		{"too many connections", serve(t, mysqlErrPacket(1040, "Too many connections")), 2 * time.Second, ErrStarting},
	})
}

func TestMySQLTakesTheUserAndDatabaseTheAppWantsWhereTheManifestNamesNone(t *testing.T) {
	for _, image := range []string{"mysql:8.4", "mariadb:11"} {
		cfg := ForImage(image).Configure(Service{Name: "db", Image: image, Wanted: Credentials{User: "shop", Database: "shop_dev"}}, "s3cret")
		if cfg.Credentials.User != "shop" || cfg.Credentials.Database != "shop_dev" || cfg.Credentials.Password != "s3cret" {
			t.Errorf("%s: credentials %+v", image, cfg.Credentials)
		}
		user, db := "MYSQL_USER", "MYSQL_DATABASE"
		if image == "mariadb:11" {
			user, db = "MARIADB_USER", "MARIADB_DATABASE"
		}
		if cfg.Env[user] != "shop" || cfg.Env[db] != "shop_dev" {
			t.Errorf("%s: env %v", image, cfg.Env)
		}
	}
}
