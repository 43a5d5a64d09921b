package stacks

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

func TestElasticsearchConfigure(t *testing.T) {
	checkConfigure(t, []configureCase{
		{
			"elasticsearch 8 with a password: security on, HTTP plain",
			"docker.elastic.co/elasticsearch/elasticsearch:8.15.0",
			map[string]string{"ELASTIC_PASSWORD": "", "discovery.seed_hosts": "es2,es3", "cluster.initial_master_nodes": "es1,es2,es3", "bootstrap.memory_lock": "true", "ES_JAVA_OPTS": "-Xms4g -Xmx4g"},
			Credentials{User: "elastic", Password: secret},
			map[string]string{"ELASTIC_PASSWORD": secret, "discovery.type": "single-node", "xpack.security.enabled": "true",
				"xpack.security.http.ssl.enabled": "false", "discovery.seed_hosts": "", "cluster.initial_master_nodes": "",
				"bootstrap.memory_lock": "", "ES_JAVA_OPTS": "-Xms4g -Xmx4g"},
		},
		{
			"elasticsearch without a password: security off",
			"elasticsearch:8.15.0",
			map[string]string{"ES_SETTING_DISCOVERY_SEED__HOSTS": "es2"},
			Credentials{},
			map[string]string{"xpack.security.enabled": "false", "ES_JAVA_OPTS": "-Xms512m -Xmx512m", "ES_SETTING_DISCOVERY_SEED__HOSTS": ""},
		},
		{
			"opensearch 2.12+: a strong initial admin password",
			"opensearchproject/opensearch:2.17.0",
			nil,
			Credentials{User: "admin", Password: secret + "-Aa1"},
			map[string]string{"OPENSEARCH_INITIAL_ADMIN_PASSWORD": secret + "-Aa1", "plugins.security.ssl.http.enabled": "false", "discovery.type": "single-node"},
		},
		{
			"opensearch before 2.12: admin/admin",
			"opensearchproject/opensearch:2.11.1",
			nil,
			Credentials{User: "admin", Password: "admin"},
			map[string]string{"OPENSEARCH_INITIAL_ADMIN_PASSWORD": ""},
		},
		{
			"opensearch with security disabled",
			"opensearchproject/opensearch:2.17.0",
			map[string]string{"DISABLE_SECURITY_PLUGIN": "true"},
			Credentials{},
			map[string]string{"OPENSEARCH_INITIAL_ADMIN_PASSWORD": ""},
		},
		{
			"bitnami with security",
			"bitnami/elasticsearch:8",
			map[string]string{"ELASTICSEARCH_ENABLE_SECURITY": "yes", "ELASTICSEARCH_CLUSTER_HOSTS": "es2"},
			Credentials{User: "elastic", Password: secret},
			map[string]string{"ELASTICSEARCH_PASSWORD": secret, "ELASTICSEARCH_ENABLE_REST_TLS": "false", "ELASTICSEARCH_CLUSTER_HOSTS": ""},
		},
	})
}

func TestElasticsearchURLAndVars(t *testing.T) {
	ep := Endpoint{Host: "127.0.0.1", Port: 9201, Credentials: Credentials{User: "elastic", Password: "pw"}}
	if got := ForImage("elasticsearch:8.15.0").URL(ep); got != "http://elastic:pw@127.0.0.1:9201" {
		t.Errorf("URL = %q", got)
	}
	if got := ForImage("elasticsearch:8.15.0").URL(Endpoint{Host: "127.0.0.1", Port: 9200}); got != "http://127.0.0.1:9200" {
		t.Errorf("URL without auth = %q", got)
	}
	if v := ForImage("elasticsearch:8").Vars(); len(v) != 1 || v[0] != "ELASTICSEARCH_URL" {
		t.Errorf("elasticsearch Vars = %v", v)
	}
	if v := ForImage("opensearchproject/opensearch:2").Vars(); len(v) != 1 || v[0] != "OPENSEARCH_URL" {
		t.Errorf("opensearch Vars = %v", v)
	}
}

// healthServer answers GET /_cluster/health like a node: with status and
// code, and 401 to wrong credentials.
func healthServer(t *testing.T, code int, status string) Endpoint {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_cluster/health" {
			http.NotFound(w, r)
			return
		}
		if u, p, ok := r.BasicAuth(); !ok || u != "elastic" || p != "pw" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"cluster_name":"docker-cluster","status":"` + status + `","number_of_nodes":1}`))
	}))
	t.Cleanup(srv.Close)
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	n, _ := strconv.Atoi(port)
	return Endpoint{Host: host, Port: n, Credentials: Credentials{User: "elastic", Password: "pw"}}
}

func TestElasticsearchProbe(t *testing.T) {
	es := ForImage("elasticsearch:8.15.0")
	for _, tt := range []struct {
		name   string
		ep     Endpoint
		wait   time.Duration
		reason error
		ok     bool
	}{
		{"green", healthServer(t, 200, "green"), 2 * time.Second, nil, true},
		{"yellow: a single node's normal state", healthServer(t, 200, "yellow"), 2 * time.Second, nil, true},
		{"red", healthServer(t, 200, "red"), 2 * time.Second, ErrStarting, false},
		{"no master yet", healthServer(t, 503, "red"), 2 * time.Second, ErrStarting, false},
		{"wrong password", func() Endpoint { ep := healthServer(t, 200, "green"); ep.Credentials.Password = "x"; return ep }(), 2 * time.Second, ErrAuth, false},
		{"nothing listens", Endpoint{Host: "127.0.0.1", Port: closedPort(t)}, 2 * time.Second, ErrRefused, false},
		{"proxy with nobody behind it", Endpoint{Host: "127.0.0.1", Port: serve(t, hangUp)}, 2 * time.Second, ErrNoAnswer, false},
		{"accepts and says nothing", Endpoint{Host: "127.0.0.1", Port: serve(t, hold)}, 300 * time.Millisecond, ErrTimeout, false},
	} {
		err := es.Probe(probeCtx(t, tt.wait), tt.ep)
		if tt.ok {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		wantReason(t, tt.name, err, tt.reason)
	}
}
