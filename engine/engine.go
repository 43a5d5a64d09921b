// Package engine is parity's core: it loads the production manifest, plans
// the backing services, reconciles them with the Docker engine, waits until
// each really answers, computes the app's environment and supervises the app.
// Data flows one way — manifest, plan, reconcile, ready, env, app — and every
// step is reported as an Event to one Sink.
package engine

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/engine/sources"
)

// Options are what every command shares: where the manifest is and how to reach Docker.
type Options struct {
	WorkingDir string
	// ProjectDir is --project-directory: where parity.yaml, the manifest
	// (when no -f) and the default .env are found, and the manifest's
	// relative paths start; "" means the working directory (and, for the
	// manifest's paths, its first file's directory), as in Compose.
	ProjectDir  string
	Files       []string // -f, in order
	ProjectName string   // -p
	Profiles    []string
	// EnvFiles are --env-file, in order (a later file wins); nil means the
	// project directory's .env, as in Compose. Their values interpolate the
	// manifest and are the app's .env layer.
	EnvFiles    []string
	Mirror      string            // registry mirror host[:port] for Docker Hub images
	ExtraLabels map[string]string // labels added to everything parity creates
	Environ     []string          // the inherited environment (os.Environ())
	StateDir    string            // "" -> StateDir()
	AppCommand  []string          // -- CMD; nil -> parity.yaml app.command
	// Services narrows the run to these services and what they depend on
	// (`parity up db`); empty means all. parity.yaml's app command runs
	// only when one of them is the app.
	Services []string
	Timeout  time.Duration // readiness deadline; 0 -> 2 minutes
	Sink     Sink
	// ValueFiles are --values: Terraform -var-file and Helm values files,
	// after parity.yaml's values.
	ValueFiles []string
	// NoTemplates makes new data volumes initialise from empty, neither
	// copied from an initialised template nor kept as one.
	NoTemplates bool
	// Stdin is where `-f -` reads the manifest from.
	Stdin io.Reader
	// Docker is the engine client; nil -> a real client from the environment.
	Docker docker.Client
	// Debug receives --debug lines (each Docker API call and probe
	// attempt, secrets masked); nil logs nothing.
	Debug io.Writer
	// probe replaces the services' probes in unit tests against a fake engine.
	probe func(ctx context.Context, service string) error
}

// Session is one project as parity sees it: the manifest loaded, the plan
// made, the engine reached. It is what up, run, env, status and the live view share.
type Session struct {
	opts    Options
	docker  docker.Client
	info    docker.Info
	project *manifest.Project
	config  *manifest.Config
	// disagreements are production sources naming different images for
	// one service: up warns, check fails.
	disagreements []sources.Disagreement
	plan          *plan
	stateDir      string
	appCmd        []string
	sink          Sink
	shell         map[string]string
	dotenv        map[string]string
	// The app's framework and committed samples, found once.
	layersRead     bool
	frameworks     []string
	samples        []envLayer
	sampleWarnings []string

	env      []EnvVar
	warnings []string
	// planMu guards plan, env and warnings: the live view reads them from
	// its own goroutine while up computes them.
	planMu sync.RWMutex
	idsMu  sync.Mutex
	ids    map[string]string // service -> container id, once reconciled
	stMu   sync.Mutex
	st     *state     // the project's locked state while up runs
	sf     *stateFile // st's file, for writing it down mid-way
	data   dataTrack

	// execArgv is the command up or run will exec once the services are
	// ready: its environment is checked against exec's limits first.
	execArgv []string
	// upStarted is when up began: logs are followed from then on.
	upStarted time.Time
	watch     watchState
	tails     logTails
	// probe replaces the services' probes in unit tests that run against a fake engine.
	probe func(ctx context.Context, service string) error
	debug *docker.DebugLog // --debug; nil logs nothing
}

