// Package rig is what parity's benchmarks share: finding the repository,
// building binaries, the test bed's registry, the docker CLI, and removing
// everything a run created by its label. It drives Docker only through the
// CLI, so the benchmarks measure parity's engine code from the outside.
package rig

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Labels every benchmark puts on what it creates: TestLabel=1, so
// `make clean-testbed` finds leftovers, and RunLabel=<run id>, so a run
// removes exactly its own objects. Both go to parity through PARITY_LABELS,
// which refuses every dev.parity.* key but TestLabel (those say which
// project owns an object), so RunLabel lives outside that prefix.
const (
	TestLabel = "dev.parity.test"
	RunLabel  = "parity-bench.run"
)

// RunID is a short random id for one benchmark run.
func RunID() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b[:])
}

// Root is the repository root: the directory of the main module's go.mod.
func Root(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("find module root: run the benchmark from inside the parity repository")
	}
	return filepath.Dir(mod), nil
}

// Build compiles the package pkg (relative to root) into dir and returns
// the binary's path.
func Build(ctx context.Context, root, dir, pkg, name string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", pkg, err, b)
	}
	return out, nil
}

// Registry returns the test bed registry's address: flagValue when set,
// else $PARITY_REGISTRY_MIRROR, else the registry.addr file the test bed
// writes ($PARITY_TESTBED_CACHE, default /var/cache/parity-testbed).
func Registry(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if v := os.Getenv("PARITY_REGISTRY_MIRROR"); v != "" {
		return v, nil
	}
	cache := os.Getenv("PARITY_TESTBED_CACHE")
	if cache == "" {
		cache = "/var/cache/parity-testbed"
	}
	b, err := os.ReadFile(filepath.Join(cache, "registry.addr"))
	if err != nil {
		return "", fmt.Errorf("read registry address: %w (run `make images`, or pass -registry)", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Docker runs the docker CLI and returns its trimmed stdout; the error
// carries stderr.
func Docker(ctx context.Context, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// RemoveLabelled removes the containers (with their anonymous volumes),
// then the networks, then the volumes carrying every label given as
// "key=value". It goes on after an error and returns them all. It uses its
// own deadline so it also works after the run's context was cancelled.
func RemoveLabelled(labels ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var filters []string
	for _, l := range labels {
		filters = append(filters, "--filter", "label="+l)
	}
	var errs []error
	for _, kind := range []struct{ list, rm []string }{
		{[]string{"ps", "-aq"}, []string{"rm", "-f", "-v"}},
		{[]string{"network", "ls", "-q"}, []string{"network", "rm"}},
		{[]string{"volume", "ls", "-q"}, []string{"volume", "rm", "-f"}},
	} {
		out, err := Docker(ctx, append(kind.list, filters...)...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ids := strings.Fields(out); len(ids) > 0 {
			if _, err := Docker(ctx, append(kind.rm, ids...)...); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Labelled lists the containers and volumes still carrying every label
// given as "key=value", as "container NAME" and "volume NAME": what a
// RemoveLabelled left behind.
func Labelled(labels ...string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var filters []string
	for _, l := range labels {
		filters = append(filters, "--filter", "label="+l)
	}
	var left []string
	for _, kind := range []struct {
		what string
		list []string
	}{
		{"container", []string{"ps", "-a", "--format", "{{.Names}}"}},
		{"volume", []string{"volume", "ls", "--format", "{{.Name}}"}},
	} {
		out, err := Docker(ctx, append(kind.list, filters...)...)
		if err != nil {
			return nil, err
		}
		for _, name := range strings.Fields(out) {
			left = append(left, kind.what+" "+name)
		}
	}
	return left, nil
}

// FreePort is a loopback TCP port nobody listened on a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Median is the middle duration of a non-empty sample (the mean of the two
// middle ones for an even count).
func Median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// Min is the smallest duration of a non-empty sample.
func Min(d []time.Duration) time.Duration {
	m := d[0]
	for _, v := range d[1:] {
		m = min(m, v)
	}
	return m
}

// Seconds formats a duration for a table: 1.234s, or 87ms under a second.
func Seconds(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Round(time.Millisecond).Milliseconds())
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}
