package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// UpOptions say how Up runs the project.
type UpOptions struct {
	Options
	// Detach returns once every service answers, leaving them running.
	Detach bool
	// Keep leaves the services running when Up ends.
	Keep bool
	// Hold keeps Up going after the app exited or a service failed, until
	// Quit or ctx ends: the live view shows what happened and lets the
	// developer restart it.
	Hold bool
	// StopTimeout is how long the app has to exit after it was asked to
	// stop before it is killed; 0 means 10 seconds.
	StopTimeout time.Duration
	// Force, once closed (a second Ctrl-C), makes stopping immediate.
	Force <-chan struct{}
	// Controls, when set, lets a live view act on the running project.
	Controls *Controls
}

// UpResult is how Up ended.
type UpResult struct {
	Summary PlanSummary
	// AppExited: the app ended on its own (not on parity's request), with AppCode.
	AppExited bool
	AppCode   int
	// Quit: ended by Controls.Quit.
	Quit bool
}

// errQuit is the cause of Up's work ending on Controls.Quit.
var errQuit = errors.New("quit")

const defaultStopTimeout = 10 * time.Second

// Up is `parity up` as one call: load and plan, reconcile the services
// with the engine, wait until each answers, compute the app's environment,
// run and supervise the app with its logs and the engine's events, and
// stop in order. It ends when ctx is cancelled (a signal, whose cause
// Interrupted names), on Controls.Quit, or when the app exits (unless
// Hold). Whatever it ends on, the app is stopped and, unless Keep or
// Detach, so are the services: nothing it started is left running unasked.
func Up(ctx context.Context, opts UpOptions, sink Sink) (UpResult, error) {
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = defaultStopTimeout
	}
	opts.Sink = sink
	s, err := Open(ctx, opts.Options, true)
	if err != nil {
		return UpResult{}, err
	}
	work, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var leave bool
	if c := opts.Controls; c != nil {
		c.attach(s)
		defer c.attach(nil)
		go func() {
			select {
			case l := <-c.quit:
				leave = l
				cancel(errQuit)
			case <-work.Done():
			}
		}()
	}
	s.execArgv = s.AppCommand()
	sup := &supervisor{s: s, opts: opts, force: opts.Force}
	if sup.force == nil {
		sup.force = make(chan struct{})
	}
	res, err := sup.run(work)
	res.Summary = s.Summary()
	if errors.Is(context.Cause(work), errQuit) && ctx.Err() == nil {
		res.Quit = true
		if errors.Is(err, context.Canceled) || errors.Is(err, errQuit) {
			err = nil
		}
	}
	stopServices := !opts.Keep && !(res.Quit && leave) && !(opts.Detach && err == nil)
	if opts.Detach && err != nil && ctx.Err() == nil {
		stopServices = false // a failed detached up leaves them for `parity logs`/`down`
	}
	if stopServices {
		sup.stopServices(ctx)
	}
	if ctx.Err() != nil {
		return res, context.Cause(ctx)
	}
	return res, err
}

// supervisor runs the project once it is up: the app with its restart
// loop, the services' logs and the engine's event stream.
type supervisor struct {
	s     *Session
	opts  UpOptions
	force <-chan struct{}
	app   *appProcess
}

func (sup *supervisor) run(ctx context.Context) (UpResult, error) {
	s := sup.s
	if r := orphanApp(s.stateDir, s.project.Name); r != nil && len(s.AppCommand()) == 0 {
		s.warn(fmt.Sprintf("an app started by an earlier parity is still running (%s): parity was stopped before it could stop it; `parity down` stops it", r.describe()))
	}
	if err := s.startAndWait(ctx); err != nil {
		if sup.opts.Hold && ctx.Err() == nil {
			<-ctx.Done() // the live view shows the failure until quit
		}
		return UpResult{}, err
	}
	if sup.opts.Detach {
		return UpResult{}, nil
	}
	return sup.supervise(ctx)
}

// supervise is the one loop that owns the app: it starts it, restarts it
// on request, notices its exit, and stops it when ctx ends.
func (sup *supervisor) supervise(ctx context.Context) (UpResult, error) {
	s := sup.s
	var res UpResult
	logCtx, stopLogs := context.WithCancel(context.WithoutCancel(ctx))
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { defer bg.Done(); s.followLogs(logCtx, s.upStarted) }()
	go func() { defer bg.Done(); s.watchEngine(logCtx) }()
	defer func() { stopLogs(); bg.Wait() }()

	var restart <-chan struct{}
	if c := sup.opts.Controls; c != nil {
		restart = c.restartApp
	}
	var appDone <-chan struct{}
	var err error
	if cmd := s.AppCommand(); len(cmd) > 0 {
		if err = sup.startApp(ctx); err != nil {
			if !sup.opts.Hold {
				return res, err
			}
		} else {
			appDone = sup.app.done
		}
	}
	for {
		select {
		case <-ctx.Done():
			sup.stopApp(ctx)
			return res, context.Cause(ctx)
		case <-restart:
			if len(s.AppCommand()) == 0 {
				continue
			}
			if sup.app != nil {
				s.emit(Event{Type: EventPhase, Source: AppSource, Phase: PhaseRestarting})
				sup.app.stop(syscall.SIGTERM, sup.opts.StopTimeout, sup.force)
				sup.appEnded()
			}
			if ctx.Err() != nil {
				continue
			}
			appDone = nil
			if err := sup.startApp(ctx); err == nil {
				appDone = sup.app.done
			}
		case <-appDone:
			appDone = nil
			a := sup.app
			sup.appEnded()
			if !sup.opts.Hold {
				res.AppExited, res.AppCode = true, a.code
				return res, a.err
			}
		}
	}
}

