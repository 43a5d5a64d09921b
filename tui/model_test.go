package tui

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/parity-dev/parity/engine/event"
)

// drive feeds messages to a model as the program would and returns the
// model and the command of the last message.
func drive(t *testing.T, m Model, msgs ...tea.Msg) (Model, tea.Cmd) {
	t.Helper()
	var cmd tea.Cmd
	for _, msg := range msgs {
		var next tea.Model
		next, cmd = m.Update(msg)
		m = next.(Model)
	}
	return m, cmd
}

func sized(t *testing.T, ctl Controller, evs []event.Event) Model {
	t.Helper()
	msgs := []tea.Msg{tea.WindowSizeMsg{Width: 100, Height: 30}}
	for _, ev := range evs {
		msgs = append(msgs, ev)
	}
	m, _ := drive(t, NewModel(Options{Controller: ctl, Now: fixedNow}), msgs...)
	return m
}

func TestSelectionStaysInBounds(t *testing.T) {
	m := sized(t, nil, readyEvents()) // db, cache, mail, app
	m, _ = drive(t, m, press("up"), press("k"))
	if got := m.selectedSource(); got != "db" {
		t.Errorf("after up at the top: selected %q, want db", got)
	}
	m, _ = drive(t, m, press("down"), press("j"), press("down"), press("down"), press("down"))
	if got := m.selectedSource(); got != event.AppSource {
		t.Errorf("after moving past the end: selected %q, want app", got)
	}
	m, _ = drive(t, m, press("k"))
	if got := m.selectedSource(); got != "mail" {
		t.Errorf("after k: selected %q, want mail", got)
	}
}

func TestSelectionOnEmptyModel(t *testing.T) {
	m, _ := drive(t, NewModel(Options{Now: fixedNow}), press("down"), press("up"), press("enter"), press("r"), press("c"), press("s"))
	if m.selected != 0 || m.filter.source != "" {
		t.Errorf("selected %d, filter %q on a model without rows", m.selected, m.filter.source)
	}
}

func TestEnterFiltersLogs(t *testing.T) {
	m := sized(t, nil, readyEvents())
	m, _ = drive(t, m, press("down"), press("enter"))
	if m.filter.source != "cache" {
		t.Fatalf("filter = %q after enter on cache, want cache", m.filter.source)
	}
	v := m.View()
	if !strings.Contains(v, "cache  | 1:M") || strings.Contains(v, "app    | listening") {
		t.Errorf("filtered view shows other sources or misses cache:\n%s", v)
	}
	m, _ = drive(t, m, press("enter"))
	if m.filter.source != "" {
		t.Errorf("enter again: filter = %q, want all", m.filter.source)
	}
	m, _ = drive(t, m, press("enter"), press("esc"))
	if m.filter.source != "" {
		t.Errorf("esc: filter = %q, want all", m.filter.source)
	}
	// Selecting another row and pressing enter switches the filter.
	m, _ = drive(t, m, press("enter"), press("down"), press("enter"))
	if m.filter.source != "mail" {
		t.Errorf("filter = %q, want mail", m.filter.source)
	}
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestQuitOutcomes(t *testing.T) {
	exited := phase(event.AppSource, event.PhaseExited, 0)
	exited.ExitCode = 2
	for _, tc := range []struct {
		name string
		evs  []event.Event
		key  string
		want Outcome
	}{
		{"q stops", readyEvents(), "q", QuitStop},
		{"ctrl+c stops", readyEvents(), "ctrl+c", QuitStop},
		{"Q leaves services", readyEvents(), "Q", QuitLeave},
		{"q after the app exited", append(readyEvents(), exited), "q", AppExited},
		{"Q after the app exited", append(readyEvents(), exited), "Q", QuitLeave},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := sized(t, nil, tc.evs)
			m, cmd := drive(t, m, press(tc.key))
			if !isQuit(cmd) {
				t.Fatalf("%s did not quit", tc.key)
			}
			if m.outcome != tc.want {
				t.Errorf("outcome = %v, want %v", m.outcome, tc.want)
			}
		})
	}
}

func TestCtrlCQuitsWhileSearching(t *testing.T) {
	m := sized(t, nil, readyEvents())
	m, cmd := drive(t, m, press("/"), press("q"), press("ctrl+c"))
	if !isQuit(cmd) || m.outcome != QuitStop {
		t.Errorf("ctrl+c in the search prompt: quit=%v outcome=%v", isQuit(cmd), m.outcome)
	}
	if m.filter.query != "q" {
		t.Errorf("q in the search prompt was not typed: query %q", m.filter.query)
	}
}

