package tui

import (
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/parity-dev/parity/engine/event"
)

// styles are the UI's lipgloss styles, bound to one renderer so NoColor and
// the output's colour profile apply to all of them. Only fixed ANSI colours
// are used: adaptive colours would make lipgloss query the terminal's
// background through the input the program is reading.
type styles struct {
	bold, dim, title, selected  lipgloss.Style
	good, busy, bad, banner, hl lipgloss.Style
	source                      [16]lipgloss.Style // by ANSI colour
}

func newStyles(opts Options) styles {
	var r *lipgloss.Renderer
	switch {
	case opts.NoColor:
		r = lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(termenv.Ascii)
	case opts.Output != nil:
		r = lipgloss.NewRenderer(opts.Output)
	default:
		r = lipgloss.DefaultRenderer()
	}
	s := styles{
		bold:     r.NewStyle().Bold(true),
		dim:      r.NewStyle().Foreground(lipgloss.Color("8")),
		title:    r.NewStyle().Bold(true).Foreground(lipgloss.Color("6")),
		selected: r.NewStyle().Bold(true),
		good:     r.NewStyle().Foreground(lipgloss.Color("2")),
		busy:     r.NewStyle().Foreground(lipgloss.Color("3")),
		bad:      r.NewStyle().Foreground(lipgloss.Color("1")),
		banner:   r.NewStyle().Bold(true).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("1")),
		hl:       r.NewStyle().Reverse(true),
	}
	for i := range s.source {
		s.source[i] = r.NewStyle().Foreground(lipgloss.Color(strconv.Itoa(i)))
	}
	return s
}

func (s styles) forSource(source string) lipgloss.Style {
	if source == paritySource {
		return s.dim
	}
	return s.source[sourceColor(source)]
}

// size is the terminal size, 80×24 until the first WindowSizeMsg.
func (m *Model) size() (int, int) {
	if m.width <= 0 || m.height <= 0 {
		return 80, 24
	}
	return m.width, m.height
}

// minPane is the fewest lines the bottom pane keeps (title + 3 lines) when
// there are many services.
const minPane = 4

// maxLastLogs is how many of a dead service's last lines show in the table.
const maxLastLogs = 3

// topLines counts the header and the engine banner.
func (m *Model) topLines() int {
	if m.engineDown != "" {
		return 3
	}
	return 2
}

// tableLayout decides which rows show (those around the selection when they
// do not all fit) and how many last log lines each dead one gets.
func (m *Model) tableLayout(maxLines int) (start, end int, extras []int) {
	n := len(m.rows)
	avail := maxLines - 1 // the column header
	if n == 0 || avail <= 0 {
		return 0, 0, nil
	}
	extras = make([]int, n)
	if n > avail {
		start = max(min(m.selected-avail+1, n-avail), 0)
		return start, start + avail, extras
	}
	budget := avail - n
	for i := range m.rows {
		k := min(len(m.rows[i].lastLogs), maxLastLogs, budget)
		extras[i] = k
		budget -= k
	}
	return 0, n, extras
}

func (m *Model) tableMax() int {
	_, h := m.size()
	return h - m.topLines() - 1 - minPane
}

func (m *Model) tableLines() int {
	start, end, extras := m.tableLayout(m.tableMax())
	if end == start {
		return 0
	}
	n := 1 + end - start
	for _, k := range extras[start:end] {
		n += k
	}
	return n
}

// paneLines is how many content lines the bottom pane (logs, env, help) has.
func (m *Model) paneLines() int {
	_, h := m.size()
	return max(h-m.topLines()-m.tableLines()-1-1, 0)
}

