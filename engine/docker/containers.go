package docker

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// Containers lists containers, running or not, carrying all the labels. The
// engine's list has no start time; Inspect fills it.
func (e *Engine) Containers(ctx context.Context, labels map[string]string) ([]Container, error) {
	list, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: labelFilters(labels)})
	if err != nil {
		return nil, e.fail(err, "list containers")
	}
	out := make([]Container, 0, len(list.Items))
	for _, s := range list.Items {
		out = append(out, fromSummary(s))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ContainerByName returns the container with exactly this name. The engine
// also resolves IDs and ID prefixes by that route, so the name is checked.
func (e *Engine) ContainerByName(ctx context.Context, name string) (Container, error) {
	c, err := e.Inspect(ctx, name)
	if err != nil {
		return Container{}, err
	}
	if c.Name != strings.TrimPrefix(name, "/") {
		return Container{}, fmt.Errorf("find container %s: %w", name, ErrNotFound)
	}
	return c, nil
}

// Inspect reads everything parity knows of a container, by ID or name.
func (e *Engine) Inspect(ctx context.Context, id string) (Container, error) {
	r, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return Container{}, e.fail(err, "inspect container "+id)
	}
	return fromInspect(r.Container), nil
}

// Create creates (without starting) the container. Ports are published on
// the host IP given (parity passes 127.0.0.1 so services are not exposed to
// the network), the restart policy is "no" because parity supervises, and a
// name already taken is ErrConflict.
func (e *Engine) Create(ctx context.Context, spec ContainerSpec) (string, error) {
	cfg, host, netCfg, err := toCreate(spec)
	if err != nil {
		return "", fmt.Errorf("create container %s: %w", spec.Name, err)
	}
	resp, err := e.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host, NetworkingConfig: netCfg, Name: spec.Name})
	if err != nil {
		return "", e.fail(err, "create container "+spec.Name)
	}
	return resp.ID, nil
}

// Start starts a created or stopped container. containerd's "task ...
// already exists" (left by an engine that died mid-start) is ErrStaleTask.
func (e *Engine) Start(ctx context.Context, id string) error {
	_, err := e.cli.ContainerStart(ctx, id, client.ContainerStartOptions{})
	if err != nil && staleTask(err) {
		return fmt.Errorf("start container %s: %w", id, &kindError{kind: ErrStaleTask, cause: err})
	}
	return e.fail(err, "start container "+id)
}

// staleTask recognises the runtime's leftovers of a container whose start
// the engine did not finish: containerd's "task <id>: already exists" (Docker
// 20.10+), "container "<id>": already exists" (older engines) and runc's
// "container with id exists". A name taken by another container is a
// different answer ("is already in use") and stays ErrConflict.
func staleTask(err error) bool {
	return staleTaskMessage.MatchString(err.Error())
}

var staleTaskMessage = regexp.MustCompile(`task [0-9a-f]{12,}:? already exists|container "?[0-9a-f]{12,}"?: already exists|container with id exists`)

// Stop sends the stop signal and kills the container after timeout.
func (e *Engine) Stop(ctx context.Context, id string, timeout time.Duration) error {
	_, err := e.cli.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: stopTimeout(timeout)})
	return e.fail(err, "stop container "+id)
}

// Restart stops (killing after timeout) and starts the container again.
func (e *Engine) Restart(ctx context.Context, id string, timeout time.Duration) error {
	_, err := e.cli.ContainerRestart(ctx, id, client.ContainerRestartOptions{Timeout: stopTimeout(timeout)})
	return e.fail(err, "restart container "+id)
}

// Remove force-removes the container but never its volumes: a developer's
// database lives in a named volume and must only go when asked for by name.
func (e *Engine) Remove(ctx context.Context, id string) error {
	// RemoveVolumes removes only the anonymous volumes Docker made for the
	// image's VOLUME paths that parity did not mount over; named volumes —
	// parity's data volumes among them — are never removed by it.
	_, err := e.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	return e.fail(err, "remove container "+id)
}

// Wait waits for the container to be not running and returns its exit code.
func (e *Engine) Wait(ctx context.Context, id string) (int, error) {
	res := e.cli.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-res.Result:
		if r.Error != nil && r.Error.Message != "" {
			return int(r.StatusCode), fmt.Errorf("wait for container %s: %s", id, r.Error.Message)
		}
		return int(r.StatusCode), nil
	case err := <-res.Error:
		return 0, e.fail(err, "wait for container "+id)
	case <-ctx.Done():
		return 0, fmt.Errorf("wait for container %s: %w", id, ctx.Err())
	}
}

// stopTimeout rounds the timeout up to whole seconds, the engine's unit; a
// negative timeout (nil) leaves the container's own default.
func stopTimeout(timeout time.Duration) *int {
	if timeout < 0 {
		return nil
	}
	secs := int(math.Ceil(timeout.Seconds()))
	return &secs
}