// startApp starts the app with the app's environment, refusing one that
// exec would reject, and writes down its pid for a later parity.
func (sup *supervisor) startApp(ctx context.Context) error {
	s := sup.s
	if r := orphanApp(s.stateDir, s.project.Name); r != nil {
		s.warn(fmt.Sprintf("an app started by an earlier parity is still running (%s): parity was stopped before it could stop it; stopping it now", r.describe()))
		stopOrphan(s.stateDir, s.project.Name, r, sup.opts.StopTimeout)
	}
	env, _, err := s.Env(ctx)
	if err != nil {
		return err
	}
	cmd := s.AppCommand()
	a, err := startApp(appSpec{Command: cmd, Dir: s.appDir(), Env: Environ(environList(s.shell), env)}, s.emit)
	if err != nil {
		s.emit(Event{Type: EventPhase, Source: AppSource, Phase: PhaseFailed, Reason: err.Error()})
		return err
	}
	sup.app = a
	_ = writeAppRecord(s.stateDir, s.project.Name, appRecord{PID: a.pid, Command: cmd, Started: time.Now(), StartTick: startTick(a.pid), ParityPID: os.Getpid()})
	s.emit(Event{Type: EventPhase, Source: AppSource, Phase: PhaseRunning, Pid: a.pid})
	return nil
}

// appEnded reports the app's end: stopped when parity asked it to stop,
// exited (with its code) otherwise.
func (sup *supervisor) appEnded() {
	a := sup.app
	if a == nil {
		return
	}
	<-a.done
	sup.app = nil
	removeAppRecord(sup.s.stateDir, sup.s.project.Name)
	if a.asked.Load() {
		sup.s.emit(Event{Type: EventPhase, Source: AppSource, Phase: PhaseStopped})
		return
	}
	sup.s.emit(Event{Type: EventPhase, Source: AppSource, Phase: PhaseExited, ExitCode: a.code})
}

// stopApp stops a running app with the signal that ended ctx (SIGINT on
// quit), SIGKILL after the grace period or on force.
func (sup *supervisor) stopApp(ctx context.Context) {
	if sup.app == nil {
		return
	}
	sup.s.emit(Event{Type: EventPhase, Source: AppSource, Phase: PhaseStopping})
	sup.app.stop(interruptOf(ctx), sup.opts.StopTimeout, sup.force)
	sup.appEnded()
}

// stopServices stops the project's containers; force makes it immediate.
func (sup *supervisor) stopServices(ctx context.Context) {
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	if err := sup.s.stop(stopCtx, sup.force); err != nil {
		sup.s.warn("stop services: " + err.Error())
	}
}

// RunOptions say how Run runs one command.
type RunOptions struct {
	Options
	Command []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	// StopTimeout is how long the command has after parity passed a signal
	// on before it is killed; 0 means 10 seconds.
	StopTimeout time.Duration
	// Force, once closed (a second Ctrl-C), kills the command at once.
	Force <-chan struct{}
}

// Run is `parity run`: the services up and answering (left running, as
// with up --detach), then one command with the app's environment,
// connected to the terminal. It returns the command's exit code. A signal
// to parity (ctx cancelled with Interrupted) is passed on to the command,
// which is killed if it has not exited after the stop timeout; Run then
// returns the interrupt.
func Run(ctx context.Context, opts RunOptions, sink Sink) (int, error) {
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = defaultStopTimeout
	}
	if opts.Force == nil {
		opts.Force = make(chan struct{})
	}
	opts.Sink = sink
	s, err := Open(ctx, opts.Options, true)
	if err != nil {
		return 0, err
	}
	s.execArgv = opts.Command
	if err := s.startAndWait(ctx); err != nil {
		return 0, err
	}
	env, _, err := s.Env(ctx)
	if err != nil {
		return 0, err
	}
	a, err := startApp(appSpec{
		Command: opts.Command, Dir: s.opts.WorkingDir, Env: Environ(environList(s.shell), env),
		Interactive: true, Stdin: opts.Stdin, Stdout: opts.Stdout, Stderr: opts.Stderr,
	}, s.emit)
	if err != nil {
		return commandNotRun(err), err
	}
	if a.wait(ctx) != nil {
		sig := interruptOf(ctx)
		if sig == syscall.SIGINT && inForeground(opts.Stdin) {
			// A Ctrl-C typed in the terminal reached the command itself,
			// which decides what it means: psql cancels a query and goes
			// on. It is the command's to end, not parity's.
			<-a.done
			return a.code, a.err
		}
		a.stop(sig, opts.StopTimeout, opts.Force)
		return a.code, context.Cause(ctx)
	}
	return a.code, a.err
}

// commandNotRun is the shell's status for a command that could not be
// started: 127 when it was not found, 126 when it could not be executed.
func commandNotRun(err error) int {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, syscall.ENOENT) {
		return 127
	}
	return 126
}
