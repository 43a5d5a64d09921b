package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/parity-dev/parity/engine/docker"
)

// watchState is what Watch and its helpers share: which services are being
// restarted or stopped on purpose, so their die events are not reported as
// crashes.
type watchState struct {
	mu       sync.Mutex
	stopping bool
	expected map[string]bool // service -> a die is expected (restart)
}

func (w *watchState) expectDie(service string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.expected == nil {
		w.expected = map[string]bool{}
	}
	w.expected[service] = true
}

// dieExpected reports (and forgets) whether a die of service was caused by parity.
func (w *watchState) dieExpected(service string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopping {
		return true
	}
	exp := w.expected[service]
	delete(w.expected, service)
	return exp
}

func (w *watchState) setStopping() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopping = true
}

// Watch follows the project's containers after up until ctx ends, from the
// engine's event stream rather than by polling: a service that dies is
// reported with its exit code and last log lines; one that starts again is
// probed until it answers and its logs are followed again; an engine that
// goes away is reported, and watched again once it answers.
func (s *Session) Watch(ctx context.Context) {
	delay := 250 * time.Millisecond
	for ctx.Err() == nil {
		evs, errs := s.docker.Events(ctx, map[string]string{LabelProject: s.project.Name})
		err := s.watchEvents(ctx, evs, errs)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("event stream ended")
		}
		s.emit(Event{Type: EventEngine, Reason: err.Error()})
		// Wait for the engine to answer again, then re-read every state:
		// events that happened while it was away are lost.
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			if _, err := s.docker.Ping(ctx); err == nil {
				break
			}
			if delay *= 2; delay > 5*time.Second {
				delay = 5 * time.Second
			}
		}
		if ctx.Err() != nil {
			return
		}
		delay = 250 * time.Millisecond
		s.emit(Event{Type: EventEngine})
		s.resync(ctx)
	}
}

func (s *Session) watchEvents(ctx context.Context, evs <-chan docker.Event, errs <-chan error) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errs:
			return err
		case ev, ok := <-evs:
			if !ok {
				select {
				case err := <-errs:
					return err
				default:
					return nil
				}
			}
			s.onContainerEvent(ctx, ev)
		}
	}
}

func (s *Session) onContainerEvent(ctx context.Context, ev docker.Event) {
	service := ev.Labels[LabelService]
	ps := s.plan.service(service)
	if ps == nil {
		return
	}
	switch ev.Action {
	case "die":
		if s.watch.dieExpected(service) {
			return
		}
		if ps.Job && ev.ExitCode == 0 {
			s.emit(Event{Type: EventPhase, Source: service, Phase: PhaseDone})
			return
		}
		logs := s.lastLogs(ctx, ev.ContainerID, 20)
		s.emit(Event{Type: EventPhase, Source: service, Phase: PhaseExited, ExitCode: ev.ExitCode, LastLogs: logs})
	case "start":
		s.setID(service, ev.ContainerID)
		if ps.Job {
			// Its die event tells how it ended.
			s.emit(Event{Type: EventPhase, Source: service, Phase: PhaseRunning})
			go s.followService(ctx, ps, ev.ContainerID, ev.Time)
			return
		}
		s.emit(Event{Type: EventPhase, Source: service, Phase: PhaseStarting})
		go func() {
			wctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
			defer cancel()
			_ = s.waitService(wctx, ps)
		}()
		go s.followService(ctx, ps, ev.ContainerID, ev.Time)
	}
}

// resync reports the current state of every container after the engine came back.
func (s *Session) resync(ctx context.Context) {
	for _, ps := range s.plan.containers() {
		id := s.id(ps.Name)
		if id == "" {
			continue
		}
		c, err := s.docker.Inspect(ctx, id)
		switch {
		case err != nil:
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseFailed, Reason: "container gone: " + err.Error()})
		case !c.Running && ps.Job && c.ExitCode == 0:
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseDone})
		case !c.Running:
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseExited, ExitCode: c.ExitCode, LastLogs: s.lastLogs(ctx, id, 20)})
		default:
			go func() {
				wctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
				defer cancel()
				_ = s.settle(wctx, ps)
			}()
			go s.followService(ctx, ps, id, time.Now())
		}
	}
}
