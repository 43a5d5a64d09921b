package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Preview is what `up` would run, computed without starting, locking or
// saving anything: `parity doctor` checks it before anything is changed.
type Preview struct {
	Project string
	// WorkingDir is the manifest's project directory, where .env is read.
	WorkingDir string
	Files      []string
	// EnvFiles are the env files read for the manifest and the app (--env-file, else .env).
	EnvFiles []string
	// StateDir is where up would keep the project's ports and passwords.
	StateDir string
	Services []ServicePreview
	// Warnings are the plan's own (unpinned images, skipped bind mounts, ...).
	Warnings []string
}

// ServicePreview is one manifest service as up would treat it.
type ServicePreview struct {
	Name  string
	Role  Role
	Why   string
	Kind  string // the stack's kind ("postgres", "redis", "generic"), "" for the app
	Image string // as pinned in the manifest
	// PullRef is what up pulls and runs: Image, or its name on the registry mirror.
	PullRef string
	Ports   []PortPreview
}

// PortPreview is one host port up would publish on 127.0.0.1.
type PortPreview struct {
	ContainerPort int
	// HostPort is the port up tries first: the one remembered from an
	// earlier up, else the manifest's published port or the service's usual
	// one. Up takes another free port when a program other than parity holds it.
	HostPort   int
	Remembered bool
}

// Preview plans the project against its saved state without taking the
// state lock (a running `up` holds it) and without saving: ports are the
// ones up would try first, whether or not they are free now.
func (s *Session) Preview() (Preview, error) {
	st, err := peekState(s.stateDir, s.project.Name)
	if err != nil {
		return Preview{}, err
	}
	remembered := map[string]bool{}
	for k := range st.Ports {
		remembered[k] = true
	}
	opts := s.roleOptions()
	opts.Mirror, opts.ExtraLabels = s.opts.Mirror, s.opts.ExtraLabels
	opts.KeepPorts, opts.FreePort = true, freePort
	p, err := buildPlan(s.project, &st, opts)
	if err != nil {
		return Preview{}, err
	}
	pv := Preview{
		Project:    s.project.Name,
		WorkingDir: s.project.WorkingDir,
		Files:      s.project.Files,
		EnvFiles:   s.project.EnvFiles,
		StateDir:   s.stateDir,
		Warnings:   p.Warnings,
	}
	for _, ps := range p.Services {
		sp := ServicePreview{Name: ps.Name, Role: ps.Role, Why: ps.Why, Image: ps.Image, PullRef: ps.PullRef}
		if ps.Role == RoleBacking || ps.Role == RoleGeneric {
			sp.Kind = ps.Stack.Kind()
			for _, target := range sortedInts(ps.Ports) {
				sp.Ports = append(sp.Ports, PortPreview{
					ContainerPort: target,
					HostPort:      ps.Ports[target],
					Remembered:    remembered[fmt.Sprintf("%s/%d", ps.Name, target)],
				})
			}
		}
		pv.Services = append(pv.Services, sp)
	}
	return pv, nil
}

// peekState reads the project's state without locking it; a missing file is
// an empty state.
func peekState(dir, project string) (state, error) {
	st := state{Ports: map[string]int{}, Secrets: map[string]string{}, VarSecrets: map[string]string{}}
	data, err := os.ReadFile(projectStatePath(dir, project))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return st, nil
	case err != nil:
		return st, fmt.Errorf("read state: %w", err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("read state %s: %w", projectStatePath(dir, project), err)
	}
	if st.Ports == nil {
		st.Ports = map[string]int{}
	}
	if st.Secrets == nil {
		st.Secrets = map[string]string{}
	}
	if st.VarSecrets == nil {
		st.VarSecrets = map[string]string{}
	}
	return st, nil
}
