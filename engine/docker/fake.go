package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Fake is an in-memory Client for other packages' unit tests. It keeps
// images, containers, volumes and networks in maps and behaves like the
// engine where parity depends on it: labels filter lists, names conflict,
// Create needs the image locally, stopped containers lose their host ports,
// Remove keeps named volumes, a volume in use cannot be removed.
//
// Tests script what containers do with Log, Exit, SetHealth and OnStart,
// inject failures with Fail or SetUnreachable, and assert on Calls. All
// methods are safe for concurrent use.
type Fake struct {
	mu         sync.Mutex
	endpoint   string
	images     map[string]string // local ref -> repo digest
	registry   map[string]string // pullable ref -> repo digest
	containers map[string]*fakeContainer
	volumes    map[string]Volume
	sizes      map[string]int64
	// scriptCopies hands parity's copy containers to the OnStart hook
	// instead of running them to completion.
	scriptCopies bool
	networks     map[string]map[string]string // name -> labels
	errs         map[string]error
	calls        []Call
	builds       []BuildSpec
	subs         map[*fakeSub]struct{}
	onStart      func(Container)
	nextID       int
	nextPort     int
}

// Call is one recorded call to the Fake: the Client method and its main
// argument (container ID or name, image ref, volume or network name).
type Call struct {
	Method string
	Arg    string
}

type fakeContainer struct {
	c    Container
	spec ContainerSpec
	logs []LogLine
	// changed is closed and replaced whenever logs or state change, waking
	// Logs followers.
	changed chan struct{}
}

type fakeSub struct {
	labels map[string]string
	queue  []Event
	wake   chan struct{}
}

var _ Client = (*Fake)(nil)

// FakeEndpoint is the Fake's Endpoint.
const FakeEndpoint = "unix:///fake/docker.sock"

// NewFake returns an empty Fake: no images, containers, volumes or networks.
func NewFake() *Fake {
	return &Fake{
		endpoint:   FakeEndpoint,
		images:     map[string]string{},
		registry:   map[string]string{},
		containers: map[string]*fakeContainer{},
		volumes:    map[string]Volume{},
		networks:   map[string]map[string]string{},
		errs:       map[string]error{},
		subs:       map[*fakeSub]struct{}{},
		nextPort:   49153,
	}
}

// AddImage makes ref present locally, as if pulled with the given repo digest.
func (f *Fake) AddImage(ref, digest string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.images[ref] = digest
}

// AddRegistryImage makes ref pullable; pulling a ref not added fails with
// ErrNotFound as a missing tag does.
func (f *Fake) AddRegistryImage(ref, digest string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.registry[ref] = digest
}

// Fail makes every later call to method (a Client method name such as
// "Start", or "*" for all) return err; a nil err clears it.
func (f *Fake) Fail(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.errs, method)
		return
	}
	f.errs[method] = err
}

// SetUnreachable makes every call fail (or stop failing) as it does when the
// engine is down: an error wrapping ErrUnreachable.
func (f *Fake) SetUnreachable(down bool) {
	var err error
	if down {
		err = &unreachableError{endpoint: f.endpoint, cause: errors.New("dial unix /fake/docker.sock: connect: connection refused")}
	}
	f.Fail("*", err)
}

// OnStart sets a hook run after each container start (and restart), outside
// the Fake's lock, so a test can script what the service does: log lines, a
// health change, an early exit.
func (f *Fake) OnStart(fn func(Container)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onStart = fn
}

// ScriptCopies hands parity's copy containers (label dev.parity.helper=copy)
// to the OnStart hook; by default the Fake runs them to completion.
func (f *Fake) ScriptCopies() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scriptCopies = true
}

// Calls returns every call so far, in order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// CallCount returns how many times method was called.
func (f *Fake) CallCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// Spec returns the spec a container was created from.
func (f *Fake) Spec(id string) (ContainerSpec, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fc := f.find(id)
	if fc == nil {
		return ContainerSpec{}, false
	}
	return fc.spec, true
}

// Log appends a line to a container's output, as if the service wrote it.
func (f *Fake) Log(id, stream, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fc := f.find(id)
	if fc == nil {
		return
	}
	fc.logs = append(fc.logs, LogLine{Stream: stream, Text: text, Time: time.Now()})
	fc.touch()
}

