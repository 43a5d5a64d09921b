package engine

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
)

// Where an app variable's value came from, lowest precedence first.
const (
	SourceManifest = "manifest"    // the app service's environment in the production manifest
	SourceConfig   = "parity.yaml" // app.env in parity.yaml
	SourceDotenv   = ".env"        // the project's .env file
	SourceShell    = "shell"       // the environment parity was started with
	SourceParity   = "parity"      // computed by parity for a backing service; always wins
)

// EnvVar is one variable of the app's environment and where it came from.
type EnvVar struct {
	Key     string `json:"key"`
	Value   string `json:"value"`
	Source  string `json:"source"`
	Service string `json:"service,omitempty"` // the service it points at
	Secret  bool   `json:"secret,omitempty"`
	Note    string `json:"note,omitempty"`
}

// appEnvInput is everything the app's environment is made from.
type appEnvInput struct {
	Plan   *plan
	Config map[string]string // parity.yaml app.env
	Dotenv map[string]string // .env
	Shell  map[string]string // inherited environment
}

// computeAppEnv builds the variables parity sets for the app. Values that
// point at a backing service are rewritten to the local container and its
// generated credentials, and override .env and the shell: a .env saying
// DATABASE_URL=sqlite:///dev.db is exactly the gap parity closes.
func computeAppEnv(in appEnvInput) ([]EnvVar, []string) {
	p := in.Plan
	r := rewriter{plan: p, hosts: map[string]*plannedService{}}
	for _, ps := range p.containers() {
		r.hosts[ps.Name] = ps
		for _, a := range ps.Svc.Aliases {
			r.hosts[a] = ps
		}
	}

	vars := map[string]*EnvVar{}
	var warnings []string
	unbound := map[string]bool{}

	// The app services' environment is the template.
	for _, app := range p.apps() {
		for _, k := range sortedKeys(app.Svc.Environment) {
			if _, ok := vars[k]; ok {
				continue
			}
			raw := app.Svc.Environment[k]
			for _, name := range manifest.UnsetVars(raw) {
				if _, ok := p.Bindings[name]; !ok {
					unbound[name] = true
				}
			}
			vars[k] = &EnvVar{Key: k, Value: manifest.ReplaceUnset(raw, p.bound), Source: SourceManifest}
		}
	}
	r.rewrite(vars)

	// Conventional variables the manifest did not define.
	seenKind := map[string]bool{}
	claimed := claimedVars(p)
	for _, ps := range p.containers() {
		if ps.Role != RoleBacking {
			continue
		}
		u := ps.URL()
		if u == "" {
			continue
		}
		if !seenKind[ps.Stack.Kind()] {
			seenKind[ps.Stack.Kind()] = true
			for _, k := range ps.Stack.Vars() {
				if isFallbackVar(ps.Stack, k) && claimed[k] {
					continue // another kind's (DATABASE_URL: Postgres' over MySQL's)
				}
				if fillable(vars, k) {
					value, secret := conventionalValue(ps, k, u)
					vars[k] = &EnvVar{Key: k, Value: value, Source: SourceParity, Service: ps.Name, Secret: secret}
				}
			}
		}
		k := envName(ps.Name) + "_URL"
		if fillable(vars, k) {
			vars[k] = &EnvVar{Key: k, Value: u, Source: SourceParity, Service: ps.Name, Secret: ps.Credentials.Password != ""}
		}
	}

	// Developer layers, in rising precedence; parity's values stay on top.
	for _, layer := range []struct {
		source string
		env    map[string]string
		all    bool // whether the layer adds variables or only overrides
	}{
		{SourceConfig, in.Config, true},
		{SourceDotenv, in.Dotenv, true},
		{SourceShell, in.Shell, false},
	} {
		for _, k := range sortedKeys(layer.env) {
			v := layer.env[k]
			cur, ok := vars[k]
			switch {
			case ok && cur.Source == SourceParity:
				if v != cur.Value {
					what := fmt.Sprintf("%q", maskValue(k, v))
					msg := fmt.Sprintf("%s from %s (%s) is replaced by parity's value for service %s", k, layer.source, what, cur.Service)
					cur.Note = joinNote(cur.Note, "replaces "+layer.source+" value")
					warnings = append(warnings, msg)
				}
			case ok:
				cur.Value, cur.Source = v, layer.source
			case layer.all:
				vars[k] = &EnvVar{Key: k, Value: v, Source: layer.source}
			}
		}
	}

	if len(unbound) > 0 {
		names := sortedKeys(unbound)
		warnings = append(warnings, fmt.Sprintf("unset in the manifest's app environment, left empty: %s (set them in .env or the shell)", strings.Join(names, ", ")))
	}

	out := make([]EnvVar, 0, len(vars))
	for _, k := range sortedKeys(vars) {
		v := vars[k]
		if looksSecret(v.Key) {
			v.Secret = true
		}
		out = append(out, *v)
	}
	return out, warnings
}

