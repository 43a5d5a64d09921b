package main

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/term"
)

// streams are the command's standard streams and what they are connected
// to, injected so commands can be tested without a terminal.
type streams struct {
	In      io.Reader
	Out     io.Writer
	Err     io.Writer
	OutTTY  bool // stdout is a terminal: the live view may be used
	InTTY   bool // stdin is a terminal: confirmations may be asked
	Environ []string
	Getwd   func() (string, error)
	// Force is closed on a second interrupt: stop at once.
	Force <-chan struct{}
}

// systemStreams are the process's own streams. A write to a closed pipe
// (`parity up | tee log` after Ctrl-C killed tee) calls broken once and is
// dropped from then on, with every later write: parity keeps stopping what
// it started instead of dying of SIGPIPE or failing on output.
func systemStreams(broken func()) *streams {
	return &streams{
		In:      os.Stdin,
		Out:     &lenientWriter{w: os.Stdout, broken: broken},
		Err:     &lenientWriter{w: os.Stderr, broken: broken},
		OutTTY:  term.IsTerminal(int(os.Stdout.Fd())),
		InTTY:   term.IsTerminal(int(os.Stdin.Fd())),
		Environ: os.Environ(),
		Getwd:   os.Getwd,
	}
}

func (s *streams) getenv(key string) string {
	for i := len(s.Environ) - 1; i >= 0; i-- {
		kv := s.Environ[i]
		if len(kv) > len(key) && kv[:len(key)] == key && kv[len(key)] == '=' {
			return kv[len(key)+1:]
		}
	}
	return ""
}

// lenientWriter drops output once a write failed: after the reader of a
// pipe is gone, or the terminal was closed, there is nobody to tell.
type lenientWriter struct {
	w      io.Writer
	broken func()
	mu     sync.Mutex
	failed bool
}

func (l *lenientWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed {
		return len(p), nil
	}
	if _, err := l.w.Write(p); err != nil {
		l.failed = true
		if l.broken != nil && (errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.EIO)) {
			l.broken()
		}
	}
	return len(p), nil
}

// Fd lets terminal detection see through the wrapper.
func (l *lenientWriter) Fd() uintptr {
	if f, ok := l.w.(*os.File); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

// rawWriter is w without the lenient wrapper: what a child process or the
// live view needs to see the terminal itself.
func rawWriter(w io.Writer) io.Writer {
	if l, ok := w.(*lenientWriter); ok {
		return l.w
	}
	return w
}
