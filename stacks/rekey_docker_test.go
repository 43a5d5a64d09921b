package stacks

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

// These tests run real servers from the testbed's registry, which they need
// (PARITY_TEST_REGISTRY, or the testbed's registry.addr); without it they
// skip, and with CI=true they fail.

// rekeyServer is a server started with one Config's environment, as a
// template's data would have been initialised.
type rekeyServer struct {
	c    *testbed.Container
	port int
}

func startRekeyServer(t *testing.T, image string, cfg Config, containerPort int) rekeyServer {
	t.Helper()
	c := testbed.Run(t, testbed.Project(t), testbed.RunOptions{
		Image: image,
		Env:   cfg.Env,
		Ports: []string{strconv.Itoa(containerPort)},
	})
	port, err := strconv.Atoi(c.HostPort(t, strconv.Itoa(containerPort)))
	if err != nil {
		t.Fatal(err)
	}
	return rekeyServer{c: c, port: port}
}

func (s rekeyServer) endpoint(creds Credentials) Endpoint {
	return Endpoint{Host: "127.0.0.1", Port: s.port, Credentials: creds}
}

// waitProbe waits until st's probe logs in with creds, which on a fresh
// volume is after the image's initialisation.
func (s rekeyServer) waitProbe(t *testing.T, st Stack, creds Credentials) {
	t.Helper()
	var last error
	err := testbed.Poll(3*time.Minute, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		last = st.Probe(ctx, s.endpoint(creds))
		return last == nil, Reason(last)
	})
	if err != nil {
		t.Fatalf("%s never answered to %s: %v (%v)\n%s", s.c.Image, creds.User, err, last, s.c.Logs(t))
	}
}

// oldValues is what the engine keeps of a data directory's initialisation:
// the values of the variables SecretVars names.
func oldValues(rk Rekeyer, env map[string]string) map[string]string {
	old := map[string]string{}
	for _, v := range rk.SecretVars(env) {
		old[v] = env[v]
	}
	return old
}

// checkRekeyed runs Rekey from first's passwords to second's on s and
// checks that second's credentials then log in, first's do not, and that a
// second Rekey is a no-op.
func checkRekeyed(t *testing.T, s rekeyServer, st Stack, first, second Config, logins func(Config) []Credentials) {
	t.Helper()
	rk := st.(Rekeyer)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	old := oldValues(rk, first.Env)
	if maps.Equal(old, oldValues(rk, second.Env)) {
		t.Fatalf("the two configurations have the same passwords: %v", old)
	}

	if err := rk.Rekey(ctx, s.endpoint(second.Credentials), second.Env, old); err != nil {
		t.Fatalf("Rekey: %v\n%s", err, s.c.Logs(t))
	}
	for _, creds := range logins(second) {
		if err := st.Probe(ctx, s.endpoint(creds)); err != nil {
			t.Errorf("probe as %s with the new password: %v", creds.User, err)
		}
	}
	for _, creds := range logins(first) {
		if err := st.Probe(ctx, s.endpoint(creds)); !errors.Is(err, ErrAuth) {
			t.Errorf("probe as %s with the old password: %v, want ErrAuth", creds.User, err)
		}
	}
	// Idempotent: the data already holds the new passwords.
	if err := rk.Rekey(ctx, s.endpoint(second.Credentials), second.Env, old); err != nil {
		t.Errorf("second Rekey: %v", err)
	}
	for _, creds := range logins(second) {
		if err := st.Probe(ctx, s.endpoint(creds)); err != nil {
			t.Errorf("probe as %s after the second Rekey: %v", creds.User, err)
		}
	}
	// Data that answers to neither the old nor the new passwords.
	wrong := maps.Clone(second.Env)
	for _, v := range rk.SecretVars(wrong) {
		wrong[v] = "not-" + wrong[v]
	}
	err := rk.Rekey(ctx, s.endpoint(second.Credentials), wrong, map[string]string{rk.SecretVars(wrong)[0]: "neither"})
	if !errors.Is(err, ErrAuth) {
		t.Errorf("Rekey with passwords the data does not hold: %v, want ErrAuth", err)
	}
}

