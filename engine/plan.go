package engine

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/parity-dev/parity/engine/connstr"
	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// Role is what parity does with a manifest service.
type Role string

const (
	// RoleBacking is a recognised backing service (Postgres, Redis...): run
	// as a container with generated credentials and a protocol-level probe.
	RoleBacking Role = "backing"
	// RoleGeneric is another third-party image (mail catcher, ...): run as a
	// container, ready when its healthcheck or port says so.
	RoleGeneric Role = "generic"
	// RoleApp is the team's own code: not run as a container; its
	// environment is the template for the local app's environment.
	RoleApp Role = "app"
	// RoleSkipped is a service parity leaves out (parity.yaml skip, no image).
	RoleSkipped Role = "skipped"
)

// Labels parity puts on everything it creates. They are the only source of
// truth for ownership: parity never touches an object without them.
const (
	LabelProject    = "dev.parity.project"
	LabelService    = "dev.parity.service"
	LabelConfigHash = "dev.parity.config-hash"
	LabelImage      = "dev.parity.image"
	LabelKind       = "dev.parity.kind"
	LabelSecretHash = "dev.parity.secret-hash"
)

// plannedService is one manifest service with parity's decision about it.
type plannedService struct {
	Name  string
	Role  Role
	Why   string
	Stack stacks.Stack // nil for the app and skipped services
	Svc   *manifest.Service

	// For containers:
	Image       string // as pinned
	PullRef     string // what is pulled and run (the mirror's name when a mirror is set)
	Config      stacks.Config
	MainPort    int         // container port the probe and URLs use; 0 when none
	Ports       map[int]int // container port -> host port
	DataVolume  string      // named volume holding the data dir, "" when none
	Spec        docker.ContainerSpec
	Credentials stacks.Credentials

	// Unselected: the command line named other services (`parity up db`);
	// this one is left out of this run, and its container, if any, alone.
	Unselected bool

	// Job is a one-shot container that another service waits for with
	// service_completed_successfully: it is done when it exits 0.
	Job bool
	// Build is how parity builds the image of a service whose own
	// Dockerfile makes a backing service; nil for pulled images. Image is
	// then the image its final stage starts FROM.
	Build *imageBuild

	// UsualPort is the host port the main port would normally have (the
	// manifest's published port, else the kind's); PortNote says why it is
	// elsewhere, and PortHeldBy who holds it when parity can tell.
	UsualPort  int
	PortNote   string
	PortHeldBy *PortHolder
}

// Endpoint is where the service answers on this machine.
func (ps *plannedService) Endpoint() stacks.Endpoint {
	return stacks.Endpoint{Host: loopback, Port: ps.Ports[ps.MainPort], Credentials: ps.Credentials}
}

// URL is the connection URL the app gets, "" for services without one.
func (ps *plannedService) URL() string {
	if ps.Stack == nil || ps.MainPort == 0 {
		return ""
	}
	return ps.Stack.URL(ps.Endpoint())
}

// Address is host:port of the main port, "" when none.
func (ps *plannedService) Address() string {
	if ps.MainPort == 0 {
		return ""
	}
	return fmt.Sprintf("%s:%d", loopback, ps.Ports[ps.MainPort])
}

const loopback = "127.0.0.1"

// plan is the desired state of a project.
type plan struct {
	Project  *manifest.Project
	Services []*plannedService // manifest order (by name)
	Network  string
	// Bindings are values parity chose for the manifest's unset variables
	// (DB_PASSWORD -> the generated password).
	Bindings map[string]string
	Warnings []string
}

