package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/engine/manifest"
)

// recorder collects events for assertions.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) sink(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recorder) of(typ EventType, source string) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, ev := range r.events {
		if ev.Type == typ && (source == "" || ev.Source == source) {
			out = append(out, ev)
		}
	}
	return out
}

// testSession is a session on a fake engine whose services answer at once.
func testSession(t *testing.T, proj *manifest.Project, f *docker.Fake, rec *recorder, stateDir string) *Session {
	t.Helper()
	if stateDir == "" {
		stateDir = t.TempDir()
	}
	s := &Session{
		// Templates are off: these tests count containers and starts;
		// data_test.go has the templates' own.
		opts:     Options{WorkingDir: t.TempDir(), Timeout: 30 * time.Second, Mirror: "127.0.0.1:5959", NoTemplates: true},
		docker:   f,
		project:  proj,
		stateDir: stateDir,
		sink:     rec.sink,
		shell:    map[string]string{},
		dotenv:   map[string]string{},
		ids:      map[string]string{},
	}
	s.probe = func(ctx context.Context, service string) error { return nil }
	return s
}

func fakeWithImages() *docker.Fake {
	f := docker.NewFake()
	f.AddRegistryImage("127.0.0.1:5959/library/postgres:15.4", "sha256:aaa")
	f.AddRegistryImage("127.0.0.1:5959/library/redis:7", "sha256:bbb")
	f.AddRegistryImage("127.0.0.1:5959/library/postgres:16", "sha256:ccc")
	return f
}

