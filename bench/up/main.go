// Command up benchmarks `parity up` against what it replaces, in one run:
// the floor (the same images started with plain `docker run` and polled by
// the same probes on the same schedule), parity's cold `up --detach` with
// no template (`--no-templates`: Postgres runs initdb) and with a template
// hit (a copy of the data directory an earlier first start kept), warm and
// no-op `up --detach`, Debian's docker-compose waiting for the manifest's
// own healthchecks, `parity env`, and the data commands: `parity reset db`
// and `parity snapshot restore` of ~100 MB. It prints the median and
// minimum of each and checks issue 3's and issue 14's targets.
//
//	go run ./bench/up [-n 3] [-registry HOST:PORT] [-trace=false]
//
// Everything it creates, the templates parity keeps included, carries
// dev.parity.test=1 and parity-bench.run=<run id> and is removed at the
// end, also after a failure or Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/parity-dev/parity/bench/internal/rig"
)

// Issue 3's targets, and issue 14's (instant data).
const (
	coldFactor     = 1.2
	warmMax        = 1500 * time.Millisecond
	noopMax        = 300 * time.Millisecond
	templateFactor = 0.5
	resetMax       = time.Second
	restoreMax     = 2 * time.Second
)

type bench struct {
	root     string
	registry string
	runID    string
	tmp      string // binaries, state dirs, the compose file
	parity   string // the parity binary
	manifest string // examples/quickstart/compose.yaml, absolute
	n        int
	trace    bool
	results  map[string][]time.Duration
	traces   map[string][]trace
	// floorTraces are the floors' docker and probe times per service.
	floorTraces map[string][]floorTrace
	// dbTraces are the steps of db's copy in the template-hit, reset and
	// restore runs, from parity's --debug lines.
	dbTraces map[string][]dbTrace
	// resetFrom is where each reset took db's data from ("template").
	resetFrom []string
	// snapshotSize is what `snapshot save` reported for the restore case.
	snapshotSize int64
}

func main() {
	n := flag.Int("n", 3, "repetitions of each case")
	registry := flag.String("registry", "", "test bed registry HOST:PORT (default: $PARITY_REGISTRY_MIRROR, else the test bed's registry.addr)")
	traced := flag.Bool("trace", true, "run parity with --json and print where each run's time went")
	flag.Parse()
	if *n < 1 {
		fmt.Fprintln(os.Stderr, "bench/up: -n must be at least 1")
		os.Exit(2)
	}

	// Ctrl-C cancels the run; the signal stays caught until cleanup is done,
	// so a second Ctrl-C cannot interrupt the removal.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	b := &bench{n: *n, trace: *traced, runID: rig.RunID(), results: map[string][]time.Duration{}, traces: map[string][]trace{},
		floorTraces: map[string][]floorTrace{}, dbTraces: map[string][]dbTrace{}}
	err := b.run(ctx, *registry)
	if cerr := b.cleanup(); cerr != nil {
		fmt.Fprintln(os.Stderr, "bench/up: cleanup:", cerr)
		if err == nil {
			err = cerr
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "bench/up: interrupted; everything it created was removed")
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "bench/up:", err)
		os.Exit(1)
	}
}

func (b *bench) run(ctx context.Context, registryFlag string) error {
	var err error
	if b.registry, err = rig.Registry(registryFlag); err != nil {
		return err
	}
	if b.root, err = rig.Root(ctx); err != nil {
		return err
	}
	if b.tmp, err = os.MkdirTemp("", "parity-bench-up-"); err != nil {
		return err
	}
	b.manifest = filepath.Join(b.root, "examples", "quickstart", "compose.yaml")
	fmt.Printf("bench/up: run %s, %d repetitions, registry %s\n", b.runID, b.n, b.registry)
	if b.parity, err = rig.Build(ctx, b.root, b.tmp, "./cmd/parity", "parity"); err != nil {
		return err
	}
	if err := b.checkImages(ctx); err != nil {
		return err
	}
	info, err := describeEngine(ctx)
	if err != nil {
		return err
	}
	compose, err := describeCompose(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("docker engine %s; %s\n", info, compose)

	if err := b.prime(ctx); err != nil {
		return err
	}
	// The cold cases alternate, so a machine that gets busier or quieter
	// during the run weighs on each of them alike.
	for i := range b.n {
		for _, c := range []struct {
			name string
			once func(context.Context, int) (time.Duration, error)
		}{
			{caseFloor, b.floor},
			{caseColdEmpty, b.coldEmpty},
			{caseColdTemplate, b.coldTemplate},
			{caseCompose, b.compose},
		} {
			if err := b.measure(ctx, c.name, func() (time.Duration, error) { return c.once(ctx, i) }); err != nil {
				return err
			}
		}
	}
	if err := b.warmAndNoop(ctx); err != nil {
		return err
	}
	if err := b.resetAndRestore(ctx); err != nil {
		return err
	}
	b.report(compose)
	return nil
}

// checkImages makes sure the mirror's images are present, so no case pulls.
func (b *bench) checkImages(ctx context.Context) error {
	for _, img := range []string{pgImage, redisImage} {
		ref := b.registry + "/library/" + img
		if _, err := rig.Docker(ctx, "image", "inspect", "--format", "{{.Id}}", ref); err != nil {
			if _, err := rig.Docker(ctx, "pull", "-q", ref); err != nil {
				return fmt.Errorf("image %s is not present and cannot be pulled (run `make images`): %w", ref, err)
			}
		}
	}
	return nil
}

func describeEngine(ctx context.Context) (string, error) {
	return rig.Docker(ctx, "version", "--format", "{{.Server.Version}}")
}

// measure runs one repetition of a case and records its time.
func (b *bench) measure(ctx context.Context, name string, once func() (time.Duration, error)) error {
	d, err := once()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	b.results[name] = append(b.results[name], d)
	fmt.Printf("  %-34s #%d %s\n", name, len(b.results[name]), rig.Seconds(d))
	return nil
}

// cleanup removes everything this run created, whatever state it is in,
// the templates parity kept included (they carry PARITY_LABELS, though no
// project label), and fails when anything is left.
func (b *bench) cleanup() error {
	err := rig.RemoveLabelled(rig.RunLabel + "=" + b.runID)
	if left, lerr := rig.Labelled(rig.RunLabel + "=" + b.runID); lerr != nil {
		err = errors.Join(err, lerr)
	} else if len(left) > 0 {
		err = errors.Join(err, fmt.Errorf("left behind: %s", strings.Join(left, ", ")))
	}
	if b.tmp != "" {
		err = errors.Join(err, os.RemoveAll(b.tmp))
	}
	return err
}
