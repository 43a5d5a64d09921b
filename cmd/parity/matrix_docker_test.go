package main

// The lifecycle matrix: for every kind the test bed has an image of, with
// and without a password in the manifest, the data volume, the credentials
// parity keeps for it and the app's variables must agree across the ways a
// developer stops and starts services. Each cell writes a value through the
// app's own variable with a real client, stops the services one way, and
// reads it back through `parity run`, which must bring them up again. Two
// of the ways also have another program take the service's port while it
// is stopped.
//
// The same matrix runs a second time with the usual ports held by decoys
// that refuse every login (testbed.HoldPorts), as when a developer's own
// Postgres or Redis is running: parity must move its services, and the app
// must reach parity's server, not the other program.
//
// The cells of one kind and auth share a project and run in turn; kinds and
// auths run in parallel, as many at a time as -parallel allows (GOMAXPROCS
// by default; -parallel 4 suits a two-core machine, where the services wait
// more than they compute):
//
//	go test -run 'TestDockerLifecycleMatrix' -parallel 4 ./cmd/parity/

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

// matrixStack is one manifest of the matrix: a kind, with or without a
// password, and an app whose environment names the service.
type matrixStack struct {
	kind    string // kindcheck's KIND
	auth    string // "password" or "none"
	service string // the backing service's name in the manifest
	port    int    // its container port
	// persists says whether the kind keeps data across a restart; memcached
	// and NATS (without JetStream) do not, so for them only the second run
	// working is checked.
	persists bool
	manifest string
}

// RabbitMQ comes first: it takes longest to boot, and the parallel
// subtests start in this order.
var matrixStacks = []matrixStack{
	{kind: "rabbitmq", auth: "password", service: "rabbitmq", port: 5672, persists: true, manifest: `
services:
  app:
    build: .
    depends_on: [rabbitmq]
    environment:
      AMQP_URL: amqp://app:${RABBITMQ_PASSWORD}@rabbitmq:5672/
  rabbitmq:
    image: rabbitmq:3.10
    environment:
      RABBITMQ_DEFAULT_USER: app
      RABBITMQ_DEFAULT_PASS: ${RABBITMQ_PASSWORD}
`},
	{kind: "rabbitmq", auth: "none", service: "rabbitmq", port: 5672, persists: true, manifest: `
services:
  app:
    build: .
    depends_on: [rabbitmq]
    environment:
      AMQP_URL: amqp://guest:guest@rabbitmq:5672/
  rabbitmq:
    image: rabbitmq:3.10
`},
	{kind: "postgres", auth: "password", service: "db", port: 5432, persists: true, manifest: `
services:
  app:
    build: .
    depends_on: [db]
    environment:
      DATABASE_URL: postgres://app:${DB_PASSWORD}@db:5432/app
  db:
    image: postgres:15
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${DB_PASSWORD}
      POSTGRES_DB: app
`},
	// No password anywhere: production would need one (or trust), so
	// parity generates it, and the app's URL, which has none, gets it.
	{kind: "postgres", auth: "none", service: "db", port: 5432, persists: true, manifest: `
services:
  app:
    build: .
    depends_on: [db]
    environment:
      DATABASE_URL: postgres://postgres@db:5432/postgres
  db:
    image: postgres:15
`},
	{kind: "redis", auth: "password", service: "cache", port: 6379, persists: true, manifest: `
services:
  app:
    build: .
    depends_on: [cache]
    environment:
      REDIS_URL: redis://:${REDIS_PASSWORD}@cache:6379/0
  cache:
    image: redis:7
    command: redis-server --requirepass ${REDIS_PASSWORD}
`},
	{kind: "redis", auth: "none", service: "cache", port: 6379, persists: true, manifest: `
services:
  app:
    build: .
    depends_on: [cache]
    environment:
      REDIS_URL: redis://cache:6379/0
  cache:
    image: redis:7
`},
	// MYSQL_* names, which MariaDB reads as aliases and which older
	// manifests use (kinds_docker_test covers the MARIADB_* names).
	{kind: "mariadb", auth: "password", service: "db", port: 3306, persists: true, manifest: `
services:
  app:
    build: .
    depends_on: [db]
    environment:
      DATABASE_URL: mysql://app:${DB_PASSWORD}@db:3306/app
  db:
    image: mariadb:10.11
    environment:
      MYSQL_ROOT_PASSWORD: ${DB_ROOT_PASSWORD}
      MYSQL_DATABASE: app
      MYSQL_USER: app
      MYSQL_PASSWORD: ${DB_PASSWORD}
`},
	// The usual passwordless dev setup: root with an empty password.
	{kind: "mariadb", auth: "none", service: "db", port: 3306, persists: true, manifest: `
services:
  app:
    build: .
    depends_on: [db]
    environment:
      DATABASE_URL: mysql://root@db:3306/app
  db:
    image: mariadb:10.11
    environment:
      MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "yes"
      MARIADB_DATABASE: app
`},
	// memcached has no authentication in the test bed's image.
	{kind: "memcached", auth: "none", service: "memcached", port: 11211, persists: false, manifest: `
services:
  app:
    build: .
    depends_on: [memcached]
    environment:
      MEMCACHED_SERVERS: memcached:11211
  memcached:
    image: memcached:1.6
`},
	{kind: "nats", auth: "password", service: "nats", port: 4222, persists: false, manifest: `
services:
  app:
    build: .
    depends_on: [nats]
    environment:
      NATS_URL: nats://app:${NATS_PASSWORD}@nats:4222
  nats:
    image: nats:2.9
    command: ["--user", "app", "--pass", "${NATS_PASSWORD}"]
`},
	{kind: "nats", auth: "none", service: "nats", port: 4222, persists: false, manifest: `
services:
  app:
    build: .
    depends_on: [nats]
    environment:
      NATS_URL: nats://nats:4222
  nats:
    image: nats:2.9
`},
}

