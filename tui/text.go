package tui

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/parity-dev/parity/engine/event"
)

// paritySource prefixes the lines parity itself writes among the logs.
const paritySource = "parity"

// phaseText is the short status of a service or the app, shared by the
// table and the plain printer: "pulling 43%", "waiting: connection refused",
// "ready in 1.4s", "exited 1".
func phaseText(phase event.Phase, reason string, exitCode int, readyIn time.Duration, pull *event.PullStatus) string {
	switch phase {
	case event.PhasePulling:
		if pull != nil && pull.BytesTotal > 0 {
			return fmt.Sprintf("pulling %d%%", pull.Percent())
		}
		return "pulling"
	case event.PhaseWaiting, event.PhaseFailed, event.PhaseCreating:
		if reason != "" {
			return string(phase) + ": " + reason
		}
		return string(phase)
	case event.PhaseReady:
		switch {
		case reason != "" && readyIn > 0:
			// "ready in 0.4s (from template)": where the data came from,
			// when it was not initialised here.
			return "ready in " + shortDuration(readyIn) + " (" + reason + ")"
		case reason != "":
			return "ready (" + reason + ")"
		case readyIn > 0:
			return "ready in " + shortDuration(readyIn)
		}
		return "ready"
	case event.PhaseExited:
		return fmt.Sprintf("exited %d", exitCode)
	case "":
		return string(event.PhasePending)
	}
	return string(phase)
}

// phaseLine is a phase change as the log pane and the plain printer tell
// it: "db: ready in 1.2s", "app: running (pid 4242)".
func phaseLine(ev event.Event) string {
	text := ev.Source + ": " + phaseText(ev.Phase, ev.Reason, ev.ExitCode, ev.ReadyIn, nil)
	if ev.Phase == event.PhaseRunning && ev.Pid != 0 {
		text += fmt.Sprintf(" (pid %d)", ev.Pid)
	}
	return text
}

// animated reports whether a phase shows a spinner, so the UI ticks only
// while something is moving.
func animated(p event.Phase) bool {
	switch p {
	case event.PhasePulling, event.PhaseBuilding, event.PhaseCreating, event.PhaseStarting,
		event.PhaseWaiting, event.PhaseRestarting, event.PhaseStopping:
		return true
	}
	return false
}

// shortDuration formats a readiness time: 850ms, 1.4s, 12s, 1m05s.
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// uptime formats how long something has been up: 5s, 2m03s, 1h02m, 3d04h.
func uptime(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d.Seconds())
	switch {
	case s < 60:
		return "<1m"
	case s < 3600:
		return fmt.Sprintf("%dm", s/60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

// palette holds the ANSI colours given to log sources. Red is left out: it
// means failure.
var palette = [...]int{6, 2, 3, 4, 5, 14, 10, 11, 12, 13}

// sourceColor is a source's ANSI colour (0-15), the same in every run and in
// both the TUI and the plain printer, so "db" is always the same colour.
func sourceColor(source string) int {
	h := fnv.New32a()
	h.Write([]byte(source))
	return palette[h.Sum32()%uint32(len(palette))]
}

// maxLineBytes bounds one stored log line, so a single huge line cannot
// defeat the ring buffers' memory bound.
const maxLineBytes = 4096

// tabWidth is the tab stop used when expanding tabs in log lines.
const tabWidth = 8

// cleanLine makes a log line safe to draw in one terminal row: escape
// sequences removed, carriage-return overwrites resolved, tabs expanded,
// other control characters and invalid UTF-8 dropped, length bounded.
func cleanLine(s string) string {
	if isPlain(s) {
		if len(s) > maxLineBytes {
			return truncateBytes(s, maxLineBytes)
		}
		return s
	}
	s = strings.TrimRight(s, "\r\n")
	if i := strings.LastIndexByte(s, '\r'); i >= 0 {
		s = s[i+1:] // what a terminal would show after the overwrite
	}
	s = ansi.Strip(strings.ToValidUTF8(s, ""))
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch {
		case r == '\t':
			n := tabWidth - col%tabWidth
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			// control characters would move the cursor
		default:
			b.WriteRune(r)
			col++
		}
		if b.Len() >= maxLineBytes {
			break
		}
	}
	return truncateBytes(b.String(), maxLineBytes)
}

// isPlain reports whether s is valid UTF-8 without control characters, the
// common case that needs no copy.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			return utf8.ValidString(s[i:]) && !strings.ContainsFunc(s[i:], func(r rune) bool { return r >= 0x80 && r < 0xa0 })
		}
	}
	return true
}

// truncateBytes cuts s to at most n bytes on a rune boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// indexFold is strings.Index ignoring ASCII case, without allocating; sub
// must already be lower case.
func indexFold(s, sub string) int {
	n := len(sub)
	if n == 0 {
		return 0
	}
outer:
	for i := 0; i+n <= len(s); i++ {
		for j := 0; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				continue outer
			}
		}
		return i
	}
	return -1
}

// fit pads or truncates s (which holds no escapes) to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// clip truncates s (which may hold escapes) to at most w cells.
func clip(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// maskValue hides a secret: only the password of a URL, so the host and
// database stay readable, or the whole value, without revealing its length.
func maskValue(v string) string {
	const mask = "•••••"
	if i := strings.Index(v, "://"); i > 0 {
		rest := v[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
			userinfo := rest[:at]
			if c := strings.IndexByte(userinfo, ':'); c >= 0 {
				return v[:i+3] + userinfo[:c+1] + mask + rest[at:]
			}
		}
	}
	return mask + mask
}
