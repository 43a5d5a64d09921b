package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parity-dev/parity/bench/internal/rig"
	"github.com/parity-dev/parity/stacks"
)

const (
	pgImage    = "postgres:15" // as the quickstart manifest pins them
	redisImage = "redis:7"
	pgUser     = "app" // the manifest's POSTGRES_USER and POSTGRES_DB

	// repLabel names the repetition a floor container belongs to, so each
	// one is removed before the next case runs.
	repLabel = "dev.parity.bench.rep"
)

// The engine's probe schedule (engine/up.go): start fast, double, cap low;
// each attempt may take up to probeAttempt.
const (
	probeFirst   = 20 * time.Millisecond
	probeMax     = 250 * time.Millisecond
	probeAttempt = 2 * time.Second
	readyTimeout = 3 * time.Minute
)

// floor is the least any tool can take: both containers started with plain
// `docker run`, at once, each polled by parity's own probe on parity's
// schedule until it answers. The time runs from before the first `docker
// run` until both answer.
func (b *bench) floor(ctx context.Context, rep int) (time.Duration, error) {
	pw := rig.RunID() + rig.RunID()
	name := fmt.Sprintf("parity-bench-%s-floor%d", b.runID, rep)
	labels := []string{"--label", rig.TestLabel + "=1", "--label", rig.RunLabel + "=" + b.runID, "--label", repLabel + "=" + name}
	services := []struct {
		image string
		port  string
		args  []string
		creds stacks.Credentials
	}{
		{pgImage, "5432", []string{"-e", "POSTGRES_USER=" + pgUser, "-e", "POSTGRES_PASSWORD=" + pw, "-e", "POSTGRES_DB=" + pgUser},
			stacks.Credentials{User: pgUser, Password: pw, Database: pgUser}},
		{redisImage, "6379", nil, stacks.Credentials{Password: pw}},
	}

	start := time.Now()
	errs := make([]error, len(services))
	var wg sync.WaitGroup
	for i, svc := range services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := append([]string{"run", "-d", "--name", fmt.Sprintf("%s-%d", name, i), "-p", "127.0.0.1::" + svc.port}, labels...)
			args = append(append(args, svc.args...), b.registry+"/library/"+svc.image)
			if svc.image == redisImage {
				args = append(args, "redis-server", "--requirepass", pw, "--appendonly", "yes")
			}
			id, err := rig.Docker(ctx, args...)
			if err != nil {
				errs[i] = err
				return
			}
			port, err := publishedPort(ctx, id, svc.port)
			if err != nil {
				errs[i] = err
				return
			}
			ep := stacks.Endpoint{Host: "127.0.0.1", Port: port, Credentials: svc.creds}
			errs[i] = waitProbe(ctx, stacks.ForImage(svc.image), ep)
		}()
	}
	wg.Wait()
	took := time.Since(start)
	rmErr := rig.RemoveLabelled(rig.RunLabel+"="+b.runID, repLabel+"="+name)
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return took, rmErr
}

// publishedPort is the host port `docker run -p 127.0.0.1::PORT` chose.
func publishedPort(ctx context.Context, id, port string) (int, error) {
	out, err := rig.Docker(ctx, "port", id, port+"/tcp")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(out, "\n") {
		if addr, ok := strings.CutPrefix(strings.TrimSpace(line), "127.0.0.1:"); ok {
			return strconv.Atoi(addr)
		}
	}
	return 0, fmt.Errorf("container %s publishes %s as %q, not on 127.0.0.1", id[:12], port, out)
}

// waitProbe polls a stack's probe on the engine's schedule until it answers.
func waitProbe(ctx context.Context, st stacks.Stack, ep stacks.Endpoint) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	delay := probeFirst
	for {
		pctx, pcancel := context.WithTimeout(ctx, probeAttempt)
		err := st.Probe(pctx, ep)
		pcancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s on port %d not ready: %w (last probe: %v)", st.Kind(), ep.Port, ctx.Err(), err)
		case <-time.After(delay):
		}
		delay = min(2*delay, probeMax)
	}
}
