package testbed_test

// End-to-end tests of the testbed's service images (testbed/images.sh and
// testbed/entrypoints/*.sh) against the real engine: the images must honour
// the official postgres and redis images' contracts, since parity's own tests
// use them in place of the real ones. Each test pulls the image through the
// local registry by the name a Compose file would pin.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"

	"github.com/parity-dev/parity/internal/testbed"
)

const readyLine = "database system is ready to accept connections"

func TestMain(m *testing.M) {
	code := m.Run()
	// Every test removes what it made, by label, even when it failed.
	left, err := testbed.Leftovers()
	if err != nil {
		fmt.Fprintln(os.Stderr, "checking for leftover test resources:", err)
		code = 1
	}
	if len(left) > 0 {
		fmt.Fprintf(os.Stderr, "test resources left behind:\n  %s\n", strings.Join(left, "\n  "))
		code = 1
	}
	os.Exit(code)
}

// image returns REGISTRY/library/<name>:<tag>, freshly pulled from the test
// registry (the local tag is removed first, so the pull really happens).
func image(t *testing.T, name, tag string) string {
	t.Helper()
	ref := testbed.Registry(t) + "/library/" + name + ":" + tag
	testbed.PullFresh(t, ref)
	return ref
}

// initDir makes a directory to bind-mount on /docker-entrypoint-initdb.d.
// The entrypoint reads it as the postgres user, so it must be world-readable
// (t.TempDir makes 0700 directories).
func initDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "initdb.d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") && bytes.HasPrefix(body, []byte("#!")) {
			mode = 0o755
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // umask
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func pgConnect(ctx context.Context, addr, user, password, db string) (*pgx.Conn, error) {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, password),
		Host:     addr,
		Path:     "/" + db,
		RawQuery: "sslmode=disable&connect_timeout=5",
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return pgx.Connect(ctx, u.String())
}

// waitPostgres polls until a password connection over TCP works and returns it.
func waitPostgres(t *testing.T, c *testbed.Container, user, password, db string) *pgx.Conn {
	t.Helper()
	addr := c.HostAddr(t, "5432")
	var conn *pgx.Conn
	testbed.WaitFor(t, 3*time.Minute, func() (bool, string) {
		var err error
		conn, err = pgConnect(context.Background(), addr, user, password, db)
		if err != nil {
			if st := state(t, c); st != "running" {
				t.Fatalf("container is %s, not running:\n%s", st, c.Logs(t))
			}
			return false, fmt.Sprintf("connect to %s: %v", addr, err)
		}
		return true, ""
	})
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func state(t *testing.T, c *testbed.Container) string {
	return testbed.MustDocker(t, "inspect", "-f", "{{.State.Status}}", c.ID)
}

func queryString(t *testing.T, conn *pgx.Conn, sql string, args ...any) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func TestRegistryServesPinnedTags(t *testing.T) {
	reg := testbed.Registry(t)
	for repo, want := range map[string]struct {
		tags []string
		real *regexp.Regexp
	}{
		"postgres": {[]string{"15", "15.4", "15-alpine", "15.4-alpine", "15-bookworm"}, regexp.MustCompile(`^15\.\d+$`)},
		"redis":    {[]string{"7", "7.0", "7-alpine", "7.0-alpine", "7-bookworm"}, regexp.MustCompile(`^7\.0\.\d+$`)},
	} {
		resp, err := http.Get("http://" + reg + "/v2/library/" + repo + "/tags/list")
		if err != nil {
			t.Fatal(err)
		}
		var list struct{ Tags []string }
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s tags: %v", repo, err)
		}
		have := map[string]bool{}
		realFound := false
		for _, tag := range list.Tags {
			have[tag] = true
			if want.real.MatchString(tag) && tag != "15.4" {
				realFound = true
			}
		}
		for _, tag := range want.tags {
			if !have[tag] {
				t.Errorf("registry lacks library/%s:%s (has %v)", repo, tag, list.Tags)
			}
		}
		if !realFound {
			t.Errorf("registry lacks library/%s's real version tag matching %s (has %v)", repo, want.real, list.Tags)
		}
	}
}