func TestRestartRunsInCmd(t *testing.T) {
	fake := newFake()
	m := sized(t, fake, readyEvents())
	m, cmd := drive(t, m, press("down"), press("r"))
	if len(fake.restarted) != 0 {
		t.Fatal("Update called Restart itself")
	}
	if cmd == nil {
		t.Fatal("r returned no command")
	}
	msg := cmd()
	if len(fake.restarted) != 1 || fake.restarted[0] != "cache" {
		t.Fatalf("restarted %v, want [cache]", fake.restarted)
	}
	if !strings.Contains(m.View(), "restarting cache…") {
		t.Error("no restarting status shown")
	}
	m, _ = drive(t, m, msg)
	if m.status != "" {
		t.Errorf("status after a successful restart = %q", m.status)
	}

	fake.restartErr = errors.New("container is gone")
	m, cmd = drive(t, m, press("down"), press("down"), press("r"))
	m, _ = drive(t, m, cmd())
	if fake.restarted[1] != event.AppSource {
		t.Errorf("restarted %v, want the app second", fake.restarted)
	}
	if want := "restart app: container is gone"; m.status != want {
		t.Errorf("status = %q, want %q", m.status, want)
	}
}

func TestShellUsesExecProcess(t *testing.T) {
	fake := newFake()
	m := sized(t, fake, readyEvents())
	m, cmd := drive(t, m, press("s"))
	if cmd == nil || len(fake.shells) != 0 {
		t.Fatalf("s: cmd %v, shells asked in Update %v", cmd != nil, fake.shells)
	}
	ready, ok := cmd().(shellReadyMsg)
	if !ok || ready.source != "db" || ready.cmd == nil {
		t.Fatalf("s produced %#v", ready)
	}
	_, exec := drive(t, m, ready)
	if exec == nil {
		t.Fatal("a ready shell was not executed")
	}
	if msg := exec(); fmt.Sprintf("%T", msg) != "tea.execMsg" {
		t.Errorf("shell runs through %T, want tea.ExecProcess", msg)
	}

	m, cmd = drive(t, m, press("down"), press("down"), press("down"), press("s"))
	m, _ = drive(t, m, cmd())
	if !strings.Contains(m.status, "the app has no shell") {
		t.Errorf("shell error not shown: %q", m.status)
	}
}

func TestEnvViewMasksUntilX(t *testing.T) {
	fake := newFake()
	m := sized(t, fake, readyEvents())
	m, cmd := drive(t, m, press("e"))
	if !m.envOpen || !strings.Contains(m.View(), "loading") {
		t.Fatal("e did not open the env view")
	}
	m, _ = drive(t, m, cmd())
	v := m.View()
	for _, want := range []string{"postgres://shop:•••••@127.0.0.1:54321/shop", "REDIS_URL", "redis://127.0.0.1:63790/0", "LOG_LEVEL", "debug", "manifest"} {
		if !strings.Contains(v, want) {
			t.Errorf("masked env view lacks %q", want)
		}
	}
	for _, secret := range []string{"s3cret-pass", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"} {
		if strings.Contains(v, secret) {
			t.Errorf("masked env view shows %q", secret)
		}
	}
	m, _ = drive(t, m, press("x"))
	v = m.View()
	for _, secret := range []string{"s3cret-pass", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"} {
		if !strings.Contains(v, secret) {
			t.Errorf("revealed env view lacks %q", secret)
		}
	}
	m, _ = drive(t, m, press("x"))
	if strings.Contains(m.View(), "s3cret-pass") {
		t.Error("second x did not hide secrets again")
	}
	m, _ = drive(t, m, press("e"))
	if m.envOpen || !strings.Contains(m.View(), "logs: all") {
		t.Error("e did not close the env view")
	}
}

