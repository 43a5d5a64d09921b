package tui

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/parity-dev/parity/engine/event"
)

// row is one line of the table: a service or the app.
type row struct {
	source   string // Event.Source: the service name, or event.AppSource
	kind     string
	image    string // as pinned; the command for the app
	address  string
	portHint string // "(5432: shop/db)" when off its usual port; dropped first when narrow
	phase    event.Phase
	reason   string
	exitCode int
	readyIn  time.Duration
	pull     *event.PullStatus
	pid      int
	since    time.Time // when it became ready or started running
	restarts int
	lastLogs []string // on exit or failure
}

func (r *row) isApp() bool { return r.source == event.AppSource }

// Model is the UI's single Bubble Tea model. Its parts (table, log pane, env
// view, help) are plain fields rendered by View, not nested models.
type Model struct {
	ctl  Controller
	out  io.Writer
	now  func() time.Time
	st   styles
	keys keyMap
	help help.Model

	width, height int

	plan     *event.PlanSummary
	rows     []row
	selected int
	// confirmReset is the service whose data reset waits for a "y".
	confirmReset string
	engineDown   string // why the Docker engine is unreachable; "" when it is fine

	logs      *logStore
	filter    logFilter
	scroll    logScroll
	searching bool              // the search prompt has the keyboard
	noted     map[string]string // last phase line (and port note) written to the log pane, per source

	envOpen   bool
	envLoaded bool
	envVars   []EnvVar
	envReveal bool
	envOffset int
	fullHelp  bool
	status    string // one-shot message in the help bar
	outcome   Outcome
	ticking   bool // a tick is scheduled
	clocking  bool // a minute tick is scheduled, to move the uptimes on
	inbox     *inbox
}

// NewModel builds the top-level model. New wraps it in a program; tests
// drive it directly or through teatest.
func NewModel(opts Options) Model {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	out := opts.Output
	if out == nil {
		out = os.Stdout
	}
	st := newStyles(opts)
	h := help.New()
	h.Styles = help.Styles{
		Ellipsis:       st.dim,
		ShortKey:       st.bold,
		ShortDesc:      st.dim,
		ShortSeparator: st.dim,
		FullKey:        st.bold,
		FullDesc:       st.dim,
		FullSeparator:  st.dim,
	}
	h.ShortSeparator = "  "
	return Model{
		ctl:    opts.Controller,
		out:    out,
		now:    now,
		st:     st,
		keys:   newKeyMap(),
		help:   h,
		logs:   newLogStore(),
		scroll: logScroll{follow: true},
		noted:  map[string]string{},
		inbox:  &inbox{},
	}
}

// Messages the model sends itself through tea.Cmds.
type (
	tickMsg      struct{}
	clockMsg     struct{}
	restartedMsg struct {
		source string
		err    error
	}
	resetMsg struct {
		source string
		err    error
	}
	shellReadyMsg struct {
		source string
		cmd    *exec.Cmd
		err    error
	}
	shellDoneMsg struct {
		source string
		err    error
	}
	envMsg    struct{ vars []EnvVar }
	copiedMsg struct {
		source string
		copied bool
		err    error
	}
)

// tickEvery paces the spinner; ticks run only while a phase animates.
const tickEvery = 100 * time.Millisecond

// Init implements tea.Model. Nothing moves before the first event.
func (m Model) Init() tea.Cmd { return nil }

// Update implements tea.Model. It only changes state; everything that talks
// to the engine or the terminal runs in the returned tea.Cmd.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
	case event.Event:
		m.apply(msg)
	case eventsArrivedMsg:
		evs, dropped := m.inbox.drain()
		if dropped > 0 {
			m.logs.add(paritySource, fmt.Sprintf("skipped %d log lines while the UI was busy", dropped))
		}
		for _, ev := range evs {
			m.apply(ev)
		}
		m.inbox.recycle(evs)
	case clockMsg:
		m.clocking = false
	case tickMsg:
		m.ticking = false
	case tea.KeyMsg:
		cmd = m.key(msg)
	case tea.MouseMsg:
		if msg.Action == tea.MouseActionPress {
			switch msg.Button {
			case tea.MouseButtonWheelUp:
				m.scrollPane(-3)
			case tea.MouseButtonWheelDown:
				m.scrollPane(3)
			}
		}
	case resetMsg:
		if msg.err != nil {
			m.status = fmt.Sprintf("reset %s: %v", msg.source, msg.err)
		} else {
			m.status = msg.source + "'s data is reset"
		}
	case restartedMsg:
		if msg.err != nil {
			m.status = fmt.Sprintf("restart %s: %v", msg.source, msg.err)
		} else if m.status == restartingStatus(msg.source) {
			m.status = ""
		}
	case shellReadyMsg:
		if msg.err != nil {
			m.status = fmt.Sprintf("shell %s: %v", msg.source, msg.err)
			break
		}
		source := msg.source
		cmd = tea.ExecProcess(msg.cmd, func(err error) tea.Msg { return shellDoneMsg{source: source, err: err} })
	case shellDoneMsg:
		if msg.err != nil {
			m.status = fmt.Sprintf("shell %s: %v", msg.source, msg.err)
		}
	case envMsg:
		m.envVars, m.envLoaded = msg.vars, true
	case copiedMsg:
		switch {
		case msg.err != nil:
			m.status = fmt.Sprintf("copy %s URL: %v", msg.source, msg.err)
		case msg.copied:
			m.status = fmt.Sprintf("copied %s URL", msg.source)
		default:
			m.status = fmt.Sprintf("%s has no URL", msg.source)
		}
	}
	return m, tea.Batch(cmd, m.scheduleTick(), m.scheduleClock())
}