// View implements tea.Model. It draws exactly the terminal's height, each
// line at most its width, and its cost follows what is visible.
func (m Model) View() string {
	w, h := m.size()
	lines := make([]string, 0, h)
	lines = append(lines, m.headerView(w)...)
	if m.engineDown != "" {
		lines = append(lines, m.st.banner.Render(fit("⚠ Docker engine unreachable: "+m.engineDown+", reconnecting…", w)))
	}
	lines = append(lines, m.tableView(w, m.tableMax())...)
	if n := m.paneLines(); n > 0 {
		lines = append(lines, m.paneView(w, n)...)
	}
	if len(lines) > h-1 {
		lines = lines[:max(h-1, 0)]
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	lines = append(lines, m.helpBar(w))
	for i, l := range lines {
		lines[i] = clip(l, w)
	}
	return strings.Join(lines, "\n")
}

func (m *Model) headerView(w int) []string {
	if m.plan == nil {
		return []string{m.st.title.Render("parity"), m.st.dim.Render(fit("waiting for the plan…", w-1))}
	}
	p := m.plan
	files := make([]string, len(p.Files))
	for i, f := range p.Files {
		files[i] = filepath.Base(f)
	}
	first := m.st.title.Render("parity") + " " + m.st.bold.Render(clip(p.Project, w/3)) +
		m.st.dim.Render(clip(" · "+strings.Join(files, ", "), max(w-7-min(len(p.Project), w/3), 0)))
	second := "docker " + p.EngineVersion + " at " + p.DockerEndpoint
	if len(p.AppCommand) > 0 {
		second += " · app: " + strings.Join(p.AppCommand, " ")
	}
	return []string{first, m.st.dim.Render(clip(second, w))}
}

// spinner frames, picked from the clock so a pinned clock gives a stable frame.
var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// columns of the table.
const (
	colName = iota
	colKind
	colImage
	colStatus
	colAddress
	colUptime
	numCols
)

var columnTitles = [numCols]string{"SERVICE", "KIND", "IMAGE", "STATUS", "ADDRESS", "UPTIME"}

// shrinkOrder is which columns give up width first on a narrow terminal,
// with the width each keeps: the kind goes first (the image says it), the
// pinned image and the status keep the most.
var shrinkOrder = []struct{ col, min int }{
	{colKind, 0}, {colImage, 16}, {colStatus, 20}, {colUptime, 0}, {colAddress, 9},
	{colImage, 10}, {colStatus, 14}, {colName, 6}, {colImage, 4}, {colStatus, 8},
}

func (m *Model) cells(r *row, now time.Time) [numCols]string {
	status := phaseText(r.phase, r.reason, r.exitCode, r.readyIn, r.pull)
	switch {
	case animated(r.phase):
		status = spinner[(now.UnixMilli()/100)%int64(len(spinner))] + " " + status
	case r.phase == event.PhaseReady || r.phase == event.PhaseRunning:
		status = "● " + status
	case r.phase == event.PhaseDone:
		status = "✓ " + status // a one-shot job that completed
	case r.phase == event.PhaseExited || r.phase == event.PhaseFailed:
		status = "✗ " + status
	default:
		status = "○ " + status
	}
	addr := r.address
	if r.isApp() && r.pid != 0 {
		addr = "pid " + strconv.Itoa(r.pid)
	} else if r.portHint != "" {
		addr += " " + r.portHint
	}
	up := ""
	if !r.since.IsZero() {
		up = uptime(now.Sub(r.since))
	}
	if r.restarts > 0 {
		up = strings.TrimSpace(up + " ↻" + strconv.Itoa(r.restarts))
	}
	return [numCols]string{r.source, r.kind, r.image, status, addr, up}
}

func (m *Model) tableView(w, maxLines int) []string {
	start, end, extras := m.tableLayout(maxLines)
	if end == start {
		return nil
	}
	now := m.now()
	cells := make([][numCols]string, len(m.rows))
	var widths [numCols]int
	for c, t := range columnTitles {
		widths[c] = len(t)
	}
	for i := range m.rows {
		cells[i] = m.cells(&m.rows[i], now)
		for c, s := range cells[i] {
			widths[c] = max(widths[c], ansi.StringWidth(s))
		}
	}
	widths[colImage] = min(widths[colImage], 32)
	widths[colStatus] = min(max(widths[colStatus], 16), 36)
	// Port hints give way before any other column: a narrow table shows
	// the bare addresses.
	bare := len(columnTitles[colAddress])
	for i := range m.rows {
		bare = max(bare, ansi.StringWidth(cells[i][colAddress])-hintWidth(&m.rows[i]))
	}
	if over := tableWidth(widths) - (w - 2); over > 0 {
		widths[colAddress] = max(widths[colAddress]-over, bare)
	}
	fitColumns(&widths, w-2)
	for i := range m.rows {
		if ansi.StringWidth(cells[i][colAddress]) > widths[colAddress] && m.rows[i].portHint != "" {
			cells[i][colAddress] = m.rows[i].address
		}
	}

	join := func(c [numCols]string, style func(col int, s string) string) string {
		var b strings.Builder
		for col, s := range c {
			if widths[col] == 0 {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(style(col, fit(s, widths[col])))
		}
		return b.String()
	}
	plain := func(_ int, s string) string { return s }
	lines := []string{m.st.dim.Render("  " + join(columnTitles, plain))}
	for i := start; i < end; i++ {
		r := &m.rows[i]
		marker := "  "
		if i == m.selected {
			marker = "▸ "
		}
		line := join(cells[i], func(col int, s string) string {
			switch col {
			case colName:
				if i == m.selected {
					return m.st.selected.Render(s)
				}
			case colStatus:
				return m.phaseStyle(r.phase).Render(s)
			case colKind, colUptime:
				return m.st.dim.Render(s)
			}
			return s
		})
		lines = append(lines, marker+line)
		for _, l := range r.lastLogs[len(r.lastLogs)-extras[i]:] {
			lines = append(lines, m.st.bad.Render("    │ ")+clip(l, w-6))
		}
	}
	return lines
}

// hintWidth is how much of a row's address cell its port hint takes.
func hintWidth(r *row) int {
	if r.portHint == "" || (r.isApp() && r.pid != 0) {
		return 0
	}
	return 1 + ansi.StringWidth(r.portHint)
}

// tableWidth is the width of columns of widths with a space between them;
// a column of width 0 is left out.
func tableWidth(widths [numCols]int) int {
	t := -1
	for _, w := range widths {
		if w > 0 {
			t += w + 1
		}
	}
	return t
}

// fitColumns narrows columns in shrinkOrder until they and the single
// spaces between them fit in avail cells; a column cut to nothing loses its
// space too.
func fitColumns(widths *[numCols]int, avail int) {
	for _, s := range shrinkOrder {
		over := tableWidth(*widths) - avail
		if over <= 0 {
			return
		}
		widths[s.col] -= min(over, max(widths[s.col]-s.min, 0))
	}
}

func (m *Model) phaseStyle(p event.Phase) lipgloss.Style {
	switch {
	case p == event.PhaseReady || p == event.PhaseRunning || p == event.PhaseDone:
		return m.st.good
	case p == event.PhaseExited || p == event.PhaseFailed:
		return m.st.bad
	case animated(p):
		return m.st.busy
	}
	return m.st.dim
}

// paneView is the bottom pane: full help, the env view or the logs.
func (m *Model) paneView(w, n int) []string {
	switch {
	case m.fullHelp:
		return append([]string{m.paneTitle(w, "keys", "esc or ? to close")}, m.fullHelpView(w)...)
	case m.envOpen:
		return m.envView(w, n)
	}
	return m.logsView(w, n)
}

// fullHelpView lists every key in as many columns as the width allows,
// filled top to bottom.
func (m *Model) fullHelpView(w int) []string {
	var entries []key.Binding
	for _, group := range m.keys.fullHelp() {
		entries = append(entries, group...)
	}
	keyW, descW := 0, 0
	for _, b := range entries {
		keyW = max(keyW, ansi.StringWidth(b.Help().Key))
		descW = max(descW, ansi.StringWidth(b.Help().Desc))
	}
	colW := keyW + 2 + descW
	cols := max((w+3)/(colW+3), 1)
	rows := (len(entries) + cols - 1) / cols // beyond n lines, View cuts
	lines := make([]string, rows)
	for i, b := range entries {
		r := i % rows
		if i >= rows {
			lines[r] += "   "
		}
		lines[r] += m.st.bold.Render(fit(b.Help().Key, keyW)) + "  " + m.st.dim.Render(fit(b.Help().Desc, descW))
	}
	return lines
}

func (m *Model) paneTitle(w int, name, detail string) string {
	s := "── " + name
	if detail != "" {
		s += " · " + detail
	}
	s += " "
	return m.st.dim.Render(s + strings.Repeat("─", max(w-ansi.StringWidth(s), 0)))
}

func (m *Model) logsView(w, n int) []string {
	name := "logs: all"
	if m.filter.source != "" {
		name = "logs: " + m.filter.source + " (enter or esc: all)"
	}
	detail := "following"
	if !m.scroll.follow {
		detail = "paused, end to follow"
	}
	if m.filter.query != "" {
		detail = "matching “" + m.filter.query + "” · " + detail
	}
	lines := []string{m.paneTitle(w, name, detail)}

	window := m.logs.window(m.filter, m.scroll, n)
	if len(window) == 0 {
		switch {
		case m.filter.query != "":
			lines = append(lines, m.st.dim.Render("  no lines match"))
		default:
			lines = append(lines, m.st.dim.Render("  no logs yet"))
		}
		return lines
	}
	nameW := len(paritySource)
	for i := range m.rows {
		nameW = max(nameW, ansi.StringWidth(m.rows[i].source))
	}
	for _, s := range m.logs.sources {
		nameW = max(nameW, ansi.StringWidth(s))
	}
	nameW = min(nameW, 16)
	textW := max(w-nameW-3, 1)
	for _, l := range window {
		prefix := m.st.forSource(l.source).Render(fit(l.source, nameW) + " |")
		text := clip(l.text, textW)
		if q := m.filter.query; q != "" {
			if i := indexFold(text, q); i >= 0 {
				text = text[:i] + m.st.hl.Render(text[i:i+len(q)]) + text[i+len(q):]
			}
		}
		lines = append(lines, prefix+" "+text)
	}
	return lines
}

func (m *Model) envView(w, n int) []string {
	detail := "secrets hidden, x to show"
	if m.envReveal {
		detail = "secrets shown, x to hide"
	}
	lines := []string{m.paneTitle(w, "environment of the app", detail)}
	if !m.envLoaded {
		return append(lines, m.st.dim.Render("  loading…"))
	}
	if len(m.envVars) == 0 {
		return append(lines, m.st.dim.Render("  no variables"))
	}
	keyW, srcW := 0, 0
	for _, v := range m.envVars {
		keyW = max(keyW, ansi.StringWidth(v.Key))
		srcW = max(srcW, ansi.StringWidth(v.Source))
	}
	keyW = min(keyW, max(w/3, 8))
	valW := max(w-2-keyW-1-srcW-2, 8)
	for _, v := range m.envVars[min(m.envOffset, len(m.envVars)):] {
		if len(lines) > n {
			break
		}
		val := cleanLine(v.Value)
		if v.Secret && !m.envReveal {
			val = maskValue(val)
		}
		lines = append(lines, "  "+m.st.bold.Render(fit(v.Key, keyW))+" "+fit(val, valW)+"  "+m.st.dim.Render(v.Source))
	}
	return lines
}

func (m *Model) helpBar(w int) string {
	if m.searching {
		return "/" + m.filter.query + "▏" + m.st.dim.Render("  enter keep · esc clear")
	}
	status := ""
	if m.status != "" {
		status = m.st.busy.Render(clip(m.status, w)) + "  "
	}
	avail := max(w-ansi.StringWidth(status), 0)
	h := m.help
	h.Width = 0 // measure untruncated
	bindings := m.keys.shortHelp(m.envOpen)
	for _, drop := range m.keys.dropOrder() {
		if ansi.StringWidth(h.ShortHelpView(bindings)) <= avail {
			break
		}
		bindings = slices.DeleteFunc(bindings, func(b key.Binding) bool { return b.Help() == drop.Help() })
	}
	h.Width = avail
	return status + h.ShortHelpView(bindings)
}
