package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// AppOptions say how the app process is run.
type AppOptions struct {
	Command []string
	Dir     string
	// Interactive connects the app to parity's own stdin, stdout and stderr
	// and leaves it in the terminal's process group (parity run); otherwise
	// its output becomes log events and it gets its own process group, so
	// signals reach it only through parity (parity up).
	Interactive bool
	Stdin       io.Reader
	Stdout      io.Writer
	Stderr      io.Writer
	// GracePeriod is how long the app has to exit after SIGTERM/SIGINT before SIGKILL.
	GracePeriod time.Duration
}

// RunApp runs the developer's command with the app's environment and
// returns its exit code. When ctx ends (Ctrl-C), the app's process group gets
// SIGINT, then SIGKILL after the grace period.
func (s *Session) RunApp(ctx context.Context, opts AppOptions) (int, error) {
	if len(opts.Command) == 0 {
		return 0, errors.New("run app: no command given")
	}
	env, _, err := s.Env(ctx)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(opts.Command[0], opts.Command[1:]...)
	cmd.Env = Environ(environList(s.shell), env)
	cmd.Dir = opts.Dir
	if cmd.Dir == "" {
		cmd.Dir = s.opts.WorkingDir
	}
	if opts.GracePeriod == 0 {
		opts.GracePeriod = 10 * time.Second
	}

	var wg sync.WaitGroup
	if opts.Interactive {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.Stdin, opts.Stdout, opts.Stderr
	} else {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return 0, fmt.Errorf("run app: %w", err)
		}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return 0, fmt.Errorf("run app: %w", err)
		}
		for _, p := range []struct {
			r      io.Reader
			stream string
		}{{stdout, "stdout"}, {stderr, "stderr"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.pipeLines(p.r, p.stream)
			}()
		}
	}
	if err := cmd.Start(); err != nil {
		s.emit(Event{Type: EventPhase, Source: AppSource, Phase: PhaseFailed, Reason: err.Error()})
		return 127, fmt.Errorf("run app %q: %w", opts.Command[0], err)
	}
	s.emit(Event{Type: EventPhase, Source: AppSource, Phase: PhaseRunning, Pid: cmd.Process.Pid})

	done := make(chan struct{})
	restarted := false
	go func() {
		stop := func() {
			signalApp(cmd, opts.Interactive, syscall.SIGINT)
			select {
			case <-done:
			case <-time.After(opts.GracePeriod):
				signalApp(cmd, opts.Interactive, syscall.SIGKILL)
			}
		}
		select {
		case <-done:
		case <-ctx.Done():
			stop()
		case <-s.appRestart:
			restarted = true
			s.emit(Event{Type: EventPhase, Source: AppSource, Phase: PhaseRestarting})
			stop()
		}
	}()
	wg.Wait() // the pipes close when the app (and its children) exit
	err = cmd.Wait()
	close(done)
	code := exitCode(cmd, err)
	if restarted && ctx.Err() == nil {
		return s.RunApp(ctx, opts)
	}
	s.emit(Event{Type: EventPhase, Source: AppSource, Phase: PhaseExited, ExitCode: code})
	if err != nil && code < 0 {
		return 1, fmt.Errorf("run app: %w", err)
	}
	return code, nil
}

// RestartApp asks the running app to restart (the live view's r key).
func (s *Session) RestartApp() {
	select {
	case s.appRestart <- struct{}{}:
	default:
	}
}

// signalApp signals the app's whole process group when it has one, so a
// `go run` or `npm start` wrapper and the server it started both stop.
func signalApp(cmd *exec.Cmd, interactive bool, sig syscall.Signal) {
	if cmd.Process == nil {
		return
	}
	if !interactive {
		_ = syscall.Kill(-cmd.Process.Pid, sig)
		return
	}
	_ = cmd.Process.Signal(sig)
}

func exitCode(cmd *exec.Cmd, err error) int {
	if cmd.ProcessState == nil {
		return -1
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

func (s *Session) pipeLines(r io.Reader, stream string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		s.emit(Event{Type: EventLog, Source: AppSource, Stream: stream, Line: sc.Text()})
	}
	// A line longer than the buffer: drain the rest so the app never blocks on a full pipe.
	_, _ = io.Copy(io.Discard, r)
}

func environList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}
