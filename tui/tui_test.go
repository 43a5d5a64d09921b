package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/parity-dev/parity/engine/event"
)

// TestMain pins the colour profile so golden files do not depend on the
// terminal the tests run in.
func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// now is the pinned clock of every test.
var now = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func fixedNow() time.Time { return now }

// fakeController records what the UI asks of the event.
type fakeController struct {
	mu         sync.Mutex
	restarted  []string
	resets     []string
	shells     []string
	restartErr error
	env        []EnvVar
	urls       map[string]string
}

func (f *fakeController) Restart(_ context.Context, source string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.restarted = append(f.restarted, source)
	return f.restartErr
}

func (f *fakeController) Reset(_ context.Context, source string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resets = append(f.resets, source)
	return nil
}

func (f *fakeController) ShellCommand(source string) (*exec.Cmd, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shells = append(f.shells, source)
	if source == event.AppSource {
		return nil, errors.New("the app has no shell")
	}
	return exec.Command("true"), nil
}

func (f *fakeController) Env() []EnvVar { return f.env }

func (f *fakeController) URL(source string) string { return f.urls[source] }

func newFake() *fakeController {
	return &fakeController{
		env: []EnvVar{
			{Key: "DATABASE_URL", Value: "postgres://shop:s3cret-pass@127.0.0.1:54321/shop?sslmode=disable", Source: "parity", Secret: true},
			{Key: "REDIS_URL", Value: "redis://127.0.0.1:63790/0", Source: "parity"},
			{Key: "STRIPE_KEY", Value: "sk_test_4eC39HqLyjWDarjtT1zdp7dc", Source: ".env", Secret: true},
			{Key: "LOG_LEVEL", Value: "debug", Source: "manifest"},
			{Key: "EDITOR", Value: "vim", Source: "shell"},
		},
		urls: map[string]string{
			"db":    "postgres://shop:s3cret-pass@127.0.0.1:54321/shop",
			"cache": "redis://127.0.0.1:63790/0",
		},
	}
}

func plan() event.Event {
	return event.Event{Time: now.Add(-3 * time.Minute), Type: event.EventPlan, Plan: &event.PlanSummary{
		Project:        "shop",
		Files:          []string{"/home/dev/shop/compose.yaml", "/home/dev/shop/compose.prod.yaml"},
		DockerEndpoint: "unix:///var/run/docker.sock",
		EngineVersion:  "28.5.2",
		AppCommand:     []string{"go", "run", "./cmd/shop"},
		Services: []event.ServiceSummary{
			{Name: "db", Kind: "postgres", Role: "backing", Image: "postgres:15.6", Address: "127.0.0.1:54321", URL: "postgres://shop:***@127.0.0.1:54321/shop"},
			{Name: "cache", Kind: "redis", Role: "backing", Image: "redis:7.2.4", Address: "127.0.0.1:63790", URL: "redis://127.0.0.1:63790/0"},
			{Name: "mail", Kind: "generic", Role: "generic", Image: "axllent/mailpit:v1.21", Address: "127.0.0.1:8025"},
			{Name: "web", Kind: "generic", Role: "app", Image: ""},
		},
	}}
}

func phase(source string, p event.Phase, ago time.Duration) event.Event {
	return event.Event{Time: now.Add(-ago), Type: event.EventPhase, Source: source, Phase: p}
}

func logLineEvent(source, line string) event.Event {
	return event.Event{Time: now, Type: event.EventLog, Source: source, Stream: "stdout", Line: line}
}

// startingEvents: db pulling, cache probing, mail being created.
func startingEvents() []event.Event {
	waiting := phase("cache", event.PhaseWaiting, 2*time.Second)
	waiting.Reason = "connection refused"
	return []event.Event{
		plan(),
		phase("db", event.PhasePulling, 10*time.Second),
		{Time: now, Type: event.EventPull, Source: "db", Pull: &event.PullStatus{Image: "postgres:15.6", Layers: 14, LayersDone: 6, BytesDone: 43 << 20, BytesTotal: 100 << 20}},
		phase("cache", event.PhaseStarting, 3*time.Second),
		waiting,
		phase("mail", event.PhaseCreating, time.Second),
		logLineEvent("cache", "1:C 14 Mar 2025 09:26:50.123 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"),
		logLineEvent("cache", "1:M 14 Mar 2025 09:26:50.124 * Ready to accept connections tcp"),
	}
}

