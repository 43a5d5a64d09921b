package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/parity-dev/parity/engine/docker"
)

// This file holds the commands that act on a project's existing
// containers, from a parity other than the one that started them (after
// `up --detach`, or beside a running `up`): logs, shell, restart, stop.
// Each opens the project, finds the containers by parity's labels and
// uses the same Session steps the live view uses.

// openExisting opens the project, plans it (taking the state's lock only
// while planning) and records the id of each service's container.
func openExisting(ctx context.Context, opts Options) (*Session, map[string]docker.Container, error) {
	s, err := Open(ctx, opts, true)
	if err != nil {
		return nil, nil, err
	}
	sf, err := s.prepare(ctx)
	if err != nil {
		return nil, nil, err
	}
	sf.Close() // these commands never change the state's ports or secrets
	found, err := s.findContainers(ctx)
	if err != nil {
		return nil, nil, err
	}
	return s, found, nil
}

// findContainers maps each service to its container, found by label.
func (s *Session) findContainers(ctx context.Context) (map[string]docker.Container, error) {
	cs, err := s.docker.Containers(ctx, map[string]string{LabelProject: s.project.Name})
	if err != nil {
		return nil, err
	}
	found := map[string]docker.Container{}
	for _, c := range cs {
		svc := c.Labels[LabelService]
		if svc == "" {
			continue
		}
		// A stale container may remain beside the current one: prefer the running one.
		if prev, ok := found[svc]; ok && prev.Running && !c.Running {
			continue
		}
		found[svc] = c
		s.setID(svc, c.ID)
	}
	return found, nil
}

// pick resolves the services a command names (all of parity's container
// services when none), refusing a name the manifest does not have and a
// service parity does not run in a container.
func (s *Session) pick(verb string, names []string) ([]*plannedService, error) {
	p := s.currentPlan()
	if len(names) == 0 {
		return p.containers(), nil
	}
	var out []*plannedService
	for _, name := range names {
		ps := p.service(name)
		if ps == nil {
			all := make([]string, len(p.Services))
			for i, sv := range p.Services {
				all[i] = sv.Name
			}
			return nil, fmt.Errorf("%s %s: no such service in the manifest of project %s (its services: %s)", verb, name, s.project.Name, strings.Join(all, ", "))
		}
		if ps.Role != RoleBacking && ps.Role != RoleGeneric {
			return nil, fmt.Errorf("%s %s: parity does not run it in a container (%s: %s)", verb, name, ps.Role, ps.Why)
		}
		if !slices.Contains(out, ps) {
			out = append(out, ps)
		}
	}
	return out, nil
}

// LogsOptions say which logs Logs prints.
type LogsOptions struct {
	Services []string // none: every service parity runs in a container
	Follow   bool     // keep printing new lines until ctx ends
	Tail     int      // the last N lines of each service; <0: all
	// Since keeps only lines written at or after it; zero: all.
	Since time.Time
	// Timestamps starts each line with the engine's time for it.
	Timestamps bool
}

