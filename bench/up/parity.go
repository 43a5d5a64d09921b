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
	caseFloor        = "floor: docker run + same probes"
	caseColdEmpty    = "parity cold, no template"
	caseColdTemplate = "parity cold, template hit"
	caseCompose      = "docker-compose up -d + healthy"
	caseFloorWarm    = "floor, warm: docker start + probes"
	caseWarm         = "parity up --detach, warm"
	caseNoop         = "parity up --detach, no-op"
	caseEnv          = "parity env"
	caseReset        = "parity reset db --yes"
	caseResetOwn     = "  reset, parity's own figure"
	caseRestore      = "snapshot restore, 100 MB"
	caseRestoreOwn   = "  restore, parity's own figure"
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

// dbContainer is the name parity gives the project's db container.
func (p parityRun) dbContainer() string { return "parity-" + p.project + "-db" }

// ran is one finished parity process: its wall time, from before the
// process starts until it has exited, and what it printed.
type ran struct {
	took           time.Duration
	start          time.Time
	stdout, stderr []byte
}

// exec runs parity with args for p's project.
func (b *bench) exec(ctx context.Context, p parityRun, args ...string) (ran, error) {
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
	r := ran{took: time.Since(start), start: start, stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	if err != nil {
		return r, fmt.Errorf("parity %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return r, nil
}

// up runs `parity up --detach` with extra flags (with --json when tracing)
// and records where the time went under the case's name.
func (b *bench) up(ctx context.Context, name string, p parityRun, flags ...string) (time.Duration, error) {
	args := append([]string{"up", "--detach"}, flags...)
	if b.trace {
		args = append(args, "--json")
	}
	r, err := b.exec(ctx, p, args...)
	if err != nil {
		return 0, err
	}
	if b.trace {
		b.traces[name] = append(b.traces[name], readTrace(r.stdout, r.start, r.took))
	}
	return r.took, nil
}

// coldEmpty is `up --detach --no-templates` in a project parity has never
// seen: fresh state dir, no containers, no volumes, so Postgres runs
// initdb, as it does in the floor's fresh container; the images are
// present. This is what the cold case measured before templates.
func (b *bench) coldEmpty(ctx context.Context, rep int) (time.Duration, error) {
	p, err := b.newProject(fmt.Sprintf("cold%d", rep))
	if err != nil {
		return 0, err
	}
	took, err := b.up(ctx, caseColdEmpty, p, "--no-templates")
	rmErr := rig.RemoveLabelled(rig.RunLabel+"="+b.runID, "dev.parity.project="+p.project)
	if err != nil {
		return 0, err
	}
	return took, rmErr
}

// prime makes the template the template-hit case copies: an unmeasured
// `up --detach` in a project of its own (its db initialises and is kept
// as a template), then `down --volumes`, which leaves the template. It
// fails unless `parity templates` then lists a postgres template.
func (b *bench) prime(ctx context.Context) error {
	p, err := b.newProject("prime")
	if err != nil {
		return err
	}
	r, err := b.exec(ctx, p, "up", "--detach", "--json")
	if err != nil {
		return fmt.Errorf("prime a template: %w", err)
	}
	primedFrom := readyReasons(r.stdout)["db"]
	if _, err := b.exec(ctx, p, "down", "--volumes", "--yes"); err != nil {
		return fmt.Errorf("prime a template: %w", err)
	}
	// PARITY_LABELS narrows the list to the templates this run made.
	r, err = b.exec(ctx, p, "templates", "--format", "json")
	if err != nil {
		return fmt.Errorf("prime a template: %w", err)
	}
	var list []struct {
		Volume string `json:"volume"`
		Kind   string `json:"kind"`
		Size   int64  `json:"size_bytes"`
	}
	if err := json.Unmarshal(r.stdout, &list); err != nil {
		return fmt.Errorf("prime a template: read parity templates --format json: %w\n%s", err, r.stdout)
	}
	for _, t := range list {
		if t.Kind == "postgres" {
			fmt.Printf("template for the template-hit case: %s (%.0f MB)\n", t.Volume, float64(t.Size)/(1<<20))
			return nil
		}
	}
	if primedFrom == "from template" {
		// Another run on this machine left a template of the same key; the
		// priming copied it, so it made none, and the measured runs copy
		// that one. Their own check fails loudly if it goes away.
		fmt.Println("template for the template-hit case: one another run left on this machine (the priming up copied it)")
		return nil
	}
	return fmt.Errorf("prime a template: after up and down --volumes, parity templates lists no postgres template of this run (%s)", bytes.TrimSpace(r.stdout))
}

// coldTemplate is `up --detach` in a project parity has never seen while
// a template of db's key exists: its new data volume gets the template's
// copy instead of initdb. It fails unless db's ready event says "from
// template", so a miss cannot pass for a fast cold start. It always runs
// with --json for that check, and with --debug when tracing, for the
// steps of db's start.
func (b *bench) coldTemplate(ctx context.Context, rep int) (time.Duration, error) {
	p, err := b.newProject(fmt.Sprintf("tmpl%d", rep))
	if err != nil {
		return 0, err
	}
	defer rig.RemoveLabelled(rig.RunLabel+"="+b.runID, "dev.parity.project="+p.project)
	args := []string{"up", "--detach", "--json"}
	if b.trace {
		args = append(args, "--debug")
	}
	r, err := b.exec(ctx, p, args...)
	if err != nil {
		return 0, err
	}
	if reason := readyReasons(r.stdout)["db"]; reason != "from template" {
		return 0, fmt.Errorf("db did not start from the template: its ready event's reason is %q, not \"from template\" (is the template gone? parity templates)", reason)
	}
	if b.trace {
		// Not readTrace: db's ready event times it from the copy's start,
		// so the events cannot tell its start from its probing.
		if err := b.keepDBTrace(ctx, caseColdTemplate, p, r); err != nil {
			return 0, err
		}
	}
	return r.took, rig.RemoveLabelled(rig.RunLabel+"="+b.runID, "dev.parity.project="+p.project)
}

// keepDBTrace reads the steps of db's stop, copy and start from a run's
// --debug lines.
func (b *bench) keepDBTrace(ctx context.Context, name string, p parityRun, r ran) error {
	id, err := rig.Docker(ctx, "inspect", "--format", "{{.Id}}", p.dbContainer())
	if err != nil {
		return err
	}
	b.dbTraces[name] = append(b.dbTraces[name], readDebug(r.stderr, id, p.dbContainer(), r.took))
	return nil
}

// readyReasons are the reasons of the services' ready events in `--json`
// output: "from template" for data copied from a template.
func readyReasons(out []byte) map[string]string {
	reasons := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev jsonEvent
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Phase == "ready" {
			reasons[ev.Source] = ev.Reason
		}
	}
	return reasons
}

// warmAndNoop measures, in one project: `up --detach` with its containers
// stopped (warm), with them running (no-op), and `parity env`; and the
// warm floor, which is `docker start` and the probes.
func (b *bench) warmAndNoop(ctx context.Context) error {
	p, err := b.newProject("warm")
	if err != nil {
		return err
	}
	if _, err := b.exec(ctx, p, "up", "--detach"); err != nil {
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
			r, err := b.exec(ctx, p, "env")
			return r.took, err
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
	Reason  string    `json:"reason"`
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