func TestMaskValue(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@h:5432/db?x=y": "postgres://u:•••••@h:5432/db?x=y",
		"redis://:pw@h:6379/0":         "redis://:•••••@h:6379/0",
		"redis://h:6379/0":             "••••••••••",
		"sk_live_abc":                  "••••••••••",
		"":                             "••••••••••",
	} {
		if got := maskValue(in); got != want {
			t.Errorf("maskValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCopyWritesOSC52(t *testing.T) {
	fake := newFake()
	var out bytes.Buffer
	m, _ := drive(t, NewModel(Options{Controller: fake, Output: &out, Now: fixedNow}), plan())
	m, cmd := drive(t, m, press("c"))
	if out.Len() != 0 {
		t.Fatal("Update wrote to the output")
	}
	m, _ = drive(t, m, cmd())
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(fake.urls["db"])) + "\a"
	if out.String() != want {
		t.Errorf("output = %q, want %q", out.String(), want)
	}
	if m.status != "copied db URL" {
		t.Errorf("status = %q", m.status)
	}
	out.Reset()
	m, cmd = drive(t, m, press("down"), press("down"), press("c")) // mail has no URL
	m, _ = drive(t, m, cmd())
	if out.Len() != 0 || m.status != "mail has no URL" {
		t.Errorf("no URL: wrote %q, status %q", out.String(), m.status)
	}
}

func TestSearchFiltersAndEscClears(t *testing.T) {
	m := sized(t, nil, readyEvents())
	m, _ = drive(t, m, press("/"), press("S"), press("t"), press("a"), press("backspace"), press("a"))
	if m.filter.query != "sta" || !m.searching {
		t.Fatalf("query %q searching %v", m.filter.query, m.searching)
	}
	v := m.View()
	if !strings.Contains(v, "statement: SELECT 1") || !strings.Contains(v, "[smtpd] starting") || strings.Contains(v, "GET /healthz") {
		t.Errorf("search view:\n%s", v)
	}
	m, _ = drive(t, m, press("enter"))
	if m.searching || m.filter.query != "sta" {
		t.Error("enter did not keep the search")
	}
	m, _ = drive(t, m, press("esc"))
	if m.filter.query != "" || !strings.Contains(m.View(), "GET /healthz") {
		t.Error("esc did not clear the search")
	}
}

func TestEventsUpdateRows(t *testing.T) {
	m := sized(t, nil, []event.Event{plan()})
	if got := len(m.rows); got != 4 {
		t.Fatalf("%d rows, want db, cache, mail, app", got)
	}
	if m.rows[3].source != event.AppSource || m.rows[3].image != "go run ./cmd/shop" {
		t.Errorf("app row = %+v", m.rows[3])
	}
	status := func(m Model, source string) string {
		for _, l := range strings.Split(m.View(), "\n") {
			if strings.HasPrefix(strings.TrimLeft(l, "▸ "), source+" ") {
				return l
			}
		}
		t.Fatalf("no row for %s in\n%s", source, m.View())
		return ""
	}
	steps := []struct {
		ev   event.Event
		row  string
		want string
	}{
		{event.Event{Type: event.EventPull, Source: "db", Pull: &event.PullStatus{BytesDone: 43, BytesTotal: 100}}, "db", "pulling 43%"},
		{phase("db", event.PhaseCreating, 0), "db", "creating"},
		{phase("db", event.PhaseStarting, 0), "db", "starting"},
		{event.Event{Type: event.EventPhase, Source: "db", Phase: event.PhaseWaiting, Reason: "auth failed"}, "db", "waiting: auth failed"},
		{event.Event{Time: now.Add(-61 * time.Second), Type: event.EventPhase, Source: "db", Phase: event.PhaseReady, ReadyIn: 1200 * time.Millisecond}, "db", "ready in 1.2s"},
		{event.Event{Type: event.EventPhase, Source: "db", Phase: event.PhaseRestarting}, "db", "restarting"},
		{event.Event{Type: event.EventPhase, Source: "db", Phase: event.PhaseExited, ExitCode: 137, LastLogs: []string{"killed"}}, "db", "exited 137"},
		{event.Event{Type: event.EventPhase, Source: "mail", Phase: event.PhaseFailed, Reason: "port 8025 in use"}, "mail", "failed: port 8025 in use"},
		{event.Event{Time: now.Add(-5 * time.Second), Type: event.EventPhase, Source: event.AppSource, Phase: event.PhaseRunning, Pid: 777}, "app", "pid 777"},
		{event.Event{Type: event.EventPhase, Source: "extra", Phase: event.PhaseStarting}, "extra", "starting"},
	}
	for _, s := range steps {
		m, _ = drive(t, m, s.ev)
		if got := status(m, s.row); !strings.Contains(got, s.want) {
			t.Errorf("after %s %s: row %q lacks %q", s.ev.Type, s.ev.Phase, got, s.want)
		}
	}
	if got := status(m, "db"); !strings.Contains(got, "↻1") {
		t.Errorf("db row does not count its restart: %q", got)
	}
	if !strings.Contains(m.View(), "│ killed") {
		t.Error("the exited service's last lines are not shown")
	}
	if got := status(m, "app"); !strings.Contains(got, " <1m") {
		t.Errorf("app uptime missing: %q", got)
	}
	if m.rows[len(m.rows)-1].source != event.AppSource {
		t.Error("a service that was not in the plan was added after the app")
	}
}

func TestEngineBanner(t *testing.T) {
	m := sized(t, nil, readyEvents())
	m, _ = drive(t, m, event.Event{Type: event.EventEngine, Reason: "connection refused"})
	if !strings.Contains(m.View(), "Docker engine unreachable: connection refused, reconnecting") {
		t.Fatalf("no banner:\n%s", m.View())
	}
	m, _ = drive(t, m, event.Event{Type: event.EventEngine})
	v := m.View()
	if strings.Contains(strings.Split(v, "\n")[2], "unreachable") {
		t.Errorf("banner stays after the engine came back:\n%s", v)
	}
	if !strings.Contains(v, "parity | Docker engine is back") {
		t.Error("the return of the engine is not logged")
	}
}

func TestWarningsAndLogsReachThePane(t *testing.T) {
	m := sized(t, nil, []event.Event{plan(),
		{Type: event.EventWarning, Line: "redis:latest is not pinned"},
		logLineEvent("db", "\x1b[31mred\x1b[0m\ttabbed\r"),
	})
	v := m.View()
	if !strings.Contains(v, "parity | warning: redis:latest is not pinned") {
		t.Errorf("warning missing:\n%s", v)
	}
	if !strings.Contains(v, "db     | red     tabbed") {
		t.Errorf("log line not cleaned:\n%s", v)
	}
}

func TestWaitingLinesAreNotRepeated(t *testing.T) {
	w := event.Event{Type: event.EventPhase, Source: "db", Phase: event.PhaseWaiting, Reason: "connection refused"}
	m := sized(t, nil, []event.Event{plan(), w, w, w})
	if n := strings.Count(m.View(), "db: waiting: connection refused"); n != 1 {
		t.Errorf("waiting line appears %d times, want once", n)
	}
}

// TestTicksOnlyWhileAnimating: an idle UI schedules nothing; a pulling one
// keeps exactly one tick in flight.
func TestTicksOnlyWhileAnimating(t *testing.T) {
	m := sized(t, nil, readyEvents())
	if _, cmd := drive(t, m, tickMsg{}); cmd != nil {
		t.Error("an idle model scheduled a tick")
	}
	if _, cmd := drive(t, m, logLineEvent("db", "x")); cmd != nil {
		t.Error("a log line on an idle model scheduled a tick")
	}
	m, cmd := drive(t, m, phase("db", event.PhaseRestarting, 0))
	if cmd == nil {
		t.Fatal("restarting did not start the spinner")
	}
	if _, again := drive(t, m, logLineEvent("db", "y")); again != nil {
		t.Error("a second tick was scheduled while one is pending")
	}
	m, cmd = drive(t, m, tickMsg{})
	if cmd == nil {
		t.Error("the spinner stopped while still restarting")
	}
	m, _ = drive(t, m, phase("db", event.PhaseReady, 0))
	if _, cmd = drive(t, m, tickMsg{}); cmd != nil {
		t.Error("the tick went on after everything settled")
	}
}

func TestViewFitsTheTerminal(t *testing.T) {
	evs := crashedEvents()
	evs = append(evs, event.Event{Type: event.EventEngine, Reason: strings.Repeat("very long reason ", 20)})
	for i := range 300 {
		evs = append(evs, logLineEvent(fmt.Sprintf("svc-with-a-long-name-%d", i%7), strings.Repeat("wide 漢字 line ", 30)))
	}
	for _, size := range [][2]int{{80, 24}, {100, 30}, {200, 60}, {60, 16}, {40, 10}, {20, 5}, {10, 2}, {1, 1}} {
		w, h := size[0], size[1]
		m, _ := drive(t, NewModel(Options{Now: fixedNow}), tea.WindowSizeMsg{Width: w, Height: h})
		for _, ev := range evs {
			m, _ = drive(t, m, ev)
		}
		for _, extra := range []string{"", "?", "e"} {
			mm := m
			if extra != "" {
				mm, _ = drive(t, m, press(extra), envMsg{vars: newFake().env})
			}
			lines := strings.Split(mm.View(), "\n")
			if len(lines) != h {
				t.Errorf("%d×%d %q: %d lines", w, h, extra, len(lines))
			}
			for i, l := range lines {
				if lw := ansi.StringWidth(l); lw > w {
					t.Errorf("%d×%d %q: line %d is %d wide: %q", w, h, extra, i, lw, l)
				}
			}
		}
	}
}

func TestManyServicesKeepSelectionVisible(t *testing.T) {
	p := plan()
	p.Plan.Services = nil
	for i := range 30 {
		p.Plan.Services = append(p.Plan.Services, event.ServiceSummary{Name: fmt.Sprintf("svc%02d", i), Kind: "generic", Image: "busybox:1.36"})
	}
	m, _ := drive(t, NewModel(Options{Now: fixedNow}), tea.WindowSizeMsg{Width: 80, Height: 24}, p)
	for range 25 {
		m, _ = drive(t, m, press("down"))
	}
	v := m.View()
	if !strings.Contains(v, "▸ svc25") {
		t.Errorf("selected row not visible:\n%s", v)
	}
	if m.paneLines() < minPane-1 {
		t.Errorf("log pane squeezed to %d lines", m.paneLines())
	}
}

func TestNoColor(t *testing.T) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	evs := crashedEvents()
	colored := sized(t, nil, evs).View()
	if !strings.Contains(colored, "\x1b[") {
		t.Fatal("no colour escapes with a colour profile: the NoColor check below proves nothing")
	}
	m, _ := drive(t, NewModel(Options{NoColor: true, Now: fixedNow}), tea.WindowSizeMsg{Width: 100, Height: 30})
	for _, ev := range evs {
		m, _ = drive(t, m, ev)
	}
	m, _ = drive(t, m, press("/"), press("e"))
	if v := m.View(); strings.Contains(v, "\x1b") {
		t.Errorf("NoColor view holds escapes: %q", v)
	}
}

