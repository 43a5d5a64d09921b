package stacks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Elasticsearch is Elasticsearch or OpenSearch run as a single node, as
// packaged by Elastic (elasticsearch, docker.elastic.co/...), the OpenSearch
// project or Bitnami. Kind tells the two apart, since apps and their
// variables do (ELASTICSEARCH_URL, OPENSEARCH_URL).
//
// Not verified end-to-end here: Debian ships neither server. The container
// settings follow each image's documentation; the probe is tested against
// an HTTP fake.
type Elasticsearch struct {
	family esFamily
	major  int // from the tag; 0 when unknown
	minor  int
}

type esFamily int

const (
	esElastic esFamily = iota
	esBitnami
	esOpenSearch
	esBitnamiOpenSearch
)

var esImages = slices.Concat(imageTable[esFamily]{
	{"elasticsearch", esElastic},
	{"elasticsearch/elasticsearch", esElastic}, // docker.elastic.co/elasticsearch/elasticsearch
}, bitnami("elasticsearch", esBitnami), imageTable[esFamily]{
	{"opensearchproject/opensearch", esOpenSearch},
	// Bitnami's OpenSearch is matched under these two publishers only, not
	// bitnamisecure.
	{"bitnami/opensearch", esBitnamiOpenSearch},
	{"bitnamilegacy/opensearch", esBitnamiOpenSearch},
})

func elasticsearchFor(img Image) (Elasticsearch, bool) {
	family, ok := esImages.match(img)
	if !ok {
		return Elasticsearch{}, false
	}
	es := Elasticsearch{family: family, major: max(img.Major(), 0)}
	if rest, ok := strings.CutPrefix(img.Tag, strconv.Itoa(es.major)+"."); ok && es.major > 0 {
		es.minor = max(leadingInt(rest), 0)
	}
	return es, true
}

func (e Elasticsearch) opensearch() bool {
	return e.family == esOpenSearch || e.family == esBitnamiOpenSearch
}

// Kind: "elasticsearch" or "opensearch".
func (e Elasticsearch) Kind() string {
	if e.opensearch() {
		return "opensearch"
	}
	return "elasticsearch"
}

// Port: the HTTP API.
func (Elasticsearch) Port() int { return 9200 }

func (e Elasticsearch) DataDir() string {
	switch e.family {
	case esBitnami:
		return "/bitnami/elasticsearch/data"
	case esBitnamiOpenSearch:
		return "/bitnami/opensearch/data"
	case esOpenSearch:
		return "/usr/share/opensearch/data"
	}
	return "/usr/share/elasticsearch/data"
}

// Settings of a multi-node cluster that contradict a single node (the
// images refuse to start with both), and memory locking, which needs a
// ulimit parity does not set. Each also in the _SETTING_ form Elastic's
// images read (ES_SETTING_DISCOVERY_SEED__HOSTS).
var esClusterSettings = []string{
	"discovery.seed_hosts", "discovery.seed_providers", "cluster.initial_master_nodes",
	"cluster.initial_cluster_manager_nodes", "discovery.zen.ping.unicast.hosts",
	"discovery.zen.minimum_master_nodes", "bootstrap.memory_lock",
}

// Configure: One node (discovery.type=single-node) with a
// modest heap unless production sets one. Whether clients log in is
// production's decision: with a password set (ELASTIC_PASSWORD, or
// OpenSearch's security plugin, which is on unless DISABLE_SECURITY_PLUGIN)
// parity sets its secret there; without, security is off, as Elasticsearch 8
// would otherwise turn it on with a random password nobody knows. Either
// way the HTTP API is plain HTTP: the local node has no certificates an app
// would trust.
func (e Elasticsearch) Configure(svc Service, secret string) Config {
	env := cloneEnv(svc.Env)
	for _, s := range esClusterSettings {
		delete(env, s)
		delete(env, esSettingVar(s))
	}
	var creds Credentials
	switch e.family {
	case esBitnami, esBitnamiOpenSearch:
		creds = e.configureBitnami(env, secret)
	case esOpenSearch:
		creds = e.configureOpenSearch(env, secret)
	default:
		creds = e.configureElastic(env, secret)
	}
	return Config{Credentials: creds, Env: env, Command: cloneArgs(svc.Command)}
}

// esSettingVar is the ES_SETTING_ form of a setting: dots become "_",
// underscores "__", upper case.
func esSettingVar(setting string) string {
	s := strings.ReplaceAll(setting, "_", "__")
	return "ES_SETTING_" + strings.ToUpper(strings.ReplaceAll(s, ".", "_"))
}

func (e Elasticsearch) configureElastic(env map[string]string, secret string) Credentials {
	env["discovery.type"] = "single-node"
	if strings.TrimSpace(env["ES_JAVA_OPTS"]) == "" {
		env["ES_JAVA_OPTS"] = "-Xms512m -Xmx512m"
	}
	auth := anySet(env, "ELASTIC_PASSWORD", "ELASTIC_PASSWORD_FILE") || isYes(env["xpack.security.enabled"])
	delete(env, "ELASTIC_PASSWORD_FILE")
	if !auth {
		env["xpack.security.enabled"] = "false"
		delete(env, "ELASTIC_PASSWORD")
		return Credentials{}
	}
	secret = password(env, secret, "ELASTIC_PASSWORD")
	env["ELASTIC_PASSWORD"] = secret
	env["xpack.security.enabled"] = "true"
	// Set explicitly so the image's first-start security autoconfiguration
	// (certificates, HTTPS) stays off: it runs only when none is set.
	env["xpack.security.http.ssl.enabled"] = "false"
	env["xpack.security.transport.ssl.enabled"] = "false"
	return Credentials{User: "elastic", Password: secret}
}

