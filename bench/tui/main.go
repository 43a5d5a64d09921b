// Command tui benchmarks the live view of `parity up` in a real terminal
// (tmux, 120×35) against real containers: the quickstart manifest's
// services and, as the app, bench/tui/flood. It measures, for an idle view
// (everything ready, nothing logging) and for an app printing 10,000 lines
// a second: parity's CPU use and RSS from /proc, and how long a key press
// takes to change the screen.
//
//	go run ./bench/tui [-window 10s] [-presses 10] [-rate 10000] [-registry HOST:PORT]
//
// Everything it creates carries dev.parity.test=1 and parity-bench.run=<run
// id> and is removed at the end, also after a failure or Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/parity-dev/parity/bench/internal/rig"
)

const (
	width, height = 120, 35
	// envMarker is on screen while the `e` view (the app's environment) is open.
	envMarker = "environment of the app"
	// pollEvery is how often a key press's effect is looked for.
	pollEvery = 5 * time.Millisecond
)

var services = []string{"db", "cache"}

type tuiBench struct {
	root, tmp, registry, runID string
	parity, flood, manifest    string
	project, stateDir          string
	tmux                       tmuxServer
	hz                         float64
	window                     time.Duration
	presses                    int
	readyScreen                string
}

// phase is one measured run of the live view.
type phase struct {
	name        string
	parity      usage
	tmux        usage
	appRate     float64         // lines/s the app managed to write
	latencies   []time.Duration // send-keys until capture-pane shows the change
	exact       []time.Duration // control mode: key sent until the pane wrote the change
	captureCost time.Duration   // median time of one capture-pane
}

func main() {
	window := flag.Duration("window", 10*time.Second, "how long CPU and memory are sampled")
	presses := flag.Int("presses", 10, "key presses timed per phase")
	rate := flag.Int("rate", 10000, "lines per second the app prints in the flood phase")
	registry := flag.String("registry", "", "test bed registry HOST:PORT (default: $PARITY_REGISTRY_MIRROR, else the test bed's registry.addr)")
	flag.Parse()
	if *presses < 1 || *window <= 0 {
		fmt.Fprintln(os.Stderr, "bench/tui: -presses must be at least 1 and -window positive")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	id := rig.RunID()
	b := &tuiBench{runID: id, window: *window, presses: *presses}
	err := b.run(ctx, *registry, *rate)
	if cerr := b.cleanup(); cerr != nil {
		fmt.Fprintln(os.Stderr, "bench/tui: cleanup:", cerr)
		err = errors.Join(err, cerr)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "bench/tui: interrupted; everything it created was removed")
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "bench/tui:", err)
		os.Exit(1)
	}
}

func (b *tuiBench) run(ctx context.Context, registryFlag string, rate int) error {
	var err error
	if b.registry, err = rig.Registry(registryFlag); err != nil {
		return err
	}
	if b.root, err = rig.Root(ctx); err != nil {
		return err
	}
	if b.hz, err = clockTicks(); err != nil {
		return err
	}
	if b.tmp, err = os.MkdirTemp("", "parity-bench-tui-"); err != nil {
		return err
	}
	b.stateDir = filepath.Join(b.tmp, "state")
	b.tmux.socket = filepath.Join(b.tmp, "tmux.sock")
	b.project = "bench-" + b.runID + "-tui"
	b.manifest = filepath.Join(b.root, "examples", "quickstart", "compose.yaml")
	fmt.Printf("bench/tui: run %s, tmux %dx%d, window %s, %d presses per phase\n", b.runID, width, height, b.window, b.presses)
	if b.parity, err = rig.Build(ctx, b.root, b.tmp, "./cmd/parity", "parity"); err != nil {
		return err
	}
	if b.flood, err = rig.Build(ctx, b.root, b.tmp, "./bench/tui/flood", "flood"); err != nil {
		return err
	}

	// The idle phase quits with Q (services keep running), so the flood
	// phase starts on ready services; it quits with q, stopping them.
	idle, err := b.phase(ctx, "idle: all ready, no logs", 0, "Q")
	if err != nil {
		return err
	}
	flood, err := b.phase(ctx, fmt.Sprintf("app printing %d lines/s", rate), rate, "q")
	if err != nil {
		return err
	}
	b.report([]phase{idle, flood})
	return nil
}

