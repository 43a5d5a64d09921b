package engine

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/parity-dev/parity/engine/volumes"
	"github.com/parity-dev/parity/stacks"
)

// This file is where a service's data comes from when its volume is new:
// its server initialising an empty directory, or a copy of an initialised
// template. Postgres spends 3-5 s in initdb and its entrypoint's second
// start; a copy of the same directory, initialised once per machine, takes
// a fraction of that. The passwords a copy holds are its template's; the
// kind's Rekeyer changes them to the project's before the service is
// reported ready, so the app cannot tell the difference.

// DataOrigin says where a service's current data came from.
type DataOrigin struct {
	// From is "initialised" (its server initialised an empty volume),
	// "template", "snapshot", "seeded" or "reset" (emptied and initialised again).
	From string `json:"from"`
	// Name is the template's volume or the snapshot's name.
	Name string    `json:"name,omitempty"`
	At   time.Time `json:"at"`
}

func (o DataOrigin) String() string {
	at := o.At.Local().Format("2006-01-02 15:04")
	switch o.From {
	case "template":
		return "template " + o.Name + ", " + at
	case "snapshot":
		return "snapshot " + o.Name + ", " + at
	case "":
		return ""
	}
	return o.From + ", " + at
}

// dataTrack is what up learns about new data while it starts services.
type dataTrack struct {
	mu sync.Mutex
	// copied: services whose new volume got a template's copy, and when
	// the copy began; their ready event says so, timed from then.
	copied map[string]time.Time
	// keep: services initialised from empty whose data becomes a template
	// once ready, by template key.
	keep map[string]string
	// fresh: services whose data volume this up made.
	fresh map[string]string
	// pristine: services initialised from empty here, whose stack keeps
	// pristine copies of its databases once ready (a template's copy has
	// them already).
	pristine map[string]string
}

func (d *dataTrack) anyFresh() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.fresh) > 0
}

func nowUTC() time.Time { return time.Now().UTC() }

func (d *dataTrack) set(m *map[string]string, svc, v string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[svc] = v
}

func (d *dataTrack) copyStarted(svc string, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.copied == nil {
		d.copied = map[string]time.Time{}
	}
	d.copied[svc] = at
}

// readyNote is the reason and duration a service's ready event shows: for
// data copied from a template, "from template" and the time since the
// copy began.
func (d *dataTrack) readyNote(svc string, settled time.Duration) (string, time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	at, ok := d.copied[svc]
	if !ok {
		return "", settled
	}
	delete(d.copied, svc)
	return "from template", time.Since(at)
}

func (d *dataTrack) take(m *map[string]string, svc string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	v := (*m)[svc]
	delete(*m, svc)
	return v
}

// templateKey is the key of the template ps's new data could come from,
// "" when its data cannot come from one: a kind whose passwords parity
// cannot change on a running server, a one-shot job, another volume
// mounted while it initialises (its content is unknown), or templates
// turned off.
func (s *Session) templateKey(ctx context.Context, ps *plannedService) (string, error) {
	rk, ok := ps.Stack.(stacks.Rekeyer)
	if s.opts.NoTemplates || !ok || ps.Role != RoleBacking || ps.Job || ps.DataVolume == "" {
		return "", nil
	}
	in := volumes.KeyInput{
		Kind:       ps.Stack.Kind(),
		Cmd:        ps.Spec.Cmd,
		Entrypoint: ps.Spec.Entrypoint,
		User:       ps.Spec.User,
		Env:        environMap(ps.Spec.Env),
		Files:      map[string]string{},
	}
	for _, v := range rk.SecretVars(in.Env) {
		delete(in.Env, v)
	}
	for _, m := range ps.Spec.Mounts {
		switch {
		case m.Type == "volume" && m.Source == ps.DataVolume:
			in.DataDir = m.Target
		case m.Type == "bind":
			h, err := volumes.FilesHash(m.Source)
			if err != nil {
				return "", nil // unreadable or too big: initialise as before
			}
			in.Files[m.Target] = h
		case m.Type == "volume":
			return "", nil
		}
	}
	// The image the container runs: for a service parity builds (a
	// Dockerfile FROM postgres that adds init scripts), the built one,
	// whose ID changes with what the build adds.
	ref := ps.PullRef
	if ps.Build != nil {
		ref = builtTag(s.project.Name, ps.Name)
	}
	id, err := s.docker.ImageID(ctx, ref)
	if err != nil {
		return "", err
	}
	in.ImageID = id
	return volumes.Key(in), nil
}

