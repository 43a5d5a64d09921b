package tui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parity-dev/parity/engine/event"
)

func plainEvents() []event.Event {
	pull := func(done int64, layers int) event.Event {
		return event.Event{Type: event.EventPull, Source: "db", Pull: &event.PullStatus{Image: "postgres:15.6", Layers: 4, LayersDone: layers, BytesDone: done, BytesTotal: 100}}
	}
	waiting := event.Event{Type: event.EventPhase, Source: "db", Phase: event.PhaseWaiting, Reason: "connection refused"}
	authFailed := waiting
	authFailed.Reason = "auth failed"
	return []event.Event{
		plan(),
		{Type: event.EventWarning, Line: "mail: image axllent/mailpit:latest is not pinned"},
		{Type: event.EventPhase, Source: "db", Phase: event.PhasePulling},
		pull(3, 0), pull(5, 0), pull(9, 0), pull(12, 0), pull(15, 1), pull(16, 1), pull(43, 1), pull(44, 2), pull(100, 4),
		{Type: event.EventPhase, Source: "db", Phase: event.PhaseCreating},
		{Type: event.EventPhase, Source: "db", Phase: event.PhaseStarting},
		waiting, waiting, waiting, authFailed, authFailed, waiting,
		logLineEvent("db", "\x1b[1mLOG\x1b[0m:  database system is ready to accept connections\r\n"),
		{Type: event.EventPhase, Source: "db", Phase: event.PhaseReady, ReadyIn: 1234 * time.Millisecond},
		{Type: event.EventPhase, Source: "db", Phase: event.PhaseReady, ReadyIn: 1234 * time.Millisecond},
		{Type: event.EventPhase, Source: event.AppSource, Phase: event.PhaseRunning, Pid: 4242},
		logLineEvent(event.AppSource, "listening on :8080"),
		{Type: event.EventEngine, Reason: "connection refused"},
		{Type: event.EventEngine, Reason: "connection refused"},
		{Type: event.EventEngine},
		{Type: event.EventPhase, Source: "cache", Phase: event.PhaseExited, ExitCode: 1, LastLogs: []string{"# Fatal error loading the DB", "# Exiting"}},
	}
}

func TestPlainPrinter(t *testing.T) {
	var out bytes.Buffer
	print := NewPlain(&out, false)
	for _, ev := range plainEvents() {
		print(ev)
	}
	want := `parity | shop from compose.yaml, compose.prod.yaml, Docker 28.5.2 at unix:///var/run/docker.sock
parity | db: postgres:15.6 (postgres) on 127.0.0.1:54321
parity | cache: redis:7.2.4 (redis) on 127.0.0.1:63790
parity | mail: axllent/mailpit:v1.21 (generic) on 127.0.0.1:8025
parity | app: go run ./cmd/shop
parity | warning: mail: image axllent/mailpit:latest is not pinned
parity | db: pulling
parity | db: pulling postgres:15.6 3% (0/4 layers)
parity | db: pulling postgres:15.6 12% (0/4 layers)
parity | db: pulling postgres:15.6 15% (1/4 layers)
parity | db: pulling postgres:15.6 43% (1/4 layers)
parity | db: pulling postgres:15.6 44% (2/4 layers)
parity | db: pulling postgres:15.6 100% (4/4 layers)
parity | db: creating
parity | db: starting
parity | db: waiting: connection refused
parity | db: waiting: auth failed
parity | db: waiting: connection refused
db     | LOG:  database system is ready to accept connections
parity | db: ready in 1.2s
parity | app: running (pid 4242)
app    | listening on :8080
parity | Docker engine unreachable: connection refused, reconnecting
parity | Docker engine is back
parity | cache: exited 1, last lines:
parity |   # Fatal error loading the DB
parity |   # Exiting
`
	if got := out.String(); got != want {
		t.Errorf("plain output:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Error("escape sequence in colourless output")
	}
}

func TestPlainPrinterSaysWhyAServiceIsOffItsUsualPort(t *testing.T) {
	var out bytes.Buffer
	NewPlain(&out, false)(movedEvents()[0])
	want := "parity | db: postgres:15.6 (postgres) on 127.0.0.1:54322 (5432 held by parity project billing, service db)\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("plain plan:\n%s\nwant the line:\n%s", out.String(), want)
	}
	if !strings.Contains(out.String(), "parity | cache: redis:7.2.4 (redis) on 127.0.0.1:63790\n") {
		t.Errorf("a service on its usual port got a note:\n%s", out.String())
	}
}

func TestPlainPrinterColour(t *testing.T) {
	var out bytes.Buffer
	print := NewPlain(&out, true)
	for _, ev := range plainEvents() {
		print(ev)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	prefixOf := func(source string) map[string]bool {
		seen := map[string]bool{}
		for _, l := range lines {
			if i := strings.Index(l, source); i > 0 && strings.HasPrefix(l, "\x1b[") && strings.HasPrefix(l[i:], source+" ") {
				seen[l[:i]] = true
			}
		}
		return seen
	}
	for _, source := range []string{"db", "app", "parity"} {
		if seen := prefixOf(source); len(seen) != 1 {
			t.Errorf("%s prefix has %d colours, want one stable colour: %v", source, len(seen), seen)
		}
	}
	if !strings.Contains(out.String(), "\x1b[0m") {
		t.Error("colour never reset")
	}
}

func TestPlainPrinterIsSafeConcurrently(t *testing.T) {
	var out bytes.Buffer
	print := NewPlain(&out, false)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				print(logLineEvent(fmt.Sprintf("s%d", g), fmt.Sprintf("line %d", i)))
				print(event.Event{Type: event.EventPhase, Source: fmt.Sprintf("s%d", g), Phase: event.PhaseWaiting, Reason: "refused"})
			}
		}()
	}
	wg.Wait()
	sc := bufio.NewScanner(&out)
	n := 0
	for sc.Scan() {
		n++
		if !strings.Contains(sc.Text(), " | ") {
			t.Fatalf("mangled line %q", sc.Text())
		}
	}
	if want := 8*200 + 8; n != want {
		t.Errorf("%d lines, want %d (every log line and one waiting line per source)", n, want)
	}
}

func TestJSONRoundTrips(t *testing.T) {
	var out bytes.Buffer
	write := NewJSON(&out)
	evs := append(append(plainEvents(), crashedEvents()...), movedEvents()[0])
	for i := range evs {
		evs[i].Time = now.Add(time.Duration(i) * time.Millisecond)
		write(evs[i])
	}
	if !strings.Contains(out.String(), `"type":"pull","source":"db"`) {
		t.Error("JSON does not use the Event's field names")
	}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	i := 0
	for ; sc.Scan(); i++ {
		var got event.Event
		if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, sc.Text())
		}
		if !reflect.DeepEqual(got, evs[i]) {
			t.Errorf("line %d round-trips to %+v, want %+v", i, got, evs[i])
		}
	}
	if i != len(evs) {
		t.Errorf("%d lines for %d events", i, len(evs))
	}
}