func TestLogScrolling(t *testing.T) {
	m := sized(t, nil, []event.Event{plan()})
	for i := range 200 {
		m, _ = drive(t, m, logLineEvent("db", fmt.Sprintf("line %03d", i)))
	}
	m, _ = drive(t, m, press("pgup"))
	if m.scroll.follow {
		t.Fatal("pgup did not stop following")
	}
	before := m.View()
	if strings.Contains(before, "line 199") {
		t.Error("pgup still shows the newest line")
	}
	m, _ = drive(t, m, logLineEvent("db", "line 200"))
	if m.View() != before {
		t.Error("a new line moved the paused view")
	}
	m, _ = drive(t, m, press("home"))
	if v := m.View(); !strings.Contains(v, "parity | db: pending") && !strings.Contains(v, "line 000") {
		t.Errorf("home does not show the oldest lines:\n%s", v)
	}
	m, _ = drive(t, m, tea.MouseMsg{Action: tea.MouseActionPress, Button: tea.MouseButtonWheelDown})
	if m.scroll.follow {
		t.Error("a wheel step from the top resumed following")
	}
	m, _ = drive(t, m, press("end"))
	if !m.scroll.follow || !strings.Contains(m.View(), "line 200") {
		t.Error("end did not resume following")
	}
	m, _ = drive(t, m, tea.MouseMsg{Action: tea.MouseActionPress, Button: tea.MouseButtonWheelUp})
	if m.scroll.follow {
		t.Error("wheel up did not pause")
	}
	m, _ = drive(t, m, press("pgdown"))
	if !m.scroll.follow {
		t.Error("paging down to the bottom did not resume following")
	}
}

