// Package manifest turns production service manifests (Compose files today)
// into parity's own model. It is the only package that imports compose-go, so
// the rest of parity never depends on a manifest format's types.
package manifest

import (
	"regexp"
	"strings"
	"time"
)

// Project is a loaded manifest: every service production runs, in name order.
type Project struct {
	// Name is the Compose project name (from -p, COMPOSE_PROJECT_NAME, the
	// manifest's top-level name, or the working directory, normalised as Compose does).
	Name       string
	WorkingDir string
	// Files are the manifest files that were merged, in order, as absolute paths.
	Files    []string
	Services []Service
	// Unset lists variables the manifest references that were not set anywhere
	// (shell, .env). Each was replaced by Placeholder(name) so loading never
	// fails on `${DB_PASSWORD:?must be set}`; the engine later binds the ones it
	// can (generated credentials) and empties the rest.
	Unset []string
	// Warnings are things loading let pass that the developer should know
	// (an env_file that exists only on the servers).
	Warnings []string
}

// Service is one service of the manifest, reduced to what parity acts on.
type Service struct {
	Name  string
	Image string // as pinned, e.g. "postgres:15.4" or "postgres@sha256:..."; "" when only build:
	Build bool   // the service has a build: section (it is the team's own code)

	Command    []string // nil when the manifest does not set it
	Entrypoint []string // nil when the manifest does not set it
	// Environment holds environment and env_file entries, resolved. A key the
	// manifest lists without a value and that is unset in the shell is absent.
	Environment map[string]string
	Ports       []Port
	Volumes     []Volume
	Healthcheck *Healthcheck
	ShmSize     int64 // bytes, 0 when unset
	User        string
	WorkingDir  string
	Tmpfs       []string
	Labels      map[string]string
	// Aliases are other names the service is reachable by on its networks
	// (network aliases, hostname, container_name); the app's URLs may use them.
	Aliases   []string
	DependsOn []string
	Profiles  []string

	// BuildSpec is how the build: section builds the image, nil without one.
	BuildSpec *BuildSpec
	// DependsOnCondition is when each of DependsOn counts as met, as the
	// long form of depends_on writes it; the short form means ConditionStarted.
	DependsOnCondition map[string]Condition
}

// BuildSpec is a service's build: section, the parts parity needs to build
// the image itself.
type BuildSpec struct {
	// Context is the build context: an absolute directory, or a remote
	// context (a Git or HTTP URL) as written.
	Context string
	// Dockerfile is the Dockerfile's path, relative to Context unless
	// absolute; "" when DockerfileInline is set.
	Dockerfile       string
	DockerfileInline string
	// Args are the build args that have a value. An arg listed without a
	// value and unset in the shell is absent, as Compose leaves it out.
	Args map[string]string
	// Target is the stage to build, "" for the last one.
	Target string
}

// Condition is when a depends_on dependency counts as met.
type Condition string

const (
	ConditionStarted   Condition = "service_started"
	ConditionHealthy   Condition = "service_healthy"
	ConditionCompleted Condition = "service_completed_successfully" // a one-shot job that exited 0
)

// Port is one published or exposed port.
type Port struct {
	Target    int    // container port
	Published string // host port or range as written, "" when not published
	HostIP    string
	Protocol  string // "tcp" or "udp"
}

// Volume is one mount of a service.
type Volume struct {
	Type     string // "volume", "bind", "tmpfs"
	Source   string // volume name or host path; "" for anonymous volumes
	Target   string // path in the container
	ReadOnly bool
}

// Healthcheck is the manifest's container healthcheck, kept on the container.
type Healthcheck struct {
	Test        []string // e.g. ["CMD-SHELL", "pg_isready"]; ["NONE"] disables
	Interval    time.Duration
	Timeout     time.Duration
	StartPeriod time.Duration
	Retries     int
	Disable     bool
}

// Service returns the service called name, or nil.
func (p *Project) Service(name string) *Service {
	for i := range p.Services {
		if p.Services[i].Name == name {
			return &p.Services[i]
		}
	}
	return nil
}

const placeholderPrefix, placeholderSuffix = "__parity_unset_", "__"

var placeholderRE = regexp.MustCompile(`__parity_unset_([A-Za-z_][A-Za-z0-9_]*?)__`)

// Placeholder is the text that stands in for the unset variable name after
// loading. It is made of characters that survive YAML typing and URL parsing
// (letters, digits, underscores), so `postgres://app:${DB_PASSWORD}@db/app`
// still parses as a URL with a password.
func Placeholder(name string) string { return placeholderPrefix + name + placeholderSuffix }

// UnsetVars returns the names of the unset variables whose placeholders s contains, in order.
func UnsetVars(s string) []string {
	var names []string
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	return names
}

// OnlyPlaceholder reports whether s is exactly one placeholder, and for which variable.
func OnlyPlaceholder(s string) (string, bool) {
	if !strings.HasPrefix(s, placeholderPrefix) || !strings.HasSuffix(s, placeholderSuffix) {
		return "", false
	}
	names := UnsetVars(s)
	if len(names) != 1 || Placeholder(names[0]) != s {
		return "", false
	}
	return names[0], true
}

// ReplaceUnset replaces every placeholder in s with value(name). Placeholders
// for which value reports false become the empty string, as Compose would
// have substituted an unset variable.
func ReplaceUnset(s string, value func(name string) (string, bool)) string {
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		name := placeholderRE.FindStringSubmatch(m)[1]
		if v, ok := value(name); ok {
			return v
		}
		return ""
	})
}
