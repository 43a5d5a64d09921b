// Package testbed is the harness for parity's end-to-end tests against a real
// Docker engine. It drives the engine only through the docker CLI (os/exec),
// so it does not depend on parity's own engine code, which is what those
// tests exercise.
//
// The engine cannot pull from the internet here; the service images are built
// from Debian packages by testbed/ensure.sh and served by a local registry on
// 127.0.0.1. `make test` runs ensure.sh and passes the registry's address in
// PARITY_TEST_REGISTRY.
//
// Everything a test creates carries the labels TestLabel=1 and
// ProjectLabel=<project>, and Project registers a cleanup that removes it.
package testbed

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// TestLabel marks every container, network and volume a test created.
	TestLabel = "dev.parity.test"
	// ProjectLabel names the test project (see Project) a resource belongs to.
	ProjectLabel = "dev.parity.project"
	// RegistryEnv holds the local registry's address, 127.0.0.1:PORT.
	RegistryEnv = "PARITY_TEST_REGISTRY"
	// CacheEnv overrides DefaultCacheDir, as for testbed/*.sh.
	CacheEnv = "PARITY_TESTBED_CACHE"
	// DefaultCacheDir is where testbed/*.sh keep their state, registry.addr among it.
	DefaultCacheDir = "/var/cache/parity-testbed"

	// HowToRun is what a skipped test tells the developer.
	HowToRun = "run `make test` (or `eval \"$(testbed/ensure.sh)\"` before `go test`)"
)

// InCI reports whether the CI environment variable is set to a true value.
// In CI, a missing engine or registry fails the tests instead of skipping them.
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// CacheDir is the testbed scripts' state directory.
func CacheDir() string {
	if d := os.Getenv(CacheEnv); d != "" {
		return d
	}
	return DefaultCacheDir
}

// RegistryAddrFile is the file testbed/registry.sh writes the address to.
func RegistryAddrFile() string { return filepath.Join(CacheDir(), "registry.addr") }

// unavailable fails the test in CI and skips it elsewhere.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s (CI=true, so this is a failure, not a skip)", msg)
	}
	t.Skipf("%s; %s", msg, HowToRun)
}

var engineOnce struct {
	sync.Once
	err error
}

// RequireEngine skips the test (fails it when CI=true) unless `docker info`
// answers.
func RequireEngine(t testing.TB) {
	t.Helper()
	engineOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, engineOnce.err = Docker(ctx, "info", "--format", "{{.ServerVersion}}")
	})
	if engineOnce.err != nil {
		unavailable(t, "the Docker engine must be running for this test, and `docker info` failed: %v", engineOnce.err)
	}
}

// Registry returns the local registry's address (127.0.0.1:PORT) from
// PARITY_TEST_REGISTRY or else registry.addr, after checking that it answers
// GET /v2/. It skips the test (fails it when CI=true) when there is none.
func Registry(t testing.TB) string {
	t.Helper()
	RequireEngine(t)
	addr := strings.TrimSpace(os.Getenv(RegistryEnv))
	from := "$" + RegistryEnv
	if addr == "" {
		b, err := os.ReadFile(RegistryAddrFile())
		if err != nil {
			unavailable(t, "no test registry: $%s is empty and %s is unreadable (%v)", RegistryEnv, RegistryAddrFile(), err)
		}
		addr, from = strings.TrimSpace(string(b)), RegistryAddrFile()
	}
	if err := registryAnswers(addr); err != nil {
		unavailable(t, "the test registry %s (from %s) does not answer: %v", addr, from, err)
	}
	return addr
}

func registryAnswers(addr string) error {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/v2/")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /v2/: %s", resp.Status)
	}
	return nil
}

