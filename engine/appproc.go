package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/term"
)

// appSpec says how to start the developer's app.
type appSpec struct {
	Command []string
	Dir     string
	Env     []string // the whole environment
	// Interactive connects the app to Stdin/Stdout/Stderr and leaves it in
	// parity's process group, the terminal's foreground one (parity run);
	// otherwise its output becomes log events and it gets a process group
	// of its own, so the terminal's signals reach it only through parity.
	Interactive bool
	Stdin       io.Reader
	Stdout      io.Writer
	Stderr      io.Writer
}

// drainAfterExit is how long the app's output is still read after it
// exited: what it wrote last is in the pipe, but a descendant that left
// its process group (setsid, a daemonising helper) may hold the pipe open
// for ever, and parity must not wait for it.
const drainAfterExit = 300 * time.Millisecond

// appProcess is one run of the app. Its fields after done is closed are
// final: code and err are written before and read after.
type appProcess struct {
	spec  appSpec
	pid   int
	done  chan struct{}
	code  int
	err   error
	asked atomic.Bool // parity asked it to stop: its exit is no failure
}

// startApp starts the app and reports its output as log events through
// emit. The process is started (and waited for) on a goroutine locked to
// its OS thread, because Linux's parent-death signal follows the thread
// that forked: if parity is killed with -9, the app gets SIGKILL instead
// of running on unnoticed.
func startApp(spec appSpec, emit func(Event)) (*appProcess, error) {
	if len(spec.Command) == 0 {
		return nil, errors.New("run app: no command given")
	}
	a := &appProcess{spec: spec, done: make(chan struct{})}
	cmd := exec.Command(spec.Command[0], spec.Command[1:]...)
	cmd.Env, cmd.Dir = spec.Env, spec.Dir

	cmd.SysProcAttr = procAttr(!spec.Interactive)
	var readers []*os.File
	if spec.Interactive {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = spec.Stdin, spec.Stdout, spec.Stderr
	} else {
		for _, stream := range []string{"stdout", "stderr"} {
			r, w, err := os.Pipe()
			if err != nil {
				closeAll(readers)
				return nil, fmt.Errorf("run app: %w", err)
			}
			readers = append(readers, r)
			if stream == "stdout" {
				cmd.Stdout = w
			} else {
				cmd.Stderr = w
			}
		}
	}

	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the app
		err := cmd.Start()
		for _, w := range []io.Writer{cmd.Stdout, cmd.Stderr} {
			if f, ok := w.(*os.File); ok && !spec.Interactive {
				f.Close() // the app has its own copies now
			}
		}
		started <- err
		if err != nil {
			return
		}
		var wg sync.WaitGroup
		for i, r := range readers {
			stream := [...]string{"stdout", "stderr"}[i]
			wg.Add(1)
			go func() {
				defer wg.Done()
				pipeLines(r, func(line string) {
					emit(Event{Type: EventLog, Source: AppSource, Stream: stream, Line: line})
				})
			}()
		}
		werr := cmd.Wait()
		for _, r := range readers {
			_ = r.SetReadDeadline(time.Now().Add(drainAfterExit))
		}
		wg.Wait()
		closeAll(readers)
		a.code = processExitCode(cmd, werr)
		if a.code < 0 {
			a.err = fmt.Errorf("run app: %w", werr)
		}
		close(a.done)
	}()
	if err := <-started; err != nil {
		closeAll(readers)
		return nil, fmt.Errorf("run app %q: %w", spec.Command[0], err)
	}
	a.pid = cmd.Process.Pid
	return a, nil
}

// stop asks the app to stop with sig, then kills it when it has not
// stopped within grace or when force is closed (a second Ctrl-C). Without
// a terminal of its own, the app's whole process group is signalled and
// waited for, so a `go run` or `npm start` wrapper and the server it
// started both stop.
func (a *appProcess) stop(sig syscall.Signal, grace time.Duration, force <-chan struct{}) {
	a.asked.Store(true)
	a.signal(sig)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-a.stopped():
		return
	case <-timer.C:
	case <-force:
	}
	a.signal(syscall.SIGKILL)
	// Killed processes linger as zombies until reaped; give the group a
	// moment to be gone, so nothing of it is seen running after the stop.
	select {
	case <-a.stopped():
	case <-time.After(2 * time.Second):
	}
}

// stopped is closed once the app and, when it has a group of its own,
// every process left in that group, are gone.
func (a *appProcess) stopped() <-chan struct{} {
	if a.spec.Interactive {
		return a.done
	}
	ch := make(chan struct{})
	go func() {
		<-a.done
		// A process group has no exit notification: poll, for a bounded
		// time (a zombie whose parent never reaps it stays in the group).
		for deadline := time.Now().Add(time.Minute); kill(-a.pid, 0) == nil && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		close(ch)
	}()
	return ch
}

func (a *appProcess) signal(sig syscall.Signal) {
	if a.spec.Interactive {
		_ = kill(a.pid, sig)
		return
	}
	_ = kill(-a.pid, sig)
}

// inForeground reports whether parity is in the foreground process group
// of the terminal r is.
func inForeground(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false
	}
	pgrp, err := foregroundGroup(int(f.Fd()))
	return err == nil && pgrp == getpgrp()
}

// wait waits for the app to exit, or ctx to end.
func (a *appProcess) wait(ctx context.Context) error {
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func processExitCode(cmd *exec.Cmd, err error) int {
	if cmd.ProcessState == nil {
		return -1
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// pipeLines calls line for each line read from r, until EOF or a read
// error (the deadline set once the app exited).
func pipeLines(r io.Reader, line func(string)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line(sc.Text())
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		// Drain the rest so the app never blocks on a full pipe.
		_, _ = io.Copy(io.Discard, r)
	}
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

func environList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}
