package stacks

import (
	"context"
	"net"
	"sync"
	"time"
)

// probeDialer dials for a client library and remembers the first transport
// error it saw: a failed dial, or a read or write on a connection it made.
// Several clients (the MySQL driver, amqp091, nats.go) turn an EOF from
// Docker's port proxy, a reset or a timeout into a generic "invalid
// connection" or "no servers", and the probe needs the cause to give the
// right reason.
type probeDialer struct {
	mu    sync.Mutex
	first error
	conns []net.Conn
}

// DialContext dials like net.Dialer, keeping the connection watched.
func (d *probeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		d.note(err)
		return nil, err
	}
	wc := &watchedConn{Conn: c, d: d}
	d.mu.Lock()
	d.conns = append(d.conns, wc)
	d.mu.Unlock()
	return wc, nil
}

// Dial is DialContext for clients whose hooks take no context; timeout
// bounds it.
func (d *probeDialer) Dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, addr)
}

func (d *probeDialer) note(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.first == nil {
		d.first = err
	}
}

// cause is the first transport error seen, nil when there was none.
func (d *probeDialer) cause() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.first
}

// closeAll closes every connection the dialer made, for clients that may
// leave one behind when they give up half-way through a handshake.
func (d *probeDialer) closeAll() {
	d.mu.Lock()
	conns := d.conns
	d.conns = nil
	d.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// transportCause classifies the first transport error the dialer saw, nil
// when it saw none or none of the known kinds.
func (d *probeDialer) transportCause() error {
	cause := d.cause()
	if cause == nil {
		return nil
	}
	if reason := transportReason(cause); reason != nil {
		return probeFailed(reason, cause)
	}
	return nil
}

type watchedConn struct {
	net.Conn
	d *probeDialer
}

func (c *watchedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil && n == 0 {
		c.d.note(err)
	}
	return n, err
}

func (c *watchedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if err != nil {
		c.d.note(err)
	}
	return n, err
}