// Open loads the manifest and parity.yaml, reads the project's state and
// plans the services. It talks to Docker only to check that it answers when
// needDocker is set.
func Open(ctx context.Context, opts Options, needDocker bool) (*Session, error) {
	if opts.WorkingDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("find working dir: %w", err)
		}
		opts.WorkingDir = wd
	}
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.Sink == nil {
		opts.Sink = func(Event) {}
	}
	s := &Session{opts: opts, sink: opts.Sink, shell: environMap(opts.Environ), ids: map[string]string{}, probe: opts.probe}
	s.debug = s.newDebugLog()

	lookIn := opts.WorkingDir
	if opts.ProjectDir != "" {
		lookIn = opts.ProjectDir
		if !filepath.IsAbs(lookIn) {
			lookIn = filepath.Join(opts.WorkingDir, lookIn)
		}
		if fi, err := os.Stat(lookIn); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("--project-directory %s: not a directory", opts.ProjectDir)
		}
		opts.ProjectDir = lookIn
		s.opts.ProjectDir = lookIn
	}
	cfg, _, err := manifest.LoadConfig(lookIn)
	if err != nil {
		return nil, err
	}
	s.config = cfg
	files := opts.Files
	if len(files) == 0 {
		files, err = sources.Discover(lookIn, s.shell, cfg)
		if err != nil {
			return nil, err
		}
	}
	projectName := opts.ProjectName
	if projectName == "" && cfg != nil && cfg.Project != "" {
		projectName = cfg.Project
	}
	var valueFiles []string
	if cfg != nil && cfg.Path != "" {
		for _, v := range cfg.Values {
			if !filepath.IsAbs(v) {
				v = filepath.Join(filepath.Dir(cfg.Path), v)
			}
			valueFiles = append(valueFiles, v)
		}
	}
	valueFiles = append(valueFiles, opts.ValueFiles...)
	proj, disagreements, err := sources.Load(ctx, sources.Options{
		LoadOptions: manifest.LoadOptions{
			WorkingDir:  opts.WorkingDir,
			ProjectDir:  opts.ProjectDir,
			Stdin:       opts.Stdin,
			Files:       files,
			ProjectName: projectName,
			Profiles:    opts.Profiles,
			Environ:     s.shell,
			EnvFiles:    opts.EnvFiles,
		},
		ValueFiles: valueFiles,
	})
	if err != nil {
		return nil, err
	}
	s.disagreements = disagreements
	pinImages(proj, cfg)
	s.project = proj
	if err := cfg.Check(proj.Defined()); err != nil {
		return nil, err
	}

	s.appCmd = opts.AppCommand
	if s.appCmd == nil && cfg != nil {
		s.appCmd = []string(cfg.App.Command)
	}
	if len(opts.Services) > 0 {
		// Names are checked before anything starts; `parity up db` starts
		// db, not parity.yaml's app command, unless the app is named.
		services := classify(proj, s.roleOptions())
		if err := selectServices(services, opts.Services); err != nil {
			return nil, fmt.Errorf("project %s: %w", proj.Name, err)
		}
		if opts.AppCommand == nil && !namesApp(services, opts.Services) {
			s.appCmd = nil
		}
	}

	// The env files as Compose read them to interpolate the manifest: one
	// reading, so the app cannot see another value than the manifest did.
	s.dotenv = proj.DotEnv
	if s.dotenv == nil {
		s.dotenv = map[string]string{}
	}

	if s.stateDir = opts.StateDir; s.stateDir == "" {
		if s.stateDir, err = StateDir(); err != nil {
			return nil, err
		}
	}

	if needDocker {
		if err := s.connect(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// connect makes the Docker client and checks that the engine answers.
func (s *Session) connect(ctx context.Context) error {
	if s.docker == nil {
		if s.opts.Docker != nil {
			s.docker = s.opts.Docker
		} else {
			c, err := docker.New(docker.WithDebug(s.debug))
			if err != nil {
				return err
			}
			s.docker = c
		}
	}
	info, err := s.docker.Ping(ctx)
	if err != nil {
		return err
	}
	s.info = info
	return nil
}

// Project is the project name.
func (s *Session) Project() string { return s.project.Name }

// AppCommand is the app command that up runs, nil for services only.
func (s *Session) AppCommand() []string { return s.appCmd }

// pinImages applies parity.yaml's services.X.image: the exact image a
// team knows production runs, over what the source says.
func pinImages(proj *manifest.Project, cfg *manifest.Config) {
	if cfg == nil {
		return
	}
	for name, sc := range cfg.Services {
		if svc := proj.Service(name); svc != nil && sc.Image != "" {
			svc.Image, svc.ImageUnset = sc.Image, nil
			if svc.Managed != nil {
				m := *svc.Managed
				m.Note = fmt.Sprintf("pinned to %s in %s", sc.Image, cmp.Or(cfg.Path, manifest.ConfigName))
				svc.Managed = &m
			}
		}
	}
}

// appDir is where the app runs: parity.yaml's command in the project
// directory it belongs to, a command given on the command line where
// parity was started.
func (s *Session) appDir() string {
	if s.opts.AppCommand == nil && s.opts.ProjectDir != "" {
		return s.opts.ProjectDir
	}
	return s.opts.WorkingDir
}

// prepare locks the state, plans against it and computes the app env. The
// returned stateFile is locked; the caller saves and closes it.
func (s *Session) prepare(ctx context.Context) (*stateFile, error) {
	sf, err := openState(ctx, s.stateDir, s.project.Name, func(pid int) {
		who := ""
		if pid > 0 {
			who = fmt.Sprintf(" (pid %d)", pid)
		}
		s.warn(fmt.Sprintf("waiting for another parity in project %s%s; Ctrl-C stops waiting", s.project.Name, who))
	})
	if err != nil {
		return nil, err
	}
	if err := s.replan(ctx, &sf.state, nil); err != nil {
		sf.Close()
		return nil, err
	}
	return sf, nil
}

// replan makes the plan, and the app's environment from it, against the
// project's state, with taken ports treated as held by another program (a
// port grabbed between planning and starting). A new plan replaces the
// old one as a whole: everything derived from a port (Kafka's advertised
// listener, the app's URLs) follows it.
func (s *Session) replan(ctx context.Context, st *state, taken map[int]bool) error {
	// Every container's ports, not only this project's: another parity
	// project or a container parity did not create may hold a usual port,
	// and the developer is told which.
	held := map[int]PortHolder{}
	if s.docker != nil {
		cs, err := s.docker.Containers(ctx, nil)
		if err != nil {
			return err
		}
		held = publishedPorts(cs)
	}
	opts := s.roleOptions()
	opts.Mirror, opts.ExtraLabels = s.opts.Mirror, s.opts.ExtraLabels
	opts.PortFree = func(port int) bool {
		if taken[port] {
			return false
		}
		if h, ok := held[port]; ok {
			return h.Project == s.project.Name // this project's own container
		}
		return portFree(port)
	}
	opts.KeepPorts = s.docker == nil
	opts.FreePort = func() (int, error) {
		for {
			p, err := freePort()
			if err != nil || !taken[p] {
				return p, err
			}
		}
	}
	opts.HolderOf = func(port int) *PortHolder {
		if h, ok := held[port]; ok {
			return &h
		}
		if taken[port] {
			return &PortHolder{}
		}
		return programOn(port)
	}
	locked, lockWarnings, err := s.lockedDigests()
	if err != nil {
		return err
	}
	opts.Locked = locked
	p, err := buildPlan(s.project, st, opts)
	if err != nil {
		return err
	}
	env, warnings := computeAppEnv(s.appEnvInput(p))
	warnings = slices.Concat(s.project.Warnings, p.Warnings, lockWarnings, s.sampleWarnings, warnings)
	if len(s.project.Unset) > 0 {
		var left []string
		for _, name := range s.project.Unset {
			if _, ok := p.Bindings[name]; !ok {
				left = append(left, name)
			}
		}
		if len(left) > 0 {
			warnings = append(warnings, fmt.Sprintf("variables unset on this machine, substituted empty: %s", strings.Join(left, ", ")))
		}
	}
	s.planMu.Lock()
	s.plan, s.env, s.warnings = p, env, warnings
	s.planMu.Unlock()
	return nil
}

// Env returns the app's environment (what parity sets, not the whole inherited environment).
func (s *Session) Env(ctx context.Context) ([]EnvVar, []string, error) {
	if p, env, warnings := s.snapshot(); p != nil {
		return env, warnings, nil
	}
	sf, err := s.prepare(ctx)
	if err != nil {
		return nil, nil, err
	}
	err = sf.Save()
	sf.Close()
	if err != nil {
		return nil, nil, err
	}
	_, env, warnings := s.snapshot()
	return env, warnings, nil
}

// appEnvInput gathers the layers of the app's environment for plan p.
func (s *Session) appEnvInput(p *plan) appEnvInput {
	if !s.layersRead {
		s.layersRead = true
		s.frameworks = detectFrameworks(s.project.WorkingDir)
		s.samples = s.readSamples(p)
	}
	return appEnvInput{Plan: p, Samples: s.samples, Config: s.configEnv(), Dotenv: s.dotenv, DotenvSample: s.project.EnvSample, Shell: s.shell, Frameworks: s.frameworks}
}

// readSamples reads the committed samples that list the app's variables
// (.env.example, .env.production.sample next to a missing env_file...).
// One that does not parse is skipped with a warning naming it.
func (s *Session) readSamples(p *plan) []envLayer {
	var missing []string
	for _, app := range p.apps() {
		missing = append(missing, app.Svc.MissingEnvFiles...)
	}
	lookup := func(name string) (string, bool) {
		if v, ok := s.shell[name]; ok {
			return v, true
		}
		v, ok := s.dotenv[name]
		return v, ok
	}
	var layers []envLayer
	for _, path := range manifest.FindSamples(s.project.WorkingDir, missing) {
		vars, err := manifest.ReadEnvFile(path, lookup)
		if err != nil {
			s.sampleWarnings = append(s.sampleWarnings, fmt.Sprintf("sample %s skipped: %v", path, err))
			continue
		}
		layers = append(layers, envLayer{source: SourceSample, vars: vars, local: true, file: path})
	}
	return layers
}

// configEnv is parity.yaml's app.env.
func (s *Session) configEnv() map[string]string {
	if s.config == nil {
		return nil
	}
	return s.config.App.Env
}

// currentPlan is the plan now; a port conflict at start replaces it.
func (s *Session) currentPlan() *plan {
	s.planMu.RLock()
	defer s.planMu.RUnlock()
	return s.plan
}

// snapshot is the current plan and app environment, nil before prepare.
func (s *Session) snapshot() (*plan, []EnvVar, []string) {
	s.planMu.RLock()
	defer s.planMu.RUnlock()
	return s.plan, s.env, s.warnings
}

// Summary describes the plan for the live view and `up --detach`.
func (s *Session) Summary() PlanSummary {
	sum := PlanSummary{
		Project:        s.project.Name,
		Files:          s.project.Files,
		DockerEndpoint: s.info.Endpoint,
		EngineVersion:  s.info.ServerVersion,
		AppCommand:     s.appCmd,
	}
	s.planMu.RLock()
	defer s.planMu.RUnlock()
	p := s.plan
	if p == nil {
		return sum
	}
	for _, ps := range p.Services {
		ss := ServiceSummary{Name: ps.Name, Role: string(ps.Role), Why: ps.Why, Image: ps.Image}
		if ps.Stack != nil {
			ss.Kind = ps.Stack.Kind()
		}
		if ps.Role == RoleBacking || ps.Role == RoleGeneric {
			ss.Address = ps.Address()
			ss.URL = maskURL(ps.URL())
			ss.UsualPort, ss.PortNote, ss.PortHeldBy = ps.UsualPort, ps.PortNote, ps.PortHeldBy
		}
		sum.Services = append(sum.Services, ss)
	}
	return sum
}

func (s *Session) emit(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	s.sink(ev)
}

func (s *Session) warn(msg string) {
	s.emit(Event{Type: EventWarning, Line: msg})
}

// portFree reports whether 127.0.0.1:port can be bound now.
func portFree(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