// Docker runs the docker CLI and returns its trimmed stdout. The error
// includes stderr.
func Docker(ctx context.Context, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// MustDocker is Docker with a two-minute deadline that fails the test on error.
func MustDocker(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := Docker(ctx, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	projectsMu sync.Mutex
	projects   []string
	unsafeName = regexp.MustCompile(`[^a-z0-9]+`)
)

// Project returns a fresh Compose-valid project name for this test,
// pt-<test name>-<random>, and registers a cleanup that removes every
// container, then network, then volume labelled with TestLabel=1 and this
// project, whether the test passed or not.
func Project(t testing.TB) string {
	t.Helper()
	name := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 40 {
		name = strings.TrimRight(name[:40], "-")
	}
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	project := "pt-" + name + "-" + hex.EncodeToString(b[:])
	projectsMu.Lock()
	projects = append(projects, project)
	projectsMu.Unlock()
	t.Cleanup(func() {
		if err := CleanupProject(project); err != nil {
			t.Errorf("cleanup of project %s: %v", project, err)
		}
	})
	return project
}

// Labels are the labels every resource of project carries.
func Labels(project string) map[string]string {
	return map[string]string{TestLabel: "1", ProjectLabel: project}
}

func labelFilters(project string) []string {
	return []string{"--filter", "label=" + TestLabel + "=1", "--filter", "label=" + ProjectLabel + "=" + project}
}

// CleanupProject removes the containers (forcibly, with their anonymous
// volumes), then the networks, then the volumes labelled with TestLabel=1 and
// ProjectLabel=project. It goes on after an error and returns all of them.
func CleanupProject(project string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs []error
	for _, kind := range []struct{ list, rm []string }{
		{[]string{"ps", "-aq"}, []string{"rm", "-f", "-v"}},
		{[]string{"network", "ls", "-q"}, []string{"network", "rm"}},
		{[]string{"volume", "ls", "-q"}, []string{"volume", "rm", "-f"}},
	} {
		out, err := Docker(ctx, append(kind.list, labelFilters(project)...)...)
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

// Leftovers lists the containers, networks and volumes that still carry the
// label of a project Project made in this process (for a TestMain check).
func Leftovers() ([]string, error) {
	projectsMu.Lock()
	ps := append([]string(nil), projects...)
	projectsMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var left []string
	for _, p := range ps {
		for _, list := range [][]string{
			{"ps", "-a", "--format", "{{.Names}}"},
			{"network", "ls", "--format", "{{.Name}}"},
			{"volume", "ls", "--format", "{{.Name}}"},
		} {
			out, err := Docker(ctx, append(list, labelFilters(p)...)...)
			if err != nil {
				return left, err
			}
			for _, n := range strings.Fields(out) {
				left = append(left, list[0]+" "+n+" (project "+p+")")
			}
		}
	}
	return left, nil
}

// WaitFor polls cond every 100ms until it reports true, and fails the test
// with cond's last reason once timeout has passed.
func WaitFor(t testing.TB, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	if err := Poll(timeout, cond); err != nil {
		t.Fatal(err)
	}
}

// Poll is WaitFor returning an error instead of failing a test.
func Poll(timeout time.Duration, cond func() (bool, string)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, reason := cond()
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up after %s: %s", timeout, reason)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var pulled sync.Map // ref -> *pullOnce

type pullOnce struct {
	sync.Once
	err error
}

// PullFresh removes the local tag ref (only that tag: the image's other names
// stay) and pulls it again, so the test really goes through the registry.
// It does so once per ref per test process.
func PullFresh(t testing.TB, ref string) {
	t.Helper()
	v, _ := pulled.LoadOrStore(ref, &pullOnce{})
	p := v.(*pullOnce)
	p.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if _, err := Docker(ctx, "image", "inspect", ref); err == nil {
			if _, err := Docker(ctx, "rmi", ref); err != nil {
				p.err = err
				return
			}
		}
		_, p.err = Docker(ctx, "pull", "-q", ref)
	})
	if p.err != nil {
		t.Fatalf("pull %s: %v", ref, p.err)
	}
}

// RunOptions describes a test-only container started by Run.
type RunOptions struct {
	Image string
	// Env is passed as -e K=V.
	Env map[string]string
	// Ports are container ports ("5432" or "5432/tcp") published on 127.0.0.1
	// only, on ports the engine picks.
	Ports []string
	// Binds are -v host:container[:opts] mounts.
	Binds []string
	// Args follow the image (the command, or the entrypoint's arguments).
	Args []string
	// Extra are more `docker run` flags.
	Extra []string
}

// Container is a test-only container started by Run.
type Container struct {
	ID      string
	Project string
	Image   string
}

// Run starts a detached container labelled for project (see Project) and
// returns it; Project's cleanup removes it.
func Run(t testing.TB, project string, o RunOptions) *Container {
	t.Helper()
	args := []string{"run", "-d"}
	labels := Labels(project)
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--label", k+"="+labels[k])
	}
	envKeys := make([]string, 0, len(o.Env))
	for k := range o.Env {
		envKeys = append(envKeys, k)
	}
	sort.Strings(envKeys)
	for _, k := range envKeys {
		args = append(args, "-e", k+"="+o.Env[k])
	}
	for _, p := range o.Ports {
		args = append(args, "-p", "127.0.0.1::"+p)
	}
	for _, b := range o.Binds {
		args = append(args, "-v", b)
	}
	args = append(args, o.Extra...)
	args = append(args, o.Image)
	args = append(args, o.Args...)
	id := MustDocker(t, args...)
	return &Container{ID: id, Project: project, Image: o.Image}
}

// HostAddr returns the 127.0.0.1:PORT the container port (e.g. "5432") is
// published on.
func (c *Container) HostAddr(t testing.TB, port string) string {
	t.Helper()
	if !strings.Contains(port, "/") {
		port += "/tcp"
	}
	out := MustDocker(t, "port", c.ID, port)
	for _, line := range strings.Split(out, "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "127.0.0.1:") {
			return line
		}
	}
	t.Fatalf("container %s: port %s is not published on 127.0.0.1: %q", c.ID[:12], port, out)
	return ""
}

// HostPort returns only the port of HostAddr.
func (c *Container) HostPort(t testing.TB, port string) string {
	t.Helper()
	addr := c.HostAddr(t, port)
	return addr[strings.LastIndex(addr, ":")+1:]
}

// Logs returns the container's stdout and stderr so far, interleaved.
func (c *Container) Logs(t testing.TB) string {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", "logs", c.ID)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker logs %s: %v: %s", c.ID[:12], err, out.String())
	}
	return out.String()
}

