package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/engine/manifest"
)

// runForeign starts a container of another owner on the fake engine,
// publishing host port on 127.0.0.1.
func runForeign(t *testing.T, f *docker.Fake, name string, labels map[string]string, port int) {
	t.Helper()
	ctx := context.Background()
	f.AddImage("postgres:16", "sha256:ddd")
	id, err := f.Create(ctx, docker.ContainerSpec{Name: name, Image: "postgres:16", Labels: labels,
		Ports: map[string]docker.PortBinding{"5432/tcp": {HostIP: loopback, HostPort: port}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
}

func dbSummary(t *testing.T, s *Session) ServiceSummary {
	t.Helper()
	for _, ss := range s.Summary().Services {
		if ss.Name == "db" {
			return ss
		}
	}
	t.Fatal("no db in the summary")
	return ServiceSummary{}
}

func TestPortNoteNamesTheParityProjectHoldingTheUsualPort(t *testing.T) {
	f := fakeWithImages()
	runForeign(t, f, "parity-billing-db", map[string]string{LabelProject: "billing", LabelService: "db"}, 5432)
	rec := &recorder{}
	s := testSession(t, quickstart(), f, rec, "")
	up(t, s)

	db := dbSummary(t, s)
	if db.Address == "127.0.0.1:5432" || db.UsualPort != 5432 {
		t.Fatalf("db on %s (usual %d), want off 5432, which billing holds", db.Address, db.UsualPort)
	}
	if want := "5432 held by parity project billing, service db"; db.PortNote != want {
		t.Errorf("note %q, want %q", db.PortNote, want)
	}
	if h := db.PortHeldBy; h == nil || h.Project != "billing" || h.Service != "db" || h.Container != "parity-billing-db" {
		t.Errorf("held by %+v", h)
	}
	plans := rec.of(EventPlan, "")
	if len(plans) == 0 {
		t.Fatal("up sent no plan event")
	}
	for _, ss := range plans[0].Plan.Services {
		if ss.Name == "db" && ss.PortNote != db.PortNote {
			t.Errorf("the plan event up sends says %q, want %q", ss.PortNote, db.PortNote)
		}
	}

	// status says so too, in its JSON, on every later run.
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	for _, svc := range got {
		if svc["name"] != "db" {
			continue
		}
		held, _ := svc["portHeldBy"].(map[string]any)
		if svc["usualPort"] != 5432.0 || svc["portNote"] != db.PortNote || held["project"] != "billing" || held["service"] != "db" {
			t.Errorf("status JSON of db: %s", data)
		}
	}
}

func TestPortNoteNamesAContainerParityDidNotCreate(t *testing.T) {
	f := fakeWithImages()
	runForeign(t, f, "legacy-pg", map[string]string{"com.docker.compose.project": "legacy"}, 5432)
	s := testSession(t, quickstart(), f, &recorder{}, "")
	up(t, s)
	db := dbSummary(t, s)
	if db.PortNote != "5432 held by container legacy-pg" || db.PortHeldBy == nil || db.PortHeldBy.Project != "" {
		t.Errorf("note %q, held by %+v", db.PortNote, db.PortHeldBy)
	}
}

func TestNoPortNoteOnTheUsualPort(t *testing.T) {
	f := fakeWithImages()
	proj := quickstart()
	port := listenFree(t) // a published port known to be free: 5432 may not be on this machine
	port.Close()
	publish(proj, "db", port.port)
	s := testSession(t, proj, f, &recorder{}, "")
	up(t, s)
	db := dbSummary(t, s)
	if db.Address != fmt.Sprintf("127.0.0.1:%d", port.port) || db.UsualPort != port.port || db.PortNote != "" || db.PortHeldBy != nil {
		t.Errorf("db summary %+v, want on its published port without a note", db)
	}
}

func TestPortNoteWhenAProgramHoldsTheUsualPort(t *testing.T) {
	l := listenFree(t)
	defer l.Close()
	proj := quickstart()
	publish(proj, "db", l.port)
	s := testSession(t, proj, fakeWithImages(), &recorder{}, "")
	up(t, s)
	db := dbSummary(t, s)
	if db.Address == fmt.Sprintf("127.0.0.1:%d", l.port) || db.UsualPort != l.port {
		t.Fatalf("db on %s (usual %d) although a program holds %d", db.Address, db.UsualPort, l.port)
	}
	prefix := fmt.Sprintf("%d held by ", l.port)
	if !strings.HasPrefix(db.PortNote, prefix) {
		t.Errorf("note %q, want it to start %q", db.PortNote, prefix)
	}
	if runtime.GOOS != "linux" {
		return
	}
	// On Linux parity finds the listener: this test's own process.
	comm, _ := os.ReadFile("/proc/self/comm")
	want := fmt.Sprintf("%sprogram %s (pid %d)", prefix, strings.TrimSpace(string(comm)), os.Getpid())
	if db.PortNote != want || db.PortHeldBy == nil || db.PortHeldBy.PID != os.Getpid() {
		t.Errorf("note %q held by %+v, want %q", db.PortNote, db.PortHeldBy, want)
	}
}

func TestPortNotesInPlanning(t *testing.T) {
	// Two Postgres services of one project: the second cannot have 5432.
	proj := &manifest.Project{Name: "shop", Services: []manifest.Service{
		{Name: "db", Image: "postgres:16"},
		{Name: "replica", Image: "postgres:16"},
	}}
	st := newState()
	p, err := buildPlan(proj, st, testPlanOptions())
	if err != nil {
		t.Fatal(err)
	}
	if db := p.service("db"); db.Ports[5432] != 5432 || db.PortNote != "" || db.UsualPort != 5432 {
		t.Errorf("db: port %d note %q usual %d", db.Ports[5432], db.PortNote, db.UsualPort)
	}
	r := p.service("replica")
	if r.Ports[5432] == 5432 || r.PortNote != "5432 held by parity project shop, service db" {
		t.Errorf("replica: port %d note %q", r.Ports[5432], r.PortNote)
	}

	// A remembered port is kept when the usual one is free again, and says so.
	st = newState()
	st.Ports["db/5432"] = 40100
	opts := testPlanOptions()
	opts.HolderOf = func(int) *PortHolder { return nil }
	p, err = buildPlan(&manifest.Project{Name: "shop", Services: proj.Services[:1]}, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	if db := p.service("db"); db.Ports[5432] != 40100 || db.PortNote != "kept from an earlier run; 5432 is free now" {
		t.Errorf("db: port %d note %q", db.Ports[5432], db.PortNote)
	}

	// A remembered port now taken: the warning names who took it.
	opts = testPlanOptions(40100, 5432)
	opts.HolderOf = func(port int) *PortHolder {
		if port == 40100 {
			return &PortHolder{Project: "billing", Service: "cache", Container: "parity-billing-cache"}
		}
		return nil
	}
	p, err = buildPlan(&manifest.Project{Name: "shop", Services: proj.Services[:1]}, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	db := p.service("db")
	if db.Ports[5432] == 40100 || db.PortNote != "5432 held by another program" || db.PortHeldBy != nil {
		t.Errorf("db: port %d note %q held by %+v", db.Ports[5432], db.PortNote, db.PortHeldBy)
	}
	want := fmt.Sprintf("service db: port 40100 is held by parity project billing, service cache, using %d from now on", db.Ports[5432])
	if len(p.Warnings) != 1 || p.Warnings[0] != want {
		t.Errorf("warnings %q, want %q", p.Warnings, want)
	}
}

func TestPublishedPortsCountOnlyRunningBindingsThatBlockLoopback(t *testing.T) {
	bind := func(ip string, port int) map[string]docker.PortBinding {
		return map[string]docker.PortBinding{"5432/tcp": {HostIP: ip, HostPort: port}}
	}
	held := publishedPorts([]docker.Container{
		{Name: "a", Running: true, Ports: bind("127.0.0.1", 1001), Labels: map[string]string{LabelProject: "shop", LabelService: "db"}},
		{Name: "b", Running: true, Ports: bind("0.0.0.0", 1002)},
		{Name: "c", Running: true, Ports: bind("", 1003)},
		{Name: "d", Running: true, Ports: bind("::", 1004)},
		{Name: "e", Running: true, Ports: bind("192.168.1.20", 1005)},
		{Name: "f", Running: false, Ports: bind("127.0.0.1", 1006)},
	})
	want := map[int]PortHolder{
		1001: {Project: "shop", Service: "db", Container: "a"},
		1002: {Container: "b"}, 1003: {Container: "c"}, 1004: {Container: "d"},
	}
	if len(held) != len(want) {
		t.Errorf("held %v, want %v", held, want)
	}
	for port, h := range want {
		if held[port] != h {
			t.Errorf("port %d held by %+v, want %+v", port, held[port], h)
		}
	}
}

func TestListeningInodesReadsProcNetTCP(t *testing.T) {
	// 127.0.0.1:5432 and 0.0.0.0:5432 listening, 10.0.0.1:5432 listening
	// (does not block loopback), one established connection on 5432.
	tcp := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0000000000000000 100 0 0 10 0
   1: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 222 1 0000000000000000 100 0 0 10 0
   2: 0100000A:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 333 1 0000000000000000 100 0 0 10 0
   3: 0100007F:1538 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 444 1 0000000000000000 100 0 0 10 0
   4: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 555 1 0000000000000000 100 0 0 10 0
`
	tcp6 := `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1538 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 666 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000000000000:1538 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1 0000000000000000 100 0 0 10 0
`
	dir := t.TempDir()
	write := func(name, s string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if got := strings.Join(listeningInodes(write("tcp", tcp), 5432), ","); got != "111,222" {
		t.Errorf("tcp inodes %q, want 111,222", got)
	}
	if got := strings.Join(listeningInodes(write("tcp6", tcp6), 5432), ","); got != "666,777" {
		t.Errorf("tcp6 inodes %q, want 666,777 (::1 and ::)", got)
	}
	if got := listeningInodes(filepath.Join(dir, "missing"), 5432); got != nil {
		t.Errorf("missing table gave %v", got)
	}
}

// listener holds a free port on 127.0.0.1.
type listener struct {
	net.Listener
	port int
}

func listenFree(t *testing.T) listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return listener{l, l.Addr().(*net.TCPAddr).Port}
}

// publish makes the manifest publish service's 5432 on port, as
// `ports: ["PORT:5432"]` does.
func publish(proj *manifest.Project, service string, port int) {
	for i := range proj.Services {
		if proj.Services[i].Name == service {
			proj.Services[i].Ports = []manifest.Port{{Target: 5432, Published: strconv.Itoa(port)}}
		}
	}
}
