package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBadInputFailsClearlyAndWritesNoState runs the real command tree on
// bad input files with no Docker reachable: each command fails promptly
// with an error naming the file, and leaves the state dir empty.
func TestBadInputFailsClearlyAndWritesNoState(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const minimal = "services:\n  db:\n    image: postgres:16\n"
	write("ok/compose.yaml", minimal)
	write("malformed/compose.yaml", "services:\n  db:\n    image: x\n   ports: [1\n")
	bomb := "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		bomb += "x-" + n + ": &" + n + " [" + strings.Repeat("*"+prev+", ", 9) + "]\n"
		prev = n
	}
	write("bomb/compose.yaml", bomb+minimal+"    command: *i\n")
	write("latin1/compose.yaml", minimal+"    environment:\n      GREETING: caf\xe9\n")
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	write("fifoenv/compose.yaml", minimal)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifoenv", ".env"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "loop"), 0o755); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop", "compose.yaml")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		wd   string
		args []string
		code int
		want []string
	}{
		{"up -f /dev/zero", "ok", []string{"up", "--no-tui", "-f", "/dev/zero", "--", "true"}, 1, []string{"/dev/zero", "not a regular file (a character device)", "Compose file"}},
		{"env -f /dev/urandom", "ok", []string{"env", "-f", "/dev/urandom"}, 1, []string{"/dev/urandom", "character device"}},
		{"env -f FIFO", "ok", []string{"env", "-f", fifo}, 1, []string{fifo, "FIFO"}},
		{"env -f directory", "ok", []string{"env", "-f", dir}, 1, []string{dir, "a directory"}},
		{"env --env-file /dev/zero", "ok", []string{"env", "--env-file", "/dev/zero"}, 1, []string{"env file /dev/zero", "character device"}},
		{"up with .env a FIFO", "fifoenv", []string{"up", "--no-tui", "--", "true"}, 1, []string{filepath.Join(dir, "fifoenv", ".env"), "FIFO"}},
		{"env malformed YAML", "malformed", []string{"env"}, 1, []string{filepath.Join(dir, "malformed", "compose.yaml"), "line"}},
		{"env alias bomb", "bomb", []string{"env"}, 1, []string{filepath.Join(dir, "bomb", "compose.yaml"), "excessive aliasing"}},
		{"env not UTF-8", "latin1", []string{"env"}, 1, []string{filepath.Join(dir, "latin1", "compose.yaml"), "line 5", "UTF-8"}},
		{"env symlink loop", "loop", []string{"env"}, 1, []string{loop, "loop of symbolic links"}},
		{"check symlink loop", "loop", []string{"check"}, 2, []string{loop, "loop of symbolic links"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := t.TempDir()
			t.Setenv("PARITY_STATE_DIR", state)
			io, _, errb := testStreams("PARITY_STATE_DIR="+state, "DOCKER_HOST=unix:///nonexistent/docker.sock")
			io.Getwd = func() (string, error) { return filepath.Join(dir, tt.wd), nil }
			root := newRootCmd(io)
			root.SetArgs(tt.args)
			done := make(chan int, 1)
			go func() {
				err := root.ExecuteContext(context.Background())
				done <- exitCode(io, err, nil)
			}()
			var code int
			select {
			case code = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("parity did not return within 20s")
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errb.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errb.String())
				}
			}
			if entries, _ := os.ReadDir(state); len(entries) != 0 {
				t.Errorf("state dir holds %v after a failed load", entries)
			}
		})
	}
}
