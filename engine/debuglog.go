package engine

import (
	"context"
	"time"

	"github.com/parity-dev/parity/engine/docker"
)

// newDebugLog is the session's --debug log (nil without Options.Debug).
// The passwords the current plan carries, generated or the developer's own,
// are masked wherever they appear: in a redis --requirepass inside a shell
// command, in a probe's error, in a job's environment.
func (s *Session) newDebugLog() *docker.DebugLog {
	d := docker.NewDebugLog(s.opts.Debug)
	d.SecretsFrom(s.planSecrets)
	return d
}

// planSecrets are the passwords of the current plan.
func (s *Session) planSecrets() []string {
	p := s.currentPlan()
	if p == nil {
		return nil
	}
	var out []string
	for _, v := range p.Bindings {
		out = append(out, v)
	}
	for _, ps := range p.Services {
		out = append(out, ps.Credentials.Password, ps.Config.Credentials.Password)
	}
	return out
}

// debugProbe makes each attempt of probe one --debug line, e.g.
// "probe db (postgres) 127.0.0.1:54321: ok in 4ms", so a service that never
// becomes ready shows what every attempt answered, not only the last reason.
func (s *Session) debugProbe(ps *plannedService, probe func(ctx context.Context) error) func(ctx context.Context) error {
	if s.debug == nil || probe == nil {
		return probe
	}
	what := ps.Name + " (tcp)"
	if ps.Stack != nil {
		what = ps.Name + " (" + ps.Stack.Kind() + ")"
	}
	if addr := ps.Address(); addr != "" {
		what += " " + addr
	}
	return func(ctx context.Context) error {
		start := time.Now()
		err := probe(ctx)
		took := time.Since(start)
		if took >= time.Millisecond {
			took = took.Round(time.Millisecond)
		} else {
			took = took.Round(time.Microsecond)
		}
		result := "ok"
		if err != nil {
			result = err.Error()
		}
		s.debug.Printf("probe %s: %s in %s", what, result, took)
		return err
	}
}
