package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/parity-dev/parity/bench/internal/rig"
	"github.com/parity-dev/parity/engine/event"
)

// Case names, as the table prints them.
const (
	caseFloor     = "floor: docker run + same probes"
	caseCold      = "parity up --detach, cold"
	caseCompose   = "docker-compose up -d + healthy"
	caseFloorWarm = "floor, warm: docker start + probes"
	caseWarm      = "parity up --detach, warm"
	caseNoop      = "parity up --detach, no-op"
	caseEnv       = "parity env"
)

// parityRun is one invocation of the parity binary for a project with its
// own state dir.
type parityRun struct {
	project  string
	stateDir string
}

func (b *bench) newProject(name string) (parityRun, error) {
	dir, err := os.MkdirTemp(b.tmp, "state-")
	if err != nil {
		return parityRun{}, err
	}
	return parityRun{project: fmt.Sprintf("bench-%s-%s", b.runID, name), stateDir: dir}, nil
}

// exec runs parity with args for p's project and returns its wall time,
// from before the process starts until it has exited, and its stdout.
func (b *bench) exec(ctx context.Context, p parityRun, args ...string) (time.Duration, []byte, time.Time, error) {
	full := append([]string{"-p", p.project, "-f", b.manifest}, args...)
	cmd := exec.CommandContext(ctx, b.parity, full...)
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(),
		"PARITY_STATE_DIR="+p.stateDir,
		"PARITY_LABELS="+rig.TestLabel+"=1,"+rig.RunLabel+"="+b.runID,
		"PARITY_REGISTRY_MIRROR="+b.registry,
		"NO_COLOR=1",
	)
	// Let parity exit as on Ctrl-C (130, everything labelled) rather than
	// killing it mid-call.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		return 0, nil, start, fmt.Errorf("parity %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return took, stdout.Bytes(), start, nil
}

// up runs `parity up --detach` (with --json when tracing) and records where
// the time went under the case's name.
func (b *bench) up(ctx context.Context, name string, p parityRun) (time.Duration, error) {
	args := []string{"up", "--detach"}
	if b.trace {
		args = append(args, "--json")
	}
	took, out, start, err := b.exec(ctx, p, args...)
	if err != nil {
		return 0, err
	}
	if b.trace {
		b.traces[name] = append(b.traces[name], readTrace(out, start, took))
	}
	return took, nil
}

// cold is `up --detach` in a project parity has never seen: fresh state
// dir, no containers, no volumes (so Postgres runs initdb, as it does in
// the floor's fresh container); the images are present.
func (b *bench) cold(ctx context.Context, rep int) (time.Duration, error) {
	p, err := b.newProject(fmt.Sprintf("cold%d", rep))
	if err != nil {
		return 0, err
	}
	took, err := b.up(ctx, caseCold, p)
	rmErr := rig.RemoveLabelled(rig.RunLabel+"="+b.runID, "dev.parity.project="+p.project)
	if err != nil {
		return 0, err
	}
	return took, rmErr
}

// warmAndNoop measures, in one project: `up --detach` with its containers
// stopped (warm), with them running (no-op), and `parity env`; and the
// warm floor, which is `docker start` and the probes.
func (b *bench) warmAndNoop(ctx context.Context) error {
	p, err := b.newProject("warm")
	if err != nil {
		return err
	}
	if _, _, _, err := b.exec(ctx, p, "up", "--detach"); err != nil {
		return fmt.Errorf("set up the warm project: %w", err)
	}
	if err := b.floorWarm(ctx); err != nil {
		return err
	}
	for range b.n {
		if err := stopProject(ctx, p.project); err != nil {
			return err
		}
		if err := b.measure(ctx, caseWarm, func() (time.Duration, error) { return b.up(ctx, caseWarm, p) }); err != nil {
			return err
		}
	}
	for range b.n {
		if err := b.measure(ctx, caseNoop, func() (time.Duration, error) { return b.up(ctx, caseNoop, p) }); err != nil {
			return err
		}
	}
	for range b.n {
		err := b.measure(ctx, caseEnv, func() (time.Duration, error) {
			took, _, _, err := b.exec(ctx, p, "env")
			return took, err
		})
		if err != nil {
			return err
		}
	}
	return rig.RemoveLabelled(rig.RunLabel+"="+b.runID, "dev.parity.project="+p.project)
}

// stopProject stops a project's running containers, as the end of a
// foreground `parity up` does.
func stopProject(ctx context.Context, project string) error {
	ids, err := rig.Docker(ctx, "ps", "-q", "--filter", "label=dev.parity.project="+project)
	if err != nil {
		return err
	}
	if f := strings.Fields(ids); len(f) > 0 {
		_, err = rig.Docker(ctx, append([]string{"stop"}, f...)...)
	}
	return err
}

// trace is where one `parity up --detach --json` spent its time, read from
// the timestamps of its events.
type trace struct {
	plan     time.Duration // process start, manifest, Docker connection, state
	prepare  time.Duration // plan -> first creating/starting: network, orphans, volumes, image check
	create   time.Duration // first creating -> last starting: container create
	start    time.Duration // last starting -> probing: container start
	probe    time.Duration // probing -> last ready
	exit     time.Duration // last ready -> process exit
	readyIn  map[string]time.Duration
	complete bool
}

type jsonEvent struct {
	Time    time.Time `json:"time"`
	Type    string    `json:"type"`
	Source  string    `json:"source"`
	Phase   string    `json:"phase"`
	ReadyIn float64   `json:"readyInSeconds"`
}

// readTrace splits a run into its steps. The engine emits `creating` and
// `starting` before the Docker calls they name, and `ready` with the time
// since probing began, so probing began at ready-readyIn.
func readTrace(out []byte, start time.Time, took time.Duration) trace {
	var plan, firstCreate, lastStarting, probing, lastReady time.Time
	tr := trace{readyIn: map[string]time.Duration{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev jsonEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Type == "" {
			continue // the summary, printed last
		}
		switch {
		case ev.Type == "plan":
			plan = ev.Time
		case ev.Phase == "creating" && firstCreate.IsZero():
			firstCreate = ev.Time
		case ev.Phase == "starting":
			if firstCreate.IsZero() {
				firstCreate = ev.Time // warm: no create
			}
			lastStarting = ev.Time
		case ev.Phase == "ready":
			readyIn := event.Seconds(ev.ReadyIn)
			tr.readyIn[ev.Source] = readyIn
			if p := ev.Time.Add(-readyIn); probing.IsZero() || p.Before(probing) {
				probing = p
			}
			if ev.Time.After(lastReady) {
				lastReady = ev.Time
			}
		}
	}
	if plan.IsZero() || probing.IsZero() {
		return tr
	}
	tr.complete = true
	tr.plan = plan.Sub(start)
	if firstCreate.IsZero() { // no-op: nothing to create or start
		firstCreate, lastStarting = probing, probing
	}
	tr.prepare = firstCreate.Sub(plan)
	tr.create = lastStarting.Sub(firstCreate)
	tr.start = probing.Sub(lastStarting)
	tr.probe = lastReady.Sub(probing)
	tr.exit = start.Add(took).Sub(lastReady)
	return tr
}