func TestDockerRekeyPostgres(t *testing.T) {
	image := testbed.Registry(t) + "/library/postgres:15"
	st := ForImage(image)
	if _, ok := st.(Postgres); !ok {
		t.Fatalf("%s is %s, want postgres", image, st.Kind())
	}
	svc := Service{Name: "db", Image: image, Env: map[string]string{"POSTGRES_USER": "app", "POSTGRES_DB": "shop"}}
	for _, tt := range []struct{ name, first, second string }{
		{"plain", "first-secret", "second-secret"},
		// Manifest literals may hold anything; both logins and the ALTER
		// ROLE statement must carry these whole.
		{"quotes and backslashes", `o'ld\pa"ss\`, `n'e''w\\pa$$s'; --`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			first := st.Configure(svc, tt.first)
			second := st.Configure(svc, tt.second)
			s := startRekeyServer(t, image, first, 5432)
			s.waitProbe(t, st, first.Credentials)
			checkRekeyed(t, s, st, first, second, func(c Config) []Credentials { return []Credentials{c.Credentials} })
		})
	}
}

func TestDockerRekeyMariaDB(t *testing.T) {
	image := testbed.Registry(t) + "/library/mariadb:10.11"
	st := ForImage(image)
	if m, ok := st.(MySQL); !ok || m.family != mysqlMariaDB {
		t.Fatalf("%s is %s, want the mariadb family", image, st.Kind())
	}
	// The root password is a manifest literal with quotes and backslashes;
	// the app user's is parity's secret.
	svc := func(root string) Service {
		return Service{Name: "db", Image: image, Env: map[string]string{
			"MARIADB_ROOT_PASSWORD": root, "MYSQL_USER": "app", "MYSQL_PASSWORD": "", "MYSQL_DATABASE": "shop",
		}}
	}
	first := st.Configure(svc(`r'oot\one"`), "app-first")
	second := st.Configure(svc(`r''oot\\two'; --`), "app-second")
	s := startRekeyServer(t, image, first, 3306)
	root := func(c Config) Credentials {
		return Credentials{User: "root", Password: c.Env["MARIADB_ROOT_PASSWORD"], Database: "shop"}
	}
	s.waitProbe(t, st, first.Credentials)
	s.waitProbe(t, st, root(first))

	// root@localhost as mariadb-install-db makes it by default: a password
	// or, for the OS root on the socket, unix_socket. Rekey must change the
	// password and keep the socket login.
	exec := func(user, password, sql string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		args := []string{"exec", "-u", user}
		if password != "" {
			args = append(args, "-e", "MYSQL_PWD="+password)
		}
		return testbed.Docker(ctx, append(args, s.c.ID, "mariadb", "--protocol=socket", "-uroot", "-N", "-e", sql)...)
	}
	chain := "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD(" +
		mysqlLiteral(root(first).Password) + ") OR unix_socket"
	if out, err := exec("root", root(first).Password, chain); err != nil {
		t.Fatalf("give root@localhost unix_socket: %v %s", err, out)
	}
	// An account without a password has none to change: MariaDB refuses
	// SET PASSWORD for it, so Rekey must leave it be.
	if out, err := exec("root", root(first).Password, "CREATE USER 'app'@'localhost' IDENTIFIED VIA unix_socket"); err != nil {
		t.Fatalf("add a unix_socket account for app: %v %s", err, out)
	}

	checkRekeyed(t, s, st, first, second, func(c Config) []Credentials { return []Credentials{c.Credentials, root(c)} })

	out, err := exec("root", "", "SHOW CREATE USER 'root'@'localhost'")
	if err != nil || !strings.Contains(out, "unix_socket") || !strings.Contains(out, "mysql_native_password") {
		t.Errorf("root@localhost after Rekey, over the socket as the OS root: %v %s; want both plugins kept", err, out)
	}
	// As another OS user unix_socket fails over to the password.
	if out, err := exec("mysql", root(second).Password, "SELECT 1"); err != nil {
		t.Errorf("root@localhost with the new password: %v %s", err, out)
	}
	if out, err := exec("mysql", root(first).Password, "SELECT 1"); err == nil {
		t.Errorf("root@localhost still takes the old password: %s", out)
	}

	// A rekey that stopped half-way: root already has the third passwords,
	// app still the second. Root logs in with the new one, and app follows.
	third := st.Configure(svc(`third-root`), "app-third")
	for _, host := range []string{"%", "localhost"} {
		sql := "SET PASSWORD FOR 'root'@" + mysqlLiteral(host) + " = PASSWORD(" + mysqlLiteral(root(third).Password) + ")"
		if out, err := exec("mysql", root(second).Password, sql); err != nil {
			t.Fatalf("change root@%s ahead of Rekey: %v %s", host, err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := st.(Rekeyer).Rekey(ctx, s.endpoint(third.Credentials), third.Env, oldValues(st.(Rekeyer), second.Env)); err != nil {
		t.Fatalf("Rekey after a half-done one: %v", err)
	}
	if err := st.Probe(ctx, s.endpoint(third.Credentials)); err != nil {
		t.Errorf("probe as app after a half-done Rekey: %v", err)
	}

	// A user the data has no account for cannot be given a password.
	ghost := st.Configure(Service{Name: "db", Image: image, Env: map[string]string{
		"MARIADB_ROOT_PASSWORD": root(third).Password, "MYSQL_USER": "ghost", "MYSQL_DATABASE": "shop",
	}}, "ghost-new")
	err = st.(Rekeyer).Rekey(ctx, s.endpoint(ghost.Credentials), ghost.Env, map[string]string{"MARIADB_PASSWORD": "ghost-old"})
	if err == nil || !strings.Contains(err.Error(), "no account ghost") {
		t.Errorf("Rekey of a user the data lacks: %v", err)
	}
}
