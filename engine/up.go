package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/stacks"
)

// ErrNotReady is returned (wrapped) when a service did not become ready.
var ErrNotReady = errors.New("service not ready")

// ServiceError says which service failed, why, and what its container said last.
type ServiceError struct {
	Service  string
	Job      bool // a one-shot job, which should exit 0
	Reason   string
	ExitCode int
	Exited   bool
	LastLogs []string
	Err      error
}

func (e *ServiceError) Error() string {
	var b strings.Builder
	switch {
	case e.Exited && e.Job:
		fmt.Fprintf(&b, "job %s failed with exit code %d", e.Service, e.ExitCode)
	case e.Exited:
		fmt.Fprintf(&b, "service %s exited with code %d before it was ready", e.Service, e.ExitCode)
	default:
		fmt.Fprintf(&b, "service %s is not ready: %s", e.Service, e.Reason)
	}
	if e.Exited && e.Reason != "" {
		fmt.Fprintf(&b, " (last probe error: %s)", e.Reason)
	}
	if len(e.LastLogs) > 0 {
		fmt.Fprintf(&b, "\nlast %d log lines of %s:\n  %s", len(e.LastLogs), e.Service, strings.Join(e.LastLogs, "\n  "))
	}
	return b.String()
}

func (e *ServiceError) Unwrap() error { return e.Err }

// start makes every service run at its pinned version, waiting only for
// what a job needs before it runs. It is idempotent: containers whose configuration is unchanged
// are reused (started if stopped), changed ones are recreated with their
// data volume kept.
func (s *Session) start(ctx context.Context) error { return s.up(ctx, false) }

// startAndWait is start followed by waitReady, except that each service is probed
// as soon as its own container has started, not after the slowest one has.
func (s *Session) startAndWait(ctx context.Context) error { return s.up(ctx, true) }

func (s *Session) up(ctx context.Context, wait bool) error {
	s.upStarted = time.Now()
	if s.docker == nil {
		if err := s.connect(ctx); err != nil {
			return err
		}
	}
	sf, err := s.prepare(ctx)
	if err != nil {
		return err
	}
	defer sf.Close()

	s.emit(Event{Type: EventPlan, Plan: ptr(s.Summary())})
	for _, w := range s.warnings {
		s.warn(w)
	}

	if err := s.checkExec(); err != nil {
		return err
	}
	if err := s.checkVolumes(ctx); err != nil {
		return err
	}
	// Save ports and secrets before creating anything, so an interrupted
	// first run leaves volumes whose passwords parity still knows.
	if err := sf.Save(); err != nil {
		return err
	}

	s.stMu.Lock()
	s.st, s.sf = &sf.state, sf
	s.stMu.Unlock()
	labels := s.labels(nil)
	if err := s.docker.EnsureNetwork(ctx, s.currentPlan().Network, labels); err != nil {
		if errors.Is(err, docker.ErrConflict) {
			return fmt.Errorf("network %s exists but was not created by parity for project %s; remove it or choose another project name with -p: %w", s.currentPlan().Network, s.project.Name, err)
		}
		return fmt.Errorf("create network %s: %w", s.currentPlan().Network, err)
	}
	if err := s.removeOrphans(ctx); err != nil {
		return err
	}

	containers := s.currentPlan().containers()
	errs := make([]error, len(containers))
	var wg sync.WaitGroup
	waitCtx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	gates := map[string]*gate{}
	for _, ps := range containers {
		gates[ps.Name] = &gate{done: make(chan struct{})}
	}
	needed := s.currentPlan().neededReady()
	for i, ps := range containers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps, err := s.startInOrder(ctx, waitCtx, ps, gates)
			if err == nil {
				if ps.Job || wait || needed[ps.Name] || s.pendingRekey(ps.Name) != nil {
					err = s.settle(waitCtx, ps)
				}
			}
			key := s.data.take(&s.data.keep, ps.Name)
			pristine := s.data.take(&s.data.pristine, ps.Name) != ""
			if (key != "" || pristine) && err == nil && !(ps.Job || wait || needed[ps.Name]) {
				err = s.settle(waitCtx, ps) // initialised before it is copied
			}
			if pristine && err == nil {
				s.keepPristine(waitCtx, ps) // before the template, which then has them too
			}
			if key != "" && err == nil {
				err = s.keepTemplate(ctx, waitCtx, ps, key)
			}
			g := gates[ps.Name]
			g.err, errs[i] = err, err
			close(g.done) // before cancelling, so what waits for it sees why
			if err != nil {
				cancel() // one failure fails up; stop probing the others
			}
		}()
	}
	wg.Wait()
	s.stMu.Lock()
	saveErr := sf.Save() // ports may have moved while starting
	s.stMu.Unlock()
	if err := pickError(ctx, errs); err != nil {
		return err
	}
	if saveErr != nil {
		return saveErr
	}
	return s.seedFresh(ctx)
}