// secretValues are the values of the variables whose values ps's data
// keeps as passwords, as its container gets them now.
func secretValues(ps *plannedService) map[string]string {
	rk, ok := ps.Stack.(stacks.Rekeyer)
	if !ok {
		return nil
	}
	env := environMap(ps.Spec.Env)
	out := map[string]string{}
	for _, v := range rk.SecretVars(env) {
		out[v] = env[v]
	}
	return out
}

// fillNewVolume gives ps's just-created data volume a template's copy when
// one matches, or marks it to become a template once initialised.
func (s *Session) fillNewVolume(ctx context.Context, ps *plannedService) error {
	origin := DataOrigin{From: "initialised", At: time.Now()}
	defer func() { s.setOrigin(ps.Name, origin) }()
	s.data.set(&s.data.fresh, ps.Name, "new")
	if _, ok := ps.Stack.(stacks.PristineKeeper); ok && ps.Role == RoleBacking && !s.opts.NoTemplates {
		s.data.set(&s.data.pristine, ps.Name, "new")
	}
	key, err := s.templateKey(ctx, ps)
	if err != nil || key == "" {
		return err
	}
	tmpl, secrets, err := s.findTemplate(ctx, key)
	if err != nil {
		return err
	}
	if tmpl == "" {
		s.data.set(&s.data.keep, ps.Name, key)
		return nil
	}
	s.data.take(&s.data.pristine, ps.Name)
	s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseCreating, Reason: "copying template"})
	copyStart := time.Now()
	// Written down before the copy: a crash between the copy and the
	// password change leaves a note the next up acts on.
	if err := s.noteRekey(ps.Name, secrets); err != nil {
		return err
	}
	if _, err := volumes.Copy(ctx, s.docker, volumes.CopySpec{Image: ps.PullRef, From: tmpl, To: ps.DataVolume, Labels: s.labels(nil)}); err != nil {
		// Half a copy must not become the service's data: the next up
		// makes the volume again.
		if rmErr := s.docker.RemoveVolume(context.WithoutCancel(ctx), ps.DataVolume); rmErr == nil {
			s.rekeyDone(ps.Name)
		}
		return fmt.Errorf("service %s: %w", ps.Name, err)
	}
	s.data.copyStarted(ps.Name, copyStart)
	origin = DataOrigin{From: "template", Name: tmpl, At: time.Now()}
	return nil
}

// findTemplate returns a template volume with this key and the passwords
// its data holds, "" when there is none.
func (s *Session) findTemplate(ctx context.Context, key string) (string, map[string]string, error) {
	vols, err := s.docker.Volumes(ctx, map[string]string{volumes.LabelTemplate: key})
	if err != nil {
		return "", nil, err
	}
	for _, v := range vols {
		if secrets, ok := volumes.TemplateSecrets(v); ok {
			return v.Name, secrets, nil
		}
	}
	return "", nil, nil
}

// keepTemplate copies ps's freshly initialised data into a template:
// the service stops for the copy (a running server's files are not a
// consistent copy) and starts again. A failure costs only the template.
func (s *Session) keepTemplate(ctx, waitCtx context.Context, ps *plannedService, key string) error {
	id := s.id(ps.Name)
	name := volumes.TemplateName(ps.Stack.Kind(), key, newSecret())
	api := context.WithoutCancel(ctx)
	if err := s.docker.Stop(api, id, 30*time.Second); err != nil {
		return fmt.Errorf("stop %s to keep its data as a template: %w", ps.Name, err)
	}
	size, err := s.makeTemplate(ctx, ps, key, name)
	if err != nil {
		s.warn(fmt.Sprintf("service %s: keeping its new data as a template failed (the next cold start initialises again): %v", ps.Name, err))
	} else {
		s.emit(Event{Type: EventLog, Source: "parity", Line: fmt.Sprintf("%s: kept its freshly initialised data as template %s (%s) for the next cold start of the same image and settings", ps.Name, name, HumanSize(size))})
	}
	if err := s.docker.Start(api, id); err != nil {
		return fmt.Errorf("start %s: %w", ps.Name, err)
	}
	return s.settle(waitCtx, ps)
}