// matrixTimeout is how long `parity run` may wait for a service: RabbitMQ
// takes minutes to boot on a busy two-core machine, and a cell should fail
// on what it checks, not on the machine's load.
const matrixTimeout = "5m"

// lifecycle is one way of stopping the services between a write and a read.
type lifecycle struct {
	name string
	stop func(e *env, manifest, container string)
	// kept says whether the data must still be there afterwards.
	kept bool
	// takePort has another program take the port the app reached while
	// the services are stopped, as a developer's own server started in
	// the meantime would: parity must move the service and the app with it.
	takePort bool
}

func down(e *env, manifest, _ string)        { e.mustRun(manifest, "down") }
func dockerStop(e *env, _, container string) { docker(e.t, "stop", container) }
func downVolumes(e *env, manifest, _ string) { e.mustRun(manifest, "down", "--volumes", "--yes") }

var lifecycles = []lifecycle{
	{name: "down-up", stop: down, kept: true},
	{name: "docker-stop-up", stop: dockerStop, kept: true},
	{name: "down-port-taken-up", stop: down, kept: true, takePort: true},
	{name: "docker-stop-port-taken-up", stop: dockerStop, kept: true, takePort: true},
	{name: "down-volumes-up", stop: downVolumes, kept: false},
}

func TestDockerLifecycleMatrix(t *testing.T) {
	runLifecycleMatrix(t, lifecycles)
}

func TestDockerLifecycleMatrixPortsHeld(t *testing.T) {
	testbed.RequireEngine(t)
	// Held for the whole matrix; the cleanup runs after the parallel
	// subtests have finished.
	testbed.HoldPorts(t, 5432, 6379, 3306, 5672, 11211, 4222)
	// With the usual ports held from the start every service already runs
	// on a port parity chose; the port-taken lifecycles add little here
	// and cost a restart each (minutes, for RabbitMQ).
	var lcs []lifecycle
	for _, lc := range lifecycles {
		if !lc.takePort {
			lcs = append(lcs, lc)
		}
	}
	runLifecycleMatrix(t, lcs)
}