// pickError chooses the error to report: Ctrl-C first, then a service's
// own failure over the cancellations it caused in the others.
func pickError(ctx context.Context, errs []error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, err := range errs {
		var se *ServiceError
		if errors.As(err, &se) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return firstError(ctx, errs)
}

// firstError prefers the context's error, so Ctrl-C reports as such.
func firstError(ctx context.Context, errs []error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkExec refuses, before anything is started, an app command whose
// environment exec would reject (E2BIG: a huge .env), naming the largest
// variables and where they come from.
func (s *Session) checkExec() error {
	if len(s.execArgv) == 0 {
		return nil
	}
	_, env, _ := s.snapshot()
	source := map[string]string{}
	for _, v := range env {
		source[v.Key] = v.Source
	}
	err := checkExecLimitsFrom(s.execArgv, Environ(environList(s.shell), env), func(name string) string {
		if src, ok := source[name]; ok {
			return src
		}
		return "the shell"
	})
	if err != nil {
		return fmt.Errorf("the app cannot be started, so nothing was: %w", err)
	}
	return nil
}

// labels are the options' extra labels plus parity's own (the project's
// ownership label and extra), set last so that no extra label overrides them.
func (s *Session) labels(extra map[string]string) map[string]string {
	l := map[string]string{}
	for k, v := range s.opts.ExtraLabels {
		l[k] = v
	}
	for k, v := range extra {
		l[k] = v
	}
	l[LabelProject] = s.project.Name
	return l
}

// checkVolumes refuses to start a service on data that was initialised with
// a password parity no longer has, and never adopts a volume it did not create.
func (s *Session) checkVolumes(ctx context.Context) error {
	for _, ps := range s.currentPlan().containers() {
		if ps.DataVolume == "" {
			continue
		}
		vol, err := s.docker.Volume(ctx, ps.DataVolume)
		if errors.Is(err, docker.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("inspect volume %s: %w", ps.DataVolume, err)
		}
		if vol.Labels[LabelProject] != s.project.Name || vol.Labels[LabelService] != ps.Name {
			return fmt.Errorf("volume %s exists but was not created by parity for service %s of project %s; parity never uses a volume it did not create: remove or rename it (docker volume rm %s), or choose another project name with -p",
				ps.DataVolume, ps.Name, s.project.Name, ps.DataVolume)
		}
		// Compare with the password the container is configured with now.
		// A service now run without auth (Mongo, Elasticsearch) ignores the
		// users its data has: that is no mismatch.
		if ps.Role == RoleBacking && stacks.CredentialsInData(ps.Stack.Kind()) && ps.Credentials.Password != "" {
			if got := vol.Labels[LabelSecretHash]; got != "" && got != secretHash(ps.Credentials.Password) {
				return fmt.Errorf("volume %s holds %s data initialised with another password than the one the service gets now (%s); the data keeps its first password: set it back, or start with fresh data with `parity down --volumes`",
					ps.DataVolume, ps.Name, s.passwordSource(ps))
			}
		}
	}
	return nil
}

// removeOrphans removes parity's containers for services the manifest no longer runs.
func (s *Session) removeOrphans(ctx context.Context) error {
	cs, err := s.docker.Containers(ctx, map[string]string{LabelProject: s.project.Name})
	if err != nil {
		return err
	}
	for _, c := range cs {
		ps := s.currentPlan().service(c.Labels[LabelService])
		if ps != nil && (ps.Role == RoleBacking || ps.Role == RoleGeneric || ps.Unselected) {
			continue
		}
		s.emit(Event{Type: EventLog, Source: "parity", Line: fmt.Sprintf("removing container %s: service %s is no longer run", c.Name, c.Labels[LabelService])})
		if err := s.docker.Remove(ctx, c.ID); err != nil && !errors.Is(err, docker.ErrNotFound) {
			return fmt.Errorf("remove orphan container %s: %w", c.Name, err)
		}
	}
	return nil
}

// upService pulls, creates or reuses, and starts one service's container.
// It returns the service as planned in the end: a port taken while
// starting makes a new plan.
func (s *Session) upService(ctx context.Context, ps *plannedService) (*plannedService, error) {
	// Create, start and remove run to completion even when ctx ends
	// (Ctrl-C): an aborted request leaves the engine starting a container
	// that the stop which follows would not see running. They are short;
	// pulls and waits stay interruptible.
	api := context.WithoutCancel(ctx)
	phase := func(p Phase, reason string) {
		s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: p, Reason: reason})
	}
	existing, err := s.docker.Containers(ctx, map[string]string{LabelProject: s.project.Name, LabelService: ps.Name})
	if err != nil {
		return ps, err
	}
	want := ps.Spec.Labels[LabelConfigHash]
	var reuse *docker.Container
	for i := range existing {
		c := existing[i]
		if c.Labels[LabelConfigHash] == want && reuse == nil {
			reuse = &c
			continue
		}
		// Ours, but stale: the manifest (or parity's choice) changed. The
		// data volume is kept; only the container goes.
		if err := s.docker.Remove(api, c.ID); err != nil && !errors.Is(err, docker.ErrNotFound) {
			return ps, fmt.Errorf("remove outdated container %s: %w", c.Name, err)
		}
	}
	if reuse != nil {
		s.setID(ps.Name, reuse.ID)
		if reuse.Running {
			return ps, nil
		}
		if ctx.Err() != nil {
			return ps, ctx.Err()
		}
		phase(PhaseStarting, "")
		err := s.docker.Start(api, reuse.ID)
		if err == nil {
			return ps, nil
		}
		if !isStaleTask(err) && !isPortConflict(err) {
			return ps, fmt.Errorf("start %s: %w", ps.Name, describeStartError(err, ps))
		}
		// Made again below, its data volume kept.
		if rmErr := s.docker.Remove(api, reuse.ID); rmErr != nil && !errors.Is(rmErr, docker.ErrNotFound) {
			return ps, fmt.Errorf("start %s: %w (and removing it failed: %v)", ps.Name, err, rmErr)
		}
		if isStaleTask(err) {
			s.warn(fmt.Sprintf("service %s: the engine kept a task of a container it was starting when it stopped; making the container again", ps.Name))
		} else if ps, err = s.portsTaken(ctx, ps); err != nil {
			return ps, err
		}
	}

	if ps.Build == nil {
		if err := s.ensureImage(ctx, ps); err != nil {
			return ps, err
		}
	}
	if ps.DataVolume != "" {
		created, err := s.ensureDataVolume(ctx, ps)
		if err != nil {
			return ps, err
		}
		if created {
			if err := s.fillNewVolume(ctx, ps); err != nil {
				return ps, err
			}
		}
	}
	for _, m := range ps.Spec.Mounts {
		if m.Type != "volume" || m.Source == "" || m.Source == ps.DataVolume {
			continue
		}
		if err := s.ensureExtraVolume(ctx, ps, m.Source); err != nil {
			return ps, err
		}
	}

	// Another program may grab a port between planning and starting; then
	// parity plans again with that port marked taken instead of failing.
	// An engine that died while it started a container leaves a task
	// behind that makes every later start fail: that container is removed
	// and made again.
	for attempt := 1; ; attempt++ {
		phase(PhaseCreating, "")
		spec := ps.Spec
		if other, err := s.docker.ContainerByName(ctx, spec.Name); err == nil && other.Labels[LabelProject] != s.project.Name {
			// A container parity did not create holds the name: leave it alone.
			spec.Name = spec.Name + "-" + spec.Labels[LabelConfigHash][:6]
			s.warn(fmt.Sprintf("container name %s is taken by a container parity did not create; using %s", ps.Spec.Name, spec.Name))
		}
		id, err := s.docker.Create(api, spec)
		if err != nil {
			return ps, fmt.Errorf("create container for %s (%s): %w", ps.Name, ps.Image, err)
		}
		s.setID(ps.Name, id)
		if ctx.Err() != nil {
			return ps, ctx.Err() // created, not started: the next up reuses it
		}
		phase(PhaseStarting, "")
		err = s.docker.Start(api, id)
		if err == nil {
			return ps, nil
		}
		stale := isStaleTask(err)
		if !(stale || isPortConflict(err)) || attempt == 3 {
			return ps, fmt.Errorf("start %s: %w", ps.Name, describeStartError(err, ps))
		}
		if rmErr := s.docker.Remove(api, id); rmErr != nil && !errors.Is(rmErr, docker.ErrNotFound) {
			return ps, fmt.Errorf("start %s: %w (and removing it failed: %v)", ps.Name, err, rmErr)
		}
		if stale {
			s.warn(fmt.Sprintf("service %s: the engine kept a task of a container it was starting when it stopped; made the container again", ps.Name))
			continue
		}
		if ps, err = s.portsTaken(ctx, ps); err != nil {
			return ps, err
		}
	}
}

