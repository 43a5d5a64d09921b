package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/parity-dev/parity/engine/lockfile"
	"github.com/parity-dev/parity/stacks"
)

// LockOptions are parity lock's flags.
type LockOptions struct {
	// Update re-resolves every tag, taking the digests tags point at now.
	// Without it, entries still valid for the manifest are kept as they are
	// and only new or re-pinned services are resolved, so bumping one
	// service's version never moves another's bits in the same change.
	Update bool
}

// LockedService is one service as parity lock left it.
type LockedService struct {
	Service string `json:"service"`
	Image   string `json:"image"`
	Digest  string `json:"digest"`
	// Previous is the digest locked before, "" when the service was not locked.
	Previous string `json:"previous,omitempty"`
	// Status is "added", "kept" (unchanged), "relocked" (the manifest pins
	// another image now) or "moved" (--update found the tag moved).
	Status string `json:"status"`
}

// LockResult is what parity lock did.
type LockResult struct {
	Path     string          `json:"path"`
	Services []LockedService `json:"services"`
	// Removed are services the lock had that are no longer locked.
	Removed []string `json:"removed,omitempty"`
	// Written is false when the file already said exactly this.
	Written bool `json:"written"`
}

// LockPath is the project's parity.lock, beside the production manifest.
func (s *Session) LockPath() string { return lockfile.PathFor(s.project.Files[0]) }

// readLock reads parity.lock, nil when there is none.
func (s *Session) readLock() (*lockfile.Lock, error) {
	l, err := lockfile.Read(s.LockPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return l, err
}

// lockable are the services parity lock locks: backing services whose image
// a tag names. An image the manifest pins by digest needs no lock; one it
// builds is pinned by its Dockerfile.
func (s *Session) lockable() []*plannedService {
	var out []*plannedService
	for _, ps := range classify(s.project, s.roleOptions()) {
		if ps.Role == RoleBacking && ps.Build == nil && stacks.ParseImage(ps.Image).Digest == "" {
			out = append(out, ps)
		}
	}
	return out
}

// roleOptions are the parts of planOptions that decide roles.
func (s *Session) roleOptions() planOptions {
	opts := planOptions{Only: s.opts.Services}
	if s.config != nil {
		opts.AppService = s.config.App.Service
		opts.Skip = map[string]bool{}
		for name, sc := range s.config.Services {
			if sc.Skip {
				opts.Skip[name] = true
			}
		}
	}
	return opts
}

// Lock resolves each backing service's tag to the digest it points at in
// the registry (through the mirror when one is set) and writes parity.lock.
func (s *Session) Lock(ctx context.Context, o LockOptions) (LockResult, error) {
	res := LockResult{Path: s.LockPath()}
	old, err := s.readLock()
	if err != nil {
		return res, err
	}
	if s.docker == nil {
		if err := s.connect(ctx); err != nil {
			return res, err
		}
	}
	next := &lockfile.Lock{}
	locked := map[string]bool{}
	for _, ps := range s.lockable() {
		prev, had := old.Entry(ps.Name)
		if had && prev.Image == ps.Image && !o.Update {
			next.Entries = append(next.Entries, lockfile.Entry{Service: ps.Name, Image: ps.Image, Digest: prev.Digest})
			res.Services = append(res.Services, LockedService{Service: ps.Name, Image: ps.Image, Digest: prev.Digest, Previous: prev.Digest, Status: "kept"})
			locked[ps.Name] = true
			continue
		}
		ref := stacks.MirrorRef(ps.Image, s.opts.Mirror)
		digest, err := s.docker.Digest(ctx, ref)
		if err != nil {
			return res, fmt.Errorf("lock service %s: %w", ps.Name, err)
		}
		ls := LockedService{Service: ps.Name, Image: ps.Image, Digest: digest, Status: "added"}
		if had {
			ls.Previous = prev.Digest
			switch {
			case prev.Image != ps.Image:
				ls.Status = "relocked"
			case prev.Digest != digest:
				ls.Status = "moved"
			default:
				ls.Status = "kept"
			}
		}
		next.Entries = append(next.Entries, lockfile.Entry{Service: ps.Name, Image: ps.Image, Digest: digest})
		res.Services = append(res.Services, ls)
		locked[ps.Name] = true
	}
	if old != nil {
		for _, e := range old.Entries {
			if !locked[e.Service] {
				res.Removed = append(res.Removed, e.Service)
			}
		}
	}
	if current, err := os.ReadFile(res.Path); err == nil && bytes.Equal(current, next.Bytes()) {
		return res, nil
	}
	if err := lockfile.Write(res.Path, next); err != nil {
		return res, err
	}
	res.Written = true
	return res, nil
}

// lockedDigests returns the locked digest of each service whose lock entry
// is for the image the manifest pins now. An entry for another image is
// left out (up runs the manifest's tag, as without a lock) with a warning:
// the manifest moved on and the lock was not refreshed.
func (s *Session) lockedDigests() (map[string]string, []string, error) {
	l, err := s.readLock()
	if err != nil || l == nil {
		return nil, nil, err
	}
	out := map[string]string{}
	var warns []string
	for _, e := range l.Entries {
		svc := s.project.Service(e.Service)
		switch {
		case svc == nil || stacks.ParseImage(svc.Image).Digest != "":
			// Nothing to run from it; parity check reports the stale entry.
		case svc.Image != e.Image:
			warns = append(warns, fmt.Sprintf("%s locks service %s to %s but the manifest pins %s: running %s by its tag; run parity lock to lock it",
				lockfile.Name, e.Service, e.Image, svc.Image, svc.Image))
		default:
			out[e.Service] = e.Digest
		}
	}
	return out, warns, nil
}

// lockedRef is ref (as pulled: the mirror's name when one is set) pinned to
// digest instead of its tag: "127.0.0.1:5959/library/redis:7" becomes
// "127.0.0.1:5959/library/redis@sha256:...".
func lockedRef(ref, digest string) string {
	img := stacks.ParseImage(ref)
	img.Tag, img.Digest = "", digest
	return img.String()
}
