// Package sockproxy puts a proxy the test controls on a unix socket in front
// of a Docker engine's socket, to play an engine that is slow, that accepts
// connections but never answers (Docker Desktop starting, a paused VM), that
// goes away, or that dies with one exact call in flight.
//
// It reads each HTTP request on a connection (keep-alive included) before
// deciding what to do with it, so every request is subject to the mode set
// when it arrives. Streaming answers (events, logs) are passed on as they come.
package sockproxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Proxy is a controllable proxy on a unix socket.
type Proxy struct {
	// Host is the proxy's address for DOCKER_HOST: "unix:///tmp/sp-.../proxy.sock".
	Host string

	sock     string
	upstream string

	mu      sync.Mutex
	ln      *net.UnixListener
	delay   time.Duration
	hang    bool
	cut     bool
	rules   []rule
	conns   map[net.Conn]struct{}
	changed chan struct{} // closed and replaced when the mode changes
	closed  bool
}

// rule holds the requests whose path (without the /vX.Y prefix) matches
// pattern: before they reach the engine (answered=false), or after, in
// which case the engine acts on them but its answer is never passed on.
type rule struct {
	pattern  string
	forward  bool
	notified chan string
}

// Start starts a proxy in front of upstream ("unix:///var/run/docker.sock"
// or a socket path), closed when the test ends.
func Start(t testing.TB, upstream string) *Proxy {
	t.Helper()
	dir, err := os.MkdirTemp("", "sp-") // short: a socket path must stay under 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{
		sock:     filepath.Join(dir, "proxy.sock"),
		upstream: strings.TrimPrefix(upstream, "unix://"),
		conns:    map[net.Conn]struct{}{},
		changed:  make(chan struct{}),
	}
	p.Host = "unix://" + p.sock
	t.Cleanup(func() {
		p.Close()
		_ = os.RemoveAll(dir)
	})
	if err := p.listen(); err != nil {
		t.Fatalf("start socket proxy: %v", err)
	}
	return p
}

func (p *Proxy) listen() error {
	_ = os.Remove(p.sock)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: p.sock, Net: "unix"})
	if err != nil {
		return err
	}
	// After Cut the socket file stays, so clients get "connection refused"
	// as from an engine that died, not "no such file".
	ln.SetUnlinkOnClose(false)
	p.ln = ln
	go p.accept(ln)
	return nil
}

func (p *Proxy) accept(ln *net.UnixListener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			c.Close()
			continue
		}
		go p.serve(c)
	}
}

// Delay holds every request that arrives from now on for d before passing it on.
func (p *Proxy) Delay(d time.Duration) { p.set(func() { p.delay = d }) }

// Hang reads every request that arrives from now on and never answers it.
func (p *Proxy) Hang() { p.set(func() { p.hang = true }) }

// HangMatching holds, without passing them on, the requests whose path
// (without the /vX.Y prefix) matches pattern ("/containers/*/start", as
// path.Match reads it). The channel receives each such path as it is held.
func (p *Proxy) HangMatching(pattern string) <-chan string { return p.addRule(pattern, false) }

// HoldAnswerMatching passes the requests matching pattern on to the engine
// but never passes its answer back: the engine is acting on the call while
// the client still waits for it. The channel receives each such path once
// the request has been sent to the engine.
func (p *Proxy) HoldAnswerMatching(pattern string) <-chan string { return p.addRule(pattern, true) }

func (p *Proxy) addRule(pattern string, forward bool) <-chan string {
	ch := make(chan string, 16)
	p.set(func() { p.rules = append(p.rules, rule{pattern: pattern, forward: forward, notified: ch}) })
	return ch
}

// Cut closes every open connection and refuses new ones, as an engine that
// died would.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut || p.closed {
		return
	}
	p.cut = true
	p.ln.Close()
	p.closeConns()
	p.signal()
}

// Restore passes requests on unchanged again: no delay, no hanging, and
// connections are accepted after a Cut. Requests waiting out a Delay or a
// Hang go on to the engine, as after a paused VM resumes; those held by
// HangMatching or HoldAnswerMatching stay held.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.delay, p.hang, p.rules = 0, false, nil
	if p.cut {
		p.cut = false
		if err := p.listen(); err != nil {
			panic(fmt.Sprintf("sockproxy: listen again on %s: %v", p.sock, err))
		}
	}
	p.signal()
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	p.ln.Close()
	p.closeConns()
	p.signal()
}

func (p *Proxy) set(change func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	change()
	p.signal()
}

// signal wakes requests waiting out a delay; caller holds mu.
func (p *Proxy) signal() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Proxy) closeConns() {
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut || p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

var versionPrefix = regexp.MustCompile(`^/v[0-9]+\.[0-9]+`)

// serve handles one client connection, request by request.
func (p *Proxy) serve(c net.Conn) {
	defer p.untrack(c)
	defer c.Close()
	var up net.Conn
	var upReader *bufio.Reader
	defer func() {
		if up != nil {
			up.Close()
		}
	}()
	in := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(in)
		if err != nil {
			return
		}
		apiPath := versionPrefix.ReplaceAllString(req.URL.Path, "")
		r, ok := p.await(apiPath)
		if !ok {
			return
		}
		if r != nil && !r.forward {
			notify(r, apiPath)
			p.holdUntilClosed(c)
			return
		}
		if up == nil {
			if up, err = net.Dial("unix", p.upstream); err != nil {
				return
			}
			p.track(up)
			defer p.untrack(up)
			upReader = bufio.NewReader(up)
		}
		if err := req.Write(up); err != nil {
			return
		}
		if r != nil {
			notify(r, apiPath)
			p.holdUntilClosed(c)
			return
		}
		resp, err := http.ReadResponse(upReader, req)
		if err != nil {
			return
		}
		err = resp.Write(c)
		resp.Body.Close()
		if err != nil || resp.Close || req.Close {
			return
		}
	}
}

// await applies the mode to a request that just arrived: it waits out a
// delay, and returns the rule that holds it, if any. ok is false when the
// request must be dropped (cut, closed, or hung).
func (p *Proxy) await(apiPath string) (held *rule, ok bool) {
	start := time.Now()
	for {
		p.mu.Lock()
		delay, hang, cut, closed, changed := p.delay, p.hang, p.cut, p.closed, p.changed
		var match *rule
		for i := range p.rules {
			if m, _ := path.Match(p.rules[i].pattern, apiPath); m {
				r := p.rules[i]
				match = &r
				break
			}
		}
		p.mu.Unlock()
		switch {
		case cut || closed:
			return nil, false
		case hang:
			<-changed // a hung request is never answered; only Cut or Close end it
			if p.ended() {
				return nil, false
			}
			continue
		}
		wait := time.Until(start.Add(delay))
		if wait <= 0 {
			return match, true
		}
		select {
		case <-time.After(wait):
		case <-changed:
		}
	}
}

func (p *Proxy) ended() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut || p.closed
}

// holdUntilClosed keeps a held request's connection open and unanswered
// until the client closes it or the proxy is cut or closed.
func (p *Proxy) holdUntilClosed(c net.Conn) {
	_, _ = io.Copy(io.Discard, c)
}

func notify(r *rule, apiPath string) {
	select {
	case r.notified <- apiPath:
	default:
	}
}