// runLifecycleMatrix runs one subtest per kind and auth, in parallel, each
// with its own project that its lifecycles share in turn: the first starts
// from nothing, the others from what the previous one left, unless it
// failed, in which case `down --volumes` resets the project first.
func runLifecycleMatrix(t *testing.T, lifecycles []lifecycle) {
	testbed.Registry(t)
	build(t) // before the clock starts
	start := time.Now()
	t.Cleanup(func() { t.Logf("matrix took %s", time.Since(start).Round(time.Second)) })
	for _, st := range matrixStacks {
		t.Run(st.kind+"/"+st.auth, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			manifest := filepath.Join(t.TempDir(), "compose.yaml")
			if err := os.WriteFile(manifest, []byte(st.manifest), 0o644); err != nil {
				t.Fatal(err)
			}
			container := "parity-" + e.project + "-" + st.service
			dirty := false
			for _, lc := range lifecycles {
				ok := t.Run(lc.name, func(t *testing.T) {
					ce := *e
					ce.t = t
					runLifecycleCell(&ce, st, lc, manifest, container, dirty)
				})
				dirty = !ok
			}
		})
	}
}

func runLifecycleCell(e *env, st matrixStack, lc lifecycle, manifest, container string, reset bool) {
	t := e.t
	if reset {
		e.mustRun(manifest, "down", "--volumes", "--yes")
	}
	key := strings.ReplaceAll(lc.name, "-", "_")
	value := randomValue(t)
	w := e.run(manifest, "run", "--timeout", matrixTimeout, "--", kindcheckBin, st.kind, "write", key, value)
	if w.code != 0 {
		t.Fatalf("write before %s: exit %d\n%s", lc.name, w.code, failureLines(w.stderr))
	}
	reached := checkReachedParity(e, st, container, w.stdout)

	lc.stop(e, manifest, container)
	if lc.takePort {
		_, port, _ := strings.Cut(reached, "127.0.0.1:")
		n, err := strconv.Atoi(port)
		if err != nil {
			t.Fatalf("the app reached %q, not a port on 127.0.0.1", reached)
		}
		testbed.HoldPorts(t, n)
	}

	r := e.run(manifest, "run", "--timeout", matrixTimeout, "--", kindcheckBin, st.kind, "read", key)
	if r.code != 0 {
		t.Fatalf("read after %s: exit %d\n%s", lc.name, r.code, failureLines(r.stderr))
	}
	checkReachedParity(e, st, container, r.stdout)
	got := strings.TrimSpace(r.stdout)
	switch {
	case !st.persists:
		// The server answered; it keeps nothing to compare.
	case lc.kept && !strings.HasPrefix(got, fmt.Sprintf("%s %s=%s via ", st.kind, key, value)):
		t.Errorf("after %s the data is not kept: read printed %q, want %s=%s", lc.name, got, key, value)
	case !lc.kept && !strings.HasPrefix(got, fmt.Sprintf("%s %s missing via ", st.kind, key)):
		t.Errorf("after %s the data is still there: read printed %q, want %s missing", lc.name, got, key)
	}
}

// checkReachedParity checks that the address kindcheck printed is the one
// parity's container publishes the service's port on, and returns it.
func checkReachedParity(e *env, st matrixStack, container, out string) string {
	e.t.Helper()
	_, addr, ok := strings.Cut(strings.TrimSpace(out), " via ")
	if !ok {
		e.t.Fatalf("kindcheck printed %q, with no address", out)
	}
	c, ok := e.containers()[container]
	if !ok {
		e.t.Fatalf("no container %s after kindcheck reached %s", container, addr)
	}
	var published []string
	ports, _ := c["NetworkSettings"].(map[string]any)["Ports"].(map[string]any)
	bs, _ := ports[fmt.Sprintf("%d/tcp", st.port)].([]any)
	for _, b := range bs {
		bm := b.(map[string]any)
		published = append(published, fmt.Sprintf("%s:%s", bm["HostIp"], bm["HostPort"]))
	}
	for _, p := range published {
		if p == addr {
			return addr
		}
	}
	e.t.Errorf("the app reached %s, but parity's %s publishes %d on %v", addr, st.service, st.port, published)
	return addr
}

func randomValue(t *testing.T) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "v" + hex.EncodeToString(b[:])
}

// failureLines keeps a failure message to what parity and kindcheck said,
// without the service logs parity prints after a failed start, and to the
// last lines, where the error is.
func failureLines(stderr string) string {
	var keep []string
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "parity") || strings.HasPrefix(l, "kindcheck") || i >= len(lines)-3 {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