// isStaleTask recognises containerd's refusal to start a container whose
// task survived an engine that died while starting it.
func isStaleTask(err error) bool {
	return errors.Is(err, docker.ErrStaleTask) ||
		(strings.Contains(err.Error(), "task") && strings.Contains(err.Error(), "already exists"))
}

func isPortConflict(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "address already in use") || strings.Contains(msg, "port is already allocated")
}

// portsTaken plans again with every host port of ps that another program
// holds now marked taken, and returns ps as the new plan has it: a new
// port for it, remembered for the next runs, and everything derived from
// that port (its container's settings, the app's environment) made anew.
func (s *Session) portsTaken(ctx context.Context, ps *plannedService) (*plannedService, error) {
	taken := map[int]bool{}
	for _, host := range ps.Ports {
		if !portFree(host) {
			taken[host] = true
		}
	}
	if len(taken) == 0 {
		// Freed again already; the next attempt may get it.
		return ps, nil
	}
	s.stMu.Lock()
	defer s.stMu.Unlock()
	if s.st == nil {
		return ps, fmt.Errorf("service %s: port taken while starting", ps.Name)
	}
	if err := s.replan(ctx, s.st, taken); err != nil {
		return ps, err
	}
	next := s.currentPlan().service(ps.Name)
	if next == nil {
		return ps, fmt.Errorf("service %s: gone from the plan", ps.Name)
	}
	for _, port := range sortedInts(taken) {
		s.warn(fmt.Sprintf("service %s: port %d was taken by another program while starting; using %s from now on", ps.Name, port, next.Address()))
	}
	s.emit(Event{Type: EventPlan, Plan: ptr(s.Summary())})
	return next, nil
}

