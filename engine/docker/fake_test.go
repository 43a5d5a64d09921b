package docker

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

var shop = map[string]string{"dev.parity.project": "shop"}

func newFakeWithRedis(t *testing.T) (*Fake, string) {
	t.Helper()
	f := NewFake()
	f.AddImage("redis:7", "sha256:aaaa")
	id, err := f.Create(context.Background(), ContainerSpec{
		Name:   "shop-redis",
		Image:  "redis:7",
		Labels: shop,
		Ports:  map[string]PortBinding{"6379/tcp": {HostIP: "127.0.0.1"}},
		Mounts: []Mount{{Type: "volume", Source: "shop-redis-data", Target: "/data"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, id
}

func TestFakePull(t *testing.T) {
	ctx := context.Background()
	f := NewFake()
	f.AddRegistryImage("postgres:15", "sha256:1234")
	if ok, _ := f.ImagePresent(ctx, "postgres:15"); ok {
		t.Fatal("image present before pull")
	}
	var last PullProgress
	if err := f.Pull(ctx, "postgres:15", func(p PullProgress) { last = p }); err != nil {
		t.Fatal(err)
	}
	if last.Layers == 0 || last.LayersDone != last.Layers {
		t.Errorf("final progress = %+v", last)
	}
	if ok, _ := f.ImagePresent(ctx, "postgres:15"); !ok {
		t.Error("image absent after pull")
	}
	if d, _ := f.ImageDigest(ctx, "postgres:15"); d != "sha256:1234" {
		t.Errorf("digest = %q", d)
	}
	err := f.Pull(ctx, "postgres:15.99", nil)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("pull of a missing tag: err = %v, want ErrNotFound", err)
	}
}

func TestFakeCreateRules(t *testing.T) {
	ctx := context.Background()
	f, _ := newFakeWithRedis(t)
	_, err := f.Create(ctx, ContainerSpec{Name: "shop-redis", Image: "redis:7"})
	if !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate name: err = %v, want ErrConflict", err)
	}
	_, err = f.Create(ctx, ContainerSpec{Name: "shop-pg", Image: "postgres:15"})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("image not pulled: err = %v, want ErrNotFound", err)
	}
	_, err = f.Create(ctx, ContainerSpec{Name: "shop-x", Image: "redis:7", Network: "shop"})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing network: err = %v, want ErrNotFound", err)
	}
	// A named volume that does not exist is created, without labels, as the engine does.
	v, err := f.Volume(ctx, "shop-redis-data")
	if err != nil || len(v.Labels) != 0 {
		t.Errorf("implicit volume = %+v, %v", v, err)
	}
}