// readyEvents: everything up, the app serving.
func readyEvents() []event.Event {
	evs := []event.Event{plan()}
	for _, s := range []struct {
		name    string
		readyIn time.Duration
		ago     time.Duration
	}{{"db", 1400 * time.Millisecond, 2*time.Minute + 3*time.Second}, {"cache", 310 * time.Millisecond, 2*time.Minute + 4*time.Second}, {"mail", 2 * time.Second, 2 * time.Minute}} {
		ev := phase(s.name, event.PhaseReady, s.ago)
		ev.ReadyIn = s.readyIn
		evs = append(evs, ev)
	}
	running := phase(event.AppSource, event.PhaseRunning, 95*time.Second)
	running.Pid = 4242
	evs = append(evs, running,
		logLineEvent("db", "2025-03-14 09:24:50.001 UTC [1] LOG:  database system is ready to accept connections"),
		logLineEvent("cache", "1:M 14 Mar 2025 09:24:49.124 * Ready to accept connections tcp"),
		logLineEvent(event.AppSource, "listening on http://127.0.0.1:8080"),
		logLineEvent(event.AppSource, "GET /healthz 200 0.4ms"),
		logLineEvent("db", "2025-03-14 09:25:00.412 UTC [57] LOG:  duration: 0.812 ms  statement: SELECT 1"),
		logLineEvent("mail", "[smtpd] starting on [::]:1025"),
		logLineEvent(event.AppSource, "GET /products 200 12.7ms\tuser=42"),
	)
	return evs
}

func crashedEvents() []event.Event {
	evs := readyEvents()
	exited := phase("db", event.PhaseExited, 5*time.Second)
	exited.ExitCode = 1
	exited.LastLogs = []string{
		"2025-03-14 09:26:47.001 UTC [1] LOG:  received fast shutdown request",
		"2025-03-14 09:26:47.310 UTC [1] FATAL:  could not write lock file \"postmaster.pid\": No space left on device",
		"2025-03-14 09:26:47.311 UTC [1] LOG:  database system is shut down",
	}
	return append(evs,
		logLineEvent(event.AppSource, "error: dial tcp 127.0.0.1:54321: connect: connection refused"),
		exited)
}

// movedEvents: everything up, db off its usual port because another parity
// project holds it; the plan comes again, as after a port moved while starting.
func movedEvents() []event.Event {
	evs := readyEvents()
	moved := func(ev event.Event) event.Event {
		db := &ev.Plan.Services[0]
		db.Address, db.URL = "127.0.0.1:54322", "postgres://shop:***@127.0.0.1:54322/shop"
		db.UsualPort, db.PortNote = 5432, "5432 held by parity project billing, service db"
		db.PortHeldBy = &event.PortHolder{Project: "billing", Service: "db", Container: "parity-billing-db"}
		return ev
	}
	evs[0] = moved(evs[0])
	return append(evs, moved(plan()))
}

func testModel(t *testing.T, ctl Controller, evs []event.Event) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, NewModel(Options{Controller: ctl, Now: fixedNow}), teatest.WithInitialTermSize(100, 30))
	for _, ev := range evs {
		tm.Send(ev)
	}
	return tm
}

func finalView(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	if !ok {
		t.Fatal("final model is not a tui.Model")
	}
	return fm.View()
}