// Logs sends the services' output to sink as log events, as up shows it:
// first what the containers wrote (merged in time order), then, with
// Follow, each new line until ctx ends or the containers stop. A stopped
// container's logs are its last ones.
func Logs(ctx context.Context, opts Options, lo LogsOptions, sink Sink) error {
	opts.Sink = sink
	s, found, err := openExisting(ctx, opts)
	if err != nil {
		return err
	}
	services, err := s.pick("logs", lo.Services)
	if err != nil {
		return err
	}
	var ids []string
	var withLogs []*plannedService
	for _, ps := range services {
		c, ok := found[ps.Name]
		if !ok {
			if len(lo.Services) > 0 {
				return fmt.Errorf("logs %s: it has no container in project %s; start it with parity up", ps.Name, s.project.Name)
			}
			continue
		}
		ids = append(ids, c.ID)
		withLogs = append(withLogs, ps)
	}
	if len(withLogs) == 0 {
		return fmt.Errorf("logs: project %s has no containers; start them with parity up", s.project.Name)
	}
	line := func(ps *plannedService, l docker.LogLine) {
		text := l.Text
		if lo.Timestamps && !l.Time.IsZero() {
			text = l.Time.UTC().Format(logTimeFormat) + " " + text
		}
		s.emit(Event{Type: EventLog, Source: ps.Name, Stream: l.Stream, Line: text, Time: l.Time})
	}

	// What is written already, every service's in time order.
	type entry struct {
		ps *plannedService
		l  docker.LogLine
	}
	var backlog []entry
	cutoff := make([]time.Time, len(withLogs))
	fetchTail := lo.Tail
	if !lo.Since.IsZero() {
		fetchTail = -1 // --tail counts the lines since, as docker logs does
	}
	for i, ps := range withLogs {
		var lines []docker.LogLine
		err := s.docker.Logs(ctx, ids[i], false, fetchTail, func(l docker.LogLine) {
			if !lo.Since.IsZero() && !l.Time.IsZero() && l.Time.Before(lo.Since) {
				return
			}
			lines = append(lines, l)
		})
		if err != nil {
			return fmt.Errorf("logs %s: %w", ps.Name, err)
		}
		if lo.Tail >= 0 && len(lines) > lo.Tail {
			lines = lines[len(lines)-lo.Tail:]
		}
		for _, l := range lines {
			backlog = append(backlog, entry{ps, l})
		}
		if len(lines) > 0 {
			cutoff[i] = lines[len(lines)-1].Time
		}
	}
	sort.SliceStable(backlog, func(i, j int) bool { return backlog[i].l.Time.Before(backlog[j].l.Time) })
	for _, e := range backlog {
		if ctx.Err() != nil {
			return nil
		}
		line(e.ps, e.l)
	}
	if !lo.Follow {
		return nil
	}

	// Then each new line, skipping what was printed above.
	var wg sync.WaitGroup
	errs := make([]error, len(withLogs))
	for i, ps := range withLogs {
		after := cutoff[i]
		if after.IsZero() && !lo.Since.IsZero() {
			after = lo.Since.Add(-time.Nanosecond)
		}
		// Reaching back --tail lines covers what was written since the
		// backlog was read, unless more came in that moment.
		tail := -1
		if lo.Since.IsZero() && lo.Tail >= 0 {
			tail = lo.Tail
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.docker.Logs(ctx, ids[i], true, tail, func(l docker.LogLine) {
				if !after.IsZero() && !l.Time.After(after) {
					return
				}
				line(ps, l)
			})
			if errs[i] != nil {
				errs[i] = fmt.Errorf("logs %s: %w", ps.Name, errs[i])
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil // Ctrl-C is how following ends
	}
	return errors.Join(errs...)
}

// logTimeFormat is docker logs --timestamps' format: fixed width, so lines align.
const logTimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// ShellOptions say which client Shell runs and how it is connected.
type ShellOptions struct {
	Service string
	Args    []string // appended to the kind's client: psql's -c 'select 1'
	// TTY gives the client a terminal (docker exec -it); only when Stdin is one.
	TTY    bool
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Shell runs the service's kind's client (psql, redis-cli, ...) inside its
// container, already authenticated, connected to the caller's streams, and
// returns the client's exit code. The password reaches it only through
// environments, never a command line.
func Shell(ctx context.Context, opts Options, so ShellOptions) (int, error) {
	s, found, err := openExisting(ctx, opts)
	if err != nil {
		return 0, err
	}
	services, err := s.pick("shell", []string{so.Service})
	if err != nil {
		return 0, err
	}
	ps := services[0]
	if c, ok := found[ps.Name]; !ok || !c.Running {
		return 0, fmt.Errorf("shell %s: it is not running in project %s; start it with parity up --detach", ps.Name, s.project.Name)
	}
	cmd, err := s.shellCommand(ps.Name)
	if err != nil {
		return 0, err
	}
	if !so.TTY {
		// shellCommand is made for the live view, always on a terminal;
		// with a pipe or a file, -t would make docker refuse.
		for i, a := range cmd.Args {
			if a == "-it" {
				cmd.Args[i] = "-i"
				break
			}
		}
	}
	cmd.Args = append(cmd.Args, so.Args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = so.Stdin, so.Stdout, so.Stderr
	if err := cmd.Start(); err != nil {
		return commandNotRun(err), fmt.Errorf("shell %s: %w", ps.Name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		// A Ctrl-C typed in the terminal reached the client itself, which
		// decides what it means; any other signal is passed on.
		if sig := interruptOf(ctx); sig != syscall.SIGINT || !inForeground(so.Stdin) {
			_ = cmd.Process.Signal(sig)
		}
		waitErr = <-done
	}
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
		return 0, nil
	case errors.As(waitErr, &exitErr):
		return exitErr.ExitCode(), nil
	default:
		return 1, fmt.Errorf("shell %s: %w", ps.Name, waitErr)
	}
}

// Restart restarts the services' containers (all when none are named),
// keeping their data, and waits until each answers again. A container
// that was removed is made again on its data volume.
func Restart(ctx context.Context, opts Options, services []string, sink Sink) error {
	opts.Sink = sink
	s, err := Open(ctx, opts, true)
	if err != nil {
		return err
	}
	// Held while restarting: making a removed container again may move a
	// port, which is written down.
	sf, err := s.prepare(ctx)
	if err != nil {
		return err
	}
	defer sf.Close()
	s.stMu.Lock()
	s.st, s.sf = &sf.state, sf
	s.stMu.Unlock()
	found, err := s.findContainers(ctx)
	if err != nil {
		return err
	}
	picked, err := s.pick("restart", services)
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return fmt.Errorf("restart: project %s has no containers; start them with parity up", s.project.Name)
	}
	if err := s.docker.EnsureNetwork(ctx, s.currentPlan().Network, s.labels(nil)); err != nil {
		return fmt.Errorf("create network %s: %w", s.currentPlan().Network, err)
	}
	wctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	errs := make([]error, len(picked))
	var wg sync.WaitGroup
	for i, ps := range picked {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = s.restart(ctx, ps.Name); errs[i] != nil {
				return
			}
			// restart may have planned it again (a port taken): probe the plan's.
			errs[i] = s.settle(wctx, s.currentPlan().service(ps.Name))
		}()
	}
	wg.Wait()
	s.stMu.Lock()
	saveErr := sf.Save()
	s.stMu.Unlock()
	if err := pickError(ctx, errs); err != nil {
		return err
	}
	return saveErr
}

// Stop stops the services' containers (all when none are named), keeping
// them and their data: up or restart starts them again.
func Stop(ctx context.Context, opts Options, services []string, sink Sink) error {
	opts.Sink = sink
	s, found, err := openExisting(ctx, opts)
	if err != nil {
		return err
	}
	picked, err := s.pick("stop", services)
	if err != nil {
		return err
	}
	errs := make([]error, len(picked))
	var wg sync.WaitGroup
	for i, ps := range picked {
		c, ok := found[ps.Name]
		if !ok || !c.Running {
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseStopped})
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseStopping})
			if err := s.docker.Stop(ctx, c.ID, 10*time.Second); err != nil && !errors.Is(err, docker.ErrNotFound) {
				errs[i] = fmt.Errorf("stop %s: %w", ps.Name, err)
				return
			}
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseStopped})
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
