//go:build linux

package privengine

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

// reaperEnv carries the reaper's configuration (JSON) when the test binary
// is re-executed as the private engine's reaper.
const reaperEnv = "PARITY_PRIVENGINE_REAPER"

// The reaper is this same test binary started again with reaperEnv set: no
// separate program has to be built, and any package's tests that import
// privengine can start one. It must take over before the test framework runs,
// hence init and os.Exit.
func init() {
	if cfg := os.Getenv(reaperEnv); cfg != "" {
		os.Exit(reap(cfg))
	}
}

type reaperConfig struct {
	Dockerd []string // argv
	Log     string   // dockerd's stdout and stderr
	// Containerd, when set, is started once, before dockerd first starts,
	// and left running when dockerd is killed or stopped.
	Containerd    []string
	ContainerdLog string
}

const prSetChildSubreaper = 36

// replyPrefix marks the reaper's answers, apart from anything else the test
// binary's packages might print while starting.
const replyPrefix = "privengine-reaper:"

// reap prepares the namespaces it was started in, then obeys one command a
// line on stdin, answering "ok" or "error ..." (after replyPrefix) on stdout:
//
//	hello  answer, to show the namespaces are set up
//	start  start dockerd (if it is not running)
//	kill   SIGKILL dockerd and wait until it is reaped
//	stop   SIGTERM dockerd (SIGKILL after 20s) and wait until it is reaped
//
// At the end of stdin it exits; being PID 1 of the namespace, its exit makes
// the kernel kill every process left in it.
func reap(cfgJSON string) int {
	var cfg reaperConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "reaper: read config: %v\n", err)
		return 2
	}
	if err := setup(); err != nil {
		fmt.Fprintf(os.Stderr, "reaper: %v\n", err)
		return 2
	}
	r := &reaper{cfg: cfg}
	r.collect()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var err error
		switch in.Text() {
		case "hello":
		case "start":
			err = r.start()
		case "kill":
			err = r.signal(syscall.SIGKILL, 0)
		case "stop":
			err = r.signal(syscall.SIGTERM, 20*time.Second)
		default:
			err = fmt.Errorf("unknown command %q", in.Text())
		}
		if err != nil {
			fmt.Printf("%s error %v\n", replyPrefix, err)
		} else {
			fmt.Printf("%s ok\n", replyPrefix)
		}
	}
	return 0
}

// setup makes the new mount namespace private with its own /proc, hides any
// system containerd's socket directory and brings up loopback.
func setup() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return fmt.Errorf("become subreaper: %w", errno)
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	if err := syscall.Mount("proc", "/proc", "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	// dockerd adopts a containerd at /run/containerd/containerd.sock if one
	// is there instead of starting its own; shims put their sockets there.
	if err := os.MkdirAll("/run/containerd", 0o711); err != nil {
		return err
	}
	if err := syscall.Mount("tmpfs", "/run/containerd", "tmpfs", 0, "mode=0711"); err != nil {
		return fmt.Errorf("mount tmpfs on /run/containerd: %w", err)
	}
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		return fmt.Errorf("bring up lo: %v: %s", err, out)
	}
	return nil
}

type reaper struct {
	cfg        reaperConfig
	containerd bool // started
	mu         sync.Mutex
	pid        int           // dockerd's, 0 when not running
	gone       chan struct{} // closed when dockerd has been reaped
}

// collect reaps every child and orphan as it exits (this process is PID 1 of
// the namespace), noting when it is dockerd.
func (r *reaper) collect() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGCHLD)
	go func() {
		for range sigs {
			for {
				var ws syscall.WaitStatus
				pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
				if err != nil || pid <= 0 {
					break
				}
				r.mu.Lock()
				if pid == r.pid {
					r.pid = 0
					close(r.gone)
				}
				r.mu.Unlock()
			}
		}
	}()
}

func (r *reaper) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pid != 0 {
		return fmt.Errorf("dockerd is running (pid %d)", r.pid)
	}
	if len(r.cfg.Containerd) > 0 && !r.containerd {
		if _, err := spawn(r.cfg.Containerd, r.cfg.ContainerdLog); err != nil {
			return err
		}
		r.containerd = true
	}
	pid, err := spawn(r.cfg.Dockerd, r.cfg.Log)
	if err != nil {
		return err
	}
	r.pid = pid
	r.gone = make(chan struct{})
	return nil
}

// spawn starts argv with its output appended to logPath. Not os/exec: its
// Wait would race the reaping loop for the exit status.
func spawn(argv []string, logPath string) (int, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return 0, err
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return 0, err
	}
	defer devnull.Close()
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{
		Env:   withoutReaperEnv(os.Environ()),
		Files: []uintptr{devnull.Fd(), logf.Fd(), logf.Fd()},
	})
	if err != nil {
		return 0, fmt.Errorf("start %s: %w", argv[0], err)
	}
	return pid, nil
}

// signal sends sig to dockerd and waits until it is reaped; after grace
// (if >0) it sends SIGKILL.
func (r *reaper) signal(sig syscall.Signal, grace time.Duration) error {
	r.mu.Lock()
	pid, gone := r.pid, r.gone
	r.mu.Unlock()
	if pid == 0 {
		return fmt.Errorf("dockerd is not running")
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("signal dockerd: %w", err)
	}
	if grace > 0 {
		select {
		case <-gone:
			return nil
		case <-time.After(grace):
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	select {
	case <-gone:
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("dockerd (pid %d) still there 30s after %v", pid, sig)
	}
}

func withoutReaperEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, reaperEnv+"=") {
			out = append(out, kv)
		}
	}
	return out
}