func describeStartError(err error, ps *plannedService) error {
	if strings.Contains(err.Error(), "address already in use") || strings.Contains(err.Error(), "port is already allocated") {
		return fmt.Errorf("%w (port %s was free a moment ago; run parity up again to pick another)", err, ps.Address())
	}
	return err
}

func (s *Session) ensureExtraVolume(ctx context.Context, ps *plannedService, name string) error {
	vol, err := s.docker.Volume(ctx, name)
	if errors.Is(err, docker.ErrNotFound) {
		return s.docker.CreateVolume(ctx, name, s.labels(map[string]string{LabelService: ps.Name}))
	}
	if err != nil {
		return err
	}
	if vol.Labels[LabelProject] != s.project.Name {
		return fmt.Errorf("volume %s exists but was not created by parity for project %s; remove or rename it, or choose another project name with -p", name, s.project.Name)
	}
	return nil
}

// ensureImage pulls the image only when it is missing, reporting progress.
func (s *Session) ensureImage(ctx context.Context, ps *plannedService) error {
	return s.ensureRef(ctx, ps.Name, ps.PullRef)
}

// ensureRef pulls ref for service only when it is missing, reporting progress.
func (s *Session) ensureRef(ctx context.Context, service, ref string) error {
	present, err := s.docker.ImagePresent(ctx, ref)
	if err != nil {
		return err
	}
	if present {
		return nil
	}
	s.emit(Event{Type: EventPhase, Source: service, Phase: PhasePulling})
	err = s.docker.Pull(ctx, ref, func(p docker.PullProgress) {
		s.emit(Event{Type: EventPull, Source: service, Phase: PhasePulling, Pull: &PullStatus{
			Image: ref, Layers: p.Layers, LayersDone: p.LayersDone, BytesDone: p.BytesDone, BytesTotal: p.BytesTotal,
		}})
	})
	if err != nil {
		return fmt.Errorf("pull %s for service %s: %w", ref, service, err)
	}
	return nil
}