// phase runs `parity up -- flood -rate RATE` in a fresh tmux session,
// waits until everything is ready, measures, and quits with quitKey.
func (b *tuiBench) phase(ctx context.Context, name string, rate int, quitKey string) (phase, error) {
	ph := phase{name: name}
	session := "p" + strconv.Itoa(rate)
	stats := filepath.Join(b.tmp, session+".stats")
	script := filepath.Join(b.tmp, session+".sh")
	// The script execs parity, so the pane's process is parity itself.
	text := fmt.Sprintf("#!/bin/sh\ncd %s || exit 1\nexport PARITY_STATE_DIR=%s PARITY_LABELS=%s PARITY_REGISTRY_MIRROR=%s TERM=xterm-256color\nexec %s -p %s -f %s up -- %s -rate %d -stats %s\n",
		quote(b.root), quote(b.stateDir), quote(rig.TestLabel+"=1,"+rig.RunLabel+"="+b.runID), quote(b.registry),
		quote(b.parity), quote(b.project), quote(b.manifest), quote(b.flood), rate, quote(stats))
	if err := os.WriteFile(script, []byte(text), 0o700); err != nil {
		return ph, err
	}
	if err := b.tmux.start(ctx, session, width, height, script); err != nil {
		return ph, err
	}
	screen, err := b.tmux.waitScreen(ctx, session, 100*time.Millisecond, 3*time.Minute, func(s string) bool {
		// An app that exited will not come back: stop waiting (the screen is in the error).
		return allReady(s, services) || strings.Contains(row(s, "app"), "exited")
	})
	if err == nil && !allReady(screen, services) {
		err = fmt.Errorf("the app exited:\n%s", screen)
	}
	if err != nil {
		return ph, fmt.Errorf("%s: wait for the ready screen: %w", name, err)
	}
	if b.readyScreen == "" {
		b.readyScreen = screen
	}
	pid, server, err := b.tmux.pids(ctx, session)
	if err != nil {
		return ph, err
	}

	// Settle: an idle view must have stopped changing (the services' start-up
	// logs are in); a flooding app must have been at it for a second.
	if rate == 0 {
		if err := b.waitStill(ctx, session, 2*time.Second, time.Minute); err != nil {
			return ph, fmt.Errorf("%s: %w", name, err)
		}
	} else if err := waitLines(ctx, stats, rate); err != nil {
		return ph, fmt.Errorf("%s: %w", name, err)
	}

	lines0, at0, _ := readStats(stats)
	type result struct {
		u   usage
		err error
	}
	tmuxDone := make(chan result, 1)
	go func() {
		u, err := measure(server, b.window, b.hz)
		tmuxDone <- result{u, err}
	}()
	if ph.parity, err = measure(pid, b.window, b.hz); err != nil {
		return ph, fmt.Errorf("%s: measure parity: %w", name, err)
	}
	t := <-tmuxDone
	if t.err != nil {
		return ph, fmt.Errorf("%s: measure tmux: %w", name, t.err)
	}
	ph.tmux = t.u
	if lines1, at1, err := readStats(stats); err == nil && rate > 0 && at1.After(at0) {
		ph.appRate = float64(lines1-lines0) / at1.Sub(at0).Seconds()
	}

	if ph.captureCost, err = b.captureCost(ctx, session); err != nil {
		return ph, err
	}
	if ph.latencies, err = b.pressLatencies(ctx, session); err != nil {
		return ph, fmt.Errorf("%s: %w", name, err)
	}
	if ph.exact, err = b.controlLatencies(session); err != nil {
		return ph, fmt.Errorf("%s: %w", name, err)
	}

	if err := b.tmux.keys(ctx, session, quitKey); err != nil {
		return ph, err
	}
	if err := waitGone(ctx, b.tmux, session, time.Minute); err != nil {
		return ph, fmt.Errorf("%s: after %s: %w", name, quitKey, err)
	}
	return ph, nil
}

// pressLatencies presses `e` again and again, each press opening or closing
// the environment view, and times each from before `tmux send-keys` until
// capture-pane shows the change.
func (b *tuiBench) pressLatencies(ctx context.Context, session string) ([]time.Duration, error) {
	var out []time.Duration
	for i := range b.presses {
		open := i%2 == 0
		start := time.Now()
		if err := b.tmux.keys(ctx, session, "e"); err != nil {
			return out, err
		}
		_, err := b.tmux.waitScreen(ctx, session, pollEvery, 10*time.Second, func(s string) bool {
			return strings.Contains(s, envMarker) == open
		})
		if err != nil {
			return out, fmt.Errorf("press %d of e (open=%v): %w", i+1, open, err)
		}
		out = append(out, time.Since(start))
	}
	if len(out)%2 == 1 { // leave the view as it was
		if err := b.tmux.keys(ctx, session, "e"); err != nil {
			return out, err
		}
	}
	return out, nil
}

