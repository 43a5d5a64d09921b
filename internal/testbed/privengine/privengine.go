//go:build linux

// Package privengine starts a private Docker engine for tests that kill,
// restart, pause or delay an engine: those must never touch the shared host
// engine that every other test uses.
//
// The private dockerd runs under a small reaper (this test binary re-executed,
// see reaper.go) that is PID 1 of its own PID, mount and network namespaces:
//
//   - network: a dockerd with --bridge none in the host namespace deletes the
//     host's docker0 and breaks every other container. Inside its own namespace
//     it owns nothing of the host's. The API socket is a file, so the host still
//     reaches it; published ports are on the namespace's loopback, so a client
//     that must reach a service's port runs in the namespace (Command).
//   - PID: the reaper adopts whatever dockerd leaves behind when it is killed
//     (its containerd, shims, runc init), so a restart after kill -9 finds no
//     zombies and answers in a fraction of a second; and when the reaper exits
//     the kernel kills everything left in the namespace, which is the teardown.
//   - mount: /proc matches the PID namespace, /run/containerd is a private
//     tmpfs (so dockerd starts its own containerd rather than adopting a system
//     one, and shim sockets stay private), and every mount the engine makes
//     disappears with the namespace.
//
// It needs root; in CI (CI=true) a private engine that cannot start fails the
// test instead of skipping it.
package privengine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

// Engine is a running private dockerd.
type Engine struct {
	// Host is the engine's address for DOCKER_HOST: "unix:///tmp/pe-.../docker.sock".
	Host string
	// Dir holds the engine's socket, roots, config and logs.
	Dir string

	mu      sync.Mutex
	reaper  *exec.Cmd
	control io.WriteCloser
	replies *bufio.Scanner
	pidNS   string
	cgroup  string
	down    sync.Once
}

// readyTimeout bounds how long dockerd may take to answer after a (re)start.
const readyTimeout = 60 * time.Second

// Option changes how the private engine runs.
type Option func(*settings)

type settings struct {
	flags      []string
	containerd bool
}

// LiveRestore keeps containers running while dockerd is down and after it
// restarts (--live-restore). Without it, a dockerd that comes back after a
// crash stops the containers it finds still running, as a restarted Docker
// Desktop or systemd docker.service does.
func LiveRestore() Option { return Flags("--live-restore") }

// Flags passes more flags to dockerd, e.g. a runtime wrapper that slows
// container creation so a test can kill the engine in the middle of a start.
func Flags(flags ...string) Option {
	return func(s *settings) { s.flags = append(s.flags, flags...) }
}

// SeparateContainerd runs containerd beside dockerd instead of under it, as
// docker.service beside containerd.service (Docker CE's packages) does:
// killing dockerd then leaves containerd, and the tasks it was creating,
// running. By default dockerd starts its own containerd, which dies with it.
func SeparateContainerd() Option { return func(s *settings) { s.containerd = true } }

// Start starts a private dockerd and waits until it answers. Its teardown
// (registered with t.Cleanup) kills it and everything it started and removes
// its directories.
func Start(t testing.TB, opts ...Option) *Engine {
	t.Helper()
	if err := usable(); err != nil {
		if testbed.InCI() {
			t.Fatalf("start private docker engine: %v", err)
		}
		t.Skipf("start private docker engine: %v", err)
	}
	// Not t.TempDir: a unix socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "pe-")
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{
		Host:   "unix://" + filepath.Join(dir, "docker.sock"),
		Dir:    dir,
		cgroup: "parity-" + filepath.Base(dir),
	}
	t.Cleanup(e.teardown)
	if err := os.WriteFile(filepath.Join(dir, "daemon.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := reaperConfig{
		Dockerd: []string{
			"dockerd",
			"--host", e.Host,
			"--data-root", filepath.Join(dir, "data"),
			"--exec-root", filepath.Join(dir, "exec"),
			"--pidfile", filepath.Join(dir, "docker.pid"),
			// The host's /etc/docker/daemon.json names a data root and
			// storage driver that conflict with ours.
			"--config-file", filepath.Join(dir, "daemon.json"),
			"--storage-driver", "vfs",
			"--iptables=false",
			"--ip-masq=false",
			"--bridge", "none",
			"--cgroup-parent", "/" + e.cgroup,
		},
		Log: filepath.Join(dir, "dockerd.log"),
	}
	var set settings
	for _, o := range opts {
		o(&set)
	}
	if set.containerd {
		ctrd := filepath.Join(dir, "ctrd")
		toml := filepath.Join(dir, "containerd.toml")
		// Not the host's /etc/containerd/config.toml; no CRI, which would
		// want a CNI setup of its own.
		conf := "version = 2\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
		if err := os.WriteFile(toml, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg.Containerd = []string{
			"containerd", "--config", toml,
			"--address", filepath.Join(ctrd, "containerd.sock"),
			"--root", filepath.Join(ctrd, "root"),
			"--state", filepath.Join(ctrd, "state"),
		}
		cfg.ContainerdLog = filepath.Join(dir, "containerd.log")
		cfg.Dockerd = append(cfg.Dockerd, "--containerd", filepath.Join(ctrd, "containerd.sock"))
	}
	cfg.Dockerd = append(cfg.Dockerd, set.flags...)
	if err := e.startReaper(cfg); err != nil {
		t.Fatalf("start private docker engine: %v", err)
	}
	e.Restart(t)
	return e
}

// usable says why this machine cannot run a private engine, if it cannot.
func usable() error {
	if os.Geteuid() != 0 {
		return errors.New("needs root (namespaces, mounts and dockerd); run the tests as root")
	}
	for _, tool := range []string{"dockerd", "containerd", "runc", "ip", "docker"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("find %s: %w (install docker.io and iproute2)", tool, err)
		}
	}
	return nil
}

func (e *Engine) startReaper(cfg reaperConfig) error {
	data, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(e.Dir, "reaper.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), reaperEnv+"="+string(data))
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID,
	}
	e.control, err = cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start reaper in new namespaces: %w", err)
	}
	e.reaper = cmd
	e.replies = bufio.NewScanner(out)
	e.pidNS, _ = os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", cmd.Process.Pid))
	return e.ask("hello")
}