func (s *Session) setID(service, id string) {
	s.idsMu.Lock()
	defer s.idsMu.Unlock()
	s.ids[service] = id
}

func (s *Session) id(service string) string {
	s.idsMu.Lock()
	defer s.idsMu.Unlock()
	return s.ids[service]
}

// waitReady probes every container in parallel until it answers, failing
// fast — with its exit code and last log lines — when a container exits.
func (s *Session) waitReady(ctx context.Context) error {
	wctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	containers := s.currentPlan().containers()
	errs := make([]error, len(containers))
	var wg sync.WaitGroup
	for i, ps := range containers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.settle(wctx, ps)
			if errs[i] != nil {
				cancel() // one failure fails up; stop probing the others
			}
		}()
	}
	wg.Wait()
	return pickError(ctx, errs)
}

// probeTarget is what readiness needs of a service; a seam for tests.
type probeTarget struct {
	ps     *plannedService
	probe  func(ctx context.Context) error
	health bool // wait for Docker's healthcheck instead of a probe
}

func (s *Session) target(ps *plannedService) probeTarget {
	t := probeTarget{ps: ps}
	switch {
	case s.probe != nil:
		t.probe = func(ctx context.Context) error { return s.probe(ctx, ps.Name) }
	case ps.Role == RoleBacking:
		ep := ps.Endpoint()
		t.probe = s.rekeyFirst(ps, func(ctx context.Context) error { return ps.Stack.Probe(ctx, ep) })
	case ps.Spec.Healthcheck != nil:
		t.health = true
	case ps.MainPort != 0:
		port := ps.Ports[ps.MainPort]
		t.probe = func(ctx context.Context) error { return stacks.TCPProbe(ctx, loopback, port) }
	}
	t.probe = s.debugProbe(ps, t.probe)
	return t
}

// Backoff for probes: start fast, because most services are ready within
// a second or two, and cap low, because every wasted interval is a
// developer waiting.
const (
	probeFirst = 20 * time.Millisecond
	probeMax   = 100 * time.Millisecond
)

// settle is readiness: one wait loop over the container's state until it
// is ready — for a one-shot job, until it is done. It fails fast, with the
// exit code and last log lines, when the container exits (a job: with a
// code other than 0), and reports each new reason it is still waiting.
func (s *Session) settle(ctx context.Context, ps *plannedService) error {
	start := time.Now()
	check := s.readyCheck(ps)
	id := s.id(ps.Name)
	delay := probeFirst
	lastReason, running := "", false
	for {
		c, err := s.docker.Inspect(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return s.notReady(ps, lastReason, ctx.Err())
			}
			return fmt.Errorf("inspect %s: %w", ps.Name, err)
		}
		if !c.Running && c.State != "created" && c.State != "restarting" {
			if ps.Job && c.ExitCode == 0 && !c.OOMKilled {
				// Exit 0 is what a job is for, however soon it comes.
				s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseDone, ReadyIn: time.Since(start)})
				return nil
			}
			if ps.Job {
				lastReason = ""
			}
			return s.exited(ctx, ps, id, c, lastReason)
		}
		switch {
		case ps.Job:
			if !running {
				running = true
				s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseRunning})
			}
			lastReason = "still running"
		default:
			perr := check(ctx, c)
			if perr == nil {
				reason, readyIn := s.data.readyNote(ps.Name, time.Since(start))
				s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseReady, ReadyIn: readyIn, Reason: reason})
				return nil
			}
			if ctx.Err() != nil {
				return s.notReady(ps, lastReason, ctx.Err())
			}
			if reason := shortReason(perr); reason != lastReason {
				lastReason = reason
				s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseWaiting, Reason: reason})
			}
		}
		select {
		case <-ctx.Done():
			return s.notReady(ps, lastReason, ctx.Err())
		case <-time.After(delay):
		}
		if delay *= 2; delay > probeMax {
			delay = probeMax
		}
	}
}