func (e Elasticsearch) configureOpenSearch(env map[string]string, secret string) Credentials {
	env["discovery.type"] = "single-node"
	if strings.TrimSpace(env["OPENSEARCH_JAVA_OPTS"]) == "" {
		env["OPENSEARCH_JAVA_OPTS"] = "-Xms512m -Xmx512m"
	}
	if isYes(env["DISABLE_SECURITY_PLUGIN"]) || strings.EqualFold(strings.TrimSpace(env["plugins.security.disabled"]), "true") {
		delete(env, "OPENSEARCH_INITIAL_ADMIN_PASSWORD")
		return Credentials{}
	}
	// The demo configuration the image installs gives the transport layer
	// the certificates the security plugin insists on; HTTP is left plain.
	env["plugins.security.ssl.http.enabled"] = "false"
	// From 2.12 the image takes the admin password from
	// OPENSEARCH_INITIAL_ADMIN_PASSWORD and requires a strong one; before,
	// admin's password is "admin".
	if e.major > 2 || (e.major == 2 && e.minor >= 12) || e.major == 0 {
		pw := password(env, strongPassword(secret), "OPENSEARCH_INITIAL_ADMIN_PASSWORD")
		env["OPENSEARCH_INITIAL_ADMIN_PASSWORD"] = pw
		return Credentials{User: "admin", Password: pw}
	}
	return Credentials{User: "admin", Password: "admin"}
}

// strongPassword makes a random alphanumeric secret pass OpenSearch's
// password policy (upper, lower, digit and a special character), keeping it
// a pure function of the secret so it persists with it.
func strongPassword(secret string) string { return secret + "-Aa1" }

// configureBitnami follows Bitnami's elasticsearch-env.sh and
// opensearch-env.sh: security is off unless <P>_ENABLE_SECURITY=yes, then
// with <P>_PASSWORD for the elastic (admin) user; REST TLS is turned off.
func (e Elasticsearch) configureBitnami(env map[string]string, secret string) Credentials {
	p, user := "ELASTICSEARCH", "elastic"
	if e.family == esBitnamiOpenSearch {
		p, user = "OPENSEARCH", "admin"
	}
	delete(env, p+"_CLUSTER_HOSTS")
	delete(env, p+"_CLUSTER_MASTER_HOSTS")
	fillEmpty(env, "512m", p+"_HEAP_SIZE")
	if !isYes(env[p+"_ENABLE_SECURITY"]) {
		return Credentials{}
	}
	delete(env, p+"_PASSWORD_FILE")
	secret = password(env, secret, p+"_PASSWORD")
	env[p+"_PASSWORD"] = secret
	env[p+"_ENABLE_REST_TLS"] = "false"
	return Credentials{User: user, Password: secret}
}

// Probe: GET /_cluster/health, ready at status yellow or
// green (a single node leaves replicas unassigned, so yellow is its normal
// state). Red, a 503 (no elected master, OpenSearch's security index not
// initialised yet) and a cluster still recovering are ErrStarting.
func (e Elasticsearch) Probe(ctx context.Context, ep Endpoint) error {
	timeout := probeTimeout(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	u := &url.URL{Scheme: "http", Host: net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)), Path: "/_cluster/health"}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	if c := ep.Credentials; c.User != "" {
		req.SetBasicAuth(c.User, c.Password)
	}
	resp, err := probeHTTPClient().Do(req)
	if err != nil {
		return httpFailed(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return httpFailed(ctx, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return probeFailed(ErrAuth, fmt.Errorf("GET /_cluster/health: %s", resp.Status))
	case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusRequestTimeout:
		return probeFailed(ErrStarting, fmt.Errorf("GET /_cluster/health: %s", resp.Status))
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET /_cluster/health: %s", resp.Status)
	}
	var health struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &health); err != nil {
		return fmt.Errorf("read cluster health: %w", err)
	}
	switch health.Status {
	case "green", "yellow":
		return nil
	case "red":
		return probeFailed(ErrStarting, errors.New("cluster health is red"))
	}
	return fmt.Errorf("cluster health status %q", health.Status)
}

// probeHTTPClient makes requests over a connection of their own, never
// reused between probes: a kept-alive connection to Docker's port proxy
// could outlive the container behind it.
func probeHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
}

func httpFailed(ctx context.Context, err error) error {
	if reason := transportReason(err); reason != nil {
		return probeFailed(reason, err)
	}
	if ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	return err
}

// URL: http://user:pass@host:port, or without credentials
// when security is off.
func (Elasticsearch) URL(ep Endpoint) string {
	u := &url.URL{Scheme: "http", Host: net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))}
	if c := ep.Credentials; c.User != "" {
		u.User = url.UserPassword(c.User, c.Password)
	}
	return u.String()
}

// Schemes: https is what production's URL says where the
// node has TLS; the local node has none, so the engine gives the app http.
func (Elasticsearch) Schemes() []string { return []string{"http", "https"} }

func (e Elasticsearch) Vars() []string {
	if e.opensearch() {
		return []string{"OPENSEARCH_URL"}
	}
	return []string{"ELASTICSEARCH_URL"}
}

// Shell: nil, there is no interactive client.
func (Elasticsearch) Shell(Credentials) ShellCommand { return ShellCommand{} }
