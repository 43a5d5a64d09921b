// Package tui is the interactive terminal UI of `parity up`: a table of the
// backing services and the app, their multiplexed logs and the keys to act on
// them. It only renders event.Event values and asks the engine for actions
// through Controller, so it never depends on Docker or the manifest format.
//
// When stdout is not a terminal, NewPlain and NewJSON print the same events
// as lines instead.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/parity-dev/parity/engine/event"
)

// Controller is what the UI may ask of the event. The engine implements it;
// tests fake it. The UI calls it only from tea.Cmds, never while rendering.
type Controller interface {
	// Restart restarts a service (by name) or the app (event.AppSource).
	Restart(ctx context.Context, source string) error
	// Reset puts a service's data back to just initialised (or seeded),
	// keeping its password.
	Reset(ctx context.Context, source string) error
	// ShellCommand returns an authenticated client inside the service
	// (psql, redis-cli); the UI suspends itself while it runs.
	ShellCommand(source string) (*exec.Cmd, error)
	// Env is the app's environment as parity sets it.
	Env() []EnvVar
	// URL is the real (unmasked) URL of a service, "" if it has none.
	URL(source string) string
}

// EnvVar is one variable of the app's environment.
type EnvVar struct {
	Key, Value string
	// Source says where the value comes from: "parity", ".env", "manifest", "shell"...
	Source string
	// Secret values are masked until the user reveals them.
	Secret bool
}

// Options configure the UI.
type Options struct {
	Controller Controller
	Input      io.Reader // nil: stdin
	Output     io.Writer // nil: stdout
	// NoColor drops every colour escape (NO_COLOR).
	NoColor bool
	// Now is the clock for uptimes and the spinner; tests pin it. nil: time.Now.
	Now func() time.Time
}

// Outcome is how the session ended, so the caller knows what to tear down.
type Outcome int

const (
	// QuitStop: the user pressed q (or ctrl+c): stop the app and the services.
	QuitStop Outcome = iota
	// QuitLeave: the user pressed Q: stop the app, leave the services running
	// so the next `parity up` starts instantly.
	QuitLeave
	// AppExited: the user pressed q after the app had exited on its own; stop
	// everything as for QuitStop and report the app's exit status.
	AppExited
)

func (o Outcome) String() string {
	switch o {
	case QuitStop:
		return "stop"
	case QuitLeave:
		return "leave"
	case AppExited:
		return "app exited"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// UI is the running terminal program.
type UI struct {
	program *tea.Program
	inbox   *inbox
}

// New builds the terminal program (alternate screen, mouse wheel) around a
// fresh Model. Events enter through Send; Run shows it.
func New(opts Options) *UI {
	m := NewModel(opts)
	// 30 frames a second: bubbletea's renderer wakes every frame even when
	// nothing changed, so this halves the idle wake-ups for at most 16 ms more
	// latency.
	popts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithFPS(30)}
	if opts.Input != nil {
		popts = append(popts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		popts = append(popts, tea.WithOutput(opts.Output))
	}
	u := &UI{inbox: m.inbox}
	u.program = tea.NewProgram(m, popts...)
	u.inbox.post = func() { u.program.Send(eventsArrivedMsg{}) }
	return u
}

// Send hands an engine event to the UI. It is safe to call from any goroutine
// and never blocks on rendering: events are buffered and the program is woken
// at most once per frame, so a log flood costs one redraw per frame.
func (u *UI) Send(ev event.Event) { u.inbox.put(ev) }

// Run shows the UI until the user leaves and says how they left.
func (u *UI) Run() (Outcome, error) {
	final, err := u.program.Run()
	u.inbox.close()
	if errors.Is(err, tea.ErrInterrupted) {
		return QuitStop, nil
	}
	if err != nil {
		return QuitStop, fmt.Errorf("run terminal ui: %w", err)
	}
	m, ok := final.(Model)
	if !ok {
		return QuitStop, nil
	}
	return m.outcome, nil
}

// Quit ends Run as if the user had pressed q (outcome QuitStop), e.g. when
// the root context is cancelled. Safe from any goroutine, before or during Run.
func (u *UI) Quit() { u.program.Quit() }

// frame is how long the inbox gathers log lines before waking the program.
const frame = 25 * time.Millisecond

// maxPendingLogs bounds the log lines waiting in the inbox while the program
// is busy (a shell is open, the terminal is slow). Beyond it the oldest are
// dropped: the per-source rings would have evicted them anyway.
const maxPendingLogs = 4 * ringSize

// eventsArrivedMsg tells Update to drain the inbox.
type eventsArrivedMsg struct{}

// inbox is the mutex-protected hand-off between the engine's goroutines and
// the program's event loop.
type inbox struct {
	mu      sync.Mutex
	events  []event.Event
	spare   []event.Event
	logs    int // log events in events
	dropped int // log events dropped since the last drain
	posted  bool
	closed  bool
	post    func() // wakes the program; set before the first put
}

func (b *inbox) put(ev event.Event) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.events = append(b.events, ev)
	if ev.Type == event.EventLog {
		b.logs++
		if b.logs > maxPendingLogs {
			b.dropOldestLogs(b.logs - maxPendingLogs/2)
		}
	}
	if b.posted || b.post == nil {
		b.mu.Unlock()
		return
	}
	b.posted = true
	b.mu.Unlock()
	delay := frame
	if ev.Type != event.EventLog {
		delay = 0 // phase changes show at once
	}
	time.AfterFunc(delay, b.post)
}

// dropOldestLogs removes the n oldest log events, keeping every other event.
func (b *inbox) dropOldestLogs(n int) {
	kept := b.events[:0]
	for _, ev := range b.events {
		if n > 0 && ev.Type == event.EventLog {
			n--
			b.logs--
			b.dropped++
			continue
		}
		kept = append(kept, ev)
	}
	clear(b.events[len(kept):])
	b.events = kept
}

// drain takes every buffered event and how many log lines were dropped.
// Pass the slice back through recycle once it has been applied.
func (b *inbox) drain() ([]event.Event, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	evs, dropped := b.events, b.dropped
	b.events, b.spare = b.spare[:0], nil
	b.logs, b.dropped, b.posted = 0, 0, false
	return evs, dropped
}

func (b *inbox) recycle(evs []event.Event) {
	clear(evs)
	b.mu.Lock()
	if b.spare == nil && cap(evs) <= 4*maxPendingLogs {
		b.spare = evs[:0]
	}
	b.mu.Unlock()
}

func (b *inbox) close() {
	b.mu.Lock()
	b.closed = true
	b.events, b.spare = nil, nil
	b.mu.Unlock()
}
