package engine

import (
	"context"
	"errors"
	"os/exec"
	"sync"
)

// Controls is how a live view acts on a running Up: restart a service or
// the app, open a shell, read the environment, quit. It is made before Up
// (the view exists first) and answers once Up has loaded the project.
type Controls struct {
	mu         sync.Mutex
	s          *Session
	quit       chan bool // true: leave the services running
	restartApp chan struct{}
}

// NewControls makes controls to pass in UpOptions.
func NewControls() *Controls {
	return &Controls{quit: make(chan bool, 1), restartApp: make(chan struct{}, 1)}
}

var errNotUp = errors.New("the project is not loaded yet")

func (c *Controls) attach(s *Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s = s
}

func (c *Controls) session() *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s
}

// Quit ends Up: the app is stopped and, unless leave (or --keep), the
// services too. Up then reports no failure for the app's exit.
func (c *Controls) Quit(leave bool) {
	select {
	case c.quit <- leave:
	default:
	}
}

// Restart restarts the app (AppSource) or a service's container, making
// the container again, with its data, when it was removed.
func (c *Controls) Restart(ctx context.Context, source string) error {
	if source == AppSource {
		select {
		case c.restartApp <- struct{}{}:
		default:
		}
		return nil
	}
	s := c.session()
	if s == nil {
		return errNotUp
	}
	return s.restart(ctx, source)
}

// Reset puts a service's data back to just initialised (or seeded), as
// `parity reset SERVICE` does, while Up runs: Postgres resets in the
// server; otherwise the service is stopped for the copy, which the running
// Up expects, and started again.
func (c *Controls) Reset(ctx context.Context, source string) error {
	s := c.session()
	if s == nil {
		return errNotUp
	}
	s.watch.expectDie(source)
	opts := s.opts
	opts.Docker = s.docker
	_, err := Reset(ctx, opts, []string{source}, s.sink)
	return err
}

// ShellCommand is an authenticated client inside the service's container.
func (c *Controls) ShellCommand(source string) (*exec.Cmd, error) {
	s := c.session()
	if s == nil {
		return nil, errNotUp
	}
	return s.shellCommand(source)
}

// URL is the service's connection URL, "" when it has none.
func (c *Controls) URL(source string) string {
	if s := c.session(); s != nil {
		return s.serviceURL(source)
	}
	return ""
}

// Env is the app's environment as parity computes it.
func (c *Controls) Env() []EnvVar {
	s := c.session()
	if s == nil {
		return nil
	}
	if _, env, _ := s.snapshot(); env != nil {
		return env
	}
	return nil
}