// Exit makes a running container exit with code, emitting "die".
func (f *Fake) Exit(id string, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fc := f.find(id); fc != nil && fc.c.Running {
		f.stopLocked(fc, code)
	}
}

// SetHealth sets a container's health ("starting", "healthy", "unhealthy"),
// emitting "health_status: <status>" as the engine does.
func (f *Fake) SetHealth(id, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fc := f.find(id)
	if fc == nil {
		return
	}
	fc.c.Health = status
	fc.touch()
	f.emit(fc, "health_status: "+status, 0)
}

// Emit delivers an event to the subscribers whose labels it carries.
func (f *Fake) Emit(ev Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.publish(ev)
}

// record logs the call and returns the failure configured for it.
func (f *Fake) record(method, arg string) error {
	f.calls = append(f.calls, Call{Method: method, Arg: arg})
	if err, ok := f.errs[method]; ok {
		return err
	}
	return f.errs["*"]
}

func (f *Fake) Endpoint() string { return f.endpoint }

func (f *Fake) Ping(ctx context.Context) (Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Ping", ""); err != nil {
		return Info{}, err
	}
	return Info{Endpoint: f.endpoint, ServerVersion: "20.10.24-fake", APIVersion: "1.41", OS: "linux",
		ClientMinAPI: "1.40", ClientMaxAPI: "1.56"}, nil
}

func (f *Fake) ImagePresent(ctx context.Context, ref string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ImagePresent", ref); err != nil {
		return false, err
	}
	_, ok := f.images[ref]
	return ok, nil
}

// Pull reports a two-layer pull, then makes ref present locally.
func (f *Fake) Pull(ctx context.Context, ref string, progress func(PullProgress)) error {
	f.mu.Lock()
	err := f.record("Pull", ref)
	digest, ok := f.registry[ref]
	f.mu.Unlock()
	if err != nil {
		return err
	}
	if !ok {
		return missingImage(ref, "manifest unknown")
	}
	if progress != nil {
		progress(PullProgress{Ref: ref, Layers: 2, BytesDone: 512, BytesTotal: 2048, Status: "Downloading"})
		progress(PullProgress{Ref: ref, Layers: 2, LayersDone: 2, BytesDone: 2048, BytesTotal: 2048, Status: "Status: Downloaded newer image for " + ref})
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pull image %s: %w", ref, err)
	}
	f.mu.Lock()
	f.images[ref] = digest
	f.mu.Unlock()
	return nil
}

func (f *Fake) ImageDigest(ctx context.Context, ref string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ImageDigest", ref); err != nil {
		return "", err
	}
	d, ok := f.images[ref]
	if !ok {
		return "", fmt.Errorf("inspect image %s: %w", ref, ErrNotFound)
	}
	return d, nil
}

// ImageID is a fake ID derived from the image's digest (or its ref).
func (f *Fake) ImageID(ctx context.Context, ref string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ImageID", ref); err != nil {
		return "", err
	}
	d, ok := f.images[ref]
	if !ok {
		return "", fmt.Errorf("inspect image %s: %w", ref, ErrNotFound)
	}
	sum := sha256.Sum256([]byte(ref + "@" + d))
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Wait returns once the container is not running (Exit, Stop or OnStart
// scripting one that ends).
func (f *Fake) Wait(ctx context.Context, id string) (int, error) {
	for {
		f.mu.Lock()
		if err := f.record("Wait", id); err != nil {
			f.mu.Unlock()
			return 0, err
		}
		fc := f.find(id)
		if fc == nil {
			f.mu.Unlock()
			return 0, noContainer("wait for", id)
		}
		if !fc.c.Running {
			code := fc.c.ExitCode
			f.mu.Unlock()
			return code, nil
		}
		changed := fc.changed
		f.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return 0, fmt.Errorf("wait for container %s: %w", id, ctx.Err())
		}
	}
}

// VolumeSizes reports each volume's size as SetVolumeSize set it, else 0.
func (f *Fake) VolumeSizes(ctx context.Context) (map[string]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("VolumeSizes", ""); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for name := range f.volumes {
		out[name] = f.sizes[name]
	}
	return out, nil
}

// SetVolumeSize sets what VolumeSizes reports for a volume.
func (f *Fake) SetVolumeSize(name string, size int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sizes == nil {
		f.sizes = map[string]int64{}
	}
	f.sizes[name] = size
}

