//go:build linux

package privengine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

// TestDockerPrivateEngineServesKillsRestartsAndLeavesNothing: the private
// engine runs a container whose port answers inside its namespace, leaves the
// host's docker0 alone, runs its own containerd, comes back quickly after
// kill -9, and its teardown leaves no process, cgroup or directory.
func TestDockerPrivateEngineServesKillsRestartsAndLeavesNothing(t *testing.T) {
	testbed.RequireEngine(t)
	hadDocker0 := exec.Command("ip", "link", "show", "docker0").Run() == nil
	e := Start(t)
	if hadDocker0 && exec.Command("ip", "link", "show", "docker0").Run() != nil {
		t.Fatal("the host's docker0 is gone after starting a private engine")
	}
	if _, err := os.Stat(filepath.Join(e.Dir, "exec", "containerd", "containerd.sock")); err != nil {
		t.Fatalf("the private dockerd did not start its own containerd: %v\n%s", err, e.logTail(20))
	}

	e.LoadTinyRedis(t)
	e.Docker(t, "network", "create", "--label", testbed.TestLabel+"=1", "pe-net")
	e.Docker(t, "run", "-d", "--name", "tiny", "--label", testbed.TestLabel+"=1", "--network", "pe-net",
		"-p", "127.0.0.1:6379:6379", "redis:7")
	ping := func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		out, err := e.Command(ctx, "bash", "-c",
			`exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && head -c 7 <&3`).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := ping()
		if err == nil && out == "+PONG" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tinyredis in the private engine's namespace: %q, %v", out, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	if err := e.Kill(); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("docker", "-H", e.Host, "version").CombinedOutput(); err == nil {
		t.Fatalf("the engine still answers after Kill:\n%s", out)
	}
	start := time.Now()
	e.Restart(t)
	took := time.Since(start)
	t.Logf("restart after kill -9 answered in %v", took.Round(time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("restart after kill -9 took %v; the reaper should make it quick", took)
	}
	if got := e.Docker(t, "inspect", "-f", "{{.State.Status}}", "tiny"); got == "" {
		t.Fatal("the container is unknown after restart")
	}

	pidNS := e.pidNS
	e.teardown()
	if nsHasProcesses(pidNS) {
		t.Error("processes are left in the private engine's PID namespace after teardown")
	}
	if _, err := os.Stat(e.Dir); !os.IsNotExist(err) {
		t.Errorf("%s is left after teardown: %v", e.Dir, err)
	}
	if left, _ := filepath.Glob("/sys/fs/cgroup/*/" + e.cgroup); len(left) > 0 {
		t.Errorf("cgroups left after teardown: %v", left)
	}
}