func waitForOutput(t *testing.T, tm *teatest.TestModel, want string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func press(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func TestGoldenStarting(t *testing.T) {
	tm := testModel(t, newFake(), startingEvents())
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

func TestGoldenAllReady(t *testing.T) {
	tm := testModel(t, newFake(), readyEvents())
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

func TestGoldenCrashed(t *testing.T) {
	tm := testModel(t, newFake(), crashedEvents())
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

func TestGoldenMovedPort(t *testing.T) {
	tm := testModel(t, newFake(), movedEvents())
	view := finalView(t, tm)
	if n := strings.Count(view, "5432 held by parity project billing"); n != 1 {
		t.Errorf("the log pane says %d times why db is off 5432, want once", n)
	}
	teatest.RequireEqualOutput(t, []byte(view))
}

func TestGoldenLogsFiltered(t *testing.T) {
	tm := testModel(t, newFake(), readyEvents())
	tm.Send(press("down")) // cache
	tm.Send(press("down")) // mail
	tm.Send(press("down")) // app
	tm.Send(press("enter"))
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

func TestGoldenSearch(t *testing.T) {
	tm := testModel(t, newFake(), readyEvents())
	tm.Type("/get")
	tm.Send(press("enter"))
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

func TestGoldenEnvMasked(t *testing.T) {
	tm := testModel(t, newFake(), readyEvents())
	tm.Send(press("e"))
	waitForOutput(t, tm, "STRIPE_KEY")
	view := finalView(t, tm)
	if strings.Contains(view, "s3cret-pass") || strings.Contains(view, "sk_test_") {
		t.Error("a secret shows while masked")
	}
	teatest.RequireEqualOutput(t, []byte(view))
}

func TestGoldenEnvRevealed(t *testing.T) {
	tm := testModel(t, newFake(), readyEvents())
	tm.Send(press("e"))
	waitForOutput(t, tm, "STRIPE_KEY")
	tm.Send(press("x"))
	waitForOutput(t, tm, "sk_test_")
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

func TestGoldenEngineLost(t *testing.T) {
	evs := append(readyEvents(), event.Event{Type: event.EventEngine, Time: now, Reason: "dial unix /var/run/docker.sock: connect: no such file or directory"})
	tm := teatest.NewTestModel(t, NewModel(Options{Controller: newFake(), Now: fixedNow}), teatest.WithInitialTermSize(80, 24))
	for _, ev := range evs {
		tm.Send(ev)
	}
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

// lockedBuffer is an output the program and the test may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestUIFloodStaysResponsive runs the real program while several goroutines
// send 10,000 log lines a second or more, and checks a key press still ends it
// promptly.
func TestUIFloodStaysResponsive(t *testing.T) {
	in, typing := io.Pipe()
	defer typing.Close()
	out := &lockedBuffer{}
	u := New(Options{Controller: newFake(), Input: in, Output: out, NoColor: true, Now: fixedNow})
	for _, ev := range readyEvents() {
		u.Send(ev)
	}

	stop := make(chan struct{})
	var senders sync.WaitGroup
	for g := range 4 {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				u.Send(logLineEvent(fmt.Sprintf("svc%d", g), fmt.Sprintf("line %d of a very chatty service", i)))
				if i%100 == 0 {
					time.Sleep(time.Millisecond) // ~100k lines/s over all senders, not a busy spin
				}
			}
		}()
	}

	type result struct {
		o   Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		o, err := u.Run()
		done <- result{o, err}
	}()

	// Let the flood reach the screen before quitting.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "chatty service") {
		if time.Now().After(deadline) {
			t.Fatal("no flooded line was drawn within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := typing.Write([]byte("Q")); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.o != QuitLeave {
			t.Errorf("outcome = %v, want %v", r.o, QuitLeave)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Q was not handled within 5s during the flood")
	}
	close(stop)
	senders.Wait()
	u.Send(logLineEvent("db", "after the end")) // must neither block nor panic
}

func TestUIQuitEndsRun(t *testing.T) {
	in, typing := io.Pipe()
	defer typing.Close()
	u := New(Options{Input: in, Output: &lockedBuffer{}, NoColor: true, Now: fixedNow})
	go u.Quit() // before Run starts: it waits for the program
	done := make(chan Outcome, 1)
	go func() {
		o, err := u.Run()
		if err != nil {
			t.Error(err)
		}
		done <- o
	}()
	select {
	case o := <-done:
		if o != QuitStop {
			t.Errorf("outcome = %v, want %v", o, QuitStop)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Quit did not end Run within 5s")
	}
}