func TestInboxBatchesAndBounds(t *testing.T) {
	posts := make(chan struct{}, 100)
	b := &inbox{post: func() { posts <- struct{}{} }}
	for i := range maxPendingLogs + 10 {
		b.put(logLineEvent("db", fmt.Sprint(i)))
	}
	b.put(phase("db", event.PhaseReady, 0))
	select {
	case <-posts:
	case <-time.After(5 * time.Second):
		t.Fatal("the program was never woken")
	}
	evs, dropped := b.drain()
	if len(posts) != 0 {
		t.Errorf("%d extra wake-ups for one batch", len(posts))
	}
	logs := 0
	for _, ev := range evs {
		if ev.Type == event.EventLog {
			logs++
		}
	}
	if logs+dropped != maxPendingLogs+10 || logs > maxPendingLogs {
		t.Errorf("kept %d and dropped %d of %d lines (bound %d)", logs, dropped, maxPendingLogs+10, maxPendingLogs)
	}
	if last := evs[len(evs)-1]; last.Type != event.EventPhase {
		t.Error("a phase event was dropped or reordered")
	}
	if evs[len(evs)-2].Line != fmt.Sprint(maxPendingLogs+9) {
		t.Error("the newest lines were dropped instead of the oldest")
	}
	b.recycle(evs)
	b.put(logLineEvent("db", "again"))
	select {
	case <-posts:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up after a drain")
	}

	m := NewModel(Options{Now: fixedNow})
	m.inbox.put(logLineEvent("db", "through the inbox")) // no post func: stays buffered
	m, _ = drive(t, m, eventsArrivedMsg{})
	if !strings.Contains(m.View(), "through the inbox") {
		t.Error("Update did not drain the inbox")
	}
}