func (p *plan) service(name string) *plannedService {
	for _, s := range p.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// containers are the services parity runs as containers.
func (p *plan) containers() []*plannedService {
	var out []*plannedService
	for _, s := range p.Services {
		if s.Role == RoleBacking || s.Role == RoleGeneric {
			out = append(out, s)
		}
	}
	return out
}

// apps are the services that describe the developer's app.
func (p *plan) apps() []*plannedService {
	var out []*plannedService
	for _, s := range p.Services {
		if s.Role == RoleApp {
			out = append(out, s)
		}
	}
	return out
}

// planOptions are the inputs of planning besides the manifest.
type planOptions struct {
	Mirror      string            // registry mirror host[:port], "" for none
	ExtraLabels map[string]string // added to every object (tests use dev.parity.test=1)
	AppService  string            // parity.yaml app.service: force this service to be the app
	Skip        map[string]bool   // parity.yaml services.X.skip
	// PortFree reports whether a host port on 127.0.0.1 can be bound.
	PortFree func(port int) bool
	// KeepPorts trusts remembered ports without checking them: commands that
	// do not start anything (env) cannot tell parity's own running
	// containers from another program holding the port.
	KeepPorts bool
	// FreePort asks the system for any free port on 127.0.0.1.
	FreePort func() (int, error)
	// HolderOf names who holds a host port (a container, a program), nil
	// when it cannot tell; only asked about a port parity could not use.
	HolderOf func(port int) *PortHolder
	// Only are the services named on the command line; empty: all.
	Only []string
	// Locked maps a service to the digest parity.lock pins it to, only where
	// the lock entry is for the image the manifest pins now. The container
	// runs that digest; labels and summaries keep the pinned tag.
	Locked map[string]string
}

// containerName is the name parity gives a service's container. It differs
// from Compose's "<project>-<service>-1" so parity never collides with a
// team's own `docker compose up`.
func containerName(project, service string) string {
	return "parity-" + project + "-" + service
}

func networkName(project string) string { return "parity-" + project }

func volumeName(project, service string) string {
	return "parity-" + project + "-" + service + "-data"
}

// classify decides each service's role, in a first pass, so that the second
// pass can see which services are backing services.
func classify(proj *manifest.Project, opts planOptions) []*plannedService {
	out := make([]*plannedService, 0, len(proj.Services))
	waiters := jobWaiters(proj)
	backing := map[string]bool{}
	setBacking := func(ps *plannedService, st stacks.Stack, why string) {
		ps.Role, ps.Stack, ps.Why = RoleBacking, st, why
		backing[ps.Name] = true
		for _, a := range ps.Svc.Aliases {
			backing[a] = true
		}
	}
	for i := range proj.Services {
		svc := &proj.Services[i]
		ps := &plannedService{Name: svc.Name, Svc: svc, Image: svc.Image}
		job := len(waiters[svc.Name]) > 0
		switch {
		case opts.Skip[svc.Name]:
			ps.Role, ps.Why = RoleSkipped, "skipped in parity.yaml"
		case opts.AppService == svc.Name:
			ps.Role, ps.Why = RoleApp, "named as the app in parity.yaml"
		case svc.App:
			ps.Role, ps.Why = RoleApp, "the app in production's source"
			if svc.Origin != "" {
				ps.Why += " (" + svc.Origin + ")"
			}
		case svc.Build:
			b, st := planBuild(svc)
			if st == nil {
				ps.Role, ps.Why = RoleApp, "has a build: section (the team's own code)"
				break
			}
			// Its Dockerfile makes a backing service (FROM postgres:16 plus
			// init scripts): parity builds it and runs it as that kind.
			ps.Build, ps.Image = b, b.Base
			if !job {
				setBacking(ps, st, fmt.Sprintf("built from %s, whose final stage is FROM %s, a %s image", b.source(proj.WorkingDir), b.Base, st.Kind()))
			}
		case svc.Image == "":
			ps.Role, ps.Why = RoleSkipped, "has neither image nor build"
		case job:
			// A one-shot job runs its command once, whatever its image
			// would serve (redis-cli in a redis image, psql in postgres).
		default:
			if st := stacks.ForImage(svc.Image); st != nil {
				why := fmt.Sprintf("image %s is a %s image", svc.Image, st.Kind())
				if m := svc.Managed; m != nil {
					why = fmt.Sprintf("production runs %s %s %s there (%s): image %s runs the same server", m.Provider, m.Engine, m.Version, cmp.Or(svc.Origin, "its source"), svc.Image)
				}
				setBacking(ps, st, why)
			}
		}
		out = append(out, ps)
	}
	// Unrecognised images: the team's own when they come from the app's
	// image repository or namespace, or lean on a backing service. Each app
	// found this way can bring in more, so repeat until nothing changes.
	for changed := true; changed; {
		changed = false
		for _, ps := range out {
			if ps.Role != "" {
				continue
			}
			job := len(waiters[ps.Name]) > 0
			if how, sameRepo, ok := appImageOf(ps, out); ok {
				if st := stacks.ForProjectImage(ps.Image); st != nil && !sameRepo && !job {
					setBacking(ps, st, fmt.Sprintf("image %s is the project's own %s image: it %s", ps.Image, st.Kind(), how))
				} else {
					ps.Role, ps.Why = RoleApp, fmt.Sprintf("part of the app: image %s %s", ps.Image, how)
					if sameRepo {
						ps.Why = "part of the app: it " + how
					}
				}
				changed = true
				continue
			}
			if job {
				continue
			}
			if dep := leansOn(ps.Svc, backing); dep != "" {
				ps.Role = RoleApp
				ps.Why = fmt.Sprintf("image %s is not a known backing service and %s", ps.Image, dep)
				changed = true
			}
		}
	}
	for _, ps := range out {
		if ps.Role != "" {
			continue
		}
		ps.Role = RoleGeneric
		if w := waiters[ps.Name]; len(w) > 0 {
			ps.Job = true
			ps.Why = fmt.Sprintf("a one-shot job: %s %s for it to complete (service_completed_successfully)", strings.Join(w, ", "), waitVerb(len(w)))
			continue
		}
		ps.Why = fmt.Sprintf("image %s is a third-party service no app code depends on", ps.Image)
	}
	// Third-party services that front or follow the app (nginx proxying to
	// web:8080, a worker sidecar) cannot start without the app's container,
	// which parity replaces with a local process: leave them out.
	apps := map[string]bool{}
	for _, ps := range out {
		if ps.Role == RoleApp {
			apps[ps.Name] = true
		}
	}
	for _, ps := range out {
		if ps.Role != RoleGeneric {
			continue
		}
		for _, d := range ps.Svc.DependsOn {
			if apps[d] {
				ps.Role, ps.Job = RoleSkipped, false
				ps.Why = fmt.Sprintf("depends on %s, the app, which runs locally instead of in a container", d)
				break
			}
		}
		if ps.Role == RoleGeneric && !ps.Job && isEdgeProxy(ps.Image) {
			ps.Role = RoleSkipped
			ps.Why = fmt.Sprintf("image %s is a reverse proxy in front of the app, which runs locally; call the app directly", ps.Image)
		}
	}
	return out
}

func waitVerb(n int) string {
	if n == 1 {
		return "waits"
	}
	return "wait"
}

// jobWaiters maps each service that another waits for with
// service_completed_successfully to those that wait, in name order.
func jobWaiters(proj *manifest.Project) map[string][]string {
	out := map[string][]string{}
	for _, svc := range proj.Services {
		for _, dep := range svc.DependsOn {
			if svc.DependsOnCondition[dep] == manifest.ConditionCompleted {
				out[dep] = append(out[dep], svc.Name)
			}
		}
	}
	return out
}

// appImageOf says how ps's image is one of the app's own: an app service
// runs the same repository (any tag), or one from the same namespace of
// the same registry (ghcr.io/immich-app/immich-machine-learning beside
// ghcr.io/immich-app/immich-server). Namespaces that publish for everyone
// (Docker Hub's library/, bitnami/, ...) make no two images one project's.
func appImageOf(ps *plannedService, all []*plannedService) (how string, sameRepo, ok bool) {
	img := stacks.ParseImage(ps.Image)
	if img.Repo == "" {
		return "", false, false
	}
	var appImages []*plannedService
	for _, a := range all {
		if a.Role == RoleApp && a.Image != "" {
			appImages = append(appImages, a)
		}
	}
	for _, a := range appImages {
		if ai := stacks.ParseImage(a.Image); img.SameRegistry(ai) && img.Repo == ai.Repo {
			return fmt.Sprintf("runs %s's image %s", a.Name, a.Image), true, true
		}
	}
	ns := img.Namespace()
	if ns == "" || img.VendorNamespace() {
		return "", false, false
	}
	for _, a := range appImages {
		if ai := stacks.ParseImage(a.Image); img.SameRegistry(ai) && ai.Namespace() == ns {
			where := ns + "/"
			if !img.DockerHub() {
				where = img.Registry + "/" + where
			}
			return fmt.Sprintf("comes from %s, as %s's image %s does", where, a.Name, a.Image), false, true
		}
	}
	return "", false, false
}

func relPath(base, p string) string {
	if rel, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

// edgeProxies are images that production puts in front of the app. Locally
// the developer talks to the app directly, and their configuration names
// the app's container, which does not exist.
var edgeProxies = []string{"nginx", "nginxinc/nginx-unprivileged", "bitnami/nginx", "traefik", "caddy", "haproxy", "envoyproxy/envoy", "openresty/openresty"}

func isEdgeProxy(image string) bool {
	repo := stacks.ParseImage(image).Repo
	for _, p := range edgeProxies {
		if repo == p {
			return true
		}
	}
	return false
}

// leansOn says how svc depends on a backing service, "" if it does not.
func leansOn(svc *manifest.Service, backing map[string]bool) string {
	for _, d := range svc.DependsOn {
		if backing[d] {
			return "depends on " + d
		}
	}
	keys := sortedKeys(svc.Environment)
	for _, k := range keys {
		if host := hostIn(svc.Environment[k].String()); host != "" && backing[host] {
			return fmt.Sprintf("its %s points at %s", k, host)
		}
	}
	return ""
}

// hostIn returns the first host a value names: in a connection string of
// any form, a bare host, or host:port.
func hostIn(v string) string {
	if hosts := hostsIn(v); len(hosts) > 0 {
		return hosts[0]
	}
	return ""
}

// hostPort maps a container port to its host port, falling back to the main port.
func (ps *plannedService) hostPort(container int) int {
	if h, ok := ps.Ports[container]; ok {
		return h
	}
	return ps.Ports[ps.MainPort]
}

// literalEnv is an environment as Compose would give it: unset variables empty.
func literalEnv(env map[string]manifest.Value) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = v.String()
	}
	return out
}