// scheduleClock redraws once a minute while anything shows an uptime.
// Uptimes are shown in whole minutes, so an idle view wakes once a minute
// instead of once a second.
func (m *Model) scheduleClock() tea.Cmd {
	if m.clocking {
		return nil
	}
	for i := range m.rows {
		if !m.rows[i].since.IsZero() {
			m.clocking = true
			return tea.Tick(time.Minute, func(time.Time) tea.Msg { return clockMsg{} })
		}
	}
	return nil
}

// scheduleTick starts the spinner's tick when something animates and no
// tick is pending, so an idle UI does not redraw.
func (m *Model) scheduleTick() tea.Cmd {
	if m.ticking || !m.animating() {
		return nil
	}
	m.ticking = true
	return tea.Tick(tickEvery, func(time.Time) tea.Msg { return tickMsg{} })
}

func (m *Model) animating() bool {
	for i := range m.rows {
		if animated(m.rows[i].phase) {
			return true
		}
	}
	return false
}

// apply folds one engine event into the model.
func (m *Model) apply(ev event.Event) {
	at := ev.Time
	if at.IsZero() {
		at = m.now()
	}
	switch ev.Type {
	case event.EventPlan:
		if ev.Plan != nil {
			m.applyPlan(ev.Plan)
		}
	case event.EventPhase:
		r := m.row(ev.Source)
		if ev.Phase == event.PhaseRestarting && r.phase != event.PhaseRestarting {
			r.restarts++
		}
		r.phase, r.reason = ev.Phase, ev.Reason
		if ev.Pid != 0 {
			r.pid = ev.Pid
		}
		if ev.Phase != event.PhasePulling {
			r.pull = nil
		}
		r.lastLogs = nil
		switch ev.Phase {
		case event.PhaseReady:
			r.readyIn, r.since = ev.ReadyIn, at
		case event.PhaseRunning:
			r.since = at
		case event.PhaseExited, event.PhaseFailed:
			r.exitCode, r.since = ev.ExitCode, time.Time{}
			for _, l := range ev.LastLogs {
				r.lastLogs = append(r.lastLogs, cleanLine(l))
			}
		default:
			r.since = time.Time{}
		}
		m.note(ev.Source, phaseLine(ev))
	case event.EventPull:
		r := m.row(ev.Source)
		r.phase = event.PhasePulling
		if ev.Pull != nil {
			p := *ev.Pull
			r.pull = &p
		}
	case event.EventLog:
		m.logs.add(ev.Source, cleanLine(ev.Line))
	case event.EventWarning:
		m.logs.add(paritySource, "warning: "+cleanLine(ev.Line))
	case event.EventEngine:
		switch {
		case ev.Reason != "":
			m.logs.add(paritySource, "Docker engine unreachable: "+cleanLine(ev.Reason)+", reconnecting")
		case m.engineDown != "":
			m.logs.add(paritySource, "Docker engine is back")
		}
		m.engineDown = cleanLine(ev.Reason)
	}
}

// note writes a phase change among the logs, so the pane keeps the history
// the table overwrites; a repeat of the same line is dropped.
func (m *Model) note(source, line string) {
	if m.noted[source] == line {
		return
	}
	m.noted[source] = line
	m.logs.add(paritySource, line)
}