func TestPostgresRefusesToStartWithoutPassword(t *testing.T) {
	t.Parallel()
	ref := image(t, "postgres", "15")
	c := testbed.Run(t, testbed.Project(t), testbed.RunOptions{Image: ref})
	if code := c.Wait(t, 2*time.Minute); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	logs := c.Logs(t)
	const want = "Error: Database is uninitialized and superuser password is not specified."
	if !strings.Contains(logs, want) {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPostgresUserDatabaseAndInitScripts(t *testing.T) {
	t.Parallel()
	ref := image(t, "postgres", "15")
	const user, password, db = "alice", "s3cret pass'word", "shop"
	dir := initDir(t, map[string][]byte{
		"01-schema.sql": []byte(`CREATE TABLE widgets (id int PRIMARY KEY, name text);
INSERT INTO widgets VALUES (1, 'sprocket'), (2, 'gear');`),
		"02-more.sql.gz": gz(t, `CREATE TABLE gizmos (id int);`),
		// Not executable: sourced by the entrypoint, as upstream does.
		"03-sourced.sh":  []byte(`psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "CREATE TABLE from_sh AS SELECT current_user AS who"`),
		"04-ignored.txt": []byte("not a script"),
	})
	c := testbed.Run(t, testbed.Project(t), testbed.RunOptions{
		Image: ref,
		Env:   map[string]string{"POSTGRES_PASSWORD": password, "POSTGRES_USER": user, "POSTGRES_DB": db},
		Ports: []string{"5432"},
		Binds: []string{dir + ":/docker-entrypoint-initdb.d:ro"},
	})
	conn := waitPostgres(t, c, user, password, db)
	ctx := context.Background()

	t.Run("database and user", func(t *testing.T) {
		if got := queryString(t, conn, "SELECT current_database()"); got != db {
			t.Errorf("current_database() = %q, want %q", got, db)
		}
		if got := queryString(t, conn, "SELECT current_user"); got != user {
			t.Errorf("current_user = %q, want %q", got, user)
		}
		// The password is stored as a SCRAM verifier, and TCP clients must use it.
		if got := queryString(t, conn, "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = $1", user); got != "SCRAM-SHA-256$" {
			t.Errorf("password stored as %q..., want SCRAM-SHA-256", got)
		}
	})

	t.Run("wrong password fails", func(t *testing.T) {
		bad, err := pgConnect(ctx, c.HostAddr(t, "5432"), user, "wrong", db)
		if err == nil {
			bad.Close(ctx)
			t.Fatal("connected with a wrong password")
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
			t.Errorf("want invalid_password (28P01), got %v", err)
		}
	})

	t.Run("init scripts ran", func(t *testing.T) {
		if got := queryString(t, conn, "SELECT string_agg(name, ',' ORDER BY id) FROM widgets"); got != "sprocket,gear" {
			t.Errorf("widgets = %q", got)
		}
		if got := queryString(t, conn, "SELECT to_regclass('gizmos')::text"); got != "gizmos" {
			t.Errorf(".sql.gz did not run: to_regclass = %q", got)
		}
		if got := queryString(t, conn, "SELECT who::text FROM from_sh"); got != user {
			t.Errorf("sourced .sh ran as %q, want %q", got, user)
		}
		if logs := c.Logs(t); !strings.Contains(logs, "ignoring /docker-entrypoint-initdb.d/04-ignored.txt") {
			t.Errorf("log does not mention the ignored file:\n%s", logs)
		}
	})

	t.Run("restart keeps data and skips init", func(t *testing.T) {
		conn.Close(ctx)
		// STOPSIGNAL SIGINT is postgres' fast shutdown: far below docker's 10 s
		// grace period after which it would SIGKILL.
		start := time.Now()
		testbed.MustDocker(t, "stop", c.ID)
		if d := time.Since(start); d > 8*time.Second {
			t.Errorf("docker stop took %s; the server does not stop on the stop signal", d)
		}
		testbed.MustDocker(t, "start", c.ID)
		conn2 := waitPostgres(t, c, user, password, db)
		if got := queryString(t, conn2, "SELECT count(*)::text FROM widgets"); got != "2" {
			t.Errorf("after restart, widgets has %s rows", got)
		}
		logs := c.Logs(t)
		if !strings.Contains(logs, "Skipping initialization") {
			t.Errorf("second start did not skip initialisation:\n%s", logs)
		}
		if n := strings.Count(logs, "PostgreSQL init process complete"); n != 1 {
			t.Errorf("init ran %d times", n)
		}
	})
}

// The official image starts postgres twice on a fresh data directory: a
// temporary server that listens on the unix socket only (initialisation
// runs against it), then the real one on '*'. Both log the ready line, so a
// readiness check that trusts the first "ready to accept connections" is
// wrong. This test shows the first ready line comes while TCP is refused.
//
// Making it deterministic: the gap between the two phases is normally a
// fraction of a second, and `docker logs -f` delivers lines late, so by the
// time the test reads the first ready line the real server may already be
// up. An init script therefore holds phase 1 open: it first tries a TCP
// connection to 127.0.0.1:5432 from inside the container (recording in a
// table that it failed), then waits until the test creates
// /tmp/parity-release via `docker exec`. While it waits, the test tries a pgx
// connection through the published port, which must fail; after the release
// the same connection must succeed. The in-container probe needs no timing
// at all: it runs, by construction, during phase 1.
func TestPostgresFirstReadyLineComesBeforeTCP(t *testing.T) {
	t.Parallel()
	ref := image(t, "postgres", "15")
	const user, password, db = "postgres", "pw", "postgres"
	dir := initDir(t, map[string][]byte{
		"10-probe-and-hold.sh": []byte(`#!/bin/bash
set -euo pipefail
if detail=$(psql -h 127.0.0.1 -p 5432 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc 'SELECT 1' 2>&1); then
	result=connected
else
	result=refused
fi
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" --set result="$result" --set detail="$detail" <<'SQL'
CREATE TABLE phase1_probe (result text, detail text);
INSERT INTO phase1_probe VALUES (:'result', :'detail');
SQL
echo "parity-test: holding phase 1 until /tmp/parity-release exists"
end=$((SECONDS + 180))
until [ -e /tmp/parity-release ]; do
	if [ "$SECONDS" -ge "$end" ]; then echo "parity-test: never released" >&2; exit 1; fi
	sleep 0.1
done
echo "parity-test: released"
`),
	})
	c := testbed.Run(t, testbed.Project(t), testbed.RunOptions{
		Image: ref,
		Env:   map[string]string{"POSTGRES_PASSWORD": password},
		Ports: []string{"5432"},
		Binds: []string{dir + ":/docker-entrypoint-initdb.d:ro"},
	})
	addr := c.HostAddr(t, "5432")
	logs := c.FollowLogs(t)
	ctx := context.Background()
	tcpMustFail := func(when string) {
		t.Helper()
		conn, err := pgConnect(ctx, addr, user, password, db)
		if err == nil {
			conn.Close(ctx)
			t.Fatalf("%s: a TCP connection to %s succeeded during phase 1", when, addr)
		}
		t.Logf("%s: TCP connect failed as it must: %v", when, err)
	}

	first, seen, ok := logs.Next(readyLine, 3*time.Minute)
	if !ok {
		t.Fatalf("no ready line; log so far:\n%s", strings.Join(seen, "\n"))
	}
	t.Logf("first ready line: %s", first)
	tcpMustFail("at the first ready line")

	if _, seen, ok := logs.Next("parity-test: holding phase 1", 2*time.Minute); !ok {
		t.Fatalf("init script did not reach its hold; log:\n%s", strings.Join(seen, "\n"))
	} else {
		for _, l := range seen {
			if strings.Contains(l, readyLine) || strings.Contains(l, "init process complete") {
				t.Fatalf("phase 2 began before the hold: %q", l)
			}
		}
	}
	tcpMustFail("while phase 1 is held")

	c.Exec(t, "touch", "/tmp/parity-release")
	if _, seen, ok := logs.Next("PostgreSQL init process complete", 2*time.Minute); !ok {
		t.Fatalf("init did not complete; log:\n%s", strings.Join(seen, "\n"))
	}
	second, seen, ok := logs.Next(readyLine, 2*time.Minute)
	if !ok {
		t.Fatalf("no second ready line; log:\n%s", strings.Join(seen, "\n"))
	}
	t.Logf("second ready line: %s", second)

	conn := waitPostgres(t, c, user, password, db)
	var result, detail string
	if err := conn.QueryRow(ctx, "SELECT result, detail FROM phase1_probe").Scan(&result, &detail); err != nil {
		t.Fatal(err)
	}
	if result != "refused" {
		t.Errorf("in-container TCP probe during phase 1: %s (%s), want refused", result, detail)
	}
	t.Logf("in-container TCP probe during phase 1: %s: %s", result, detail)
}

func waitRedis(t *testing.T, opts *redis.Options) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	testbed.WaitFor(t, 2*time.Minute, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rdb.Ping(ctx).Err(); err != nil {
			return false, fmt.Sprintf("PING %s: %v", opts.Addr, err)
		}
		return true, ""
	})
	return rdb
}

