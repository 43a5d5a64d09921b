package engine

import (
	"context"
	"fmt"

	"github.com/parity-dev/parity/engine/drift"
	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// CheckOptions are parity check's flags. Both comparisons need Docker, so
// both are opt-in: by default check reads files only, and its verdict in CI
// depends on the repository alone.
type CheckOptions struct {
	// Running compares parity's containers for the project with the manifest.
	Running bool
	// Remote asks the registry (through the engine, and the mirror when set)
	// which digest each locked tag points at now, to report moved tags.
	Remote bool
}

// Check compares the repository around the production manifest with it:
// dev Compose files, CI service containers, .env files, parity.lock, and,
// when asked, running containers and the registry. An error means the check
// itself could not be made; drift is in the report.
func (s *Session) Check(ctx context.Context, o CheckOptions) (*drift.Report, error) {
	in := drift.Input{Project: s.project, Roles: map[string]string{}, LockPath: s.LockPath()}
	for _, d := range s.disagreements {
		file, line, ok := manifest.SplitOrigin(d.FirstAt)
		if !ok {
			file = d.FirstAt
		}
		in.Conflicts = append(in.Conflicts, drift.Finding{
			File: file, Line: line, Kind: d.Kind, Service: d.Service, Production: d.First, Found: d.Other,
			Severity: drift.Error,
			Problem:  fmt.Sprintf("production sources disagree: %s says %s, %s says %s", d.FirstAt, d.First, d.OtherAt, d.Other),
			Fix:      fmt.Sprintf("make them agree, or pin the image production really runs in parity.yaml (services.%s.image)", d.Service),
		})
	}
	for _, ps := range classify(s.project, s.roleOptions()) {
		in.Roles[ps.Name] = string(ps.Role)
	}
	l, err := s.readLock()
	if err != nil {
		return nil, err
	}
	in.Lock = l
	if o.Running || o.Remote {
		if s.docker == nil {
			if err := s.connect(ctx); err != nil {
				return nil, err
			}
		}
	}
	if o.Running {
		cs, err := s.docker.Containers(ctx, map[string]string{LabelProject: s.project.Name})
		if err != nil {
			return nil, err
		}
		in.Running = []drift.Running{}
		for _, c := range cs {
			// The list may show an image ID for a retagged image; inspect
			// has the reference the container was created from.
			full, err := s.docker.Inspect(ctx, c.ID)
			if err != nil {
				return nil, err
			}
			in.Running = append(in.Running, drift.Running{
				Service: full.Labels[LabelService], Container: full.Name, Image: full.Labels[LabelImage], Ref: full.Image,
			})
		}
	}
	if o.Remote && l != nil {
		in.Remote = map[string]string{}
		for _, e := range l.Entries {
			if svc := s.project.Service(e.Service); svc == nil || svc.Image != e.Image {
				continue // a stale entry is reported as such; its tag is beside the point
			}
			ref := stacks.MirrorRef(e.Image, s.opts.Mirror)
			d, err := s.docker.Digest(ctx, ref)
			if err != nil {
				return nil, fmt.Errorf("check service %s against the registry: %w", e.Service, err)
			}
			in.Remote[e.Service] = d
		}
	}
	return drift.Check(ctx, in)
}
