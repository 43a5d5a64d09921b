package main

import (
	"io"
	"os"

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
}

func systemStreams() *streams {
	return &streams{
		In:      os.Stdin,
		Out:     os.Stdout,
		Err:     os.Stderr,
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
