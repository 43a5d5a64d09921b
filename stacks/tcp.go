package stacks

import (
	"context"
	"errors"
	"net"
	"strconv"
	"time"
)

// tcpSettle is how long TCPProbe waits on an open connection for the other
// side to hang up. Docker's proxy dials the container right after accepting
// and closes within a millisecond or so when that fails, so this is ample.
const tcpSettle = 150 * time.Millisecond

// minSettle is the shortest wait that still tells a listener from a proxy
// with nothing behind it.
const minSettle = 10 * time.Millisecond

// TCPProbe reports whether something really listens at host:port, for
// services whose protocol parity does not speak.
//
// A successful connect alone proves nothing: Docker's userland port proxy
// accepts on the published port as soon as the container starts, even while
// nothing listens inside, and then closes the connection. So TCPProbe also
// reads briefly: an immediate EOF or reset means the proxy found nobody
// behind it (ErrNoAnswer); bytes (a banner) or silence with the connection
// still open mean a real listener. A server that accepts and at once hangs up
// on every client by design would look not ready; none of the usual ones do.
func TCPProbe(ctx context.Context, host string, port int) error {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, probeTimeout(ctx))
	defer cancel()
	conn, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return tcpFailed(ctx, err)
	}
	defer conn.Close()

	wait := tcpSettle
	if dl, ok := ctx.Deadline(); ok {
		// Keep well inside the caller's deadline: a verdict that arrives
		// after it would be thrown away.
		if left := time.Until(dl) / 2; left < wait {
			wait = left
		}
	}
	if wait < minSettle {
		// Too short a silence says nothing about who is behind the port.
		return probeFailed(ErrTimeout, context.DeadlineExceeded)
	}
	// Cancelling ctx ends the read at once rather than after the wait.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	if err := conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return tcpFailed(ctx, err)
	}
	var b [1]byte
	n, err := conn.Read(b[:])
	if ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	if n > 0 {
		return nil // a banner: someone is there
	}
	if isTimeout(err) {
		return nil // held open without a word: a listener waiting for us to speak
	}
	return tcpFailed(ctx, err)
}

func tcpFailed(ctx context.Context, err error) error {
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	if reason := transportReason(err); reason != nil {
		return probeFailed(reason, err)
	}
	return err
}