// buildPlan turns a manifest into the desired state, choosing ports and
// credentials from (and recording them in) the project's state.
func buildPlan(proj *manifest.Project, st *state, opts planOptions) (*plan, error) {
	p := &plan{Project: proj, Network: networkName(proj.Name), Bindings: map[string]string{}}
	p.Services = classify(proj, opts)
	if err := selectServices(p.Services, opts.Only); err != nil {
		return nil, err
	}
	// Backing services first: they bind the unset credential variables that
	// generic services may use too.
	for _, role := range []Role{RoleBacking, RoleGeneric} {
		for _, ps := range p.Services {
			if ps.Role != role {
				continue
			}
			if err := planContainer(p, ps, st, opts); err != nil {
				return nil, err
			}
		}
	}
	for _, ps := range p.containers() {
		if ps.Role == RoleBacking && !stacks.ParseImage(ps.Image).Pinned() {
			p.Warnings = append(p.Warnings, fmt.Sprintf(
				"service %s runs %s, which is not pinned to a version: production and every laptop may run different versions; pin a tag such as %s:<version> in %s",
				ps.Name, ps.Image, stacks.ParseImage(ps.Image).Repo, manifestFiles(proj)))
		}
	}
	return p, nil
}

func manifestFiles(proj *manifest.Project) string {
	var names []string
	for _, f := range proj.Files {
		names = append(names, filepath.Base(f))
	}
	return strings.Join(names, ", ")
}

