package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

func (w *watchState) isStopping() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopping
}

func (w *watchState) setStopping() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopping = true
}

// heartbeat is how often Watch asks an engine whose event stream is quiet
// whether it still answers: an engine that hangs (a paused VM, Docker
// Desktop restarting) closes no stream, and must be reported as lost
// within two seconds all the same.
const heartbeat = 500 * time.Millisecond

// errEngineSilent is why a quiet event stream is given up.
var errEngineSilent = errors.New("the engine does not answer")

// watchEngine follows the project's containers after up until ctx ends, from the
// engine's event stream rather than by polling: a service that dies is
// reported with its exit code and last log lines; one that starts again is
// probed until it answers and its logs are followed again; an engine that
// goes away (or stops answering) is reported, and watched again once it
// answers, every service probed again.
func (s *Session) watchEngine(ctx context.Context) {
	delay := 250 * time.Millisecond
	for ctx.Err() == nil {
		streamCtx, cancelStream := context.WithCancelCause(ctx)
		go s.heartbeat(streamCtx, cancelStream)
		evs, errs := s.docker.Events(streamCtx, map[string]string{LabelProject: s.project.Name})
		err := s.watchEvents(streamCtx, evs, errs)
		if cause := context.Cause(streamCtx); ctx.Err() == nil && errors.Is(cause, errEngineSilent) {
			err = cause
		}
		cancelStream(nil)
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
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			_, err := s.docker.Ping(pctx)
			cancel()
			if err == nil {
				break
			}
			if delay *= 2; delay > 2*time.Second {
				delay = 2 * time.Second
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

// heartbeat pings the engine while its event stream is open and ends the
// stream (cause errEngineSilent) when a ping gets no answer in time.
func (s *Session) heartbeat(ctx context.Context, lost context.CancelCauseFunc) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, 3*heartbeat)
		_, err := s.docker.Ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			lost(fmt.Errorf("%w: %v", errEngineSilent, err))
			return
		}
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
	ps := s.currentPlan().service(service)
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
		if len(logs) == 0 {
			logs = s.tails.last(service) // being removed: the engine has no logs to give
		}
		s.emit(Event{Type: EventPhase, Source: service, Phase: PhaseExited, ExitCode: ev.ExitCode, LastLogs: logs})
	case "destroy":
		if s.watch.isStopping() || ev.ContainerID != s.id(service) {
			return // parity's own replacement of an outdated container
		}
		s.emit(Event{Type: EventPhase, Source: service, Phase: PhaseFailed,
			Reason:   "container removed from outside parity; restart it (r, or parity up) to make it again with its data",
			LastLogs: s.tails.last(service)})
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
			_ = s.settle(wctx, ps)
		}()
		go s.followService(ctx, ps, ev.ContainerID, ev.Time)
	}
}

// resync reports the current state of every container after the engine came back.
func (s *Session) resync(ctx context.Context) {
	for _, ps := range s.currentPlan().containers() {
		id := s.id(ps.Name)
		if id == "" {
			continue
		}
		c, err := s.docker.Inspect(ctx, id)
		switch {
		case errors.Is(err, docker.ErrNotFound) && !ps.Job:
			// Gone with the engine's data (a reset Docker Desktop): made
			// again from the plan; watchEngine sees it start and probes it.
			s.emit(Event{Type: EventLog, Source: "parity", Line: ps.Name + ": its container is gone after the engine came back; making it again"})
			next, err := s.upService(ctx, ps)
			if err != nil {
				s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseFailed, Reason: err.Error()})
				continue
			}
			s.probeAndFollow(ctx, next, s.id(ps.Name))
		case err != nil:
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseFailed, Reason: "container gone: " + err.Error()})
		case !c.Running && ps.Job && c.ExitCode == 0:
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseDone})
		case !c.Running && ps.Job:
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseExited, ExitCode: c.ExitCode, LastLogs: s.lastLogs(ctx, id, 20)})
		case !c.Running:
			// An engine restarting without live restore stops every
			// container: the service was lost with the engine, not
			// stopped by anyone, so it is started again and probed (its
			// start event came before Watch listens again).
			s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseStarting, Reason: "the engine stopped it when it restarted"})
			if err := s.docker.Start(ctx, id); err != nil {
				s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseFailed, Reason: "start again after the engine restarted: " + err.Error(), LastLogs: s.lastLogs(ctx, id, 20)})
				continue
			}
			fallthrough
		default:
			s.probeAndFollow(ctx, ps, id)
		}
	}
}

// probeAndFollow waits in the background until a (re)started service
// answers, and follows its logs from now on.
func (s *Session) probeAndFollow(ctx context.Context, ps *plannedService, id string) {
	go func() {
		wctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
		defer cancel()
		_ = s.settle(wctx, ps)
	}()
	go s.followService(ctx, ps, id, time.Now())
}

// logTails keeps each service's last log lines, for the report of a
// container that died and was removed before its logs could be read.
type logTails struct {
	mu    sync.Mutex
	lines map[string][]string
}

const tailLines = 20

func (t *logTails) add(service, line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lines == nil {
		t.lines = map[string][]string{}
	}
	l := append(t.lines[service], line)
	if len(l) > tailLines {
		l = l[len(l)-tailLines:]
	}
	t.lines[service] = l
}

func (t *logTails) last(service string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.lines[service])
}