func (f *Fake) Containers(ctx context.Context, labels map[string]string) ([]Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Containers", labelString(labels)); err != nil {
		return nil, err
	}
	var out []Container
	for _, fc := range f.containers {
		if hasLabels(fc.c.Labels, labels) {
			out = append(out, fc.snapshot())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *Fake) ContainerByName(ctx context.Context, name string) (Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ContainerByName", name); err != nil {
		return Container{}, err
	}
	for _, fc := range f.containers {
		if fc.c.Name == strings.TrimPrefix(name, "/") {
			return fc.snapshot(), nil
		}
	}
	return Container{}, fmt.Errorf("find container %s: %w", name, ErrNotFound)
}

// Inspect accepts an ID or a name, as the engine does.
func (f *Fake) Inspect(ctx context.Context, id string) (Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Inspect", id); err != nil {
		return Container{}, err
	}
	fc := f.find(id)
	if fc == nil {
		return Container{}, noContainer("inspect", id)
	}
	return fc.snapshot(), nil
}

func (f *Fake) Create(ctx context.Context, spec ContainerSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Create", spec.Name); err != nil {
		return "", err
	}
	f.nextID++
	id := fmt.Sprintf("%064x", f.nextID)
	name := spec.Name
	if name == "" {
		name = "fake_" + id[len(id)-8:]
	}
	if f.find(name) != nil {
		return "", fmt.Errorf("create container %s: name %w", name, ErrConflict)
	}
	if _, ok := f.images[spec.Image]; !ok {
		return "", fmt.Errorf("create container %s: no such image %s: %w", name, spec.Image, ErrNotFound)
	}
	if spec.Network != "" {
		// The engine's own networks always exist.
		if _, ok := f.networks[spec.Network]; !ok && spec.Network != "none" && spec.Network != "host" && spec.Network != "bridge" {
			return "", fmt.Errorf("create container %s: network %s: %w", name, spec.Network, ErrNotFound)
		}
	}
	for _, m := range spec.Mounts {
		if m.Type == "volume" && m.Source != "" {
			if _, ok := f.volumes[m.Source]; !ok {
				// The engine creates a missing named volume, without labels.
				f.volumes[m.Source] = Volume{Name: m.Source, CreatedAt: time.Now()}
			}
		}
	}
	spec = cloneSpec(spec)
	f.containers[id] = &fakeContainer{
		c:       Container{ID: id, Name: name, Image: spec.Image, Labels: spec.Labels, State: "created"},
		spec:    spec,
		changed: make(chan struct{}),
	}
	f.emit(f.containers[id], "create", 0)
	return id, nil
}

// Start runs the container: host ports given as 0 get a fresh port, health
// is "starting" if the spec has a healthcheck, "start" is emitted and the
// OnStart hook runs. Starting a running container does nothing.
func (f *Fake) Start(ctx context.Context, id string) error {
	f.mu.Lock()
	if err := f.record("Start", id); err != nil {
		f.mu.Unlock()
		return err
	}
	fc := f.find(id)
	if fc == nil {
		f.mu.Unlock()
		return noContainer("start", id)
	}
	if fc.c.Running {
		f.mu.Unlock()
		return nil
	}
	f.startLocked(fc)
	c, hook := fc.snapshot(), f.onStart
	if c.Labels[helperLabel] == "copy" && !f.scriptCopies {
		// parity's volume copy (engine/volumes) runs to completion and
		// prints the copy's size in KiB; the test's hook scripts services.
		fc.logs = append(fc.logs, LogLine{Stream: "stdout", Text: "4", Time: time.Now()})
		f.stopLocked(fc, 0)
		hook = nil
	}
	f.mu.Unlock()
	if hook != nil {
		hook(c)
	}
	return nil
}

// helperLabel marks parity's own short-lived containers (engine/volumes'
// copies), which the Fake runs to completion.
const helperLabel = "dev.parity.helper"

// Stop stops a running container with exit code 0, emitting "die" and "stop".
func (f *Fake) Stop(ctx context.Context, id string, timeout time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Stop", id); err != nil {
		return err
	}
	fc := f.find(id)
	if fc == nil {
		return noContainer("stop", id)
	}
	if fc.c.Running {
		f.stopLocked(fc, 0)
		f.emit(fc, "stop", 0)
	}
	return nil
}