// toCreate maps parity's spec onto the engine's create request, using only
// fields API 1.41 knows.
func toCreate(spec ContainerSpec) (*container.Config, *container.HostConfig, *network.NetworkingConfig, error) {
	cfg := &container.Config{
		Image:      spec.Image,
		Env:        spec.Env,
		Cmd:        spec.Cmd,
		Entrypoint: spec.Entrypoint,
		Labels:     spec.Labels,
		User:       spec.User,
		WorkingDir: spec.WorkingDir,
		Hostname:   spec.Hostname,
	}
	host := &container.HostConfig{
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyDisabled},
		ShmSize:       spec.ShmSize,
		ExtraHosts:    spec.ExtraHosts,
	}
	if len(spec.Ports) > 0 {
		cfg.ExposedPorts = network.PortSet{}
		host.PortBindings = network.PortMap{}
		for p, b := range spec.Ports {
			port, err := network.ParsePort(p)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("parse port %q: %w", p, err)
			}
			var hostIP netip.Addr
			if b.HostIP != "" {
				if hostIP, err = netip.ParseAddr(b.HostIP); err != nil {
					return nil, nil, nil, fmt.Errorf("parse host IP of port %q: %w", p, err)
				}
			}
			cfg.ExposedPorts[port] = struct{}{}
			hostPort := ""
			if b.HostPort > 0 {
				hostPort = strconv.Itoa(b.HostPort)
			}
			host.PortBindings[port] = []network.PortBinding{{HostIP: hostIP, HostPort: hostPort}}
		}
	}
	for _, m := range spec.Mounts {
		t := mount.Type(m.Type)
		switch t {
		case mount.TypeVolume, mount.TypeBind, mount.TypeTmpfs:
		default:
			return nil, nil, nil, fmt.Errorf("mount %s: unsupported type %q (want volume, bind or tmpfs)", m.Target, m.Type)
		}
		host.Mounts = append(host.Mounts, mount.Mount{Type: t, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
	}
	if len(spec.Tmpfs) > 0 {
		host.Tmpfs = map[string]string{}
		for _, t := range spec.Tmpfs {
			path, opts, _ := strings.Cut(t, ":")
			host.Tmpfs[path] = opts
		}
	}
	if hc := spec.Healthcheck; hc != nil {
		cfg.Healthcheck = &container.HealthConfig{
			Test:        hc.Test,
			Interval:    hc.Interval,
			Timeout:     hc.Timeout,
			StartPeriod: hc.StartPeriod,
			Retries:     hc.Retries,
		}
	}
	var netCfg *network.NetworkingConfig
	if spec.Network != "" {
		host.NetworkMode = container.NetworkMode(spec.Network)
		netCfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			spec.Network: {Aliases: spec.Aliases},
		}}
	}
	return cfg, host, netCfg, nil
}

func fromSummary(s container.Summary) Container {
	c := Container{
		ID:       s.ID,
		Name:     summaryName(s.Names),
		Image:    s.Image,
		Labels:   s.Labels,
		State:    string(s.State),
		Running:  s.State == container.StateRunning,
		Health:   healthFromStatus(s.Status),
		ExitCode: exitCodeFromStatus(s.Status),
	}
	for _, p := range s.Ports {
		if p.PublicPort == 0 {
			continue
		}
		key := fmt.Sprintf("%d/%s", p.PrivatePort, p.Type)
		if old, ok := c.Ports[key]; ok && !strings.Contains(old.HostIP, ":") {
			continue // keep the IPv4 binding when the engine lists both
		}
		if c.Ports == nil {
			c.Ports = map[string]PortBinding{}
		}
		c.Ports[key] = PortBinding{HostIP: addrString(p.IP), HostPort: int(p.PublicPort)}
	}
	return c
}

// summaryName picks the container's own name; the list also carries legacy
// link names ("/other/alias").
func summaryName(names []string) string {
	for _, n := range names {
		if strings.Count(n, "/") == 1 {
			return strings.TrimPrefix(n, "/")
		}
	}
	if len(names) > 0 {
		return strings.TrimPrefix(names[0], "/")
	}
	return ""
}

// healthFromStatus reads the health the list shows only inside its status
// text: "Up 3 seconds (health: starting)", "Up 1 minute (healthy)".
func healthFromStatus(status string) string {
	switch {
	case strings.HasSuffix(status, "(health: starting)"):
		return "starting"
	case strings.HasSuffix(status, "(unhealthy)"):
		return "unhealthy"
	case strings.HasSuffix(status, "(healthy)"):
		return "healthy"
	}
	return ""
}

// exitCodeFromStatus reads "Exited (137) 5 seconds ago".
func exitCodeFromStatus(status string) int {
	rest, ok := strings.CutPrefix(status, "Exited (")
	if !ok {
		return 0
	}
	code, _, _ := strings.Cut(rest, ")")
	n, _ := strconv.Atoi(code)
	return n
}

func fromInspect(r container.InspectResponse) Container {
	c := Container{ID: r.ID, Name: strings.TrimPrefix(r.Name, "/")}
	if r.Config != nil {
		c.Image = r.Config.Image
		c.Labels = r.Config.Labels
	}
	if s := r.State; s != nil {
		c.State = string(s.Status)
		c.Running = s.Running
		c.ExitCode = s.ExitCode
		c.OOMKilled = s.OOMKilled
		c.Error = s.Error
		if t, err := time.Parse(time.RFC3339Nano, s.StartedAt); err == nil && t.Year() > 1 {
			c.StartedAt = t
		}
		if s.Health != nil {
			c.Health = string(s.Health.Status)
		}
	}
	if r.NetworkSettings != nil {
		for port, bindings := range r.NetworkSettings.Ports {
			for _, b := range bindings {
				hp, err := strconv.Atoi(b.HostPort)
				if err != nil || hp == 0 {
					continue
				}
				if old, ok := c.Ports[port.String()]; ok && !strings.Contains(old.HostIP, ":") {
					continue
				}
				if c.Ports == nil {
					c.Ports = map[string]PortBinding{}
				}
				c.Ports[port.String()] = PortBinding{HostIP: addrString(b.HostIP), HostPort: hp}
			}
		}
	}
	return c
}

// addrString is the address as the engine wrote it, "" when it gave none.
func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
