package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Interrupt is the cause of a context cancelled by a signal to parity: the
// command's root context is cancelled with it, so the engine knows which
// signal to pass on to the app and the caller which exit status to use.
type Interrupt struct {
	Signal os.Signal
}

func (i *Interrupt) Error() string { return fmt.Sprintf("interrupted by %v", i.Signal) }

// ExitCode is the shell's status for a process ended by the signal: 128+n.
func (i *Interrupt) ExitCode() int {
	if s, ok := i.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

// Interrupted is the cause to cancel a context with when sig arrives.
func Interrupted(sig os.Signal) error { return &Interrupt{Signal: sig} }

// interruptOf is the signal that cancelled ctx, SIGINT when it was
// cancelled otherwise (a test, a caller's own cancel).
func interruptOf(ctx context.Context) syscall.Signal {
	var in *Interrupt
	if errors.As(context.Cause(ctx), &in) {
		if s, ok := in.Signal.(syscall.Signal); ok {
			// A closed terminal's SIGHUP asks the app to stop the way
			// SIGTERM does; an app may treat SIGHUP as "reload".
			if s == syscall.SIGHUP {
				return syscall.SIGTERM
			}
			return s
		}
	}
	return syscall.SIGINT
}
