package stacks

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

func TestTCPProbe(t *testing.T) {
	banner := func(c net.Conn) {
		c.Write([]byte("220 mail ESMTP ready\r\n"))
		hold(c)
	}
	tests := []struct {
		name   string
		port   int
		reason error // nil: ready
	}{
		{"listener that holds the connection", serve(t, hold), nil},
		{"listener that sends a banner", serve(t, banner), nil},
		{"proxy with nothing behind it", serve(t, hangUp), ErrNoAnswer},
		{"closed port", closedPort(t), ErrRefused},
	}
	for _, tt := range tests {
		err := TCPProbe(probeCtx(t, 2*time.Second), "127.0.0.1", tt.port)
		wantReason(t, tt.name, err, tt.reason)
	}
}

// The read deadline stays inside a short ctx, so a held connection is
// judged ready before the caller gives up rather than timing out.
func TestTCPProbeShortDeadline(t *testing.T) {
	port := serve(t, hold)
	if err := TCPProbe(probeCtx(t, 100*time.Millisecond), "127.0.0.1", port); err != nil {
		t.Errorf("TCPProbe with 100ms: %v, want ready", err)
	}
}

func TestTCPProbeCancelled(t *testing.T) {
	port := serve(t, hold)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := TCPProbe(ctx, "127.0.0.1", port); !errors.Is(err, context.Canceled) {
		t.Errorf("TCPProbe with a cancelled ctx = %v, want context.Canceled", err)
	}
}

// With too little time left to wait, silence proves nothing: not ready.
func TestTCPProbeNoTimeToTell(t *testing.T) {
	port := serve(t, hold)
	err := TCPProbe(probeCtx(t, 5*time.Millisecond), "127.0.0.1", port)
	wantReason(t, "5ms left", err, ErrTimeout)
}
