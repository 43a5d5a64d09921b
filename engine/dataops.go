package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/engine/volumes"
	"github.com/parity-dev/parity/stacks"
)

// This file holds the commands that put a project's data back: reset,
// snapshot save/restore/ls/rm, and the machine's templates. Each copy runs
// inside the engine (volumes.Copy) while the service is stopped, so the
// copy is consistent; the service starts again and is waited for.

// snapshotRecord is what parity keeps of one service's copy in a snapshot.
type snapshotRecord struct {
	Volume string `json:"volume"`
	// Secrets are the passwords the copied data holds: restoring it after
	// the project's passwords changed changes them back to the current ones.
	Secrets map[string]string `json:"secrets,omitempty"`
	Size    int64             `json:"size_bytes"`
	Created time.Time         `json:"created"`
}

// openData opens the project for a command that changes its data: the
// state locked for the whole command, the containers found.
func openData(ctx context.Context, opts Options) (*Session, *stateFile, map[string]docker.Container, error) {
	s, err := Open(ctx, opts, true)
	if err != nil {
		return nil, nil, nil, err
	}
	sf, err := s.prepare(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	s.stMu.Lock()
	s.st, s.sf = &sf.state, sf
	s.stMu.Unlock()
	found, err := s.findContainers(ctx)
	if err != nil {
		sf.Close()
		return nil, nil, nil, err
	}
	return s, sf, found, nil
}

// pickData is pick narrowed to services that keep data; a named one that
// keeps none is an error.
func (s *Session) pickData(verb string, names []string) ([]*plannedService, error) {
	picked, err := s.pick(verb, names)
	if err != nil {
		return nil, err
	}
	var out []*plannedService
	for _, ps := range picked {
		if ps.DataVolume != "" && !ps.Job {
			out = append(out, ps)
			continue
		}
		if len(names) > 0 {
			return nil, fmt.Errorf("%s %s: it keeps no data in a volume", verb, ps.Name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no service of project %s keeps data in a volume", verb, s.project.Name)
	}
	return out, nil
}

// withStopped replaces ps's data by the copy: its container stopped, the
// copy run, the container started again if it was running and waited for.
// The copy's container is made while the service stops. discard says the
// copy replaces the data wholesale (reset, restore): the service is
// killed rather than shut down cleanly, which costs Postgres a checkpoint
// for data about to be thrown away. before runs once the service has
// stopped, just before the copy; after, once the copy has succeeded.
func (s *Session) withStopped(ctx, wctx context.Context, ps *plannedService, c docker.Container, found bool, copySpec volumes.CopySpec, discard bool, before, after func(size int64) error) error {
	api := context.WithoutCancel(ctx)
	running := found && c.Running
	var prepared *volumes.Prepared
	var prepErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		prepared, prepErr = volumes.Prepare(ctx, s.docker, copySpec)
	}()
	var stopErr error
	if running {
		s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseStopping})
		grace := 30 * time.Second
		if discard {
			grace = 0
		}
		if err := s.docker.Stop(api, c.ID, grace); err != nil && !errors.Is(err, docker.ErrNotFound) {
			stopErr = fmt.Errorf("stop %s: %w", ps.Name, err)
		}
	}
	wg.Wait()
	if err := cmp.Or(stopErr, prepErr); err != nil {
		prepared.Discard(ctx)
		if running && stopErr == nil {
			_ = s.docker.Start(api, c.ID)
		}
		return err
	}
	err := before(0)
	var size int64
	if err == nil {
		size, err = prepared.Run(ctx)
	} else {
		prepared.Discard(ctx)
	}
	if err == nil {
		err = after(size)
	}
	if err != nil {
		if running {
			_ = s.docker.Start(api, c.ID)
		}
		return err
	}
	if !running {
		s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseStopped})
		return nil
	}
	s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseStarting})
	if err := s.docker.Start(api, c.ID); err != nil {
		return fmt.Errorf("start %s: %w", ps.Name, err)
	}
	return s.settle(wctx, ps)
}

