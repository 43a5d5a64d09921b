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
	probeMax     = 100 * time.Millisecond
	probeAttempt = 2 * time.Second
	readyTimeout = 3 * time.Minute
)

// floorService is one of the floor's containers.
type floorService struct {
	svc   string // the manifest's service name
	image string // as pinned
	port  string // container port
	args  []string
	cmd   []string
	creds stacks.Credentials
	id    string
	ep    stacks.Endpoint
}

// floorPair is the floor's db and cache, configured as parity configures
// them (the manifest's user, database and command, a generated password).
type floorPair struct {
	name     string
	services []*floorService
}

func (b *bench) newFloorPair(name string) *floorPair {
	pw := rig.RunID() + rig.RunID()
	return &floorPair{name: fmt.Sprintf("parity-bench-%s-%s", b.runID, name), services: []*floorService{
		{svc: "db", image: pgImage, port: "5432",
			args:  []string{"-e", "POSTGRES_USER=" + pgUser, "-e", "POSTGRES_PASSWORD=" + pw, "-e", "POSTGRES_DB=" + pgUser},
			creds: stacks.Credentials{User: pgUser, Password: pw, Database: pgUser}},
		{svc: "cache", image: redisImage, port: "6379",
			cmd:   []string{"redis-server", "--requirepass", pw, "--appendonly", "yes"},
			creds: stacks.Credentials{Password: pw}},
	}}
}

// floorTrace is how long each service's docker command and probing took.
type floorTrace struct {
	docker, probe map[string]time.Duration
}

// both runs step (docker run or docker start) for each service at once and
// then polls its probe; it returns the time until both answer.
func (b *bench) both(ctx context.Context, p *floorPair, step func(*floorService) error) (time.Duration, floorTrace, error) {
	tr := floorTrace{docker: map[string]time.Duration{}, probe: map[string]time.Duration{}}
	var mu sync.Mutex
	start := time.Now()
	errs := make([]error, len(p.services))
	var wg sync.WaitGroup
	for i, fs := range p.services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			if errs[i] = step(fs); errs[i] != nil {
				return
			}
			t1 := time.Now()
			errs[i] = waitProbe(ctx, stacks.ForImage(fs.image), fs.ep)
			mu.Lock()
			tr.docker[fs.svc], tr.probe[fs.svc] = t1.Sub(t0), time.Since(t1)
			mu.Unlock()
		}()
	}
	wg.Wait()
	took := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return 0, tr, err
		}
	}
	return took, tr, nil
}

// runFloorService is `docker run -d -p 127.0.0.1:HOSTPORT:PORT` and
// finding the port it chose. hostPort "" lets Docker choose, as the brief
// for the floor says; the warm floor pins one, as parity does, so that
// `docker start` keeps it and needs no `docker port` after it.
func (b *bench) runFloorService(ctx context.Context, p *floorPair, fs *floorService, hostPort string) error {
	args := []string{"run", "-d", "--name", p.name + "-" + fs.svc, "-p", "127.0.0.1:" + hostPort + ":" + fs.port,
		"--label", rig.TestLabel + "=1", "--label", rig.RunLabel + "=" + b.runID, "--label", repLabel + "=" + p.name}
	args = append(append(append(args, fs.args...), b.registry+"/library/"+fs.image), fs.cmd...)
	id, err := rig.Docker(ctx, args...)
	if err != nil {
		return err
	}
	port, err := publishedPort(ctx, id, fs.port)
	if err != nil {
		return err
	}
	fs.id, fs.ep = id, stacks.Endpoint{Host: "127.0.0.1", Port: port, Credentials: fs.creds}
	return nil
}

// floor is the least any tool can take from nothing: both containers
// started with plain `docker run`, at once, each polled by parity's own
// probe on parity's schedule until it answers. The time runs from before
// the first `docker run` until both answer.
func (b *bench) floor(ctx context.Context, rep int) (time.Duration, error) {
	p := b.newFloorPair(fmt.Sprintf("floor%d", rep))
	took, tr, err := b.both(ctx, p, func(fs *floorService) error { return b.runFloorService(ctx, p, fs, "") })
	rmErr := rig.RemoveLabelled(rig.RunLabel+"="+b.runID, repLabel+"="+p.name)
	if err != nil {
		return 0, err
	}
	b.floorTraces[caseFloor] = append(b.floorTraces[caseFloor], tr)
	return took, rmErr
}

// floorWarm is the least any tool can take to bring back stopped
// containers: `docker start` of both at once (with a port published again,
// as Docker does on start) and the same probes.
func (b *bench) floorWarm(ctx context.Context) error {
	p := b.newFloorPair("floorwarm")
	defer rig.RemoveLabelled(rig.RunLabel+"="+b.runID, repLabel+"="+p.name)
	_, _, err := b.both(ctx, p, func(fs *floorService) error {
		port, err := rig.FreePort()
		if err != nil {
			return err
		}
		return b.runFloorService(ctx, p, fs, strconv.Itoa(port))
	})
	if err != nil {
		return fmt.Errorf("set up the warm floor: %w", err)
	}
	for range b.n {
		ids := []string{"stop"}
		for _, fs := range p.services {
			ids = append(ids, fs.id)
		}
		if _, err := rig.Docker(ctx, ids...); err != nil {
			return err
		}
		err := b.measure(ctx, caseFloorWarm, func() (time.Duration, error) {
			took, tr, err := b.both(ctx, p, func(fs *floorService) error {
				_, err := rig.Docker(ctx, "start", fs.id)
				return err
			})
			b.floorTraces[caseFloorWarm] = append(b.floorTraces[caseFloorWarm], tr)
			return took, err
		})
		if err != nil {
			return err
		}
	}
	return nil
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