func (f *Fake) Restart(ctx context.Context, id string, timeout time.Duration) error {
	f.mu.Lock()
	if err := f.record("Restart", id); err != nil {
		f.mu.Unlock()
		return err
	}
	fc := f.find(id)
	if fc == nil {
		f.mu.Unlock()
		return noContainer("restart", id)
	}
	if fc.c.Running {
		f.stopLocked(fc, 0)
		f.emit(fc, "stop", 0)
	}
	f.startLocked(fc)
	f.emit(fc, "restart", 0)
	c, hook := fc.snapshot(), f.onStart
	f.mu.Unlock()
	if hook != nil {
		hook(c)
	}
	return nil
}

// Remove removes the container (killing it if running) but not its volumes.
func (f *Fake) Remove(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Remove", id); err != nil {
		return err
	}
	fc := f.find(id)
	if fc == nil {
		return noContainer("remove", id)
	}
	if fc.c.Running {
		f.stopLocked(fc, 137)
	}
	delete(f.containers, fc.c.ID)
	fc.touch()
	f.emit(fc, "destroy", 0)
	return nil
}

// Logs delivers the lines logged so far (the last tail of them if tail>=0)
// and, with follow, new ones until the container stops or ctx ends.
func (f *Fake) Logs(ctx context.Context, id string, follow bool, tail int, line func(LogLine)) error {
	f.mu.Lock()
	if err := f.record("Logs", id); err != nil {
		f.mu.Unlock()
		return err
	}
	fc := f.find(id)
	if fc == nil {
		f.mu.Unlock()
		return noContainer("read logs of", id)
	}
	next := 0
	if tail >= 0 && len(fc.logs) > tail {
		next = len(fc.logs) - tail
	}
	for {
		pending := fc.logs[next:]
		next = len(fc.logs)
		gone := f.containers[fc.c.ID] != fc
		running := fc.c.Running
		changed := fc.changed
		f.mu.Unlock()
		for _, l := range pending {
			if ctx.Err() != nil {
				return nil
			}
			line(l)
		}
		if !follow || !running || gone {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
		f.mu.Lock()
	}
}

func (f *Fake) EnsureNetwork(ctx context.Context, name string, labels map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("EnsureNetwork", name); err != nil {
		return err
	}
	if have, ok := f.networks[name]; ok {
		if !hasLabels(have, labels) {
			return fmt.Errorf("ensure network %s: %w by a network parity did not create (labels %v)", name, ErrConflict, have)
		}
		return nil
	}
	f.networks[name] = cloneLabels(labels)
	return nil
}

func (f *Fake) Networks(ctx context.Context, labels map[string]string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Networks", labelString(labels)); err != nil {
		return nil, err
	}
	var names []string
	for name, have := range f.networks {
		if hasLabels(have, labels) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// RemoveNetwork fails with ErrConflict while a running container uses the network.
func (f *Fake) RemoveNetwork(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("RemoveNetwork", name); err != nil {
		return err
	}
	if _, ok := f.networks[name]; !ok {
		return fmt.Errorf("remove network %s: %w", name, ErrNotFound)
	}
	for _, fc := range f.containers {
		if fc.c.Running && fc.spec.Network == name {
			return fmt.Errorf("remove network %s: %w by container %s", name, ErrConflict, fc.c.Name)
		}
	}
	delete(f.networks, name)
	return nil
}

func (f *Fake) Volume(ctx context.Context, name string) (Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Volume", name); err != nil {
		return Volume{}, err
	}
	v, ok := f.volumes[name]
	if !ok {
		return Volume{}, fmt.Errorf("inspect volume %s: %w", name, ErrNotFound)
	}
	v.Labels = cloneLabels(v.Labels)
	return v, nil
}

// CreateVolume behaves as Engine.CreateVolume: an existing volume with the
// labels is kept, one without them is ErrConflict.
func (f *Fake) CreateVolume(ctx context.Context, name string, labels map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("CreateVolume", name); err != nil {
		return err
	}
	if v, ok := f.volumes[name]; ok {
		if !hasLabels(v.Labels, labels) {
			return fmt.Errorf("create volume %s: %w by a volume parity did not create (labels %v)", name, ErrConflict, v.Labels)
		}
		return nil
	}
	f.volumes[name] = Volume{Name: name, Labels: cloneLabels(labels), CreatedAt: time.Now()}
	return nil
}

func (f *Fake) Volumes(ctx context.Context, labels map[string]string) ([]Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Volumes", labelString(labels)); err != nil {
		return nil, err
	}
	var out []Volume
	for _, v := range f.volumes {
		if hasLabels(v.Labels, labels) {
			v.Labels = cloneLabels(v.Labels)
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// RemoveVolume fails with ErrConflict while any container, running or not,
// mounts the volume, as the engine does.
func (f *Fake) RemoveVolume(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("RemoveVolume", name); err != nil {
		return err
	}
	if _, ok := f.volumes[name]; !ok {
		return fmt.Errorf("remove volume %s: %w", name, ErrNotFound)
	}
	for _, fc := range f.containers {
		for _, m := range fc.spec.Mounts {
			if m.Type == "volume" && m.Source == name {
				return fmt.Errorf("remove volume %s: %w by container %s", name, ErrConflict, fc.c.Name)
			}
		}
	}
	delete(f.volumes, name)
	return nil
}

// Events delivers the events of containers carrying the labels, from now
// until ctx ends. A failure set with Fail("Events", err) is sent on the
// error channel at once.
func (f *Fake) Events(ctx context.Context, labels map[string]string) (<-chan Event, <-chan error) {
	out := make(chan Event)
	errs := make(chan error, 1)
	f.mu.Lock()
	if err := f.record("Events", labelString(labels)); err != nil {
		f.mu.Unlock()
		errs <- err
		close(errs)
		close(out)
		return out, errs
	}
	sub := &fakeSub{labels: cloneLabels(labels), wake: make(chan struct{}, 1)}
	f.subs[sub] = struct{}{}
	f.mu.Unlock()
	go func() {
		defer close(errs)
		defer close(out)
		defer func() {
			f.mu.Lock()
			delete(f.subs, sub)
			f.mu.Unlock()
		}()
		for {
			f.mu.Lock()
			batch := sub.queue
			sub.queue = nil
			f.mu.Unlock()
			for _, ev := range batch {
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-sub.wake:
			}
		}
	}()
	return out, errs
}

// find looks a container up by ID or name; the lock must be held.
func (f *Fake) find(idOrName string) *fakeContainer {
	if fc, ok := f.containers[idOrName]; ok {
		return fc
	}
	name := strings.TrimPrefix(idOrName, "/")
	for _, fc := range f.containers {
		if fc.c.Name == name {
			return fc
		}
	}
	return nil
}

func (f *Fake) startLocked(fc *fakeContainer) {
	fc.c.State, fc.c.Running, fc.c.ExitCode = "running", true, 0
	fc.c.OOMKilled, fc.c.Error = false, ""
	fc.c.StartedAt = time.Now()
	fc.c.Health = ""
	if fc.spec.Healthcheck != nil {
		fc.c.Health = "starting"
	}
	fc.c.Ports = nil
	for port, b := range fc.spec.Ports {
		if fc.c.Ports == nil {
			fc.c.Ports = map[string]PortBinding{}
		}
		if b.HostPort == 0 {
			b.HostPort = f.nextPort
			f.nextPort++
		}
		if b.HostIP == "" {
			b.HostIP = "0.0.0.0"
		}
		fc.c.Ports[port] = b
	}
	fc.touch()
	f.emit(fc, "start", 0)
}

func (f *Fake) stopLocked(fc *fakeContainer, code int) {
	fc.c.State, fc.c.Running, fc.c.ExitCode = "exited", false, code
	fc.c.Ports = nil
	fc.touch()
	f.emit(fc, "die", code)
}

// emit publishes a container event; the lock must be held.
func (f *Fake) emit(fc *fakeContainer, action string, code int) {
	f.publish(Event{
		ContainerID: fc.c.ID,
		Name:        fc.c.Name,
		Labels:      cloneLabels(fc.c.Labels),
		Action:      action,
		ExitCode:    code,
		Time:        time.Now(),
	})
}

func (f *Fake) publish(ev Event) {
	for sub := range f.subs {
		if !hasLabels(ev.Labels, sub.labels) {
			continue
		}
		sub.queue = append(sub.queue, ev)
		select {
		case sub.wake <- struct{}{}:
		default:
		}
	}
}

func (fc *fakeContainer) touch() {
	close(fc.changed)
	fc.changed = make(chan struct{})
}

// snapshot copies the container so callers cannot alias the Fake's maps.
func (fc *fakeContainer) snapshot() Container {
	c := fc.c
	c.Labels = cloneLabels(c.Labels)
	if c.Ports != nil {
		ports := make(map[string]PortBinding, len(c.Ports))
		for k, v := range c.Ports {
			ports[k] = v
		}
		c.Ports = ports
	}
	return c
}

func noContainer(doing, id string) error {
	return fmt.Errorf("%s container %s: %w", doing, id, ErrNotFound)
}

func cloneLabels(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneSpec(s ContainerSpec) ContainerSpec {
	s.Env = append([]string(nil), s.Env...)
	s.Cmd = append([]string(nil), s.Cmd...)
	s.Entrypoint = append([]string(nil), s.Entrypoint...)
	s.Labels = cloneLabels(s.Labels)
	if s.Ports != nil {
		ports := make(map[string]PortBinding, len(s.Ports))
		for k, v := range s.Ports {
			ports[k] = v
		}
		s.Ports = ports
	}
	s.Mounts = append([]Mount(nil), s.Mounts...)
	s.Tmpfs = append([]string(nil), s.Tmpfs...)
	s.Aliases = append([]string(nil), s.Aliases...)
	if s.Healthcheck != nil {
		hc := *s.Healthcheck
		hc.Test = append([]string(nil), hc.Test...)
		s.Healthcheck = &hc
	}
	return s
}

// labelString renders labels for the call log, sorted.
func labelString(labels map[string]string) string {
	parts := make([]string, 0, len(labels))
	for k, v := range labels {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Build records the build and makes spec.Tag present locally. Like the
// engine with no registry reachable, it fails when an image the Dockerfile
// starts FROM is not present locally. The ID is a hash of the Dockerfile
// text, args and target, so a changed Dockerfile gives a new image.
func (f *Fake) Build(ctx context.Context, spec BuildSpec, output func(line string)) (string, error) {
	id, err := f.build(spec)
	if err == nil && output != nil {
		output("Successfully built " + id[7:19])
	}
	return id, err
}

func (f *Fake) build(spec BuildSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Build", spec.Tag); err != nil {
		return "", err
	}
	content := spec.DockerfileContent
	if content == nil {
		name := spec.Dockerfile
		if name == "" {
			name = "Dockerfile"
		}
		b, err := os.ReadFile(filepath.Join(spec.ContextDir, name))
		if err != nil {
			return "", fmt.Errorf("build image %s: %w", spec.Tag, err)
		}
		content = b
	}
	stages := map[string]bool{}
	for _, line := range strings.Split(string(content), "\n") {
		words := strings.Fields(line)
		if len(words) < 2 || !strings.EqualFold(words[0], "FROM") {
			continue
		}
		words = words[1:]
		for len(words) > 1 && strings.HasPrefix(words[0], "--") {
			words = words[1:]
		}
		ref := words[0]
		if len(words) >= 3 && strings.EqualFold(words[1], "AS") {
			stages[strings.ToLower(words[2])] = true
		}
		if _, ok := f.images[ref]; !ok && !stages[strings.ToLower(ref)] && !strings.EqualFold(ref, "scratch") {
			return "", fmt.Errorf("build image %s: FROM %s: not present locally and no registry reachable: %w", spec.Tag, ref, ErrNotFound)
		}
	}
	h := sha256.New()
	h.Write(content)
	for _, k := range sortedKeys(spec.Args) {
		fmt.Fprintf(h, "\x00%s=%s", k, spec.Args[k])
	}
	fmt.Fprintf(h, "\x00%s", spec.Target)
	id := "sha256:" + hex.EncodeToString(h.Sum(nil))
	spec.Args, spec.Labels = cloneLabels(spec.Args), cloneLabels(spec.Labels)
	spec.DockerfileContent = content
	f.builds = append(f.builds, spec)
	f.images[spec.Tag] = ""
	return id, nil
}

// Builds returns every successful build so far, with the Dockerfile text sent.
func (f *Fake) Builds() []BuildSpec {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]BuildSpec(nil), f.builds...)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Subscribers is how many event streams are open: a test waits for a
// watcher to listen before it makes something happen.
func (f *Fake) Subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}
