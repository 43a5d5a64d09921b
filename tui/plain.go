package tui

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"

	"github.com/parity-dev/parity/engine/event"
)

// NewPlain returns an event sink that prints events as lines, for when
// stdout is not a terminal, --no-tui or TERM=dumb: logs as `db     | line`,
// parity's own news as `parity | db: ready in 1.2s`. It never repeats a
// line (a probe failing the same way every 100ms prints once) and prints pull
// progress sparsely. With color, each source's prefix has a stable colour;
// without, the output holds no escape sequence at all, log lines included.
// It is safe for concurrent use.
func NewPlain(w io.Writer, color bool) func(event.Event) {
	p := &plainPrinter{w: w, color: color, width: len(paritySource), last: map[string]string{}, pulls: map[string]pullMark{}}
	return p.print
}

type plainPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	color bool
	width int                 // prefix width: the longest source name so far
	last  map[string]string   // last phase line per source
	pulls map[string]pullMark // last pull progress printed per source
}

// engineKey keys the engine's own state in plainPrinter.last; no source
// name can hold a NUL.
const engineKey = "\x00engine"

// pullMark is the pull progress last printed: its 10% step and layers done.
type pullMark struct{ step, layers int }

func (p *plainPrinter) print(ev event.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Type {
	case event.EventPlan:
		if ev.Plan != nil {
			p.plan(ev.Plan)
		}
	case event.EventPhase:
		delete(p.pulls, ev.Source)
		text := phaseLine(ev)
		if p.last[ev.Source] == text && len(ev.LastLogs) == 0 {
			return
		}
		p.last[ev.Source] = text
		if len(ev.LastLogs) > 0 {
			text += ", last lines:"
		}
		p.line(paritySource, text)
		for _, l := range ev.LastLogs {
			p.line(paritySource, "  "+p.logText(l))
		}
	case event.EventPull:
		if ev.Pull == nil {
			return
		}
		mark := pullMark{step: ev.Pull.Percent() / 10, layers: ev.Pull.LayersDone}
		if prev, ok := p.pulls[ev.Source]; ok && mark.step <= prev.step && mark.layers <= prev.layers {
			return
		}
		p.pulls[ev.Source] = mark
		text := fmt.Sprintf("%s: pulling %s %d%%", ev.Source, ev.Pull.Image, ev.Pull.Percent())
		if ev.Pull.Layers > 0 {
			text += fmt.Sprintf(" (%d/%d layers)", ev.Pull.LayersDone, ev.Pull.Layers)
		}
		p.line(paritySource, text)
	case event.EventLog:
		p.line(ev.Source, p.logText(ev.Line))
	case event.EventWarning:
		p.line(paritySource, "warning: "+p.logText(ev.Line))
	case event.EventEngine:
		text := "Docker engine is back"
		if ev.Reason != "" {
			text = "Docker engine unreachable: " + ev.Reason + ", reconnecting"
		}
		if p.last[engineKey] == text {
			return
		}
		p.last[engineKey] = text
		p.line(paritySource, text)
	}
}

func (p *plainPrinter) plan(plan *event.PlanSummary) {
	for _, s := range plan.Services {
		p.width = max(p.width, len(s.Name))
	}
	files := make([]string, len(plan.Files))
	for i, f := range plan.Files {
		files[i] = filepath.Base(f)
	}
	p.line(paritySource, fmt.Sprintf("%s from %s, Docker %s at %s",
		plan.Project, strings.Join(files, ", "), plan.EngineVersion, plan.DockerEndpoint))
	for _, s := range plan.Services {
		if s.Role == "app" {
			continue // parity runs it as the app process below
		}
		text := s.Name + ": " + s.Image
		if s.Kind != "" {
			text += " (" + s.Kind + ")"
		}
		if s.Address != "" {
			text += " on " + s.Address
			if s.PortNote != "" {
				text += " (" + s.PortNote + ")"
			}
		}
		p.line(paritySource, text)
	}
	if len(plan.AppCommand) > 0 {
		p.line(paritySource, "app: "+strings.Join(plan.AppCommand, " "))
	}
}

// logText is a line as the output can take it: without colour, every escape
// sequence is removed too, so a log file never gets one.
func (p *plainPrinter) logText(s string) string {
	s = strings.TrimRight(s, "\r\n")
	if !p.color {
		return cleanLine(s)
	}
	return s
}

// line writes `source | text` with the source padded to the widest so far.
func (p *plainPrinter) line(source, text string) {
	p.width = max(p.width, ansi.StringWidth(source))
	prefix := source + strings.Repeat(" ", p.width-ansi.StringWidth(source)) + " |"
	if p.color {
		prefix = sgr(source) + prefix + "\x1b[0m"
	}
	fmt.Fprintf(p.w, "%s %s\n", prefix, text)
}

// sgr is the escape that colours a source's prefix.
func sgr(source string) string {
	if source == paritySource {
		return "\x1b[2m" // faint
	}
	c := sourceColor(source)
	if c < 8 {
		return "\x1b[" + strconv.Itoa(30+c) + "m"
	}
	return "\x1b[" + strconv.Itoa(90+c-8) + "m"
}

// NewJSON returns an event sink that writes each event as one JSON object per
// line, with the event.Event field names, for --json and scripts. It is
// safe for concurrent use.
func NewJSON(w io.Writer) func(event.Event) {
	var mu sync.Mutex
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return func(ev event.Event) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(ev) // a sink has nowhere to report; a closed pipe ends the run elsewhere
	}
}
