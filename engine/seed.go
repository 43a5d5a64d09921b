package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"

	"github.com/parity-dev/parity/engine/docker"
)

// SeededSnapshot is the snapshot parity keeps after parity.yaml's seed
// command has run on fresh data; reset goes back to it.
const SeededSnapshot = "seeded"

// SeedSource is the Source of the seed command's output lines.
const SeedSource = "seed"

// seedFresh runs parity.yaml's seed command when this up gave a service
// new data, then keeps every data service's data as snapshot "seeded":
// migrations and seed data run once per machine, not once per reset.
func (s *Session) seedFresh(ctx context.Context) error {
	if s.config == nil || len(s.config.Seed) == 0 || !s.data.anyFresh() {
		return nil
	}
	return s.seed(ctx)
}

// seed runs the seed command and saves snapshot "seeded" of the project's
// running data services. The state is locked by the caller.
func (s *Session) seed(ctx context.Context) error {
	// Every service the app may use answers before the seed runs, however
	// up waited (a detached up waits only for some).
	wctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	for _, ps := range s.currentPlan().containers() {
		if !ps.Job && !ps.Unselected && s.id(ps.Name) != "" {
			if err := s.settle(wctx, ps); err != nil {
				return err
			}
		}
	}
	cmdline := strings.Join(s.config.Seed, " ")
	s.emit(Event{Type: EventLog, Source: "parity", Line: "seed: running `" + cmdline + "` (parity.yaml seed:) once on the fresh data"})
	env, _, err := s.Env(ctx)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, s.config.Seed[0], s.config.Seed[1:]...)
	cmd.Dir = s.appDir()
	cmd.Env = Environ(environList(s.shell), env)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			s.emit(Event{Type: EventLog, Source: SeedSource, Line: sc.Text()})
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err = cmd.Run()
	pw.Close()
	wg.Wait()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("seed command `%s` (parity.yaml seed:) exited %d; the data is as it left it: fix the command, then `parity reset` runs it again on fresh data", cmdline, ee.ExitCode())
		}
		return fmt.Errorf("run seed command `%s` (parity.yaml seed:): %w", cmdline, err)
	}
	var picked []*plannedService
	found := map[string]docker.Container{}
	for _, ps := range s.currentPlan().containers() {
		if ps.DataVolume == "" || ps.Job || ps.Unselected || s.id(ps.Name) == "" {
			continue
		}
		if !s.opts.NoTemplates {
			s.keepPristine(wctx, ps) // reset then goes back to the seeded databases in the server
		}
		picked = append(picked, ps)
		found[ps.Name] = docker.Container{ID: s.id(ps.Name), Running: true}
	}
	if len(picked) == 0 {
		return nil
	}
	if _, err := s.saveSnapshot(ctx, SeededSnapshot, picked, found); err != nil {
		return fmt.Errorf("keep the seeded data: %w", err)
	}
	for _, ps := range picked {
		s.setOrigin(ps.Name, DataOrigin{From: "seeded", Name: SeededSnapshot, At: nowUTC()})
	}
	s.emit(Event{Type: EventLog, Source: "parity", Line: "seed: done; kept as snapshot seeded, which parity reset goes back to"})
	return nil
}