// applyPlan lays out the rows: the services in plan order, then the app.
// Rows already known keep their state.
func (m *Model) applyPlan(p *event.PlanSummary) {
	m.plan = p
	old := map[string]row{}
	for _, r := range m.rows {
		old[r.source] = r
	}
	rows := make([]row, 0, len(p.Services)+1)
	appImage := ""
	for _, s := range p.Services {
		if s.Role == "app" {
			appImage = s.Image
			continue
		}
		r, ok := old[s.Name]
		if !ok {
			r = row{source: s.Name, phase: event.PhasePending}
		}
		delete(old, s.Name)
		r.kind, r.image, r.address, r.portHint = s.Kind, s.Image, s.Address, portHint(s)
		rows = append(rows, r)
		if s.PortNote != "" {
			// The row says it in a few words; the pane keeps the sentence.
			m.note(s.Name+"\x00port", fmt.Sprintf("%s: on %s, %s", s.Name, s.Address, s.PortNote))
		}
	}
	for _, r := range m.rows { // sources seen before the plan, in their order
		if _, ok := old[r.source]; ok && !r.isApp() {
			rows = append(rows, r)
		}
	}
	app, hasApp := old[event.AppSource]
	if len(p.AppCommand) > 0 || appImage != "" || hasApp {
		if !hasApp {
			app = row{source: event.AppSource, phase: event.PhasePending}
		}
		app.kind, app.image = "app", strings.Join(p.AppCommand, " ")
		if app.image == "" {
			app.image = appImage
		}
		rows = append(rows, app)
	}
	m.rows = rows
	m.selected = min(m.selected, max(len(rows)-1, 0))
}

// portHint says, short enough for the table, that a service is off its
// usual port and which parity project holds it: "(5432: shop/db)", else
// "(not 5432)"; "" on the usual port. The log pane has the whole sentence.
func portHint(s event.ServiceSummary) string {
	if s.PortNote == "" || s.UsualPort == 0 || s.Address == "" {
		return ""
	}
	if h := s.PortHeldBy; h != nil && h.Project != "" {
		holder := h.Project
		if h.Service != "" {
			holder += "/" + h.Service
		}
		return fmt.Sprintf("(%d: %s)", s.UsualPort, holder)
	}
	return fmt.Sprintf("(not %d)", s.UsualPort)
}

// row finds the row of a source, adding one for a source the plan did not
// announce (services before the app).
func (m *Model) row(source string) *row {
	for i := range m.rows {
		if m.rows[i].source == source {
			return &m.rows[i]
		}
	}
	r := row{source: source, phase: event.PhasePending}
	if source == event.AppSource {
		r.kind = "app"
		m.rows = append(m.rows, r)
		return &m.rows[len(m.rows)-1]
	}
	i := len(m.rows)
	if i > 0 && m.rows[i-1].isApp() {
		i--
		if m.selected >= i {
			m.selected++
		}
	}
	m.rows = append(m.rows[:i], append([]row{r}, m.rows[i:]...)...)
	return &m.rows[i]
}

// selectedSource is the source of the selected row, "" when there is none.
func (m *Model) selectedSource() string {
	if m.selected < 0 || m.selected >= len(m.rows) {
		return ""
	}
	return m.rows[m.selected].source
}

// key handles one key press.
func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	if m.searching {
		return m.searchKey(msg)
	}
	if src := m.confirmReset; src != "" {
		// Data is lost only on an explicit yes.
		m.confirmReset = ""
		if msg.String() == "y" || msg.String() == "Y" {
			return m.reset(src)
		}
		m.status = "reset cancelled"
		return nil
	}
	m.status = ""
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		m.outcome = QuitStop
		if app := m.appRow(); app != nil && (app.phase == event.PhaseExited || app.phase == event.PhaseFailed) {
			m.outcome = AppExited
		}
		return tea.Quit
	case key.Matches(msg, k.Leave):
		m.outcome = QuitLeave
		return tea.Quit
	case key.Matches(msg, k.Up):
		m.selected = max(m.selected-1, 0)
	case key.Matches(msg, k.Down):
		m.selected = max(min(m.selected+1, len(m.rows)-1), 0)
	case key.Matches(msg, k.Focus):
		src := m.selectedSource()
		if m.filter.source == src {
			src = ""
		}
		m.filter.source = src
		m.scroll = logScroll{follow: true}
		m.envOpen, m.fullHelp = false, false
	case key.Matches(msg, k.Back):
		switch {
		case m.fullHelp:
			m.fullHelp = false
		case m.envOpen:
			m.envOpen = false
		case m.filter.query != "":
			m.filter.query = ""
			m.scroll = logScroll{follow: true}
		case m.filter.source != "":
			m.filter.source = ""
			m.scroll = logScroll{follow: true}
		}
	case key.Matches(msg, k.Restart):
		return m.restart()
	case key.Matches(msg, k.Reset):
		if src := m.selectedSource(); src != "" && src != event.AppSource && m.ctl != nil {
			m.confirmReset = src
			m.status = "reset " + src + "'s data to just initialised (same password)? y to confirm, any other key cancels"
		}
	case key.Matches(msg, k.Shell):
		return m.shell()
	case key.Matches(msg, k.Env):
		m.envOpen, m.fullHelp = !m.envOpen, false
		if m.envOpen {
			m.envLoaded, m.envOffset = false, 0
			return m.loadEnv()
		}
	case key.Matches(msg, k.Reveal):
		if m.envOpen {
			m.envReveal = !m.envReveal
		}
	case key.Matches(msg, k.Copy):
		return m.copyURL()
	case key.Matches(msg, k.Search):
		m.searching, m.fullHelp, m.envOpen = true, false, false
		m.filter.query = ""
		m.scroll = logScroll{follow: true}
	case key.Matches(msg, k.PageUp):
		m.scrollPane(-max(m.paneLines()-1, 1))
	case key.Matches(msg, k.PageDown):
		m.scrollPane(max(m.paneLines()-1, 1))
	case key.Matches(msg, k.Top):
		if m.envOpen {
			m.envOffset = 0
		} else {
			m.scroll = m.logs.top(m.filter, m.paneLines())
		}
	case key.Matches(msg, k.Bottom):
		if m.envOpen {
			m.envOffset = max(len(m.envVars)-m.paneLines(), 0)
		} else {
			m.scroll = logScroll{follow: true}
		}
	case key.Matches(msg, k.Help):
		m.fullHelp = !m.fullHelp
	}
	return nil
}

