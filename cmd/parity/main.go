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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	io := systemStreams()
	err := newRootCmd(io).ExecuteContext(ctx)
	interrupted := ctx.Err() != nil // read before stop, which cancels ctx too
	stop()
	os.Exit(exitCode(interrupted, io, err))
}

// exitCode prints err and chooses the exit status: the app's own code when
// it exited non-zero, 130 when interrupted, 1 for any other failure.
func exitCode(interrupted bool, io *streams, err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(io.Err, "parity:", ee.msg)
		}
		return ee.code
	case errors.Is(err, context.Canceled) || interrupted:
		fmt.Fprintln(io.Err, "parity: interrupted")
		return 130
	default:
		fmt.Fprintln(io.Err, "parity:", err)
		return 1
	}
}

// exitError ends parity with a given status, e.g. the app's own exit code.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
