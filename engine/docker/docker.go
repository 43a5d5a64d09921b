// Package docker is parity's only door to the Docker Engine. It exposes the
// few calls parity makes, in parity's own types, so the rest of the engine is
// tested against a fake and a client-library migration touches one package.
package docker

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned (wrapped) when a container, image, volume or network does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnreachable is returned (wrapped) when the engine does not answer at its endpoint.
var ErrUnreachable = errors.New("docker engine unreachable")

// ErrConflict is returned (wrapped) when a name is already taken by an object
// parity may not reuse: a container name in use, a network without parity's
// labels, a volume still mounted by a container.
var ErrConflict = errors.New("already in use")

// ErrStaleTask is returned (wrapped) by Start when containerd still holds a
// task for the container: the engine died while the container was being
// started and did not clean up when it came back. Remove and recreate the
// container; starting it again fails the same way.
var ErrStaleTask = errors.New("stale containerd task")

// Client lists every Docker call parity makes.
type Client interface {
	// Endpoint is the address tried: DOCKER_HOST or the default socket.
	Endpoint() string
	// Ping checks that the engine answers and returns its versions.
	Ping(ctx context.Context) (Info, error)

	// ImagePresent reports whether ref exists locally.
	ImagePresent(ctx context.Context, ref string) (bool, error)
	// Pull pulls ref, reporting progress as it goes. A missing image or tag
	// in the registry is an error that says so.
	Pull(ctx context.Context, ref string, progress func(PullProgress)) error
	// ImageDigest returns the repo digest (sha256:...) of a local image pulled from a registry, "" if none.
	ImageDigest(ctx context.Context, ref string) (string, error)
	// ImageID returns the local image's ID (sha256:...): it changes whenever
	// the image's content does, tag or no tag.
	ImageID(ctx context.Context, ref string) (string, error)
	// Digest asks the registry which digest ref's tag points at now, without pulling.
	Digest(ctx context.Context, ref string) (string, error)
	// Build builds an image and returns its ID, passing the builder's
	// output on line by line. The images its Dockerfile starts FROM must
	// be present locally.
	Build(ctx context.Context, spec BuildSpec, output func(line string)) (id string, err error)

	// Containers lists containers (running or not) carrying all the labels.
	Containers(ctx context.Context, labels map[string]string) ([]Container, error)
	// ContainerByName returns the container with exactly this name, or ErrNotFound.
	ContainerByName(ctx context.Context, name string) (Container, error)
	Inspect(ctx context.Context, id string) (Container, error)
	Create(ctx context.Context, spec ContainerSpec) (id string, err error)
	Start(ctx context.Context, id string) error
	Stop(ctx context.Context, id string, timeout time.Duration) error
	Restart(ctx context.Context, id string, timeout time.Duration) error
	Remove(ctx context.Context, id string) error
	// Wait blocks until the container is not running (at once when it is
	// not) and returns its exit code.
	Wait(ctx context.Context, id string) (int, error)
	// Logs streams the container's stdout and stderr, line by line, until ctx
	// ends or (follow=false) the logs end. tail<0 means all lines.
	Logs(ctx context.Context, id string, follow bool, tail int, line func(LogLine)) error

	EnsureNetwork(ctx context.Context, name string, labels map[string]string) error
	Networks(ctx context.Context, labels map[string]string) ([]string, error)
	RemoveNetwork(ctx context.Context, name string) error

	// Volume returns the volume, or ErrNotFound.
	Volume(ctx context.Context, name string) (Volume, error)
	CreateVolume(ctx context.Context, name string, labels map[string]string) error
	Volumes(ctx context.Context, labels map[string]string) ([]Volume, error)
	RemoveVolume(ctx context.Context, name string) error
	// VolumeSizes returns the disk space each local volume takes, in bytes
	// (-1 where the engine does not know).
	VolumeSizes(ctx context.Context) (map[string]int64, error)

	// Events streams container events for containers carrying the labels
	// until ctx ends. The error channel receives one error if the stream breaks.
	Events(ctx context.Context, labels map[string]string) (<-chan Event, <-chan error)
}

// Info describes the engine.
type Info struct {
	Endpoint      string
	ServerVersion string
	APIVersion    string // negotiated
	OS            string
	// ClientMinAPI and ClientMaxAPI are the API versions parity's client
	// can negotiate between: an engine older than ClientMinAPI is refused.
	ClientMinAPI string
	ClientMaxAPI string
}

// PullProgress is one update while pulling: totals over all layers seen so far.
type PullProgress struct {
	Ref        string
	Layers     int
	LayersDone int
	BytesDone  int64
	BytesTotal int64
	Status     string // last status line from the engine, e.g. "Downloading"
}

// Container is what parity reads of a container.
type Container struct {
	ID       string
	Name     string // without the leading slash
	Image    string
	Labels   map[string]string
	State    string // created, running, restarting, exited, dead, ...
	Running  bool
	ExitCode int
	// Health is "", "starting", "healthy" or "unhealthy".
	Health    string
	StartedAt time.Time
	// Ports maps "5432/tcp" to the host binding (IP and port).
	Ports     map[string]PortBinding
	OOMKilled bool
	Error     string
}

// PortBinding is a published port on the host.
type PortBinding struct {
	HostIP   string
	HostPort int
}

// Mount is a volume, bind or tmpfs mount.
type Mount struct {
	Type     string // "volume", "bind", "tmpfs"
	Source   string
	Target   string
	ReadOnly bool
}

// Healthcheck is kept on the container as the manifest wrote it.
type Healthcheck struct {
	Test        []string
	Interval    time.Duration
	Timeout     time.Duration
	StartPeriod time.Duration
	Retries     int
}

// ContainerSpec is everything parity sets on a container it creates.
type ContainerSpec struct {
	Name       string
	Image      string
	Env        []string // KEY=VALUE, sorted
	Cmd        []string // nil keeps the image's
	Entrypoint []string // nil keeps the image's
	User       string
	WorkingDir string
	Labels     map[string]string
	// Ports maps container port ("5432/tcp") to host bindings.
	Ports       map[string]PortBinding
	Mounts      []Mount
	Tmpfs       []string
	ShmSize     int64
	Healthcheck *Healthcheck
	Network     string
	Aliases     []string // network aliases on Network
	Hostname    string
	// ExtraHosts are "name:ip" entries added to the container's /etc/hosts;
	// the ip "host-gateway" is the engine's address for the host.
	ExtraHosts []string
}

// BuildSpec is an image build parity asks of the engine.
type BuildSpec struct {
	// ContextDir is the directory sent as the build context, with its
	// .dockerignore applied.
	ContextDir string
	// Dockerfile is the Dockerfile's path relative to ContextDir ("" for
	// "Dockerfile"); used when DockerfileContent is nil.
	Dockerfile string
	// DockerfileContent, when set, is the Dockerfile's text as parity sends
	// it (with renamed FROM images) instead of the file's.
	DockerfileContent []byte
	Args              map[string]string
	Target            string // stage to build, "" for the last
	Tag               string // the name the image gets
	Labels            map[string]string
}

// Volume is a named volume.
type Volume struct {
	Name      string
	Labels    map[string]string
	CreatedAt time.Time
}

// LogLine is one line of a container's output.
type LogLine struct {
	Stream string // "stdout" or "stderr"
	Text   string // without the trailing newline
	Time   time.Time
}

// Event is a container lifecycle event.
type Event struct {
	ContainerID string
	Name        string
	Labels      map[string]string
	Action      string // start, die, stop, restart, health_status: healthy, oom, destroy, ...
	ExitCode    int    // for die
	Time        time.Time
}