// ask sends one command to the reaper and waits for its answer.
func (e *Engine) ask(command string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := fmt.Fprintln(e.control, command); err != nil {
		return fmt.Errorf("send %s to reaper: %w (see %s)", command, err, filepath.Join(e.Dir, "reaper.log"))
	}
	var reply string
	for {
		if !e.replies.Scan() {
			return fmt.Errorf("reaper ended before answering %s (see %s)", command, filepath.Join(e.Dir, "reaper.log"))
		}
		if r, ok := strings.CutPrefix(e.replies.Text(), replyPrefix+" "); ok {
			reply = r
			break
		}
	}
	if msg, failed := strings.CutPrefix(reply, "error "); failed {
		return fmt.Errorf("%s: %s", command, msg)
	}
	return nil
}

// Kill kills dockerd with SIGKILL, as a crash or an OOM kill would, and waits
// until it is gone. Its containerd and the containers keep running.
func (e *Engine) Kill() error { return e.ask("kill") }

// Stop stops dockerd with SIGTERM (SIGKILL after 20s) and waits until it is gone.
func (e *Engine) Stop() error { return e.ask("stop") }

// Restart starts dockerd again on the same roots (after Kill or Stop, or for
// the first time) and waits until it answers.
func (e *Engine) Restart(t testing.TB) {
	t.Helper()
	if err := e.ask("start"); err != nil {
		t.Fatalf("start private dockerd: %v", err)
	}
	if err := e.waitAnswer(readyTimeout); err != nil {
		t.Fatalf("private dockerd at %s: %v\n%s", e.Host, err, e.logTail(30))
	}
}

// waitAnswer polls the engine's /_ping until it answers 200.
func (e *Engine) waitAnswer(timeout time.Duration) error {
	sock := strings.TrimPrefix(e.Host, "unix://")
	client := &http.Client{
		Timeout: time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}},
	}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://docker/_ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/_ping answered %s", resp.Status)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no answer within %v: %v", timeout, last)
}

// NetNS is the path of the engine's network namespace, for nsenter --net.
func (e *Engine) NetNS() string { return fmt.Sprintf("/proc/%d/ns/net", e.reaper.Process.Pid) }

// Command prepares a command that runs inside the engine's network namespace,
// where its containers' published ports are (on 127.0.0.1), with DOCKER_HOST
// set to the engine. The rest of its environment is the caller's to set.
func (e *Engine) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"--net=" + e.NetNS(), "--", name}, args...)...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+e.Host)
	return cmd
}