func configGet(t *testing.T, rdb *redis.Client, key string) string {
	t.Helper()
	m, err := rdb.ConfigGet(context.Background(), key).Result()
	if err != nil {
		t.Fatalf("CONFIG GET %s: %v", key, err)
	}
	return m[key]
}

func TestRedisRequirePass(t *testing.T) {
	t.Parallel()
	ref := image(t, "redis", "7")
	c := testbed.Run(t, testbed.Project(t), testbed.RunOptions{
		Image: ref,
		Ports: []string{"6379"},
		Args:  []string{"--requirepass", "s3cret"},
	})
	addr := c.HostAddr(t, "6379")
	rdb := waitRedis(t, &redis.Options{Addr: addr, Password: "s3cret"})
	ctx := context.Background()

	if err := rdb.Set(ctx, "greeting", "hello parity", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := rdb.Get(ctx, "greeting").Result(); err != nil || got != "hello parity" {
		t.Errorf("GET greeting = %q, %v", got, err)
	}
	if got := configGet(t, rdb, "protected-mode"); got != "no" {
		t.Errorf("protected-mode = %q, want no", got)
	}
	if got := configGet(t, rdb, "dir"); got != "/data" {
		t.Errorf("dir = %q, want /data", got)
	}

	anon := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer anon.Close()
	err := anon.Ping(ctx).Err()
	if err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("PING without a password: %v, want NOAUTH", err)
	}
}

// A config file as first argument: the entrypoint's --protected-mode no and
// --dir /data go after it, and an option the user passes explicitly after it
// still wins.
func TestRedisConfigFileAndExplicitOptionWins(t *testing.T) {
	t.Parallel()
	ref := image(t, "redis", "7.0-alpine")
	dir := filepath.Join(t.TempDir(), "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "redis.conf"), []byte("requirepass fromconf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := testbed.Run(t, testbed.Project(t), testbed.RunOptions{
		Image: ref,
		Ports: []string{"6379"},
		Binds: []string{dir + ":/usr/local/etc/redis:ro"},
		Args:  []string{"/usr/local/etc/redis/redis.conf", "--protected-mode", "yes"},
	})
	rdb := waitRedis(t, &redis.Options{Addr: c.HostAddr(t, "6379"), Password: "fromconf"})
	if got := configGet(t, rdb, "protected-mode"); got != "yes" {
		t.Errorf("protected-mode = %q, want the user's yes", got)
	}
	if got := configGet(t, rdb, "dir"); got != "/data" {
		t.Errorf("dir = %q, want /data", got)
	}
}