func TestFakeLifecycle(t *testing.T) {
	ctx := context.Background()
	f, id := newFakeWithRedis(t)
	c, err := f.ContainerByName(ctx, "shop-redis")
	if err != nil || c.ID != id || c.State != "created" || c.Running {
		t.Fatalf("created container = %+v, %v", c, err)
	}
	if err := f.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	c, _ = f.Inspect(ctx, id)
	b := c.Ports["6379/tcp"]
	if !c.Running || b.HostIP != "127.0.0.1" || b.HostPort == 0 || c.StartedAt.IsZero() {
		t.Errorf("started container = %+v", c)
	}
	f.Exit(id, 1)
	c, _ = f.Inspect(ctx, "shop-redis")
	if c.Running || c.State != "exited" || c.ExitCode != 1 || c.Ports != nil {
		t.Errorf("exited container = %+v", c)
	}
	if err := f.Restart(ctx, id, time.Second); err != nil {
		t.Fatal(err)
	}
	if c, _ = f.Inspect(ctx, id); !c.Running {
		t.Errorf("restarted container not running: %+v", c)
	}
	if err := f.Stop(ctx, id, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := f.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Inspect(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed container: err = %v, want ErrNotFound", err)
	}
	if _, err := f.Volume(ctx, "shop-redis-data"); err != nil {
		t.Errorf("Remove lost the named volume: %v", err)
	}
	if err := f.Start(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("start removed container: err = %v", err)
	}
}

func TestFakeLabelFiltering(t *testing.T) {
	ctx := context.Background()
	f, _ := newFakeWithRedis(t)
	if _, err := f.Create(ctx, ContainerSpec{Name: "blog-redis", Image: "redis:7", Labels: map[string]string{"dev.parity.project": "blog"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		labels map[string]string
		want   []string
	}{
		{nil, []string{"blog-redis", "shop-redis"}},
		{shop, []string{"shop-redis"}},
		{map[string]string{"dev.parity.project": ""}, []string{"blog-redis", "shop-redis"}},
		{map[string]string{"dev.parity.project": "none"}, nil},
	} {
		list, err := f.Containers(ctx, tc.labels)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range list {
			names = append(names, c.Name)
		}
		if !reflect.DeepEqual(names, tc.want) {
			t.Errorf("Containers(%v) = %v, want %v", tc.labels, names, tc.want)
		}
	}
	// Returned containers must not alias the Fake's state.
	list, _ := f.Containers(ctx, shop)
	list[0].Labels["dev.parity.project"] = "changed"
	if again, _ := f.Containers(ctx, shop); len(again) != 1 {
		t.Error("mutating a returned container changed the Fake")
	}
}

func TestFakeEvents(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f, id := newFakeWithRedis(t)
	events, errs := f.Events(ctx, shop)
	other, _ := f.Events(ctx, map[string]string{"dev.parity.project": "blog"})
	if err := f.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	f.SetHealth(id, "healthy")
	f.Exit(id, 137)
	var got []string
	for len(got) < 3 {
		select {
		case ev := <-events:
			if ev.ContainerID != id || ev.Name != "shop-redis" || ev.Labels["dev.parity.project"] != "shop" {
				t.Errorf("event = %+v", ev)
			}
			got = append(got, fmt.Sprintf("%s/%d", ev.Action, ev.ExitCode))
		case ev := <-other:
			t.Errorf("event for another project's subscriber: %+v", ev)
		case <-time.After(5 * time.Second):
			t.Fatalf("events so far %v, timed out", got)
		}
	}
	if want := []string{"start/0", "health_status: healthy/0", "die/137"}; !reflect.DeepEqual(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	cancel()
	for range events {
	}
	if err, open := <-errs; open || err != nil {
		t.Errorf("error channel after cancel: %v, open=%v", err, open)
	}
}

func TestFakeEventsFailure(t *testing.T) {
	f := NewFake()
	boom := errors.New("boom")
	f.Fail("Events", boom)
	events, errs := f.Events(context.Background(), nil)
	if err := <-errs; !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
	if _, open := <-events; open {
		t.Error("events channel open after failure")
	}
}

func TestFakeLogs(t *testing.T) {
	ctx := context.Background()
	f, id := newFakeWithRedis(t)
	f.OnStart(func(c Container) {
		f.Log(c.ID, "stdout", "Server initialized")
		f.Log(c.ID, "stdout", "Ready to accept connections")
	})
	if err := f.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	var tail []string
	if err := f.Logs(ctx, id, false, 1, func(l LogLine) { tail = append(tail, l.Text) }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tail, []string{"Ready to accept connections"}) {
		t.Errorf("tail 1 = %v", tail)
	}

	// Following delivers later lines and ends when the container exits.
	lines := make(chan string, 10)
	done := make(chan error, 1)
	go func() {
		done <- f.Logs(ctx, id, true, -1, func(l LogLine) { lines <- l.Text })
	}()
	for _, want := range []string{"Server initialized", "Ready to accept connections"} {
		if got := <-lines; got != want {
			t.Errorf("line = %q, want %q", got, want)
		}
	}
	f.Log(id, "stderr", "shutting down")
	if got := <-lines; got != "shutting down" {
		t.Errorf("followed line = %q", got)
	}
	f.Exit(id, 0)
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Logs kept following an exited container")
	}

	// Following ends cleanly on ctx cancel.
	if err := f.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { done <- f.Logs(cctx, id, true, 0, func(LogLine) {}) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Logs on cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Logs ignored ctx cancel")
	}
}

func TestFakeVolumesAndNetworks(t *testing.T) {
	ctx := context.Background()
	f, id := newFakeWithRedis(t)
	if err := f.CreateVolume(ctx, "shop-pg-data", shop); err != nil {
		t.Fatal(err)
	}
	if err := f.CreateVolume(ctx, "shop-pg-data", shop); err != nil {
		t.Errorf("re-creating own volume: %v", err)
	}
	if err := f.CreateVolume(ctx, "shop-redis-data", shop); !errors.Is(err, ErrConflict) {
		t.Errorf("adopting an unlabelled volume: err = %v, want ErrConflict", err)
	}
	vols, _ := f.Volumes(ctx, shop)
	if len(vols) != 1 || vols[0].Name != "shop-pg-data" {
		t.Errorf("Volumes = %+v", vols)
	}
	if err := f.RemoveVolume(ctx, "shop-redis-data"); !errors.Is(err, ErrConflict) {
		t.Errorf("removing a mounted volume: err = %v, want ErrConflict", err)
	}
	if err := f.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := f.RemoveVolume(ctx, "shop-redis-data"); err != nil {
		t.Error(err)
	}
	if _, err := f.Volume(ctx, "shop-redis-data"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed volume: err = %v", err)
	}

	if err := f.EnsureNetwork(ctx, "shop", shop); err != nil {
		t.Fatal(err)
	}
	if err := f.EnsureNetwork(ctx, "shop", shop); err != nil {
		t.Errorf("ensuring an existing network: %v", err)
	}
	if err := f.EnsureNetwork(ctx, "shop", map[string]string{"dev.parity.project": "blog"}); !errors.Is(err, ErrConflict) {
		t.Errorf("network with other labels: err = %v, want ErrConflict", err)
	}
	if names, _ := f.Networks(ctx, shop); !reflect.DeepEqual(names, []string{"shop"}) {
		t.Errorf("Networks = %v", names)
	}
	if err := f.RemoveNetwork(ctx, "shop"); err != nil {
		t.Error(err)
	}
	if err := f.RemoveNetwork(ctx, "shop"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: err = %v", err)
	}
}

func TestFakeFailuresAndCallLog(t *testing.T) {
	ctx := context.Background()
	f, id := newFakeWithRedis(t)
	boom := errors.New("boom")
	f.Fail("Start", boom)
	if err := f.Start(ctx, id); !errors.Is(err, boom) {
		t.Errorf("Start err = %v, want boom", err)
	}
	if _, err := f.Inspect(ctx, id); err != nil {
		t.Errorf("Inspect affected by Start's failure: %v", err)
	}
	f.Fail("Start", nil)
	if err := f.Start(ctx, id); err != nil {
		t.Errorf("Start after clearing: %v", err)
	}
	f.SetUnreachable(true)
	_, err := f.Ping(ctx)
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("Ping while unreachable: err = %v", err)
	}
	f.SetUnreachable(false)
	if _, err := f.Ping(ctx); err != nil {
		t.Errorf("Ping after recovery: %v", err)
	}
	want := []Call{{"Create", "shop-redis"}, {"Start", id}, {"Inspect", id}, {"Start", id}, {"Ping", ""}, {"Ping", ""}}
	if got := f.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %v\nwant    %v", got, want)
	}
	if n := f.CallCount("Start"); n != 2 {
		t.Errorf("CallCount(Start) = %d", n)
	}
}

// Run with -race: the Fake is shared by goroutines in the engine's tests.
func TestFakeConcurrentUse(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := NewFake()
	f.AddImage("redis:7", "sha256:aaaa")
	events, _ := f.Events(ctx, nil)
	go func() {
		for range events {
		}
	}()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := f.Create(ctx, ContainerSpec{Name: fmt.Sprintf("c%d", i), Image: "redis:7", Labels: shop})
			if err != nil {
				t.Error(err)
				return
			}
			logs := make(chan error, 1)
			_ = f.Start(ctx, id)
			go func() { logs <- f.Logs(ctx, id, true, -1, func(LogLine) {}) }()
			f.Log(id, "stdout", "hello")
			_, _ = f.Containers(ctx, shop)
			f.Exit(id, 0)
			if err := <-logs; err != nil {
				t.Error(err)
			}
			_ = f.Remove(ctx, id)
		}()
	}
	wg.Wait()
	if list, _ := f.Containers(ctx, nil); len(list) != 0 {
		t.Errorf("%d containers left", len(list))
	}
}
