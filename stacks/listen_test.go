package stacks

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// serve listens on 127.0.0.1 and runs handle for every connection until the
// test ends; it returns the port. Connections are closed after handle.
func serve(t *testing.T, handle func(net.Conn)) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close() // ends handlers still blocked reading
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// closedPort is a port on 127.0.0.1 that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// hangUp plays Docker's port proxy with nothing behind it: accept, then close.
func hangUp(net.Conn) {}

// hold accepts and says nothing until the client leaves.
func hold(c net.Conn) {
	var b [1]byte
	for {
		if _, err := c.Read(b[:]); err != nil {
			return
		}
	}
}

func probeCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// wantReason checks that err carries reason, and that Reason reports it.
func wantReason(t *testing.T, name string, err, reason error) {
	t.Helper()
	switch {
	case reason == nil && err != nil:
		t.Errorf("%s: got %v, want success", name, err)
	case reason == nil:
	case !errors.Is(err, reason):
		t.Errorf("%s: got %v, want %q", name, err, reason)
	case Reason(err) != reason.Error():
		t.Errorf("%s: Reason = %q, want %q", name, Reason(err), reason)
	}
}

// probeCase is an endpoint's port, the probe's deadline and the reason it
// should fail for.
type probeCase struct {
	name   string
	port   int
	wait   time.Duration
	reason error
}

// checkProbeReasons probes 127.0.0.1 at each case's port with creds and
// checks the reason, and that the probe kept to its deadline.
func checkProbeReasons(t *testing.T, st Stack, creds Credentials, tests []probeCase) {
	t.Helper()
	for _, tt := range tests {
		start := time.Now()
		err := st.Probe(probeCtx(t, tt.wait), Endpoint{Host: "127.0.0.1", Port: tt.port, Credentials: creds})
		wantReason(t, tt.name, err, tt.reason)
		if took := time.Since(start); took > tt.wait+time.Second {
			t.Errorf("%s: probe took %s, past its deadline", tt.name, took)
		}
	}
}