func (s *Session) makeTemplate(ctx context.Context, ps *plannedService, key, name string) (int64, error) {
	labels := s.ownLabels()
	labels[volumes.LabelTemplate] = key
	labels[volumes.LabelTemplateKind] = ps.Stack.Kind()
	labels[volumes.LabelTemplateImage] = ps.Image
	labels[volumes.LabelCreated] = volumes.Now()
	labels[volumes.LabelFirstProject] = s.project.Name
	if err := volumes.SetTemplateSecrets(labels, secretValues(ps)); err != nil {
		return 0, err
	}
	if err := s.docker.CreateVolume(ctx, name, labels); err != nil {
		return 0, err
	}
	size, err := volumes.Copy(ctx, s.docker, volumes.CopySpec{Image: ps.PullRef, From: ps.DataVolume, To: name, Labels: s.labels(nil)})
	if err != nil {
		_ = s.docker.RemoveVolume(context.WithoutCancel(ctx), name)
		return 0, err
	}
	return size, nil
}

// noteRekey writes down, in the project's state, that ps's data holds
// these passwords until its stack changes them.
func (s *Session) noteRekey(service string, old map[string]string) error {
	s.stMu.Lock()
	defer s.stMu.Unlock()
	if s.st == nil {
		return fmt.Errorf("service %s: no project state to note its passwords in", service)
	}
	if s.st.Rekey == nil {
		s.st.Rekey = map[string]map[string]string{}
	}
	s.st.Rekey[service] = maps.Clone(old)
	return s.saveLocked()
}

func (s *Session) pendingRekey(service string) map[string]string {
	s.stMu.Lock()
	defer s.stMu.Unlock()
	if s.st == nil {
		return nil
	}
	return s.st.Rekey[service]
}

func (s *Session) rekeyDone(service string) {
	s.stMu.Lock()
	defer s.stMu.Unlock()
	if s.st == nil || s.st.Rekey[service] == nil {
		return
	}
	delete(s.st.Rekey, service)
	_ = s.saveLocked()
}

func (s *Session) setOrigin(service string, o DataOrigin) {
	s.stMu.Lock()
	defer s.stMu.Unlock()
	if s.st == nil {
		return
	}
	if s.st.Origins == nil {
		s.st.Origins = map[string]DataOrigin{}
	}
	s.st.Origins[service] = o
	_ = s.saveLocked()
}

// saveLocked writes the state; s.stMu is held.
func (s *Session) saveLocked() error {
	if s.sf == nil {
		return nil
	}
	return s.sf.Save()
}

// keepPristine has ps's server keep pristine copies of its databases, for
// a reset without a copy; a failure costs only that speed.
func (s *Session) keepPristine(ctx context.Context, ps *plannedService) {
	pk, ok := ps.Stack.(stacks.PristineKeeper)
	if !ok || ps.Role != RoleBacking {
		return
	}
	if err := pk.KeepPristine(ctx, ps.Endpoint()); err != nil {
		s.emit(Event{Type: EventLog, Source: "parity", Line: fmt.Sprintf("%s: no pristine copies of its databases kept (reset copies the whole volume instead): %v", ps.Name, err)})
	}
}

// rekeyFirst wraps a backing service's probe: while its data holds other
// passwords than its container's (a copy), the stack changes them first.
func (s *Session) rekeyFirst(ps *plannedService, probe func(context.Context) error) func(context.Context) error {
	rk, ok := ps.Stack.(stacks.Rekeyer)
	if !ok {
		return probe
	}
	return func(ctx context.Context) error {
		if old := s.pendingRekey(ps.Name); old != nil {
			if err := rk.Rekey(ctx, ps.Endpoint(), environMap(ps.Spec.Env), old); err != nil {
				return err
			}
			s.rekeyDone(ps.Name)
		}
		return probe(ctx)
	}
}

// HumanSize is a size in bytes for people: "45 MB"; "?" when unknown (<0).
func HumanSize(n int64) string {
	switch {
	case n < 0:
		return "?"
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
