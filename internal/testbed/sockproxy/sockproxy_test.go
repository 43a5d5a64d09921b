package sockproxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// upstream serves HTTP on a unix socket and counts the requests it saw.
func upstream(t *testing.T) (sock string, seen *atomic.Int32) {
	t.Helper()
	dir, err := os.MkdirTemp("", "spt-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock = filepath.Join(dir, "up.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	seen = &atomic.Int32{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		io.WriteString(w, "answer "+r.URL.Path)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sock, seen
}

func client(host string, timeout time.Duration) *http.Client {
	sock := strings.TrimPrefix(host, "unix://")
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
}

func get(c *http.Client, p string) (string, error) {
	resp, err := c.Get("http://docker" + p)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestProxyPassesDelaysHangsCutsAndRestores(t *testing.T) {
	sock, _ := upstream(t)
	p := Start(t, "unix://"+sock)
	c := client(p.Host, 2*time.Second)

	if got, err := get(c, "/v1.41/version"); err != nil || got != "answer /v1.41/version" {
		t.Fatalf("pass through: %q, %v", got, err)
	}

	p.Delay(300 * time.Millisecond)
	start := time.Now()
	if _, err := get(c, "/_ping"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("delayed request answered after %v, want >= 300ms", took)
	}
	p.Restore()

	p.Hang()
	if _, err := get(client(p.Host, 300*time.Millisecond), "/_ping"); err == nil || !isTimeout(err) {
		t.Fatalf("hung request: want a client timeout, got %v", err)
	}
	p.Restore()
	if _, err := get(c, "/_ping"); err != nil {
		t.Fatalf("after Restore: %v", err)
	}

	// Cut closes a connection with a request in flight and refuses new ones.
	held := p.HangMatching("/events")
	inFlight := make(chan error, 1)
	go func() { _, err := get(client(p.Host, 5*time.Second), "/events"); inFlight <- err }()
	<-held
	p.Cut()
	if err := <-inFlight; err == nil || isTimeout(err) {
		t.Fatalf("request in flight at Cut: want the connection closed, got %v", err)
	}
	if _, err := get(client(p.Host, time.Second), "/_ping"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("after Cut: want connection refused, got %v", err)
	}
	p.Restore()
	if got, err := get(client(p.Host, time.Second), "/_ping"); err != nil || got != "answer /_ping" {
		t.Fatalf("after Restore from Cut: %q, %v", got, err)
	}
}

func TestProxyHoldsOnlyMatchingCallsBeforeOrAfterTheEngine(t *testing.T) {
	sock, seen := upstream(t)
	p := Start(t, sock)
	held := p.HangMatching("/containers/*/start")
	answerHeld := p.HoldAnswerMatching("/containers/*/stop")
	short := client(p.Host, 400*time.Millisecond)

	if _, err := get(short, "/v1.41/containers/abc/json"); err != nil {
		t.Fatalf("a call that matches no rule: %v", err)
	}
	before := seen.Load()
	if _, err := get(short, "/v1.41/containers/abc/start"); !isTimeout(err) {
		t.Fatalf("held call: want a timeout, got %v", err)
	}
	if got := <-held; got != "/containers/abc/start" {
		t.Errorf("held path %q", got)
	}
	if seen.Load() != before {
		t.Error("HangMatching passed the call on to the engine")
	}
	if _, err := get(short, "/v1.41/containers/abc/stop"); !isTimeout(err) {
		t.Fatalf("call with its answer held: want a timeout, got %v", err)
	}
	<-answerHeld
	if seen.Load() != before+1 {
		t.Error("HoldAnswerMatching did not pass the call on to the engine")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
