// Command up benchmarks `parity up` against what it replaces, in one run:
// the floor (the same images started with plain `docker run` and polled by
// the same probes on the same schedule), parity's cold, warm and no-op
// `up --detach`, Debian's docker-compose waiting for the manifest's own
// healthchecks, and `parity env`. It prints the median and minimum of each
// and checks issue 3's targets.
//
//	go run ./bench/up [-n 3] [-registry HOST:PORT] [-trace=false]
//
// Everything it creates carries dev.parity.test=1 and dev.parity.bench=<run
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
	"syscall"
	"time"

	"github.com/parity-dev/parity/bench/internal/rig"
)

// Issue 3's targets.
const (
	coldFactor = 1.2
	warmMax    = 1500 * time.Millisecond
	noopMax    = 300 * time.Millisecond
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

	b := &bench{n: *n, trace: *traced, runID: rig.RunID(), results: map[string][]time.Duration{}, traces: map[string][]trace{}, floorTraces: map[string][]floorTrace{}}
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

	// The three cold cases alternate, so a machine that gets busier or
	// quieter during the run weighs on each of them alike.
	for i := range b.n {
		if err := b.measure(ctx, caseFloor, func() (time.Duration, error) { return b.floor(ctx, i) }); err != nil {
			return err
		}
		if err := b.measure(ctx, caseCold, func() (time.Duration, error) { return b.cold(ctx, i) }); err != nil {
			return err
		}
		if err := b.measure(ctx, caseCompose, func() (time.Duration, error) { return b.compose(ctx, i) }); err != nil {
			return err
		}
	}
	if err := b.warmAndNoop(ctx); err != nil {
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

// cleanup removes everything this run created, whatever state it is in.
func (b *bench) cleanup() error {
	err := rig.RemoveLabelled(rig.RunLabel + "=" + b.runID)
	if b.tmp != "" {
		err = errors.Join(err, os.RemoveAll(b.tmp))
	}
	return err
}