// readyCheck is how a running container of ps is known to answer: its
// kind's probe (then its initialisation, such as a bucket to create), its
// Docker healthcheck, its main port open, or just running.
func (s *Session) readyCheck(ps *plannedService) func(ctx context.Context, c docker.Container) error {
	t := s.target(ps)
	return func(ctx context.Context, c docker.Container) error {
		var err error
		switch {
		case t.health:
			if c.Health != "healthy" {
				err = fmt.Errorf("healthcheck: %s", orDefault(c.Health, "starting"))
			}
		case t.probe != nil:
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			err = t.probe(pctx)
			cancel()
		default:
			if !c.Running {
				err = errors.New("not running")
			}
		}
		if err == nil {
			err = s.initService(ctx, ps)
		}
		return err
	}
}

func (s *Session) notReady(ps *plannedService, reason string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		logs := s.lastLogs(context.Background(), s.id(ps.Name), 20)
		se := &ServiceError{Service: ps.Name, Reason: orDefault(reason, "no answer") + fmt.Sprintf(" after %s", s.opts.Timeout), LastLogs: logs, Err: ErrNotReady}
		s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseFailed, Reason: se.Reason, LastLogs: logs})
		return se
	}
	return err
}

func (s *Session) exited(ctx context.Context, ps *plannedService, id string, c docker.Container, reason string) error {
	logs := s.lastLogs(ctx, id, 20)
	se := &ServiceError{Service: ps.Name, Job: ps.Job, Exited: true, ExitCode: c.ExitCode, Reason: reason, LastLogs: logs, Err: ErrNotReady}
	if c.OOMKilled {
		se.Reason = joinNote(se.Reason, "killed for lack of memory")
	}
	s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseExited, ExitCode: c.ExitCode, Reason: reason, LastLogs: logs})
	return se
}

func (s *Session) lastLogs(ctx context.Context, id string, n int) []string {
	if id == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var lines []string
	_ = s.docker.Logs(ctx, id, false, n, func(l docker.LogLine) { lines = append(lines, l.Text) })
	return lines
}

// shortReason is the probe error in a few words for the status line.
func shortReason(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, ':'); i > 0 && i < 40 {
		msg = msg[:i]
	}
	if len(msg) > 60 {
		msg = msg[:57] + "..."
	}
	return msg
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func ptr[T any](v T) *T { return &v }

// followLogs streams every container's output as log events until ctx
// ends or the containers stop; watchEngine follows a restarted container again.
func (s *Session) followLogs(ctx context.Context, since time.Time) {
	var wg sync.WaitGroup
	for _, ps := range s.currentPlan().containers() {
		id := s.id(ps.Name)
		if id == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.followService(ctx, ps, id, since)
		}()
	}
	wg.Wait()
}

// followService streams one container's lines written at or after since.
func (s *Session) followService(ctx context.Context, ps *plannedService, id string, since time.Time) {
	_ = s.docker.Logs(ctx, id, true, -1, func(l docker.LogLine) {
		if !since.IsZero() && !l.Time.IsZero() && l.Time.Before(since) {
			return
		}
		s.tails.add(ps.Name, l.Text)
		s.emit(Event{Type: EventLog, Source: ps.Name, Stream: l.Stream, Line: l.Text, Time: l.Time})
	})
}

// stop stops the project's containers, each with the usual grace period,
// or at once when force is closed (a second Ctrl-C).
func (s *Session) stop(ctx context.Context, force <-chan struct{}) error {
	s.watch.setStopping()
	cs, err := s.docker.Containers(ctx, map[string]string{LabelProject: s.project.Name})
	if err != nil {
		return err
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	p := s.currentPlan()
	var wg sync.WaitGroup
	errs := make([]error, len(cs))
	for i, c := range cs {
		if !c.Running {
			continue
		}
		if p != nil {
			if ps := p.service(c.Labels[LabelService]); ps != nil && ps.Unselected {
				continue // `up db` leaves the services it did not start running
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := c.Labels[LabelService]
			s.emit(Event{Type: EventPhase, Source: svc, Phase: PhaseStopping})
			done := make(chan error, 1)
			go func() { done <- s.docker.Stop(ctx, c.ID, 10*time.Second) }()
			select {
			case errs[i] = <-done:
			case <-force:
				// A stop with no grace kills it; the first stop then returns too.
				errs[i] = s.docker.Stop(ctx, c.ID, 0)
				<-done
			}
			s.emit(Event{Type: EventPhase, Source: svc, Phase: PhaseStopped})
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