func planContainer(p *plan, ps *plannedService, st *state, opts planOptions) error {
	svc := ps.Svc
	ps.PullRef = ps.Image
	if opts.Mirror != "" {
		ps.PullRef = stacks.MirrorRef(ps.Image, opts.Mirror)
	}
	if digest := opts.Locked[ps.Name]; digest != "" {
		ps.PullRef = lockedRef(ps.PullRef, digest)
	}

	// Variables unset on this machine that carry a password get one
	// generated secret per variable, shared by every service and app
	// variable that names it. The stack then sees them as set.
	if ps.Role == RoleBacking {
		bindPasswords(p, svc, st)
	}
	env := map[string]string{}
	for k, v := range svc.Environment {
		env[k] = v.Resolve(p.bound)
	}
	cmd := manifest.Strings(svc.Command, p.bound)

	ps.MainPort = 0
	if ps.Role == RoleBacking {
		secret := st.secretFor(ps.Name)
		ps.Config = ps.Stack.Configure(stacks.Service{Name: ps.Name, Image: ps.Image, Env: env, Command: cmd, Wanted: wantedBy(p, ps)}, secret)
		ps.Credentials = ps.Config.Credentials
		ps.MainPort = ps.Stack.Port()
	} else {
		ps.Config = stacks.Config{Env: env, Command: cmd}
		if len(svc.Ports) > 0 {
			ps.MainPort = svc.Ports[0].Target
		}
		ps.Stack = stacks.Generic(ps.MainPort)
	}
	// The other unset variables the service's values were exactly (a user,
	// a database, a password under an unusual name) take what the stack
	// chose for those places, so the app's references to them agree.
	for k, v := range svc.Environment {
		if name, ok := v.OnlyUnset(); ok && ps.Config.Env[k] != "" {
			p.bind(name, ps.Config.Env[k])
		}
	}
	if len(ps.Config.Command) == len(svc.Command) {
		for i, v := range svc.Command {
			if name, ok := v.OnlyUnset(); ok && ps.Config.Command[i] != "" {
				p.bind(name, ps.Config.Command[i])
			}
		}
	}

	// Ports: the main port and every port the manifest publishes or exposes,
	// on 127.0.0.1 only, each stable across runs.
	targets := map[int]string{}
	if ps.MainPort != 0 {
		targets[ps.MainPort] = ""
	}
	for _, port := range svc.Ports {
		if port.Protocol != "" && port.Protocol != "tcp" {
			continue
		}
		if _, seen := targets[port.Target]; !seen || targets[port.Target] == "" {
			targets[port.Target] = port.Published
		}
	}
	ps.Ports = map[int]int{}
	for _, target := range sortedInts(targets) {
		c, err := st.port(p.Project.Name, ps.Name, target, targets[target], opts)
		if err != nil {
			return err
		}
		if c.Warning != "" {
			p.Warnings = append(p.Warnings, c.Warning)
		}
		ps.Ports[target] = c.Host
		if target == ps.MainPort {
			ps.UsualPort, ps.PortNote, ps.PortHeldBy = c.Usual, c.Note, c.HeldBy
		}
	}
	configureHost(ps)

	mounts, dataVolume, warns := planMounts(p.Project, ps)
	ps.DataVolume = dataVolume
	p.Warnings = append(p.Warnings, warns...)

	labels := map[string]string{
		LabelProject: p.Project.Name,
		LabelService: ps.Name,
		LabelImage:   ps.Image,
		LabelKind:    ps.Stack.Kind(),
	}
	for k, v := range opts.ExtraLabels {
		if _, ours := labels[k]; !ours {
			labels[k] = v
		}
	}
	for k, v := range svc.Labels {
		if _, ours := labels[k]; !ours {
			labels[k] = v
		}
	}
	spec := docker.ContainerSpec{
		Name:       containerName(p.Project.Name, ps.Name),
		Image:      ps.PullRef,
		Env:        envList(ps.Config.Env),
		Cmd:        ps.Config.Command,
		Entrypoint: manifest.Strings(svc.Entrypoint, p.bound),
		User:       svc.User,
		WorkingDir: svc.WorkingDir,
		Labels:     labels,
		Ports:      map[string]docker.PortBinding{},
		Mounts:     mounts,
		Tmpfs:      svc.Tmpfs,
		ShmSize:    svc.ShmSize,
		Network:    p.Network,
		Aliases:    append([]string{ps.Name}, svc.Aliases...),
		ExtraHosts: extraHosts(svc.ExtraHosts, hostGatewayNeeded),
	}
	for target, host := range ps.Ports {
		spec.Ports[fmt.Sprintf("%d/tcp", target)] = docker.PortBinding{HostIP: loopback, HostPort: host}
	}
	if hc := svc.Healthcheck; hc != nil && !hc.Disable {
		spec.Healthcheck = &docker.Healthcheck{Test: hc.Test, Interval: hc.Interval, Timeout: hc.Timeout, StartPeriod: hc.StartPeriod, Retries: hc.Retries}
	}
	spec.Labels[LabelConfigHash] = configHash(spec)
	ps.Spec = spec
	return nil
}