// Exec runs a command in the container and returns its output.
func (c *Container) Exec(t testing.TB, cmd ...string) string {
	t.Helper()
	return MustDocker(t, append([]string{"exec", c.ID}, cmd...)...)
}

// Wait waits up to timeout for the container to stop and returns its exit
// code.
func (c *Container) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := Docker(ctx, "wait", c.ID)
	if err != nil {
		t.Fatalf("container %s did not stop within %s: %v\n%s", c.ID[:12], timeout, err, c.Logs(t))
	}
	code, err := strconv.Atoi(out)
	if err != nil {
		t.Fatalf("docker wait %s: %q", c.ID[:12], out)
	}
	return code
}

// LogFollower reads a container's log (stdout and stderr) line by line as
// it is written, from the start.
type LogFollower struct {
	cmd    *exec.Cmd
	lines  chan string
	cancel context.CancelFunc
}

// FollowLogs starts `docker logs -f`; Close (registered as a cleanup) stops it.
func (c *Container) FollowLogs(t testing.TB) *LogFollower {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "docker", "logs", "-f", c.ID)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	f := &LogFollower{cmd: cmd, lines: make(chan string, 1024), cancel: cancel}
	go func() {
		_ = cmd.Wait()
		pw.Close()
	}()
	go func() {
		defer close(f.lines)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case f.lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(f.Close)
	return f
}

// Next returns the next line containing substr, and every line read up to
// and including it. ok is false when the log ended or timeout passed first.
func (f *LogFollower) Next(substr string, timeout time.Duration) (line string, seen []string, ok bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case l, open := <-f.lines:
			if !open {
				return "", seen, false
			}
			seen = append(seen, l)
			if strings.Contains(l, substr) {
				return l, seen, true
			}
		case <-timer.C:
			return "", seen, false
		}
	}
}

// Close stops following.
func (f *LogFollower) Close() { f.cancel() }

// CopyRepo copies the directory src into a fresh temporary directory with
// an empty .git directory, so code that looks for the repository root
// stops there, and returns the copy's path.
func CopyRepo(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	if err := os.Mkdir(filepath.Join(dst, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}
