package docker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/parity-dev/parity/internal/testbed"
)

// End-to-end tests against the real engine. They use the testbed's loopback
// registry (nothing can be pulled from Docker Hub here) and label everything
// with testbed.Labels so the testbed removes what a failed test leaves.

func newEngine(t *testing.T) *Engine {
	t.Helper()
	testbed.RequireEngine(t)
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// ensureImage pulls ref unless it is already present.
func ensureImage(t *testing.T, ctx context.Context, e *Engine, ref string) {
	t.Helper()
	ok, err := e.ImagePresent(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		if err := e.Pull(ctx, ref, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDockerPing(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	info, err := e.Ping(ctx)
	if err != nil {
		t.Fatal(err)
	}
	server, err := e.cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK speaks 1.5x; against an older engine (1.41 on this machine)
	// it must have negotiated down to the engine's version.
	if info.APIVersion != server.APIVersion {
		t.Errorf("negotiated API %s, engine speaks %s", info.APIVersion, server.APIVersion)
	}
	// The client's floor must reach this engine's API: an SDK release that
	// refuses anything below 1.44 would lock out Docker 20.10.
	if info.ClientMinAPI == "" || !apiAtMost(info.ClientMinAPI, info.APIVersion) || !apiAtMost(info.APIVersion, info.ClientMaxAPI) {
		t.Errorf("negotiated API %s outside the client's range %s–%s", info.APIVersion, info.ClientMinAPI, info.ClientMaxAPI)
	}
	if info.ServerVersion == "" || info.OS == "" || info.Endpoint != e.Endpoint() {
		t.Errorf("info = %+v", info)
	}
	t.Logf("engine %s, API %s, at %s", info.ServerVersion, info.APIVersion, info.Endpoint)
}

// apiAtMost compares API versions "1.41" <= "1.56".
func apiAtMost(a, b string) bool {
	var amaj, amin, bmaj, bmin int
	fmt.Sscanf(a, "%d.%d", &amaj, &amin)
	fmt.Sscanf(b, "%d.%d", &bmaj, &bmin)
	return amaj < bmaj || (amaj == bmaj && amin <= bmin)
}

func TestDockerPullReportsProgress(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ref := testbed.Registry(t) + "/library/redis:7"
	// Untag only this registry-qualified name so the pull really runs.
	if _, err := e.cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{}); err != nil && !errors.Is(e.fail(err, ""), ErrNotFound) {
		t.Fatal(err)
	}
	if ok, _ := e.ImagePresent(ctx, ref); ok {
		t.Fatalf("%s still present after removal", ref)
	}
	var mu sync.Mutex
	var reports []PullProgress
	err := e.Pull(ctx, ref, func(p PullProgress) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) == 0 {
		t.Fatal("no progress reported")
	}
	final := reports[len(reports)-1]
	if final.Ref != ref || final.Layers == 0 || final.LayersDone != final.Layers {
		t.Errorf("final progress = %+v", final)
	}
	if ok, err := e.ImagePresent(ctx, ref); !ok || err != nil {
		t.Errorf("ImagePresent after pull = %v, %v", ok, err)
	}
	digest, err := e.ImageDigest(ctx, ref)
	if err != nil || !strings.HasPrefix(digest, "sha256:") {
		t.Errorf("ImageDigest = %q, %v", digest, err)
	}
	t.Logf("%d reports, final %+v, digest %s", len(reports), final, digest)
}

func TestDockerPullMissingTag(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	reg := testbed.Registry(t)
	ref := reg + "/library/redis:0.0.0-missing"
	err := e.Pull(ctx, ref, func(PullProgress) {})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	want := "image " + ref + " not found in registry " + reg
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %q, want it to start with %q", err, want)
	}
	t.Log(err)
	if ok, _ := e.ImagePresent(ctx, ref); ok {
		t.Error("missing tag present after the failed pull")
	}
}

func TestDockerRedisLifecycle(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	project := testbed.Project(t)
	labels := testbed.Labels(project)
	ref := testbed.Registry(t) + "/library/redis:7"
	ensureImage(t, ctx, e, ref)

	network, volume, name := project+"_default", project+"_redis-data", project+"-redis"
	if err := e.EnsureNetwork(ctx, network, labels); err != nil {
		t.Fatal(err)
	}
	if err := e.EnsureNetwork(ctx, network, labels); err != nil {
		t.Errorf("ensuring the network again: %v", err)
	}
	if err := e.CreateVolume(ctx, volume, labels); err != nil {
		t.Fatal(err)
	}

	evCtx, stopEvents := context.WithCancel(ctx)
	defer stopEvents()
	events, evErrs := e.Events(evCtx, labels)

	spec := ContainerSpec{
		Name:   name,
		Image:  ref,
		Env:    []string{"PARITY_TEST=1"},
		Labels: labels,
		Ports:  map[string]PortBinding{"6379/tcp": {HostIP: "127.0.0.1"}},
		Mounts: []Mount{{Type: "volume", Source: volume, Target: "/data"}},
		Tmpfs:  []string{"/scratch:size=1m"},
		Healthcheck: &Healthcheck{
			Test:     []string{"CMD", "redis-cli", "ping"},
			Interval: time.Second, Timeout: 2 * time.Second, Retries: 30,
		},
		Network:    network,
		Aliases:    []string{"redis"},
		ExtraHosts: []string{"host.docker.internal:host-gateway", "api.internal:10.0.0.5"},
	}
	id, err := e.Create(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Create(ctx, spec); !errors.Is(err, ErrConflict) {
		t.Errorf("second create with the same name: err = %v, want ErrConflict", err)
	}
	if err := e.Start(ctx, id); err != nil {
		t.Fatal(err)
	}

	c, err := e.Inspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	binding := c.Ports["6379/tcp"]
	if !c.Running || c.Name != name || c.Image != ref || c.StartedAt.IsZero() || binding.HostIP != "127.0.0.1" || binding.HostPort == 0 {
		t.Errorf("inspected = %+v", c)
	}
	inspected, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw := inspected.Container
	for port, bs := range raw.NetworkSettings.Ports {
		for _, b := range bs {
			if b.HostIP.String() != "127.0.0.1" {
				t.Errorf("%s published on %q, want 127.0.0.1 only", port, b.HostIP)
			}
		}
	}
	if got := raw.NetworkSettings.Networks[network]; got == nil || !slices.Contains(got.Aliases, "redis") {
		t.Errorf("network %s endpoint = %+v, want alias redis", network, got)
	}
	if raw.HostConfig.RestartPolicy.Name != "no" {
		t.Errorf("restart policy = %q", raw.HostConfig.RestartPolicy.Name)
	}
	if !slices.Equal(raw.HostConfig.ExtraHosts, spec.ExtraHosts) {
		t.Errorf("extra hosts = %q, want %q", raw.HostConfig.ExtraHosts, spec.ExtraHosts)
	}
	// The engine maps host-gateway to its address for the host, so a service
	// can call back to an app running there.
	out, err := exec.CommandContext(ctx, "docker", "-H", e.Endpoint(), "exec", id, "getent", "hosts", "host.docker.internal", "api.internal").CombinedOutput()
	if err != nil {
		t.Errorf("getent hosts in the container: %v: %s", err, out)
	}
	hosts := strings.Fields(string(out))
	if !slices.Contains(hosts, "host.docker.internal") || !slices.Contains(hosts, "api.internal") || !slices.Contains(hosts, "10.0.0.5") || net.ParseIP(hosts[0]) == nil {
		t.Errorf("container resolves %q, want host.docker.internal and api.internal", out)
	}

	// It is a real redis answering on the loopback port.
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(binding.HostPort))
	testbed.WaitFor(t, 30*time.Second, func() (bool, string) { return redisPing(addr), "redis answering PONG on " + addr })

	list, err := e.Containers(ctx, labels)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != id || !list[0].Running || list[0].Ports["6379/tcp"] != binding {
		t.Errorf("Containers(%v) = %+v", labels, list)
	}
	if byName, err := e.ContainerByName(ctx, name); err != nil || byName.ID != id {
		t.Errorf("ContainerByName = %+v, %v", byName, err)
	}
	if _, err := e.ContainerByName(ctx, id[:12]); !errors.Is(err, ErrNotFound) {
		t.Errorf("ContainerByName(ID prefix): err = %v, want ErrNotFound", err)
	}

	testbed.WaitFor(t, 60*time.Second, func() (bool, string) {
		c, err := e.Inspect(ctx, id)
		return err == nil && c.Health == "healthy", fmt.Sprintf("health %q (%v)", c.Health, err)
	})

	// Logs without follow end on their own with redis's startup lines.
	var lines []LogLine
	if err := e.Logs(ctx, id, false, -1, func(l LogLine) { lines = append(lines, l) }); err != nil {
		t.Fatal(err)
	}
	if !anyLine(lines, "Ready to accept connections") {
		t.Errorf("logs lack the ready line: %+v", lines)
	}
	for _, l := range lines {
		if l.Time.IsZero() || l.Stream == "" {
			t.Errorf("line without time or stream: %+v", l)
		}
	}
	var tail []LogLine
	if err := e.Logs(ctx, id, false, 1, func(l LogLine) { tail = append(tail, l) }); err != nil || len(tail) != 1 {
		t.Errorf("tail 1 gave %d lines, %v", len(tail), err)
	}

	// A following reader returns nil when its ctx ends.
	followCtx, stopFollow := context.WithCancel(ctx)
	followed := make(chan error, 1)
	gotLine := make(chan struct{}, 1)
	go func() {
		followed <- e.Logs(followCtx, id, true, 1, func(LogLine) {
			select {
			case gotLine <- struct{}{}:
			default:
			}
		})
	}()
	select {
	case <-gotLine:
	case <-time.After(30 * time.Second):
		t.Fatal("following logs delivered nothing")
	}
	stopFollow()
	select {
	case err := <-followed:
		if err != nil {
			t.Errorf("Logs after cancel = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Logs did not return after cancel")
	}

	if err := e.RemoveNetwork(ctx, network); !errors.Is(err, ErrConflict) {
		t.Errorf("removing a network a running container uses: err = %v, want ErrConflict", err)
	}

	if err := e.Stop(ctx, id, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	seen := map[string]Event{}
	deadline := time.After(30 * time.Second)
	for seen["start"].Action == "" || seen["die"].Action == "" || seen["health_status: healthy"].Action == "" {
		select {
		case ev := <-events:
			if ev.ContainerID != id || ev.Name != name || ev.Labels["dev.parity.project"] != labels["dev.parity.project"] {
				t.Errorf("event = %+v", ev)
			}
			if strings.HasPrefix(ev.Action, "exec_") {
				t.Errorf("healthcheck exec event not filtered: %+v", ev)
			}
			seen[ev.Action] = ev
		case err := <-evErrs:
			t.Fatalf("event stream broke: %v", err)
		case <-deadline:
			t.Fatalf("events seen %v, want start, health_status: healthy and die", slices.Collect(maps.Keys(seen)))
		}
	}
	if die := seen["die"]; die.Time.IsZero() || die.ExitCode != 0 {
		t.Errorf("die event = %+v (redis exits 0 on SIGTERM)", die)
	}
	stopEvents()
	for range events {
	}
	if err, open := <-evErrs; open && err != nil {
		t.Errorf("event error after cancel: %v", err)
	}

	c, err = e.Inspect(ctx, id)
	if err != nil || c.Running || c.State != "exited" || c.Ports != nil {
		t.Errorf("stopped container = %+v, %v", c, err)
	}
	if err := e.RemoveVolume(ctx, volume); !errors.Is(err, ErrConflict) {
		t.Errorf("removing a volume a container mounts: err = %v, want ErrConflict", err)
	}
	if err := e.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Inspect(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("inspect removed container: err = %v, want ErrNotFound", err)
	}
	if _, err := e.Volume(ctx, volume); err != nil {
		t.Errorf("Remove lost the named volume: %v", err)
	}
	if err := e.Remove(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: err = %v, want ErrNotFound", err)
	}
	if err := e.RemoveNetwork(ctx, network); err != nil {
		t.Error(err)
	}
	if err := e.RemoveVolume(ctx, volume); err != nil {
		t.Error(err)
	}
}

func TestDockerRestart(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	project := testbed.Project(t)
	labels := testbed.Labels(project)
	ref := testbed.Registry(t) + "/library/redis:7"
	ensureImage(t, ctx, e, ref)
	id, err := e.Create(ctx, ContainerSpec{Name: project + "-restart", Image: ref, Labels: labels,
		Cmd: []string{"redis-server", "--save", ""},
		// A tmpfs over the image's VOLUME /data, or the engine would make an
		// anonymous volume that Remove (keeping volumes) leaves behind.
		Mounts: []Mount{{Type: "tmpfs", Target: "/data"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	before, err := e.Inspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Restart(ctx, id, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	after, err := e.Inspect(ctx, id)
	if err != nil || !after.Running || !after.StartedAt.After(before.StartedAt) {
		t.Errorf("after restart = %+v (started %v before), %v", after, before.StartedAt, err)
	}
	if err := e.Remove(ctx, id); err != nil {
		t.Error(err)
	}
}

func TestDockerVolumeRoundTrip(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	project := testbed.Project(t)
	labels := testbed.Labels(project)
	name := project + "_data"
	if _, err := e.Volume(ctx, name); !errors.Is(err, ErrNotFound) {
		t.Fatalf("volume before creation: err = %v, want ErrNotFound", err)
	}
	if err := e.CreateVolume(ctx, name, labels); err != nil {
		t.Fatal(err)
	}
	v, err := e.Volume(ctx, name)
	if err != nil || v.Name != name || !hasLabels(v.Labels, labels) || v.CreatedAt.IsZero() {
		t.Errorf("Volume = %+v, %v", v, err)
	}
	if err := e.CreateVolume(ctx, name, labels); err != nil {
		t.Errorf("creating own volume again: %v", err)
	}
	other := maps.Clone(labels)
	other["dev.parity.service"] = "postgres"
	if err := e.CreateVolume(ctx, name, other); !errors.Is(err, ErrConflict) {
		t.Errorf("volume without the asked labels: err = %v, want ErrConflict", err)
	}
	vols, err := e.Volumes(ctx, labels)
	if err != nil || len(vols) != 1 || vols[0].Name != name {
		t.Errorf("Volumes = %+v, %v", vols, err)
	}
	if err := e.RemoveVolume(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Volume(ctx, name); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed volume: err = %v, want ErrNotFound", err)
	}
	if err := e.RemoveVolume(ctx, name); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: err = %v, want ErrNotFound", err)
	}
}

func TestDockerNetworkNotReusedWithoutLabels(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	project := testbed.Project(t)
	labels := testbed.Labels(project)
	name := project + "_net"
	if err := e.EnsureNetwork(ctx, name, labels); err != nil {
		t.Fatal(err)
	}
	other := maps.Clone(labels)
	other["dev.parity.owner"] = "someone-else"
	err := e.EnsureNetwork(ctx, name, other)
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), name) {
		t.Errorf("network without the asked labels: err = %v, want ErrConflict naming it", err)
	}
	names, err := e.Networks(ctx, labels)
	if err != nil || len(names) != 1 || names[0] != name {
		t.Errorf("Networks = %v, %v", names, err)
	}
	if err := e.RemoveNetwork(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveNetwork(ctx, name); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: err = %v, want ErrNotFound", err)
	}
}

func TestDockerUnreachableHost(t *testing.T) {
	testbed.RequireEngine(t)
	// A second client next to a working engine still reports its own endpoint.
	e, err := NewAt("unix:///nonexistent.sock")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	_, err = e.Ping(testCtx(t))
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "unix:///nonexistent.sock") {
		t.Errorf("err = %v, want ErrUnreachable naming the endpoint", err)
	}
}

// redisPing speaks just enough RESP to know redis answers.
func redisPing(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprint(conn, "PING\r\n"); err != nil {
		return false
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.TrimSpace(reply) == "+PONG"
}

func anyLine(lines []LogLine, substr string) bool {
	for _, l := range lines {
		if strings.Contains(l.Text, substr) {
			return true
		}
	}
	return false
}