// hostDockerInternal is the name Docker Desktop gives the host inside
// containers; a service calls back to the app on the host through it.
const hostDockerInternal = "host.docker.internal"

// hostGatewayNeeded: Docker Desktop (macOS, Windows) resolves
// host.docker.internal by itself; a Linux engine only when asked to map it to
// its "host-gateway" address (Docker 20.10 and later).
var hostGatewayNeeded = runtime.GOOS == "linux"

// extraHosts keeps the manifest's extra_hosts and, when gateway is set, adds
// host.docker.internal:host-gateway unless the manifest maps that name itself.
func extraHosts(manifest []string, gateway bool) []string {
	hosts := slices.Clone(manifest)
	if !gateway || slices.ContainsFunc(manifest, func(h string) bool {
		name, _, _ := strings.Cut(h, ":")
		return name == hostDockerInternal
	}) {
		return hosts
	}
	return append(hosts, hostDockerInternal+":host-gateway")
}

// bound is the value chosen for an unset variable, if any.
func (p *plan) bound(name string) (string, bool) {
	v, ok := p.Bindings[name]
	return v, ok
}

func (p *plan) bind(name, value string) {
	if _, ok := p.Bindings[name]; !ok {
		p.Bindings[name] = value
	}
}

// planMounts keeps the manifest's mounts that can work on a laptop and puts
// the service's data directory in a named volume parity owns, even where
// production bind-mounts a host path there.
func planMounts(proj *manifest.Project, ps *plannedService) ([]docker.Mount, string, []string) {
	var mounts []docker.Mount
	var warns []string
	dataDir := ps.Stack.DataDir()
	dataTarget := ""
	for _, v := range ps.Svc.Volumes {
		if dataDir != "" && (v.Target == dataDir || isUnder(dataDir, v.Target) || isUnder(v.Target, dataDir)) && v.Type != "tmpfs" && !isFileBind(v) {
			dataTarget = v.Target
			continue
		}
		switch v.Type {
		case "volume":
			if dataDir == "" && dataTarget == "" && v.Source != "" && !ps.Job {
				// A generic service's first named volume is its data. A
				// job's volumes are shared: it prepares them for others.
				dataTarget = v.Target
				continue
			}
			name := ""
			if v.Source != "" {
				name = "parity-" + proj.Name + "-" + v.Source
			}
			mounts = append(mounts, docker.Mount{Type: "volume", Source: name, Target: v.Target, ReadOnly: v.ReadOnly})
		case "bind":
			if _, err := os.Stat(v.Source); err != nil {
				warns = append(warns, fmt.Sprintf("service %s: bind mount %s -> %s skipped: %s does not exist on this machine", ps.Name, v.Source, v.Target, v.Source))
				continue
			}
			mounts = append(mounts, docker.Mount{Type: "bind", Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly})
		case "tmpfs":
			mounts = append(mounts, docker.Mount{Type: "tmpfs", Target: v.Target})
		}
	}
	if dataTarget == "" {
		dataTarget = dataDir
	}
	if dataTarget == "" {
		return mounts, "", warns
	}
	vol := volumeName(proj.Name, ps.Name)
	mounts = append([]docker.Mount{{Type: "volume", Source: vol, Target: dataTarget}}, mounts...)
	return mounts, vol, warns
}

