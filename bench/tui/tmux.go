package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// tmuxServer is a tmux server on a socket of its own (-S, a path in the
// benchmark's temporary directory, removed with it), so the benchmark never
// touches a user's sessions; started without any tmux.conf.
type tmuxServer struct{ socket string }

func (t tmuxServer) run(ctx context.Context, args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "tmux", append([]string{"-S", t.socket, "-f", "/dev/null"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// start opens a detached session of the given size running script.
func (t tmuxServer) start(ctx context.Context, session string, width, height int, script string) error {
	_, err := t.run(ctx, "new-session", "-d", "-s", session, "-x", strconv.Itoa(width), "-y", strconv.Itoa(height), script)
	return err
}

func (t tmuxServer) capture(ctx context.Context, session string) (string, error) {
	return t.run(ctx, "capture-pane", "-p", "-t", session)
}

func (t tmuxServer) keys(ctx context.Context, session string, keys ...string) error {
	_, err := t.run(ctx, append([]string{"send-keys", "-t", session}, keys...)...)
	return err
}

// pids are the pane's process (the script execs parity, so this is parity)
// and the tmux server's.
func (t tmuxServer) pids(ctx context.Context, session string) (pane, server int, err error) {
	out, err := t.run(ctx, "display-message", "-p", "-t", session, "#{pane_pid} #{pid}")
	if err != nil {
		return 0, 0, err
	}
	if _, err := fmt.Sscan(out, &pane, &server); err != nil {
		return 0, 0, fmt.Errorf("read pids from %q: %w", out, err)
	}
	return pane, server, nil
}

func (t tmuxServer) alive(ctx context.Context, session string) bool {
	_, err := t.run(ctx, "has-session", "-t", session)
	return err == nil
}

// kill ends the server and every session on it; without a socket of its
// own yet there is nothing to end (and the default server is not ours).
func (t tmuxServer) kill() {
	if t.socket == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = t.run(ctx, "kill-server")
}

// waitScreen polls the pane every interval until ok accepts it, and
// returns that screen; on timeout the error shows the last screen.
func (t tmuxServer) waitScreen(ctx context.Context, session string, interval, timeout time.Duration, ok func(string) bool) (string, error) {
	deadline := time.Now().Add(timeout)
	var screen string
	for {
		var err error
		if screen, err = t.capture(ctx, session); err != nil {
			return screen, err
		}
		if ok(screen) {
			return screen, nil
		}
		if time.Now().After(deadline) {
			return screen, fmt.Errorf("screen not as expected after %s:\n%s", timeout, screen)
		}
		select {
		case <-ctx.Done():
			return screen, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// row finds a service's row on the live view's screen: the line whose
// first word (after the selection mark) is name.
func row(screen, name string) string {
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "▸"))
		if len(f) > 0 && f[0] == name {
			return line
		}
	}
	return ""
}

// allReady reports whether every backing service shows ready at its
// loopback address and the app runs.
func allReady(screen string, services []string) bool {
	for _, s := range services {
		r := row(screen, s)
		if !strings.Contains(r, "ready") || !strings.Contains(r, "127.0.0.1:") {
			return false
		}
	}
	return strings.Contains(row(screen, "app"), "running")
}

// control is a tmux control-mode client (tmux -C) on one session: it sends
// commands without starting a process for each, and hears the pane's
// output as the terminal receives it, so a key press's latency can be timed
// without the cost of send-keys and capture-pane processes. A control
// client does not resize the window.
type control struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	session string

	mu   sync.Mutex
	want string         // text awaited in the pane's output; "" when none
	tail []byte         // the output since the wait began, cut to len(want)
	hit  chan time.Time // when want was seen
}

func (t tmuxServer) attach(session string) (*control, error) {
	cmd := exec.Command("tmux", "-S", t.socket, "-f", "/dev/null", "-C", "attach", "-t", session)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("tmux -C attach: %w", err)
	}
	c := &control{cmd: cmd, in: in, session: session}
	go c.read(out)
	return c, nil
}

// read watches %output notifications for the awaited text.
func (c *control) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "%output ")
		if !ok {
			continue
		}
		_, data, _ := strings.Cut(rest, " ") // after the pane id
		now := time.Now()
		c.mu.Lock()
		if c.want != "" {
			c.tail = append(c.tail, unescapeOutput(data)...)
			if bytes.Contains(c.tail, []byte(c.want)) {
				c.hit <- now
				c.want = ""
			} else if n := len(c.want); len(c.tail) > n {
				c.tail = c.tail[len(c.tail)-n:]
			}
		}
		c.mu.Unlock()
	}
}

// unescapeOutput undoes control mode's escaping of %output data: bytes
// below space and the backslash are written as \ooo.
func unescapeOutput(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				out = append(out, byte(v))
				i += 3
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

// press sends key and returns how long until the pane wrote want.
func (c *control) press(key, want string, timeout time.Duration) (time.Duration, error) {
	hit := make(chan time.Time, 1)
	c.mu.Lock()
	c.want, c.tail, c.hit = want, nil, hit
	c.mu.Unlock()
	start := time.Now()
	if _, err := fmt.Fprintf(c.in, "send-keys -t %s %s\n", c.session, key); err != nil {
		return 0, fmt.Errorf("tmux -C send-keys: %w", err)
	}
	select {
	case at := <-hit:
		return at.Sub(start), nil
	case <-time.After(timeout):
		c.mu.Lock()
		c.want = ""
		c.mu.Unlock()
		return 0, fmt.Errorf("pressed %s: the pane did not write %q within %s", key, want, timeout)
	}
}

// close detaches the client.
func (c *control) close() error {
	c.in.Close()
	return c.cmd.Wait()
}
