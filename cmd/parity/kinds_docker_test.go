package main

// End-to-end tests of the backing-service kinds Debian ships a server for
// (MariaDB, RabbitMQ, memcached, NATS), against the test bed's images of
// them: `parity run` hands kindcheck the kind's conventional variable and
// the manifest's own, rewritten, and it does a real round trip through
// both. MongoDB, Kafka, Elasticsearch/OpenSearch and MinIO have no Debian
// server, so they are tested by unit tests against fakes only (stacks).

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

// kindcheckBin is testdata/kindcheck, built by build().
var kindcheckBin string

// runKindcheck runs kindcheck KIND through parity run on manifest and
// returns the line it printed.
func runKindcheck(e *env, manifest, kind string) string {
	e.t.Helper()
	r := e.mustRun(manifest, "run", "--", kindcheckBin, kind)
	return strings.TrimSpace(r.stdout)
}

// appEnv is `parity env --format json` for manifest.
func appEnv(e *env, manifest string) map[string]string {
	e.t.Helper()
	r := e.mustRun(manifest, "env", "--format", "json")
	var vars map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &vars); err != nil {
		e.t.Fatalf("env --format json: %v\n%s", err, r.stdout)
	}
	return vars
}

func TestDockerMariaDBRowWrittenAndReadThroughParityVariables(t *testing.T) {
	e := newEnv(t)
	const manifest = "testdata/mariadb/compose.yaml"
	if got, want := runKindcheck(e, manifest, "mariadb"), "mariadb row=shop@%@shop"; got != want {
		t.Fatalf("kindcheck printed %q, want %q", got, want)
	}
	vars := appEnv(e, manifest)
	pw := e.secret("db")
	if want := "mysql://shop:" + pw + "@127.0.0.1:"; !strings.HasPrefix(vars["MYSQL_URL"], want) || !strings.HasSuffix(vars["MYSQL_URL"], "/shop") {
		t.Errorf("MYSQL_URL = %q, want %s...:PORT/shop", vars["MYSQL_URL"], want)
	}
	if vars["MYSQL_PASSWORD"] != pw || vars["MYSQL_HOST"] != "127.0.0.1" {
		t.Errorf("MYSQL_PASSWORD/MYSQL_HOST not rewritten: %q %q", vars["MYSQL_PASSWORD"], vars["MYSQL_HOST"])
	}
	// The data lives in parity's volume: a second run reads the same table.
	e.mustRun(manifest, "down")
	if got := runKindcheck(e, manifest, "mariadb"); got != "mariadb row=shop@%@shop" {
		t.Errorf("after down and up: %q", got)
	}
}

func TestDockerRabbitMQMessagePublishedAndConsumedThroughParityVariables(t *testing.T) {
	e := newEnv(t)
	const manifest = "testdata/rabbitmq/compose.yaml"
	if got, want := runKindcheck(e, manifest, "rabbitmq"), "rabbitmq consumed=1 vhost=shop"; got != want {
		t.Fatalf("kindcheck printed %q, want %q", got, want)
	}
	// The management UI the manifest publishes is on loopback and takes
	// the same credentials.
	var port string
	for _, c := range e.containers() {
		bindings := c["HostConfig"].(map[string]any)["PortBindings"].(map[string]any)
		for _, b := range bindings["15672/tcp"].([]any) {
			bm := b.(map[string]any)
			if bm["HostIp"] != "127.0.0.1" {
				t.Errorf("15672 published on %v", bm["HostIp"])
			}
			port = bm["HostPort"].(string)
		}
	}
	if port == "" {
		t.Fatal("the management port 15672 is not published")
	}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:"+port+"/api/whoami", nil)
	req.SetBasicAuth("shop", e.secret("rabbitmq"))
	body := ""
	testbed.WaitFor(t, time.Minute, func() (bool, string) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == http.StatusOK, fmt.Sprintf("%s %s", resp.Status, body)
	})
	if !strings.Contains(body, `"name":"shop"`) {
		t.Errorf("management API whoami: %s", body)
	}
}

func TestDockerMemcachedKeySetAndGotThroughParityVariables(t *testing.T) {
	e := newEnv(t)
	const manifest = "testdata/memcached/compose.yaml"
	if got, want := runKindcheck(e, manifest, "memcached"), "memcached got=set"; got != want {
		t.Fatalf("kindcheck printed %q, want %q", got, want)
	}
	vars := appEnv(e, manifest)
	if !strings.HasPrefix(vars["MEMCACHED_SERVERS"], "127.0.0.1:") || vars["MEMCACHED_SERVERS"] != vars["MEMCACHE_SERVERS"] {
		t.Errorf("MEMCACHED_SERVERS=%q MEMCACHE_SERVERS=%q", vars["MEMCACHED_SERVERS"], vars["MEMCACHE_SERVERS"])
	}
}

func TestDockerNATSMessagePublishedAndReceivedThroughParityVariables(t *testing.T) {
	e := newEnv(t)
	const manifest = "testdata/nats/compose.yaml"
	if got, want := runKindcheck(e, manifest, "nats"), "nats received=ping"; got != want {
		t.Fatalf("kindcheck printed %q, want %q", got, want)
	}
	vars := appEnv(e, manifest)
	pw := e.secret("nats")
	if !strings.HasPrefix(vars["NATS_URL"], "nats://app:"+pw+"@127.0.0.1:") || vars["NATS_SERVERS"] != vars["NATS_URL"] {
		t.Errorf("NATS_URL=%q NATS_SERVERS=%q", vars["NATS_URL"], vars["NATS_SERVERS"])
	}
}
