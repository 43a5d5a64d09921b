package stacks

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// Why a probe failed. A Probe's error wraps one of these together with the
// error that caused it, so the engine shows the short reason (Reason) and
// can still log the detail. ErrAuth and ErrNoDatabase matter most: they do
// not go away by waiting, so the engine can stop early and say what to fix
// (usually a data volume initialised with other credentials).
var (
	ErrRefused    = errors.New("connection refused")
	ErrNoAnswer   = errors.New("no answer yet")
	ErrTimeout    = errors.New("timed out")
	ErrStarting   = errors.New("starting up")
	ErrLoading    = errors.New("loading dataset")
	ErrAuth       = errors.New("auth failed")
	ErrNoDatabase = errors.New("database does not exist")
)

var reasons = []error{ErrAuth, ErrNoDatabase, ErrStarting, ErrLoading, ErrRefused, ErrNoAnswer, ErrTimeout}

// probeError pairs a reason with the error that showed it.
type probeError struct {
	reason error
	err    error
}

func (e *probeError) Error() string   { return e.reason.Error() + ": " + e.err.Error() }
func (e *probeError) Unwrap() []error { return []error{e.reason, e.err} }

func probeFailed(reason, err error) error { return &probeError{reason: reason, err: err} }

// Reason is the few words an event shows for a probe error: one of the
// reasons above, or else the last part of the error's text, cut short.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	for _, r := range reasons {
		if errors.Is(err, r) {
			return r.Error()
		}
	}
	return shortText(err.Error())
}

// shortText keeps the end of a chained error message, where the cause is
// ("dial tcp 127.0.0.1:5432: connect: no route to host" -> "no route to host").
func shortText(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		s = s[i+2:]
	}
	const max = 60
	if len(s) > max {
		s = s[:max-3] + "..."
	}
	return s
}

// transportReason classifies an error from the network, before any protocol
// answer: nil when it is none of those.
func transportReason(err error) error {
	switch {
	case isRefused(err):
		return ErrRefused
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), isDropped(err),
		// net/http's word for a connection the peer closed before the
		// request went out (its error value is unexported).
		strings.Contains(err.Error(), "server closed idle connection"):
		// Docker's userland port proxy accepts on the host port as soon as the
		// container starts, then hangs up when nothing listens behind it yet.
		return ErrNoAnswer
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), isTimeout(err):
		return ErrTimeout
	}
	return nil
}

// ctxFailed is the error of a probe whose ctx ended: cancellation is passed
// through as is (nobody is waiting for a reason), a deadline is a timeout.
func ctxFailed(ctx context.Context) error {
	err := context.Cause(ctx)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return probeFailed(ErrTimeout, err)
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// probeTimeout is how long a probe may take: what is left of ctx, or a few
// seconds when ctx has no deadline, so a server that accepts and then says
// nothing cannot hold the probe forever.
func probeTimeout(ctx context.Context) time.Duration {
	const fallback = 5 * time.Second
	if d, ok := ctx.Deadline(); ok {
		if left := time.Until(d); left > 0 {
			return left
		}
		return time.Millisecond
	}
	return fallback
}