// rewriter points manifest values at the local containers.
type rewriter struct {
	plan  *plan
	hosts map[string]*plannedService // service names and aliases
}

func (r rewriter) rewrite(vars map[string]*EnvVar) {
	// Which variable prefixes (DB_, REDIS_) name which service, learnt from
	// host variables and URLs, so DB_PORT/DB_PASSWORD follow DB_HOST.
	prefixes := map[string]*plannedService{}
	for _, k := range sortedKeys(vars) {
		v := vars[k]
		if ps, note, ok := r.rewriteValue(k, v.Value); ok {
			v.Value = ps.value
			v.Source = SourceParity
			v.Service = ps.svc.Name
			v.Secret = ps.secret
			v.Note = note
			if pre, ok := keyPrefix(k, hostSuffixes); ok {
				prefixes[pre] = ps.svc
			}
		}
	}
	for _, k := range sortedKeys(vars) {
		v := vars[k]
		if v.Source == SourceParity {
			continue
		}
		if pre, ok := keyPrefix(k, []string{"PORT"}); ok {
			port, err := strconv.Atoi(v.Value)
			if err != nil {
				continue
			}
			svc := prefixes[pre]
			if svc == nil {
				svc = r.onlyServiceOnPort(port)
			}
			if svc != nil {
				if host, ok := svc.Ports[port]; ok {
					v.Value, v.Source, v.Service = strconv.Itoa(host), SourceParity, svc.Name
				} else if svc.MainPort != 0 {
					v.Value, v.Source, v.Service = strconv.Itoa(svc.Ports[svc.MainPort]), SourceParity, svc.Name
				}
			}
			continue
		}
		pre, svc := longestPrefix(k, prefixes)
		if svc == nil || svc.Role != RoleBacking {
			continue
		}
		creds := svc.Credentials
		switch strings.ToUpper(strings.TrimPrefix(k, pre)) {
		case "PASSWORD", "PASS", "PASSWD", "PWD":
			v.Value, v.Source, v.Service, v.Secret = creds.Password, SourceParity, svc.Name, true
		case "USER", "USERNAME":
			if creds.User != "" {
				v.Value, v.Source, v.Service = creds.User, SourceParity, svc.Name
			}
		case "NAME", "DATABASE", "DB":
			if v.Value == "" && creds.Database != "" {
				v.Value, v.Source, v.Service = creds.Database, SourceParity, svc.Name
			}
		}
	}
}

// longestPrefix finds the service whose variable prefix key starts with, preferring the longest.
func longestPrefix(key string, prefixes map[string]*plannedService) (string, *plannedService) {
	best, found := "", (*plannedService)(nil)
	for pre, svc := range prefixes {
		if strings.HasPrefix(key, pre) && (found == nil || len(pre) > len(best)) {
			best, found = pre, svc
		}
	}
	return best, found
}

type rewritten struct {
	svc    *plannedService
	value  string
	secret bool
}

var hostSuffixes = []string{"HOST", "HOSTNAME", "ADDR", "ADDRESS", "SERVER", "URL", "URI", "DSN", "ENDPOINT",
	"HOSTS", "SERVERS", "BROKERS", "NODES"} // lists: MEMCACHED_SERVERS, KAFKA_BROKERS

// rewriteValue points one value at a local container when it names one: a
// URL whose host is a service, or (under a host-like key) a bare host or
// host:port. Keys like CACHE_DRIVER=redis are left alone.
func (r rewriter) rewriteValue(key, value string) (rewritten, string, bool) {
	if u, err := url.Parse(value); err == nil && u.Scheme != "" && u.Host != "" {
		ps := r.hosts[u.Hostname()]
		if ps == nil {
			return rewritten{}, "", false
		}
		val, note := r.rewriteURL(u, ps)
		pw := ps.Credentials.Password
		return rewritten{svc: ps, value: val, secret: pw != "" && strings.Contains(val, pw)}, note, true
	}
	if strings.Contains(value, ",") {
		return r.rewriteList(key, value)
	}
	if _, ok := keyPrefix(key, hostSuffixes); !ok {
		return rewritten{}, "", false
	}
	host, port := value, 0
	if h, p, err := net.SplitHostPort(value); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil {
			return rewritten{}, "", false
		}
		host, port = h, n
	}
	ps := r.hosts[host]
	if ps == nil {
		return rewritten{}, "", false
	}
	if port == 0 {
		return rewritten{svc: ps, value: loopback}, "", true
	}
	return rewritten{svc: ps, value: net.JoinHostPort(loopback, strconv.Itoa(ps.hostPort(port)))}, "", true
}