// isFileBind reports a bind mount of a single file (an init script or a
// config file), which is configuration, not data.
func isFileBind(v manifest.Volume) bool {
	if v.Type != "bind" {
		return false
	}
	fi, err := os.Stat(v.Source)
	return err == nil && !fi.IsDir()
}

func isUnder(child, parent string) bool {
	rel := path.Clean(child)
	parent = path.Clean(parent)
	return parent != rel && strings.HasPrefix(rel, parent+"/")
}

// configHash fingerprints everything parity sets on a container, so a changed
// manifest (or a changed choice of parity's) recreates it, and an unchanged
// one is reused as it is.
func configHash(spec docker.ContainerSpec) string {
	spec.Labels = copyMap(spec.Labels)
	delete(spec.Labels, LabelConfigHash)
	data, _ := json.Marshal(spec) // maps marshal in key order
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:12])
}

// secretFor returns the service's password, generating one on first use.
func (st *state) secretFor(service string) string {
	if s := st.Secrets[service]; s != "" {
		return s
	}
	s := newSecret()
	st.Secrets[service] = s
	return s
}

// port chooses the host port for a service's container port: the remembered
// one, else the manifest's published port or the service's usual port when
// free, else any free port. It never fails because another program holds
// the usual port; it says who does.
func (st *state) port(project, service string, target int, published string, opts planOptions) (portChoice, error) {
	key := fmt.Sprintf("%s/%d", service, target)
	c := portChoice{Usual: target}
	if n, err := strconv.Atoi(published); err == nil && n > 0 {
		c.Usual = n
	}
	remembered, ok := st.Ports[key]
	switch {
	case ok && (opts.KeepPorts || opts.PortFree == nil || opts.PortFree(remembered)):
		c.Host = remembered
	case !ok && (opts.PortFree == nil || opts.PortFree(c.Usual)) && !st.portUsed(c.Usual):
		c.Host = c.Usual
	default:
		np, err := opts.FreePort()
		if err != nil {
			return portChoice{}, fmt.Errorf("find a free port for %s: %w", service, err)
		}
		if ok {
			c.Warning = fmt.Sprintf("service %s: port %d is held by %s, using %d from now on", service, remembered, holderText(remembered, opts), np)
		}
		c.Host = np
	}
	st.Ports[key] = c.Host
	if c.Host != c.Usual {
		c.HeldBy, c.Note = st.whyNotUsual(project, key, c.Usual, opts)
	}
	return c, nil
}

