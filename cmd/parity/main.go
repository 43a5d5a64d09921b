// Command parity runs a project's production backing services locally, at
// the versions production pins, and the developer's app against them.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/parity-dev/parity/engine"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	io := systemStreams(func() { cancel(engine.Interrupted(syscall.SIGPIPE)) })
	io.Force = handleSignals(cancel)
	err := newRootCmd(io).ExecuteContext(ctx)
	code := exitCode(io, err, context.Cause(ctx))
	cancel(nil)
	os.Exit(code)
}

// handleSignals turns the first SIGINT, SIGTERM or SIGHUP into a
// cancellation whose cause names the signal, so what parity started is
// stopped in order and the exit status says why; the second makes that
// stop immediate (the returned channel closes). SIGPIPE is caught so that
// a write to a closed pipe fails instead of killing parity (the streams
// then report it). A closed terminal's SIGHUP is an interrupt like the
// others: parity stops what it started instead of leaving it running.
func handleSignals(cancel context.CancelCauseFunc) <-chan struct{} {
	force := make(chan struct{})
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	go func() {
		n := 0
		for sig := range sigs {
			if sig == syscall.SIGPIPE {
				continue
			}
			if n++; n == 1 {
				cancel(engine.Interrupted(sig))
			} else if n == 2 {
				close(force)
			}
		}
	}()
	return force
}

// exitCode prints err and chooses the exit status: the app's own code when
// it exited non-zero, 128+N when a signal N ended parity (130 for Ctrl-C,
// 143 for SIGTERM), 1 for any other failure. cause is why the root
// context ended, if it did: a failure while interrupted is the interrupt.
func exitCode(io *streams, err, cause error) int {
	var ee *exitError
	var in *engine.Interrupt
	if err != nil && !errors.As(err, &ee) && !errors.As(err, &in) {
		if errors.As(cause, &in) {
			err = cause
		}
	}
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(io.Err, "parity:", ee.msg)
		}
		return ee.code
	case errors.As(err, &in):
		if in.Signal == os.Interrupt {
			fmt.Fprintln(io.Err, "parity: interrupted")
		} else {
			fmt.Fprintf(io.Err, "parity: stopped by %v\n", in.Signal)
		}
		return in.ExitCode()
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(io.Err, "parity: interrupted")
		return 130
	default:
		fmt.Fprintln(io.Err, "parity:", err)
		return 1
	}
}

// exitError ends parity with a given status, e.g. the app's own code.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
