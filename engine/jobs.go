package engine

import (
	"context"
	"fmt"

	"github.com/parity-dev/parity/engine/manifest"
)

// gate is closed when a container has settled during up: ready, done (a
// job), or failed (err set before it closes).
type gate struct {
	done chan struct{}
	err  error
}

// prerequisites are the containers ps must wait for before its own is
// created: the jobs it waits to complete (service_completed_successfully),
// and, for a job, every container it depends on, answering, since a
// migration run against a database still starting fails. Other
// dependencies are not waited for: services retry, and starting everything
// at once is what makes parity quick.
func (p *plan) prerequisites(ps *plannedService) []string {
	var out []string
	for _, d := range ps.Svc.DependsOn {
		dep := p.service(d)
		if dep == nil || (dep.Role != RoleBacking && dep.Role != RoleGeneric) {
			continue
		}
		if ps.Job || (dep.Job && ps.Svc.DependsOnCondition[d] == manifest.ConditionCompleted) {
			out = append(out, d)
		}
	}
	return out
}

// neededReady are the services some job waits for to answer: up probes
// them even when it is not asked to wait.
func (p *plan) neededReady() map[string]bool {
	out := map[string]bool{}
	for _, ps := range p.containers() {
		if ps.Job {
			for _, d := range p.prerequisites(ps) {
				out[d] = true
			}
		}
	}
	return out
}

// startInOrder creates and starts ps's container once its prerequisites
// have settled, building or pulling its image meanwhile. A prerequisite
// that failed fails it without starting it.
func (s *Session) startInOrder(ctx, waitCtx context.Context, ps *plannedService, gates map[string]*gate) (*plannedService, error) {
	if ps.Build != nil {
		if err := s.buildImage(ctx, ps); err != nil {
			return ps, err
		}
	}
	pre := s.currentPlan().prerequisites(ps)
	if len(pre) > 0 && ps.Build == nil {
		if err := s.ensureImage(ctx, ps); err != nil {
			return ps, err
		}
	}
	for _, name := range pre {
		g := gates[name]
		select {
		case <-g.done:
		default:
			what := "to be ready"
			if s.currentPlan().service(name).Job {
				what = "to complete"
			}
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseWaiting, Reason: "for " + name + " " + what})
			select {
			case <-g.done:
			case <-waitCtx.Done():
				select {
				case <-g.done: // it settled as up gave up: report its outcome
				default:
					return ps, fmt.Errorf("service %s waited for %s: %w", ps.Name, name, waitCtx.Err())
				}
			}
		}
		if g.err != nil {
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseFailed, Reason: name + " failed"})
			return ps, fmt.Errorf("service %s not started: %s, which it waits for, failed", ps.Name, name)
		}
	}
	return s.upService(ctx, ps)
}