func (st *state) portUsed(port int) bool {
	for _, p := range st.Ports {
		if p == port {
			return true
		}
	}
	return false
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for _, k := range sortedKeys(env) {
		out = append(out, k+"="+env[k])
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedInts[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// wantedBy reads what the app's environment asks of a backing service: the
// user and database of a URL pointing at it (postgres://shop@db/shop), or
// of split variables next to a host variable naming it (DB_HOST=db,
// DB_USER=shop, DB_NAME=shop). Parts that come from unset variables say
// nothing and are skipped. The first app variable (in name order) wins.
func wantedBy(p *plan, ps *plannedService) stacks.Credentials {
	names := map[string]bool{ps.Name: true}
	for _, a := range ps.Svc.Aliases {
		names[a] = true
	}
	var w stacks.Credentials
	want := func(user, db string) {
		if w.User == "" && user != "" {
			w.User = user
		}
		if w.Database == "" && db != "" && !strings.Contains(db, "/") {
			w.Database = db
		}
	}
	for _, app := range p.apps() {
		env := literalEnv(app.Svc.Environment)
		for _, k := range sortedKeys(env) {
			c, ok := connstr.ParseStrict(env[k])
			if !ok || len(c.Hosts()) == 0 || !names[c.Hosts()[0].Name] {
				continue
			}
			user, _ := c.User()
			want(user, c.Database())
		}
		for _, k := range sortedKeys(env) {
			prefix, field := stacks.SplitVar(k)
			if field != stacks.FieldHost || !names[hostIn(env[k])] {
				continue
			}
			var user, db string
			for _, sk := range sortedKeys(env) {
				switch p, f := stacks.SplitVar(sk); {
				case p != prefix:
				case f == stacks.FieldUser && user == "":
					user = env[sk]
				case f == stacks.FieldDatabase && db == "":
					db = env[sk]
				}
			}
			want(user, db)
		}
	}
	return w
}
