// Package manifest turns production service manifests (Compose files today)
// into parity's own model. It is the only package that imports compose-go, so
// the rest of parity never depends on a manifest format's types.
package manifest

import (
	"slices"
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
	// Inactive names the services behind profiles that are not active, in
	// name order: not run, but parity.yaml may still name them.
	Inactive []string
	// Unset lists variables the manifest references that were not set anywhere
	// (shell, .env). Loading never fails on `${DB_PASSWORD:?must be set}`:
	// environment and command values keep the reference (see Value); the
	// engine binds the ones it can (generated credentials) and empties the rest.
	Unset []string
	// Warnings are things loading let pass that the developer should know
	// (an env_file that exists only on the servers).
	Warnings []string
	// EnvFiles are the project env files read for interpolation, in order,
	// as absolute paths: the --env-file flags, else the project directory's
	// .env when it exists and COMPOSE_DISABLE_ENV_FILE is not true.
	EnvFiles []string
	// DotEnv holds their variables merged (a later file wins), exactly as
	// Compose read them for interpolation, without the shell environment.
	DotEnv map[string]string
	// EnvSample is the committed sample (.env.example) read as the .env,
	// because the project directory has no .env; "" otherwise.
	EnvSample string
	// Source names the format the project was read from: "compose",
	// "terraform", "kubernetes", "helm", "render", "digitalocean", "heroku";
	// several joined with "+" when sources were merged.
	Source string
}

// SourceOptions are what every reader of a production source beyond
// Compose (Terraform, Kubernetes, Helm, PaaS specs) is given.
type SourceOptions struct {
	// Path is the file or directory to read, absolute.
	Path string
	// WorkingDir is where parity runs, absolute; Origin paths are relative to it.
	WorkingDir string
	// ProjectName is -p or parity.yaml's project; "" lets the caller decide.
	ProjectName string
	// Environ is the process environment (TF_VAR_*, ...).
	Environ map[string]string
	// ValueFiles are extra inputs the format takes: Terraform -var-file
	// files, Helm values files; relative to WorkingDir unless absolute.
	ValueFiles []string
}

// Service is one service of the manifest, reduced to what parity acts on.
type Service struct {
	Name  string
	Image string // as pinned, e.g. "postgres:15.4" or "postgres@sha256:..."; "" when only build:
	Build bool   // the service has a build: section (it is the team's own code)

	// ImageUnset lists variables unset on this machine that the image
	// reference was written with (`image: ${REGISTRY}/app:${TAG}`); Image
	// then holds what Compose would substitute.
	ImageUnset []string

	Command    []Value // nil when the manifest does not set it
	Entrypoint []Value // nil when the manifest does not set it
	// Environment holds environment and env_file entries, resolved. A key the
	// manifest lists without a value and that is unset in the shell is absent.
	Environment map[string]Value
	Ports       []Port
	Volumes     []Volume
	Healthcheck *Healthcheck
	ShmSize     int64 // bytes, 0 when unset
	User        string
	WorkingDir  string
	Tmpfs       []string
	// ExtraHosts are extra_hosts entries as "name:ip", sorted by name (a
	// name's addresses in the order written); ip may be "host-gateway".
	ExtraHosts []string
	Labels     map[string]string
	// Aliases are other names the service is reachable by on its networks
	// (network aliases, hostname, container_name); the app's URLs may use them.
	Aliases   []string
	DependsOn []string
	Profiles  []string
	// MissingEnvFiles are the service's env_file paths (absolute) that do not
	// exist on this machine, such as a .env.production kept on the servers.
	MissingEnvFiles []string

	// BuildSpec is how the build: section builds the image, nil without one.
	BuildSpec *BuildSpec
	// DependsOnCondition is when each of DependsOn counts as met, as the
	// long form of depends_on writes it; the short form means ConditionStarted.
	DependsOnCondition map[string]Condition

	// Origin is where the production source defines the service, as
	// "infra/rds.tf:12" (relative to the working directory when inside it);
	// "" for Compose, whose files are Project.Files.
	Origin string
	// App says the source itself runs this as the team's own code (an ECS
	// task definition, a Lambda function, a Deployment of the team's image,
	// a Render web service): parity runs it as the app, whatever its image.
	App bool
	// Managed is the managed engine and version production runs (RDS
	// postgres 15.4) that Image was mapped from; nil for a plain image.
	Managed *Managed
}

// Managed is a managed service's engine and version as its provider names
// them, and what parity runs for it. A managed version is a floor:
// providers upgrade minor versions on their own.
type Managed struct {
	Provider string // "aws_db_instance", "google_sql_database_instance", "render", "heroku-postgresql", ...
	Engine   string // as written: "aurora-postgresql", "POSTGRES_15", "redis"
	Version  string // as written: "15.4", "7.1", "" when the source names none
	// Note says where the image is not the exact version (no upstream 7.1:
	// redis:7.2 is the nearest), "" otherwise.
	Note string
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

// Defined lists every service the manifest defines, active or behind an
// inactive profile: the names parity.yaml may use (see Config.Check).
func (p *Project) Defined() []string {
	names := slices.Clone(p.Inactive)
	for _, s := range p.Services {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return names
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
