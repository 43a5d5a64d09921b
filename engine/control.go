package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/parity-dev/parity/engine/docker"
)

// restart restarts a service's container; watchEngine then probes it until it
// answers again. A container removed from outside parity is made again,
// with its data volume, and waited for.
func (s *Session) restart(ctx context.Context, source string) error {
	p, _, _ := s.snapshot()
	if p == nil || p.service(source) == nil {
		return fmt.Errorf("restart %s: no such service", source)
	}
	ps := p.service(source)
	if ps.Role != RoleBacking && ps.Role != RoleGeneric {
		return fmt.Errorf("restart %s: parity does not run it in a container", source)
	}
	id := s.id(source)
	gone := id == ""
	if !gone {
		_, err := s.docker.Inspect(ctx, id)
		gone = errors.Is(err, docker.ErrNotFound)
	}
	if gone {
		// Removed from outside (docker rm -f): made again from the plan,
		// on its data volume; watchEngine sees it start and probes it.
		s.emit(Event{Type: EventLog, Source: "parity", Line: fmt.Sprintf("%s: its container was removed; making it again (its data volume is kept)", source)})
		if _, err := s.upService(ctx, ps); err != nil {
			return fmt.Errorf("restart %s: %w", source, err)
		}
		return nil
	}
	s.emit(Event{Type: EventPhase, Source: source, Phase: PhaseRestarting})
	// watchEngine sees the restart's die and start events: the die is expected,
	// the start is probed until the service answers again.
	s.watch.expectDie(source)
	if err := s.docker.Restart(ctx, id, 10*time.Second); err != nil {
		return fmt.Errorf("restart %s: %w", source, err)
	}
	return nil
}

// shellCommand is an interactive, already authenticated client inside the
// service's container (psql, redis-cli), run through the docker CLI. The
// password reaches the client only through environments: `docker exec -e
// NAME` without a value makes the docker CLI read NAME from its own
// environment, set here, so neither its command line nor the client's,
// both visible to every user of the host through ps, holds it.
func (s *Session) shellCommand(source string) (*exec.Cmd, error) {
	p, _, _ := s.snapshot()
	id := s.id(source)
	if p == nil || p.service(source) == nil || id == "" {
		return nil, fmt.Errorf("shell: %s is not a running service", source)
	}
	ps := p.service(source)
	shell := ps.Stack.Shell(ps.Credentials)
	args := []string{"exec", "-it"}
	env := os.Environ()
	for _, name := range slices.Sorted(maps.Keys(shell.Env)) {
		args = append(args, "-e", name)
		env = append(env, name+"="+shell.Env[name])
	}
	args = append(args, id)
	if len(shell.Args) > 0 {
		args = append(args, shell.Args...)
	} else {
		args = append(args, "sh")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		return nil, fmt.Errorf("shell: the docker command-line tool is needed for a shell: %w", err)
	}
	cmd := exec.Command("docker", args...)
	cmd.Env = env
	return cmd, nil
}

// serviceURL is the service's real connection URL, "" when it has none.
func (s *Session) serviceURL(source string) string {
	s.planMu.RLock()
	defer s.planMu.RUnlock()
	if s.plan == nil {
		return ""
	}
	if ps := s.plan.service(source); ps != nil {
		return ps.URL()
	}
	return ""
}