// Docker runs the docker CLI against the private engine and returns its
// trimmed output; a failure fails the test.
func (e *Engine) Docker(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", append([]string{"-H", e.Host}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker -H %s %s: %v\n%s", e.Host, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// LoadImage copies an image from the host engine into the private one. The
// private engine stores layers with vfs, which copies each in full: keep
// the images small.
func (e *Engine) LoadImage(t testing.TB, ref string) {
	t.Helper()
	save := exec.Command("docker", "save", ref)
	load := exec.Command("docker", "-H", e.Host, "load", "-q")
	pipe, err := save.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	load.Stdin = pipe
	var saveErr, loadOut strings.Builder
	save.Stderr = &saveErr
	load.Stdout, load.Stderr = &loadOut, &loadOut
	if err := save.Start(); err != nil {
		t.Fatalf("docker save %s: %v", ref, err)
	}
	loadErr := load.Run()
	if err := save.Wait(); err != nil {
		t.Fatalf("docker save %s: %v\n%s", ref, err, saveErr.String())
	}
	if loadErr != nil {
		t.Fatalf("docker -H %s load (%s): %v\n%s", e.Host, ref, loadErr, loadOut.String())
	}
}

// TinyRedisImage is the host engine's tag of the tinyredis test image.
const TinyRedisImage = "redis:7-parity-tiny"

// LoadTinyRedis builds tinyredis into a FROM-scratch image on the host
// engine, copies it into the private engine and tags it redis:7 there, so
// parity's redis stack takes it for the official image. The host's image is
// removed when the test ends.
func (e *Engine) LoadTinyRedis(t testing.TB) {
	t.Helper()
	BuildTinyRedis(t)
	e.LoadImage(t, TinyRedisImage)
	e.Docker(t, "tag", TinyRedisImage, "redis:7")
}

// BuildTinyRedis builds TinyRedisImage on the host engine, labelled as a
// test's, and removes it when the test ends.
func BuildTinyRedis(t testing.TB) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(file), "tinyredis")
	ctxDir := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(ctxDir, "tinyredis"), ".")
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build tinyredis: %v\n%s", err, out)
	}
	dockerfile := "FROM scratch\nCOPY tinyredis /tinyredis\nEXPOSE 6379\nENTRYPOINT [\"/tinyredis\"]\n"
	if err := os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	img := exec.Command("docker", "build", "-q", "--label", testbed.TestLabel+"=1", "-t", TinyRedisImage, ctxDir)
	img.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := img.CombinedOutput(); err != nil {
		t.Fatalf("docker build %s: %v\n%s", TinyRedisImage, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", TinyRedisImage).Run() })
}

func (e *Engine) logTail(n int) string {
	data, _ := os.ReadFile(filepath.Join(e.Dir, "dockerd.log"))
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// teardown ends the reaper, which takes every process of the namespace with
// it (dockerd, containerd, shims, runc init, containers) and with them every
// mount; then it removes the cgroups and directories left behind.
func (e *Engine) teardown() { e.down.Do(e.remove) }

func (e *Engine) remove() {
	if e.reaper != nil && e.reaper.Process != nil {
		e.control.Close()
		done := make(chan struct{})
		go func() { _ = e.reaper.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = e.reaper.Process.Kill()
			<-done
		}
		waitEmpty(e.pidNS, 10*time.Second)
	}
	removeCgroups(e.cgroup, 10*time.Second)
	_ = os.RemoveAll(e.Dir)
}

// waitEmpty waits until no process is left in the PID namespace ns (its
// /proc/PID/ns/pid link text), as the kernel kills them after PID 1 exits.
func waitEmpty(ns string, timeout time.Duration) {
	if ns == "" {
		return
	}
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !nsHasProcesses(ns) {
			return
		}
	}
}

func nsHasProcesses(ns string) bool {
	entries, _ := os.ReadDir("/proc")
	for _, d := range entries {
		if d.Name()[0] < '0' || d.Name()[0] > '9' {
			continue
		}
		if link, err := os.Readlink("/proc/" + d.Name() + "/ns/pid"); err == nil && link == ns {
			return true
		}
	}
	return false
}

// removeCgroups removes the engine's cgroup parent (and the containers'
// cgroups under it) from every hierarchy, deepest first. A cgroup can only
// go once its processes are gone, hence the retries.
func removeCgroups(name string, timeout time.Duration) {
	roots, _ := filepath.Glob("/sys/fs/cgroup/*/" + name)
	if top := "/sys/fs/cgroup/" + name; exists(top) {
		roots = append(roots, top)
	}
	for deadline := time.Now().Add(timeout); len(roots) > 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var left []string
		for _, root := range roots {
			var dirs []string
			_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
				if err == nil && d.IsDir() {
					dirs = append(dirs, p)
				}
				return nil
			})
			for i := len(dirs) - 1; i >= 0; i-- {
				_ = syscall.Rmdir(dirs[i])
			}
			if exists(root) {
				left = append(left, root)
			}
		}
		roots = left
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