func up(t *testing.T, s *Session) {
	t.Helper()
	ctx := context.Background()
	if err := s.start(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	if err := s.waitReady(ctx); err != nil {
		t.Fatalf("wait ready: %v", err)
	}
}

func TestUpCreatesLabelledContainersOnLoopbackThroughTheMirror(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	s := testSession(t, quickstart(), f, rec, "")
	up(t, s)

	cs, err := f.Containers(context.Background(), map[string]string{LabelProject: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 {
		t.Fatalf("%d containers, want db and cache", len(cs))
	}
	for _, c := range cs {
		spec, _ := f.Spec(c.ID)
		if !strings.HasPrefix(spec.Image, "127.0.0.1:5959/library/") {
			t.Errorf("%s runs %s, want the mirror's copy of the pinned image", c.Name, spec.Image)
		}
		for port, b := range spec.Ports {
			if b.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %s on %q, want 127.0.0.1 only", c.Name, port, b.HostIP)
			}
		}
		if spec.Labels[LabelConfigHash] == "" || spec.Labels[LabelService] == "" || spec.Network != "parity-shop" {
			t.Errorf("%s: labels %v network %q", c.Name, spec.Labels, spec.Network)
		}
	}
	db, _ := f.Spec(s.id("db"))
	if db.Labels[LabelImage] != "postgres:15.4" {
		t.Errorf("db image label %q, want the pinned postgres:15.4", db.Labels[LabelImage])
	}
	vol, err := f.Volume(context.Background(), "parity-shop-db-data")
	if err != nil {
		t.Fatalf("data volume: %v", err)
	}
	if vol.Labels[LabelProject] != "shop" || vol.Labels[LabelSecretHash] == "" {
		t.Errorf("volume labels %v", vol.Labels)
	}
	if f.CallCount("Pull") != 2 {
		t.Errorf("%d pulls, want 2 (both images were missing)", f.CallCount("Pull"))
	}
	if len(rec.of(EventPull, "db")) == 0 {
		t.Errorf("no pull progress reported for db")
	}
	if ready := rec.of(EventPhase, "db"); len(ready) == 0 || ready[len(ready)-1].Phase != PhaseReady {
		t.Errorf("db phases %+v, want to end ready", ready)
	}
}

func TestUpReusesUnchangedContainersAndStartsStoppedOnes(t *testing.T) {
	f := fakeWithImages()
	stateDir := t.TempDir()
	up(t, testSession(t, quickstart(), f, &recorder{}, stateDir))
	creates := f.CallCount("Create")

	up(t, testSession(t, quickstart(), f, &recorder{}, stateDir))
	if got := f.CallCount("Create"); got != creates {
		t.Fatalf("second up created %d containers, want none", got-creates)
	}
	if f.CallCount("Pull") != 2 {
		t.Errorf("second up pulled again")
	}

	s := testSession(t, quickstart(), f, &recorder{}, stateDir)
	if err := s.stop(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	starts := f.CallCount("Start")
	up(t, testSession(t, quickstart(), f, &recorder{}, stateDir))
	if f.CallCount("Create") != creates || f.CallCount("Start") != starts+2 {
		t.Errorf("after stop: creates %d (want %d), starts +%d (want +2)", f.CallCount("Create"), creates, f.CallCount("Start")-starts)
	}
}

func TestUpRecreatesAChangedServiceAndKeepsItsVolume(t *testing.T) {
	f := fakeWithImages()
	stateDir := t.TempDir()
	s1 := testSession(t, quickstart(), f, &recorder{}, stateDir)
	up(t, s1)
	oldID := s1.id("db")

	proj := quickstart()
	proj.Service("db").Image = "postgres:16"
	s2 := testSession(t, proj, f, &recorder{}, stateDir)
	up(t, s2)
	if s2.id("db") == oldID {
		t.Fatalf("db was not recreated after its image changed")
	}
	if _, err := f.Inspect(context.Background(), oldID); !errors.Is(err, docker.ErrNotFound) {
		t.Errorf("old db container still exists: %v", err)
	}
	if s2.id("cache") != s1.id("cache") {
		t.Errorf("unchanged cache was recreated")
	}
	if f.CallCount("RemoveVolume") != 0 {
		t.Errorf("a volume was removed while recreating a container")
	}
	spec, _ := f.Spec(s2.id("db"))
	if spec.Mounts[0].Source != "parity-shop-db-data" {
		t.Errorf("new db mounts %+v, want the same data volume", spec.Mounts)
	}
}

func TestUpNeverTouchesAContainerItDidNotCreate(t *testing.T) {
	f := fakeWithImages()
	f.AddImage("nginx:1", "sha256:ddd")
	foreign, err := f.Create(context.Background(), docker.ContainerSpec{Name: "parity-shop-db", Image: "nginx:1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Start(context.Background(), foreign); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	s := testSession(t, quickstart(), f, rec, "")
	up(t, s)
	if err := s.stop(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := down(context.Background(), f, s.stateDir, "shop", nil, true); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Calls() {
		if c.Arg == foreign && c.Method != "Create" && c.Method != "Start" && c.Method != "Inspect" {
			t.Errorf("parity called %s on a container it did not create", c.Method)
		}
	}
	c, err := f.Inspect(context.Background(), foreign)
	if err != nil || !c.Running {
		t.Errorf("foreign container: %v running=%v", err, c.Running)
	}
	if len(rec.of(EventWarning, "")) == 0 {
		t.Errorf("no warning that the name was taken")
	}
}

func TestUpRefusesAVolumeItDidNotCreate(t *testing.T) {
	f := fakeWithImages()
	if err := f.CreateVolume(context.Background(), "parity-shop-db-data", nil); err != nil {
		t.Fatal(err)
	}
	err := testSession(t, quickstart(), f, &recorder{}, "").start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "parity-shop-db-data") || !strings.Contains(err.Error(), "not created by parity") {
		t.Fatalf("err = %v, want a refusal naming the volume", err)
	}
	if f.CallCount("Create") != 0 {
		t.Errorf("containers were created on a foreign volume")
	}
}

func TestUpRefusesDataInitialisedWithAnotherPassword(t *testing.T) {
	f := fakeWithImages()
	up(t, testSession(t, quickstart(), f, &recorder{}, ""))
	// A fresh state dir: the password that initialised the data is lost.
	err := testSession(t, quickstart(), f, &recorder{}, t.TempDir()).start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "another password") || !strings.Contains(err.Error(), "parity down --volumes") {
		t.Fatalf("err = %v, want it to explain the password mismatch and the fix", err)
	}
}

func TestWaitReadyFailsFastWithTheLastLogLinesWhenAServiceExits(t *testing.T) {
	f := fakeWithImages()
	f.OnStart(func(c docker.Container) {
		if c.Labels[LabelService] != "db" {
			return
		}
		f.Log(c.ID, "stderr", "initdb: error: invalid locale settings")
		f.Exit(c.ID, 1)
	})
	rec := &recorder{}
	s := testSession(t, quickstart(), f, rec, "")
	s.opts.Timeout = 10 * time.Minute // a timeout would hang the test: failing fast is the point
	s.probe = func(ctx context.Context, service string) error {
		if service == "db" {
			return errors.New("connection refused")
		}
		return nil
	}
	if err := s.start(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := s.waitReady(context.Background())
	var se *ServiceError
	if !errors.As(err, &se) || se.Service != "db" || !se.Exited || se.ExitCode != 1 {
		t.Fatalf("err = %v, want db exited with code 1", err)
	}
	if !strings.Contains(err.Error(), "invalid locale settings") {
		t.Errorf("error %q lacks the container's last log line", err)
	}
	if ev := rec.of(EventPhase, "db"); ev[len(ev)-1].Phase != PhaseExited {
		t.Errorf("last db phase %+v, want exited", ev[len(ev)-1])
	}
}

func TestWaitReadyReportsWhyAServiceIsStillWaiting(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	s := testSession(t, quickstart(), f, rec, "")
	var mu sync.Mutex
	tries := 0
	s.probe = func(ctx context.Context, service string) error {
		if service != "db" {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if tries++; tries < 4 {
			return errors.New("starting up: the database system is starting up")
		}
		return nil
	}
	up(t, s)
	var waiting []string
	for _, ev := range rec.of(EventPhase, "db") {
		if ev.Phase == PhaseWaiting {
			waiting = append(waiting, ev.Reason)
		}
	}
	if len(waiting) != 1 || waiting[0] != "starting up" {
		t.Errorf("waiting reasons %q, want one \"starting up\" (repeats are not reported)", waiting)
	}
}

func TestDownKeepsVolumesUnlessAsked(t *testing.T) {
	f := fakeWithImages()
	s := testSession(t, quickstart(), f, &recorder{}, "")
	up(t, s)
	res, err := down(context.Background(), f, s.stateDir, "shop", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Containers) != 2 || len(res.Volumes) != 0 {
		t.Fatalf("down removed %+v, want 2 containers and no volume", res)
	}
	if _, err := f.Volume(context.Background(), "parity-shop-db-data"); err != nil {
		t.Fatalf("volume gone after down without --volumes: %v", err)
	}
	sf, err := openState(context.Background(), s.stateDir, "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := sf.Secrets["db"]
	sf.Close()
	if secret == "" {
		t.Fatal("password forgotten although the data was kept")
	}
	if res, err = down(context.Background(), f, s.stateDir, "shop", nil, true); err != nil || len(res.Volumes) != 2 {
		t.Fatalf("down --volumes: %+v %v", res, err)
	}
	sf, _ = openState(context.Background(), s.stateDir, "shop", nil)
	defer sf.Close()
	if len(sf.Secrets) != 0 {
		t.Errorf("passwords kept after their data was removed: %v", sf.Secrets)
	}
}

func TestTwoUpsAtOnceDoNotCreateDuplicates(t *testing.T) {
	f := fakeWithImages()
	stateDir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = testSession(t, quickstart(), f, &recorder{}, stateDir).start(context.Background())
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	cs, _ := f.Containers(context.Background(), map[string]string{LabelProject: "shop"})
	if len(cs) != 2 || f.CallCount("Create") != 2 {
		t.Errorf("%d containers from %d creates after 4 concurrent ups, want 2 and 2", len(cs), f.CallCount("Create"))
	}
}

func TestWatchReportsACrashAfterReadyAndProbesARestart(t *testing.T) {
	f := fakeWithImages()
	rec := &recorder{}
	s := testSession(t, quickstart(), f, rec, "")
	up(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { s.watchEngine(ctx); close(done) }()

	waitEvent := func(what string, ok func(Event) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			for _, ev := range rec.of(EventPhase, "db") {
				if ok(ev) {
					return
				}
			}
			time.Sleep(5 * time.Millisecond) // polling the recorder, not waiting a fixed time
		}
		t.Fatalf("no %s event; db events: %+v", what, rec.of(EventPhase, "db"))
	}
	// Watch subscribes in its goroutine: wait until it has.
	deadline := time.Now().Add(10 * time.Second)
	for f.CallCount("Events") == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	startsBefore := 0
	for _, ev := range rec.of(EventPhase, "db") {
		if ev.Phase == PhaseStarting {
			startsBefore++
		}
	}
	if err := s.restart(ctx, "db"); err != nil {
		t.Fatal(err)
	}
	waitEvent("ready again after restart", func(ev Event) bool {
		starts, readyAfter := 0, false
		for _, e := range rec.of(EventPhase, "db") {
			if e.Phase == PhaseStarting {
				starts++
			}
			if e.Phase == PhaseReady && starts > startsBefore {
				readyAfter = true
			}
		}
		return readyAfter
	})
	for _, ev := range rec.of(EventPhase, "db") {
		if ev.Phase == PhaseExited {
			t.Fatalf("a restart parity asked for was reported as a crash: %+v", ev)
		}
	}
	f.Log(s.id("db"), "stderr", "PANIC: could not write to file")
	f.Exit(s.id("db"), 3)
	waitEvent("exited 3 with logs", func(ev Event) bool {
		return ev.Phase == PhaseExited && ev.ExitCode == 3 && len(ev.LastLogs) > 0 && ev.LastLogs[len(ev.LastLogs)-1] == "PANIC: could not write to file"
	})
	cancel()
	<-done
}

// The live view asks for URLs and the env from its own goroutine while up
// is still planning; -race proves that is safe.
func TestControllerCallsDuringUpAreSafe(t *testing.T) {
	f := fakeWithImages()
	s := testSession(t, quickstart(), f, &recorder{}, "")
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				_ = s.serviceURL("db")
				_ = s.Summary()
				_ = s.restart(context.Background(), "nope")
			}
		}
	}()
	up(t, s)
	close(stop)
	<-done
	if !strings.HasPrefix(s.serviceURL("db"), "postgres://app:") {
		t.Errorf("URL after up: %q", s.serviceURL("db"))
	}
}

// startAndWait probes each service as soon as its own container started: db
// answers while cache's start has not even returned.
func TestUpAndWaitProbesEachServiceAsSoonAsItStarted(t *testing.T) {
	f := fakeWithImages()
	dbProbed := make(chan struct{})
	var once sync.Once
	f.OnStart(func(c docker.Container) {
		if c.Labels[LabelService] != "cache" {
			return
		}
		select {
		case <-dbProbed:
		case <-time.After(20 * time.Second):
			t.Error("db was not probed while cache was still starting")
		}
	})
	s := testSession(t, quickstart(), f, &recorder{}, "")
	s.probe = func(ctx context.Context, service string) error {
		if service == "db" {
			once.Do(func() { close(dbProbed) })
		}
		return nil
	}
	if err := s.startAndWait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// grabOnce plays a program that takes a service's host port between
// planning and its first start.
type grabOnce struct {
	*docker.Fake
	service, port string
	mu            sync.Mutex
	grabbed       net.Listener
}

func (g *grabOnce) Start(ctx context.Context, id string) error {
	spec, _ := g.Spec(id)
	g.mu.Lock()
	defer g.mu.Unlock()
	if spec.Labels[LabelService] == g.service && g.grabbed == nil {
		b := spec.Ports[g.port]
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", b.HostPort))
		if err != nil {
			return fmt.Errorf("test could not grab %d: %w", b.HostPort, err)
		}
		g.grabbed = l
		return fmt.Errorf("driver failed programming external connectivity: Bind for 127.0.0.1:%d failed: port is already allocated", b.HostPort)
	}
	return g.Fake.Start(ctx, id)
}

func TestAPortGrabbedWhileStartingMovesTheServiceToAFreeOne(t *testing.T) {
	g := &grabOnce{Fake: fakeWithImages(), service: "db", port: "5432/tcp"}
	rec := &recorder{}
	s := testSession(t, quickstart(), g.Fake, rec, "")
	s.docker = g
	if err := s.startAndWait(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer g.grabbed.Close()
	taken := g.grabbed.Addr().(*net.TCPAddr).Port
	spec, _ := g.Spec(s.id("db"))
	got := spec.Ports["5432/tcp"].HostPort
	if got == taken || got == 0 {
		t.Fatalf("db runs on %d, the port another program took", got)
	}
	env, _, _ := s.Env(context.Background())
	if u := envMap(env)["DATABASE_URL"].Value; !strings.Contains(u, fmt.Sprintf("127.0.0.1:%d/", got)) {
		t.Errorf("DATABASE_URL %s does not follow the move to %d", u, got)
	}
	sf, err := openState(context.Background(), s.stateDir, "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	if sf.Ports["db/5432"] != got {
		t.Errorf("state remembers %d, want %d", sf.Ports["db/5432"], got)
	}
	if w := rec.of(EventWarning, ""); len(w) == 0 || !strings.Contains(w[len(w)-1].Line, "taken by another program while starting") {
		t.Errorf("no warning about the move: %+v", w)
	}
}

// A Redis without a password in the manifest runs without one; its data
// volume must not read as initialised with another password on the next up.
func TestUpTwiceWithAPasswordlessRedis(t *testing.T) {
	proj := quickstart()
	proj.Services[1].Command = nil // cache: no --requirepass
	f := fakeWithImages()
	stateDir := t.TempDir()
	up(t, testSession(t, proj, f, &recorder{}, stateDir))
	up(t, testSession(t, proj, f, &recorder{}, stateDir))
}