// controlLatencies times the same presses through a control-mode client:
// from writing send-keys to the tmux server until the pane's output
// carries the new pane title. No process starts and nothing polls, so this
// is the view's own latency plus tmux's relaying.
func (b *tuiBench) controlLatencies(session string) ([]time.Duration, error) {
	c, err := b.tmux.attach(session)
	if err != nil {
		return nil, err
	}
	defer c.close()
	var out []time.Duration
	for i := range b.presses {
		want := envMarker
		if i%2 == 1 {
			want = "logs: all"
		}
		d, err := c.press("e", want, 10*time.Second)
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	if len(out)%2 == 1 {
		if _, err := c.press("e", "logs: all", 10*time.Second); err != nil {
			return out, err
		}
	}
	return out, nil
}

// captureCost is the median time of one capture-pane: the share of each
// latency that is the measuring, not the view.
func (b *tuiBench) captureCost(ctx context.Context, session string) (time.Duration, error) {
	var ds []time.Duration
	for range 20 {
		start := time.Now()
		if _, err := b.tmux.capture(ctx, session); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(start))
	}
	return rig.Median(ds), nil
}

// waitStill waits until the screen has not changed for quiet.
func (b *tuiBench) waitStill(ctx context.Context, session string, quiet, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last, since := "", time.Now()
	for {
		s, err := b.tmux.capture(ctx, session)
		if err != nil {
			return err
		}
		if s != last {
			last, since = s, time.Now()
		} else if time.Since(since) >= quiet {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the idle screen kept changing for %s:\n%s", timeout, s)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitLines waits until the app has written at least n lines.
func waitLines(ctx context.Context, stats string, n int) error {
	deadline := time.Now().Add(time.Minute)
	for {
		if lines, _, err := readStats(stats); err == nil && lines >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the app wrote fewer than %d lines in a minute", n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func readStats(path string) (int, time.Time, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, time.Time{}, err
	}
	var lines int
	var nanos int64
	if _, err := fmt.Sscan(string(b), &lines, &nanos); err != nil {
		return 0, time.Time{}, fmt.Errorf("read %s: %w", path, err)
	}
	return lines, time.Unix(0, nanos), nil
}

func waitGone(ctx context.Context, t tmuxServer, session string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for t.alive(ctx, session) {
		if time.Now().After(deadline) {
			return fmt.Errorf("parity still running %s later", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// quote makes s one word for sh.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (b *tuiBench) cleanup() error {
	b.tmux.kill()
	err := rig.RemoveLabelled(rig.RunLabel + "=" + b.runID)
	if b.tmp != "" {
		err = errors.Join(err, os.RemoveAll(b.tmp))
	}
	return err
}

func (b *tuiBench) report(phases []phase) {
	fmt.Printf("\nlive view benchmark: tmux %dx%d, quickstart services (postgres:15, redis:7) ready, app bench/tui/flood\n", width, height)
	fmt.Printf("CPU%% is of one core over %s, from /proc/PID/stat utime+stime (CLK_TCK %g); RSS from /proc/PID/status.\n\n", b.window, b.hz)
	for _, ph := range phases {
		fmt.Printf("%s\n", ph.name)
		fmt.Printf("  parity CPU            %.1f%%\n", ph.parity.cpuPercent)
		fmt.Printf("  parity RSS            %s at start, %s at end, %s max sampled, %s peak (VmHWM)\n",
			mb(ph.parity.rssStart), mb(ph.parity.rssEnd), mb(ph.parity.rssMax), mb(ph.parity.hwm))
		fmt.Printf("  tmux server CPU       %.1f%% (the terminal's share, for scale)\n", ph.tmux.cpuPercent)
		if ph.appRate > 0 {
			fmt.Printf("  app's real rate       %.0f lines/s (what parity read through the pipe)\n", ph.appRate)
		}
		lat := ph.latencies
		fmt.Printf("  key → screen (e)      median %s, min %s, max %s over %d presses\n",
			ms(rig.Median(lat)), ms(rig.Min(lat)), ms(maxOf(lat)), len(lat))
		fmt.Printf("  one capture-pane      %s (polled every %s: a redraw is seen up to %s + one capture late)\n",
			ms(ph.captureCost), pollEvery, pollEvery)
		ex := ph.exact
		fmt.Printf("  key → pane output     median %s, min %s, max %s over %d presses (tmux -C: no process per\n",
			ms(rig.Median(ex)), ms(rig.Min(ex)), ms(maxOf(ex)), len(ex))
		fmt.Printf("                        press or poll; until the pane writes the new title)\n\n")
	}
	fmt.Println("the ready screen (tmux capture-pane -p):")
	fmt.Println(strings.TrimRight(b.readyScreen, "\n"))
}

func maxOf(d []time.Duration) time.Duration {
	m := d[0]
	for _, v := range d[1:] {
		m = max(m, v)
	}
	return m
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

func mb(kb int64) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }
