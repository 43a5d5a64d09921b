// Package doctor checks, before anything is started, whether `parity up`
// can work on this machine and in this repository, and says how to fix what
// cannot. A new team member's first run should either work or explain
// exactly why not: every check names what it looked at and the fix.
//
// It uses the engine's exported API only (Open, Preview, StateDir) and the
// Docker client interface, so it sees the project exactly as up would.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/engine/docker"
)

// Status is a check's outcome.
type Status string

const (
	// OK: nothing to do.
	OK Status = "ok"
	// Warn: up works, but something is worth knowing or fixing.
	Warn Status = "warn"
	// Fail: up cannot work until this is fixed.
	Fail Status = "fail"
	// Skip: the check could not run (what it needs failed or is absent); the detail says why.
	Skip Status = "skip"
)

// Check is one finding: what was looked at, what was found and the fix.
type Check struct {
	Check  string `json:"check"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
}

// Check names, in the order Run reports them.
const (
	CheckDocker   = "docker"
	CheckDisk     = "disk"
	CheckManifest = "manifest"
	CheckServices = "services"
	CheckPorts    = "ports"
	CheckRegistry = "registry"
	CheckState    = "state"
	CheckDotenv   = "dotenv"
)

// DefaultMinFreeDisk is the free space under which the disk check warns: a
// few service images and their data fit comfortably in it.
const DefaultMinFreeDisk = 5 << 30

// Options say what to check and how to reach it.
type Options struct {
	// Engine are the options up would run with: working dir, -f, -p,
	// profiles, mirror, state dir. Engine.Docker nil means the real engine
	// as the docker CLI would find it (DOCKER_HOST, docker context, default socket).
	Engine engine.Options
	// HTTP probes registries; nil means a client with a 2 s timeout.
	HTTP *http.Client
	// MinFreeDisk is the free space under which the disk check warns; 0 means DefaultMinFreeDisk.
	MinFreeDisk uint64
	// DockerRoot overrides where images live for the disk check ("" asks the engine).
	DockerRoot string
}

// Run performs every check and returns them in a fixed order. It never
// fails as a whole: a check that cannot run reports Skip or Fail with why.
func Run(ctx context.Context, opts Options) []Check {
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 2 * time.Second}
	}
	if opts.MinFreeDisk == 0 {
		opts.MinFreeDisk = DefaultMinFreeDisk
	}
	d := &run{opts: opts}
	defer func() {
		if e, ok := d.client.(*docker.Engine); ok && opts.Engine.Docker == nil {
			e.Close() // made here, so closed here
		}
	}()
	d.checkDocker(ctx)
	d.checkDisk(ctx)
	d.checkManifest(ctx)
	d.checkServices()
	d.checkPorts(ctx)
	d.checkRegistry(ctx)
	d.checkState()
	d.checkDotenv()
	return d.checks
}

// Failed reports whether any check blocks up.
func Failed(checks []Check) bool {
	for _, c := range checks {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// run is one doctor pass: what earlier checks found is what later ones build on.
type run struct {
	opts     Options
	checks   []Check
	client   docker.Client
	engineUp bool
	info     docker.Info
	preview  *engine.Preview
}

func (d *run) add(name string, st Status, fix, format string, args ...any) {
	d.checks = append(d.checks, Check{Check: name, Status: st, Detail: fmt.Sprintf(format, args...), Fix: fix})
}

// checkDocker pings the engine the docker CLI would use and names the
// endpoint and where it came from, so "cannot connect" is never a riddle.
func (d *run) checkDocker(ctx context.Context) {
	d.client = d.opts.Engine.Docker
	if d.client == nil {
		c, err := docker.New(docker.WithDebug(docker.NewDebugLog(d.opts.Engine.Debug)))
		if err != nil {
			d.add(CheckDocker, Fail, dockerFix(os.Getenv("DOCKER_HOST"), err), "%v", err)
			return
		}
		d.client = c
	}
	endpoint := d.client.Endpoint()
	from := endpointSource(endpoint)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	info, err := d.client.Ping(pctx)
	if err != nil {
		cause := err
		if errors.Is(err, docker.ErrUnreachable) && errors.Unwrap(err) != nil {
			cause = errors.Unwrap(err) // the dial error; the wrapper repeats the endpoint and a generic fix
		}
		d.add(CheckDocker, Fail, dockerFix(hostFrom(from, endpoint), err),
			"no Docker engine answers at %s (%s): %v", endpoint, from, cause)
		return
	}
	d.engineUp, d.info = true, info
	d.add(CheckDocker, OK, "", "Docker %s (%s) answers at %s (%s), API %s (client supports %s–%s)",
		info.ServerVersion, orUnknown(info.OS), endpoint, from, info.APIVersion, orUnknown(info.ClientMinAPI), orUnknown(info.ClientMaxAPI))
}

// endpointSource says why this endpoint was chosen, as docker.New resolves it.
func endpointSource(endpoint string) string {
	switch {
	case os.Getenv("DOCKER_HOST") != "" && os.Getenv("DOCKER_HOST") == endpoint:
		return "from DOCKER_HOST"
	case endpoint == docker.DefaultEndpoint:
		return "the default socket"
	case endpoint == docker.FakeEndpoint:
		return "a test engine"
	}
	return "from the current docker context"
}

func hostFrom(from, endpoint string) string {
	if from == "from DOCKER_HOST" {
		return endpoint
	}
	return ""
}

func dockerFix(dockerHost string, err error) string {
	switch {
	case errors.Is(err, docker.ErrUnsupportedEndpoint):
		return "use a local engine (docker context use default) or set DOCKER_HOST=" + docker.DefaultEndpoint
	case errors.Is(err, os.ErrPermission):
		return `add your user to the "docker" group ("sudo usermod -aG docker $USER", then log in again)`
	case dockerHost != "":
		return fmt.Sprintf("DOCKER_HOST=%s points at no engine: fix it, or unset it to use the docker context or the default socket", dockerHost)
	}
	return `start Docker ("sudo systemctl start docker", or open Docker Desktop), or point DOCKER_HOST at a running engine`
}

// checkDisk measures free space where the engine keeps images and volumes,
// when that directory is on this machine.
func (d *run) checkDisk(ctx context.Context) {
	root := d.opts.DockerRoot
	if root == "" && d.engineUp {
		if rd, ok := d.client.(interface {
			RootDir(context.Context) (string, error)
		}); ok {
			if dir, err := rd.RootDir(ctx); err == nil {
				root = dir
			}
		}
	}
	if root == "" {
		root = "/var/lib/docker"
	}
	if d.client != nil && !isLocal(d.client.Endpoint()) {
		d.add(CheckDisk, Skip, "run `docker system df` against that engine", "the engine at %s is not on this machine; its disk cannot be measured from here", d.client.Endpoint())
		return
	}
	free, err := freeBytes(root)
	if err != nil {
		d.add(CheckDisk, Skip, "check with `docker system df` and `df -h`", "cannot measure free disk at %s (the engine may run in a VM): %v", root, err)
		return
	}
	if free < d.opts.MinFreeDisk {
		d.add(CheckDisk, Warn, "free space: `docker system prune` removes unused images and containers; `docker volume prune` unused volumes (their data too)",
			"%s free in %s, under %s: pulls may fail", bytesText(free), root, bytesText(d.opts.MinFreeDisk))
		return
	}
	d.add(CheckDisk, OK, "", "%s free for images and volumes in %s", bytesText(free), root)
}

func isLocal(endpoint string) bool {
	return strings.HasPrefix(endpoint, "unix://") || strings.HasPrefix(endpoint, "npipe://")
}

func bytesText(n uint64) string {
	const gib = 1 << 30
	if n >= gib {
		return fmt.Sprintf("%.1f GiB", float64(n)/gib)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown OS"
	}
	return s
}

// checkManifest loads the manifest and parity.yaml as up would, and keeps
// the preview of what up would run for the checks that follow.
func (d *run) checkManifest(ctx context.Context) {
	eo := d.opts.Engine
	eo.Docker = nil // Open must not dial: the docker check already did
	sess, err := engine.Open(ctx, eo, false)
	if err != nil {
		d.add(CheckManifest, Fail, "pass the production manifest with -f, or run `parity init` to write parity.yaml", "%v", err)
		return
	}
	pv, err := sess.Preview()
	if err != nil {
		d.add(CheckManifest, Fail, "fix or remove the state file named above (`parity down --volumes` starts afresh)", "plan %s: %v", sess.Project(), err)
		return
	}
	d.preview = &pv
	d.add(CheckManifest, OK, "", "%s (project %s, %d services)", d.relFiles(pv.Files), pv.Project, len(pv.Services))
}

// relFiles names files relative to the working directory when they are under it.
func (d *run) relFiles(files []string) string {
	wd := d.opts.Engine.WorkingDir
	var out []string
	for _, f := range files {
		if r, err := filepath.Rel(wd, f); wd != "" && err == nil && r != ".." && !strings.HasPrefix(r, "../") {
			f = r
		}
		out = append(out, f)
	}
	return strings.Join(out, ", ")
}