// searchKey edits the search prompt; the filter applies as the user types.
func (m *Model) searchKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyCtrlC:
		m.outcome = QuitStop
		return tea.Quit
	case tea.KeyEnter:
		m.searching = false
	case tea.KeyEsc:
		m.searching, m.filter.query = false, ""
	case tea.KeyBackspace:
		if q := []rune(m.filter.query); len(q) > 0 {
			m.filter.query = string(q[:len(q)-1])
		}
	case tea.KeySpace:
		m.filter.query += " "
	case tea.KeyRunes:
		m.filter.query += strings.ToLower(string(msg.Runes))
	default:
		return nil
	}
	m.scroll = logScroll{follow: true}
	return nil
}

// scrollPane moves the logs, or the env view when it is open.
func (m *Model) scrollPane(delta int) {
	if m.envOpen {
		m.envOffset = max(min(m.envOffset+delta, len(m.envVars)-m.paneLines()), 0)
		return
	}
	m.scroll = m.logs.scroll(m.filter, m.scroll, m.paneLines(), delta)
}

func (m *Model) appRow() *row {
	for i := range m.rows {
		if m.rows[i].isApp() {
			return &m.rows[i]
		}
	}
	return nil
}

func restartingStatus(source string) string { return "restarting " + source + "…" }

func (m *Model) restart() tea.Cmd {
	src, ctl := m.selectedSource(), m.ctl
	if src == "" || ctl == nil {
		return nil
	}
	m.status = restartingStatus(src)
	return func() tea.Msg {
		return restartedMsg{source: src, err: ctl.Restart(context.Background(), src)}
	}
}

func (m *Model) reset(src string) tea.Cmd {
	ctl := m.ctl
	m.status = "resetting " + src + "'s data…"
	return func() tea.Msg {
		return resetMsg{source: src, err: ctl.Reset(context.Background(), src)}
	}
}

func (m *Model) shell() tea.Cmd {
	src, ctl := m.selectedSource(), m.ctl
	if src == "" || ctl == nil {
		return nil
	}
	return func() tea.Msg {
		c, err := ctl.ShellCommand(src)
		return shellReadyMsg{source: src, cmd: c, err: err}
	}
}

func (m *Model) loadEnv() tea.Cmd {
	ctl := m.ctl
	if ctl == nil {
		return func() tea.Msg { return envMsg{} }
	}
	return func() tea.Msg { return envMsg{vars: ctl.Env()} }
}

// copyURL puts the selected service's URL on the clipboard with OSC 52,
// which works over SSH and needs no clipboard tool.
func (m *Model) copyURL() tea.Cmd {
	src, ctl, out := m.selectedSource(), m.ctl, m.out
	if src == "" || ctl == nil {
		return nil
	}
	return func() tea.Msg {
		u := ctl.URL(src)
		if u == "" {
			return copiedMsg{source: src}
		}
		_, err := io.WriteString(out, osc52(u))
		return copiedMsg{source: src, copied: err == nil, err: err}
	}
}

// osc52 is the terminal escape that sets the system clipboard to s.
func osc52(s string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(s)) + "\a"
}