// DataResult says what a data command did to each service.
type DataResult struct {
	Service string `json:"service"`
	// From is where the data now comes from: "template", "empty" (reset
	// with no template: its server initialises it again), "snapshot".
	From string `json:"from"`
	Name string `json:"name,omitempty"` // the template volume or snapshot
	// Duration is how long the service was away: stop, copy, start, ready.
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"duration_seconds"`
	Size     int64         `json:"size_bytes,omitempty"`
}

// Reset puts the services' data (all that keep data when none are named)
// back to how it was just after initialising, with the same passwords:
// from snapshot "seeded" when parity.yaml's seed made one, else from the
// machine's template when there is one, else emptied for the server to
// initialise again (and then seeded, when a seed command is set). Other
// services are not touched.
func Reset(ctx context.Context, opts Options, services []string, sink Sink) ([]DataResult, error) {
	opts.Sink = sink
	s, sf, found, err := openData(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer sf.Close()
	picked, err := s.pickData("reset", services)
	if err != nil {
		return nil, err
	}
	seeded := sf.Snapshots[SeededSnapshot]
	results, err := s.eachData(ctx, picked, func(ctx, wctx context.Context, ps *plannedService) (DataResult, error) {
		res := DataResult{Service: ps.Name, From: "empty"}
		if _, err := s.docker.Volume(ctx, ps.DataVolume); errors.Is(err, docker.ErrNotFound) {
			res.From = "nothing: no data yet"
			return res, nil
		} else if err != nil {
			return res, err
		}
		c, ok := found[ps.Name]
		if done, err := s.resetInServer(wctx, ps, c, ok, seeded != nil); err != nil || done {
			res.From = "pristine copies in the server"
			return res, err
		}
		// Where the data comes from, and the passwords it holds.
		var from string
		var secrets map[string]string
		origin := DataOrigin{From: "reset", At: time.Now()}
		if rec, ok := seeded[ps.Name]; ok {
			if _, err := s.docker.Volume(ctx, rec.Volume); err == nil {
				from, secrets = rec.Volume, rec.Secrets
				res.From, res.Name = "snapshot", SeededSnapshot
				origin = DataOrigin{From: "seeded", Name: SeededSnapshot, At: time.Now()}
			}
		}
		if from == "" {
			if key, err := s.templateKey(ctx, ps); err == nil && key != "" {
				tmpl, tsecrets, err := s.findTemplate(ctx, key)
				if err != nil {
					return res, err
				}
				if tmpl != "" {
					from, secrets = tmpl, tsecrets
					res.From, res.Name = "template", tmpl
					origin = DataOrigin{From: "template", Name: tmpl, At: time.Now()}
				}
			}
		}
		spec := volumes.CopySpec{Image: ps.PullRef, From: from, To: ps.DataVolume, Labels: s.labels(nil)}
		err := s.withStopped(ctx, wctx, ps, c, ok, spec, true, func(int64) error {
			return s.noteCopy(ps, from, secrets)
		}, func(size int64) error {
			res.Size = size
			s.setOrigin(ps.Name, origin)
			if origin.From != "seeded" {
				s.data.set(&s.data.fresh, ps.Name, "reset")
			}
			return nil
		})
		return res, err
	})
	if err != nil || seeded != nil {
		return results, err
	}
	// Fresh data and a seed command, but no seeded snapshot yet: seed now.
	for _, ps := range picked {
		if c, ok := found[ps.Name]; ok && c.Running {
			s.setID(ps.Name, c.ID)
		}
	}
	return results, s.seedFresh(ctx)
}

// resetInServer is reset's fast path: a running server that kept pristine
// copies of its databases (Postgres) makes them again from those, with no
// container stopped or started. false when it cannot: reset then copies
// the whole volume.
func (s *Session) resetInServer(ctx context.Context, ps *plannedService, c docker.Container, found, seeded bool) (bool, error) {
	pk, ok := ps.Stack.(stacks.PristineKeeper)
	if !ok || ps.Role != RoleBacking || s.opts.NoTemplates || !found || !c.Running || s.pendingRekey(ps.Name) != nil {
		return false, nil
	}
	s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseRestarting, Reason: "resetting its databases"})
	done, err := pk.RestorePristine(ctx, ps.Endpoint())
	if err != nil {
		s.emit(Event{Type: EventLog, Source: "parity", Line: fmt.Sprintf("%s: resetting its databases in the server failed (%v); copying the whole volume instead", ps.Name, err)})
		return false, nil
	}
	if !done {
		return false, nil
	}
	origin := DataOrigin{From: "reset", At: time.Now()}
	if seeded {
		origin = DataOrigin{From: "seeded", Name: SeededSnapshot, At: time.Now()}
	} else {
		s.data.set(&s.data.fresh, ps.Name, "reset")
	}
	s.setOrigin(ps.Name, origin)
	s.setID(ps.Name, c.ID)
	return true, s.settle(ctx, ps)
}

// eachData runs one service's data change per picked service, at once,
// and collects the results in order.
func (s *Session) eachData(ctx context.Context, picked []*plannedService, one func(ctx, wctx context.Context, ps *plannedService) (DataResult, error)) ([]DataResult, error) {
	wctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	results := make([]DataResult, len(picked))
	errs := make([]error, len(picked))
	var wg sync.WaitGroup
	for i, ps := range picked {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			results[i], errs[i] = one(ctx, wctx, ps)
			results[i].Duration = time.Since(start)
			results[i].Seconds = results[i].Duration.Seconds()
		}()
	}
	wg.Wait()
	return results, pickError(ctx, errs)
}

// SnapshotSave copies the services' data (all that keep data when none are
// named) into snapshot name, each service stopped for its copy and started
// again.
func SnapshotSave(ctx context.Context, opts Options, name string, services []string, sink Sink) ([]DataResult, error) {
	if err := volumes.CheckSnapshotName(name); err != nil {
		return nil, err
	}
	opts.Sink = sink
	s, sf, found, err := openData(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer sf.Close()
	if _, ok := sf.Snapshots[name]; ok {
		return nil, fmt.Errorf("snapshot %s of project %s exists; remove it first (parity snapshot rm %s) or choose another name", name, s.project.Name, name)
	}
	picked, err := s.pickData("snapshot save", services)
	if err != nil {
		return nil, err
	}
	return s.saveSnapshot(ctx, name, picked, found)
}

// saveSnapshot copies picked's data into snapshot name (replacing one of
// that name), with the state locked by the caller.
func (s *Session) saveSnapshot(ctx context.Context, name string, picked []*plannedService, found map[string]docker.Container) ([]DataResult, error) {
	var mu sync.Mutex
	saved := map[string]snapshotRecord{}
	results, err := s.eachData(ctx, picked, func(ctx, wctx context.Context, ps *plannedService) (DataResult, error) {
		res := DataResult{Service: ps.Name, From: "snapshot", Name: name}
		if _, err := s.docker.Volume(ctx, ps.DataVolume); errors.Is(err, docker.ErrNotFound) {
			return res, fmt.Errorf("snapshot save %s: service %s has no data yet; start it with parity up", name, ps.Name)
		}
		vol := volumes.SnapshotName(s.project.Name, name, ps.Name)
		labels := s.labels(map[string]string{volumes.LabelSnapshot: name, LabelService: ps.Name, volumes.LabelCreated: volumes.Now()})
		secrets := s.pendingRekey(ps.Name)
		if secrets == nil {
			secrets = secretValues(ps)
		}
		if old, err := s.docker.Volume(ctx, vol); err == nil && old.Labels[volumes.LabelSnapshot] == name && old.Labels[LabelProject] == s.project.Name {
			// The same snapshot taken again (seeded, after a new seed).
			if err := s.docker.RemoveVolume(ctx, vol); err != nil {
				return res, fmt.Errorf("snapshot save %s: replace volume %s: %w", name, vol, err)
			}
		}
		if err := s.docker.CreateVolume(ctx, vol, labels); err != nil {
			return res, fmt.Errorf("snapshot save %s: %w", name, err)
		}
		c, ok := found[ps.Name]
		spec := volumes.CopySpec{Image: ps.PullRef, From: ps.DataVolume, To: vol, Labels: s.labels(nil)}
		err := s.withStopped(ctx, wctx, ps, c, ok, spec, false, func(int64) error { return nil }, func(size int64) error {
			res.Size = size
			mu.Lock()
			saved[ps.Name] = snapshotRecord{Volume: vol, Secrets: secrets, Size: size, Created: time.Now().UTC()}
			mu.Unlock()
			return nil
		})
		if err != nil && !ok {
			_ = s.docker.RemoveVolume(context.WithoutCancel(ctx), vol)
		}
		return res, err
	})
	s.stMu.Lock()
	defer s.stMu.Unlock()
	if s.st.Snapshots == nil {
		s.st.Snapshots = map[string]map[string]snapshotRecord{}
	}
	if err != nil {
		// A snapshot missing a service is no snapshot: drop the copies
		// made, unless they replaced an older one's.
		if _, older := s.st.Snapshots[name]; !older {
			for _, rec := range saved {
				_ = s.docker.RemoveVolume(context.WithoutCancel(ctx), rec.Volume)
			}
		}
		return results, err
	}
	for svc, rec := range s.st.Snapshots[name] {
		if _, again := saved[svc]; !again {
			_ = s.docker.RemoveVolume(context.WithoutCancel(ctx), rec.Volume)
		}
	}
	s.st.Snapshots[name] = saved
	return results, s.saveLocked()
}

// SnapshotRestore puts snapshot name's copies back into its services'
// data volumes, each service stopped for its copy and started again. The
// services keep their current passwords: a copy taken with others gets
// them changed before the service is reported ready.
func SnapshotRestore(ctx context.Context, opts Options, name string, sink Sink) ([]DataResult, error) {
	opts.Sink = sink
	s, sf, found, err := openData(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer sf.Close()
	snap, ok := sf.Snapshots[name]
	if !ok {
		return nil, fmt.Errorf("snapshot restore %s: project %s has no such snapshot (%s)", name, s.project.Name, snapshotNames(sf.Snapshots))
	}
	var picked []*plannedService
	for _, svc := range slices.Sorted(maps.Keys(snap)) {
		ps := s.currentPlan().service(svc)
		if ps == nil || ps.DataVolume == "" {
			s.warn(fmt.Sprintf("snapshot %s: service %s is no longer in the manifest, or keeps no data; its copy is left in volume %s", name, svc, snap[svc].Volume))
			continue
		}
		if _, err := s.docker.Volume(ctx, snap[svc].Volume); err != nil {
			return nil, fmt.Errorf("snapshot restore %s: the copy of %s (volume %s) is gone: %w; remove the snapshot with parity snapshot rm %s", name, svc, snap[svc].Volume, err, name)
		}
		picked = append(picked, ps)
	}
	return s.eachData(ctx, picked, func(ctx, wctx context.Context, ps *plannedService) (DataResult, error) {
		rec := snap[ps.Name]
		res := DataResult{Service: ps.Name, From: "snapshot", Name: name}
		if _, err := s.ensureDataVolume(ctx, ps); err != nil {
			return res, err
		}
		c, ok := found[ps.Name]
		spec := volumes.CopySpec{Image: ps.PullRef, From: rec.Volume, To: ps.DataVolume, Labels: s.labels(nil)}
		err := s.withStopped(ctx, wctx, ps, c, ok, spec, true, func(int64) error {
			return s.noteCopy(ps, rec.Volume, rec.Secrets)
		}, func(size int64) error {
			res.Size = size
			s.setOrigin(ps.Name, DataOrigin{From: "snapshot", Name: name, At: time.Now()})
			return nil
		})
		return res, err
	})
}

// noteCopy writes down the passwords data copied from "from" holds, when
// they differ from ps's own and its stack can change them; an emptied
// volume (from "") holds none.
func (s *Session) noteCopy(ps *plannedService, from string, secrets map[string]string) error {
	if _, isRekeyer := ps.Stack.(stacks.Rekeyer); isRekeyer && from != "" && !maps.Equal(secrets, secretValues(ps)) {
		return s.noteRekey(ps.Name, secrets)
	}
	s.rekeyDone(ps.Name) // the data it was about is going
	return nil
}

// ensureDataVolume makes ps's data volume when it is missing (a first
// run, after `down --volumes`), labelled with its service and the hash of
// the password its data will hold, and says whether it made it.
func (s *Session) ensureDataVolume(ctx context.Context, ps *plannedService) (bool, error) {
	if _, err := s.docker.Volume(ctx, ps.DataVolume); !errors.Is(err, docker.ErrNotFound) {
		return false, err
	}
	extra := map[string]string{LabelService: ps.Name}
	if ps.Role == RoleBacking {
		extra[LabelSecretHash] = secretHash(ps.Credentials.Password)
	}
	if err := s.docker.CreateVolume(ctx, ps.DataVolume, s.labels(extra)); err != nil {
		return false, fmt.Errorf("create volume %s: %w", ps.DataVolume, err)
	}
	return true, nil
}

// ownLabels are the options' extra labels without parity's project and
// service ones: for copies that belong to no project's `down --volumes`.
func (s *Session) ownLabels() map[string]string { return unownedLabels(s.opts.ExtraLabels) }

func unownedLabels(extra map[string]string) map[string]string {
	labels := map[string]string{}
	for k, v := range extra {
		if k != LabelProject && k != LabelService {
			labels[k] = v
		}
	}
	return labels
}

func snapshotNames(snaps map[string]map[string]snapshotRecord) string {
	if len(snaps) == 0 {
		return "it has none; save one with parity snapshot save NAME"
	}
	return "its snapshots: " + strings.Join(slices.Sorted(maps.Keys(snaps)), ", ")
}

// SnapshotInfo describes one snapshot.
type SnapshotInfo struct {
	Name     string    `json:"name"`
	Created  time.Time `json:"created"`
	Services []string  `json:"services"`
	Size     int64     `json:"size_bytes"`
}

// Snapshots lists the project's snapshots, oldest first.
func Snapshots(ctx context.Context, opts Options) ([]SnapshotInfo, error) {
	_, sf, _, err := openData(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer sf.Close()
	var out []SnapshotInfo
	for name, snap := range sf.Snapshots {
		info := SnapshotInfo{Name: name}
		for svc, rec := range snap {
			info.Services = append(info.Services, svc)
			info.Size += rec.Size
			if info.Created.IsZero() || rec.Created.Before(info.Created) {
				info.Created = rec.Created
			}
		}
		sort.Strings(info.Services)
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// SnapshotRemove deletes snapshot name's copies.
func SnapshotRemove(ctx context.Context, opts Options, name string) error {
	s, sf, _, err := openData(ctx, opts)
	if err != nil {
		return err
	}
	defer sf.Close()
	snap, ok := sf.Snapshots[name]
	if !ok {
		return fmt.Errorf("snapshot rm %s: project %s has no such snapshot (%s)", name, s.project.Name, snapshotNames(sf.Snapshots))
	}
	for _, svc := range slices.Sorted(maps.Keys(snap)) {
		if err := s.docker.RemoveVolume(ctx, snap[svc].Volume); err != nil && !errors.Is(err, docker.ErrNotFound) {
			return fmt.Errorf("snapshot rm %s: remove volume %s: %w", name, snap[svc].Volume, err)
		}
	}
	delete(sf.Snapshots, name)
	return sf.Save()
}

// TemplateInfo describes one initialised template.
type TemplateInfo struct {
	Volume       string    `json:"volume"`
	Kind         string    `json:"kind"`
	Image        string    `json:"image"`
	Created      time.Time `json:"created"`
	Size         int64     `json:"size_bytes"` // -1: unknown
	FirstProject string    `json:"first_project,omitempty"`
}

// machineDocker is the engine client of a command that needs no project.
func machineDocker(ctx context.Context, opts Options) (docker.Client, error) {
	client := opts.Docker
	if client == nil {
		c, err := docker.New(docker.WithDebug(docker.NewDebugLog(opts.Debug)))
		if err != nil {
			return nil, err
		}
		client = c
	}
	if _, err := client.Ping(ctx); err != nil {
		return nil, err
	}
	return client, nil
}

func templateSelector(opts Options) map[string]string {
	sel := unownedLabels(opts.ExtraLabels)
	sel[volumes.LabelTemplate] = ""
	return sel
}

// Templates lists the machine's initialised templates (those carrying the
// options' extra labels too, when set), with the disk space each takes.
func Templates(ctx context.Context, opts Options) ([]TemplateInfo, error) {
	client, err := machineDocker(ctx, opts)
	if err != nil {
		return nil, err
	}
	return listTemplates(ctx, client, opts)
}

func listTemplates(ctx context.Context, client docker.Client, opts Options) ([]TemplateInfo, error) {
	vols, err := client.Volumes(ctx, templateSelector(opts))
	if err != nil {
		return nil, err
	}
	sizes := map[string]int64{}
	if len(vols) > 0 {
		if sizes, err = client.VolumeSizes(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]TemplateInfo, 0, len(vols))
	for _, v := range vols {
		size, ok := sizes[v.Name]
		if !ok {
			size = -1
		}
		out = append(out, TemplateInfo{
			Volume: v.Name, Kind: v.Labels[volumes.LabelTemplateKind], Image: v.Labels[volumes.LabelTemplateImage],
			Created: volumes.Created(v), Size: size, FirstProject: v.Labels[volumes.LabelFirstProject],
		})
	}
	return out, nil
}

// PruneTemplates removes the machine's initialised templates (those
// carrying the options' extra labels too, when set) and nothing else: no
// project's data, no snapshot. A template being copied at that moment is
// in use and left, and said so.
func PruneTemplates(ctx context.Context, opts Options) ([]TemplateInfo, error) {
	client, err := machineDocker(ctx, opts)
	if err != nil {
		return nil, err
	}
	list, err := listTemplates(ctx, client, opts)
	if err != nil {
		return nil, err
	}
	var removed []TemplateInfo
	var errs []error
	for _, t := range list {
		if err := client.RemoveVolume(ctx, t.Volume); err != nil && !errors.Is(err, docker.ErrNotFound) {
			errs = append(errs, fmt.Errorf("remove template %s: %w", t.Volume, err))
			continue
		}
		removed = append(removed, t)
	}
	return removed, errors.Join(errs...)
}
