package engine

import (
	"sort"
	"strings"

	"github.com/parity-dev/parity/engine/connstr"
)

// Where an app variable's value came from, lowest precedence first.
const (
	SourceSample   = "sample"      // a committed sample (.env.example) listing the variables the app reads
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

	// owned marks a value parity points at a service: a layer above that
	// does not point it at one does not replace it.
	owned bool
	// origin is the layer the value came from before parity rewrote it.
	origin string
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

// maskURL hides the passwords of a connection string, or the whole value
// of something that is not one.
func maskURL(v string) string {
	c, ok := connstr.ParseStrict(v)
	if !ok {
		if v == "" {
			return ""
		}
		return "****"
	}
	return c.Masked()
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