// Uptimes are whole minutes, so the view needs to wake only once a minute.
func TestUptimeIsShownInWholeMinutes(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "<1m", 59 * time.Second: "<1m", 61 * time.Second: "1m", 59*time.Minute + 59*time.Second: "59m",
		2*time.Hour + 5*time.Minute: "2h05m", 50 * time.Hour: "2d02h",
	} {
		if got := uptime(d); got != want {
			t.Errorf("uptime(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestViewDropsThePortHintBeforeAnyColumn checks that a narrow terminal
// loses the moved service's port hint, not its kind, uptime or address.
func TestViewDropsThePortHintBeforeAnyColumn(t *testing.T) {
	for _, tc := range []struct {
		width int
		hint  bool
	}{{100, true}, {80, false}} {
		m, _ := drive(t, NewModel(Options{Now: fixedNow}), tea.WindowSizeMsg{Width: tc.width, Height: 30})
		for _, ev := range movedEvents() {
			m, _ = drive(t, m, ev)
		}
		lines := strings.Split(m.View(), "\n")
		if !strings.Contains(lines[2], "KIND") || !strings.Contains(lines[2], "UPTIME") {
			t.Errorf("%d wide: columns lost: %q", tc.width, lines[2])
		}
		db := lines[3]
		if !strings.Contains(db, "postgres ") || !strings.Contains(db, "127.0.0.1:54322 ") || !strings.Contains(db, "2m") {
			t.Errorf("%d wide: db row %q lacks its kind, address or uptime", tc.width, db)
		}
		if got := strings.Contains(db, "(5432: billing/db)"); got != tc.hint {
			t.Errorf("%d wide: hint shown %v, want %v: %q", tc.width, got, tc.hint, db)
		}
	}
}

// D asks before resetting a service's data; only "y" resets it, from a
// tea.Cmd; the app has no data to reset.
func TestResetDataAsksFirstAndRunsInCmd(t *testing.T) {
	fake := newFake()
	m := sized(t, fake, readyEvents())
	m, cmd := drive(t, m, press("down"), press("D"))
	if cmd != nil || !strings.Contains(m.status, "reset cache's data") {
		t.Fatalf("D did not ask first: cmd %v, status %q", cmd != nil, m.status)
	}
	m, cmd = drive(t, m, press("n"))
	if cmd != nil || m.status != "reset cancelled" {
		t.Fatalf("n did not cancel: cmd %v, status %q", cmd != nil, m.status)
	}
	m, _ = drive(t, m, press("D"))
	m, cmd = drive(t, m, press("y"))
	if cmd == nil {
		t.Fatal("y returned no command")
	}
	if len(fake.resets) != 0 {
		t.Fatal("Update called Reset itself")
	}
	m, _ = drive(t, m, cmd())
	if len(fake.resets) != 1 || fake.resets[0] != "cache" {
		t.Fatalf("resets %v, want [cache]", fake.resets)
	}
	if m.status != "cache's data is reset" {
		t.Errorf("status after reset = %q", m.status)
	}
	m, cmd = drive(t, m, press("down"), press("down"), press("D"))
	if cmd != nil || m.confirmReset != "" {
		t.Errorf("D on the app row asked to reset it")
	}
}