// hostPort maps a container port to its host port, falling back to the main port.
func (ps *plannedService) hostPort(container int) int {
	if h, ok := ps.Ports[container]; ok {
		return h
	}
	return ps.Ports[ps.MainPort]
}

// rewriteURL keeps the manifest URL's shape (scheme, path, options) and
// replaces what cannot work locally: the host and port, the credentials,
// and options the local server cannot honour (sslmode=require without TLS).
func (r rewriter) rewriteURL(u *url.URL, ps *plannedService) (string, string) {
	var notes []string
	port := 0
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	if port == 0 {
		port = ps.MainPort
	}
	u.Host = net.JoinHostPort(loopback, strconv.Itoa(ps.hostPort(port)))
	if ps.Role != RoleBacking {
		return u.String(), ""
	}
	creds := ps.Credentials
	canonical, _ := url.Parse(ps.URL())
	switch {
	case creds.Password != "" && canonical != nil && canonical.User != nil:
		// The credentials as the kind's own URL carries them (user and
		// password, a password alone, a token). Kinds whose URL carries
		// none (an S3 endpoint: the keys go in other variables) get none.
		user := canonical.User.Username()
		if u.User != nil && u.User.Username() != "" && u.User.Username() != user && user != "" {
			notes = append(notes, fmt.Sprintf("user %s changed to %s", u.User.Username(), user))
		}
		u.User = canonical.User
	case u.User != nil:
		if _, had := u.User.Password(); had {
			u.User = url.User(u.User.Username())
		}
	}
	if (u.Path == "" || u.Path == "/") && creds.Database != "" {
		u.Path = "/" + creds.Database
	}
	if canonical != nil {
		if canonical.Scheme != u.Scheme && u.Scheme == canonical.Scheme+"s" {
			notes = append(notes, fmt.Sprintf("%s:// changed to %s://: the local server has no TLS", u.Scheme, canonical.Scheme))
			u.Scheme = canonical.Scheme
		}
		q := u.Query()
		changed := false
		for k, vals := range canonical.Query() {
			if old := q.Get(k); old != vals[0] {
				if old != "" {
					notes = append(notes, fmt.Sprintf("%s=%s changed to %s=%s: the local server has no TLS", k, old, k, vals[0]))
				}
				q.Set(k, vals[0])
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String(), strings.Join(notes, "; ")
}

func (r rewriter) onlyServiceOnPort(port int) *plannedService {
	var found *plannedService
	for _, ps := range r.plan.containers() {
		if _, ok := ps.Ports[port]; ok {
			if found != nil {
				return nil
			}
			found = ps
		}
	}
	return found
}

// keyPrefix splits KEY into its prefix and one of the suffixes: DB_HOST -> "DB_".
func keyPrefix(key string, suffixes []string) (string, bool) {
	up := strings.ToUpper(key)
	for _, s := range suffixes {
		if strings.HasSuffix(up, s) {
			return key[:len(key)-len(s)], true
		}
	}
	return "", false
}

// urlHost returns the host and port of a URL value.
func urlHost(v string) (string, int, bool) {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", 0, false
	}
	port, _ := strconv.Atoi(u.Port())
	return u.Hostname(), port, true
}

// envName turns a service name into a variable name: "user-db" -> "USER_DB".
func envName(service string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(service) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func looksSecret(key string) bool {
	up := strings.ToUpper(key)
	for _, s := range []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "PRIVATE_KEY", "API_KEY"} {
		if strings.Contains(up, s) {
			return true
		}
	}
	return up == "PASS" || strings.HasSuffix(up, "_PASS") || strings.HasSuffix(up, "_PWD")
}

// maskURL hides the password of a URL value, or the whole value of something that is not a URL.
func maskURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if v == "" {
			return ""
		}
		return "****"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
		return strings.Replace(u.String(), ":xxxxx@", ":****@", 1)
	}
	return v
}

// maskValue hides what may be secret in a value shown in a message: a
// URL's password, or the whole value of a secret-looking variable.
func maskValue(key, v string) string {
	if m := maskURL(v); m != v && m != "****" {
		return m
	}
	if looksSecret(key) {
		return "****"
	}
	return v
}

// Masked is the value safe to show: secrets hidden.
func (v EnvVar) Masked() string {
	if !v.Secret {
		return v.Value
	}
	if m := maskURL(v.Value); m != v.Value {
		return m
	}
	return "****"
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// Environ overlays the app's variables on the inherited environment.
func Environ(base []string, vars []EnvVar) []string {
	set := map[string]string{}
	order := []string{}
	for _, kv := range base {
		k, v, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; !ok {
			order = append(order, k)
		}
		set[k] = v
	}
	for _, v := range vars {
		if _, ok := set[v.Key]; !ok {
			order = append(order, v.Key)
		}
		set[v.Key] = v.Value
	}
	sort.Strings(order)
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+set[k])
	}
	return out
}
