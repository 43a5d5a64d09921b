package tui

import (
	"math"
	"sort"
)

// ringSize is how many lines each source keeps: enough to scroll back
// through a crash, bounded so a chatty service cannot grow memory forever
// or push a quiet service's lines out.
const ringSize = 5000

// logLine is one stored line. seq orders lines across sources.
type logLine struct {
	seq    uint64
	source string
	text   string
}

// ring keeps the last ringSize lines of one source, oldest first.
type ring struct {
	buf   []logLine
	start int // index of the oldest line once buf is full
}

func (r *ring) push(l logLine) {
	if r.buf == nil {
		r.buf = make([]logLine, 0, ringSize)
	}
	if len(r.buf) < ringSize {
		r.buf = append(r.buf, l)
		return
	}
	r.buf[r.start] = l
	r.start = (r.start + 1) % ringSize
}

func (r *ring) len() int { return len(r.buf) }

// at is the i-th line, 0 being the oldest.
func (r *ring) at(i int) *logLine { return &r.buf[(r.start+i)%len(r.buf)] }

// upper is the index of the first line with seq > s (len when none).
func (r *ring) upper(s uint64) int {
	return sort.Search(r.len(), func(i int) bool { return r.at(i).seq > s })
}

// logStore is every source's ring plus the order they appeared in.
type logStore struct {
	rings   map[string]*ring
	sources []string
	seq     uint64
}

func newLogStore() *logStore { return &logStore{rings: map[string]*ring{}} }

func (s *logStore) add(source, text string) {
	r := s.rings[source]
	if r == nil {
		r = &ring{}
		s.rings[source] = r
		s.sources = append(s.sources, source)
	}
	s.seq++
	r.push(logLine{seq: s.seq, source: source, text: text})
}

// logFilter selects the lines the pane shows.
type logFilter struct {
	source string // "" for every source
	query  string // lower case; "" for no search
}

func (f logFilter) match(l *logLine) bool {
	return f.query == "" || indexFold(l.text, f.query) >= 0
}

func (s *logStore) selected(f logFilter) []*ring {
	if f.source != "" {
		if r := s.rings[f.source]; r != nil {
			return []*ring{r}
		}
		return nil
	}
	rs := make([]*ring, 0, len(s.sources))
	for _, name := range s.sources {
		rs = append(rs, s.rings[name])
	}
	return rs
}

// before returns up to n matching lines with seq <= anchor, oldest first.
// It merges the rings backwards from anchor, so its cost follows n (and the
// lines a search skips), not the size of the buffers.
func (s *logStore) before(f logFilter, anchor uint64, n int) []*logLine {
	rs := s.selected(f)
	cur := make([]int, len(rs))
	for i, r := range rs {
		cur[i] = r.upper(anchor) - 1
	}
	out := make([]*logLine, 0, n)
	for len(out) < n {
		best := -1
		for i, r := range rs {
			if cur[i] >= 0 && (best < 0 || r.at(cur[i]).seq > rs[best].at(cur[best]).seq) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		l := rs[best].at(cur[best])
		cur[best]--
		if f.match(l) {
			out = append(out, l)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// after returns up to n matching lines with seq > anchor, oldest first.
func (s *logStore) after(f logFilter, anchor uint64, n int) []*logLine {
	rs := s.selected(f)
	cur := make([]int, len(rs))
	for i, r := range rs {
		cur[i] = r.upper(anchor)
	}
	out := make([]*logLine, 0, n)
	for len(out) < n {
		best := -1
		for i, r := range rs {
			if cur[i] < r.len() && (best < 0 || r.at(cur[i]).seq < rs[best].at(cur[best]).seq) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		l := rs[best].at(cur[best])
		cur[best]++
		if f.match(l) {
			out = append(out, l)
		}
	}
	return out
}

// logScroll is where the pane looks: the newest lines while following,
// otherwise the lines ending at anchor. Anchoring on a sequence number
// rather than an offset keeps the view still while new lines arrive.
type logScroll struct {
	follow bool
	anchor uint64
}

// window is the n lines the pane shows. When the anchor has fewer than n
// lines before it (scrolled to the top, or its lines were evicted), the
// window fills downwards instead.
func (s *logStore) window(f logFilter, sc logScroll, n int) []*logLine {
	if n <= 0 {
		return nil
	}
	anchor := sc.anchor
	if sc.follow {
		anchor = math.MaxUint64
	}
	lines := s.before(f, anchor, n)
	if len(lines) < n && !sc.follow {
		lines = append(lines, s.after(f, anchor, n-len(lines))...)
	}
	return lines
}

// scroll moves the view by delta lines (negative: up, towards older lines)
// for a pane n lines high. Reaching the bottom resumes following.
func (s *logStore) scroll(f logFilter, sc logScroll, n, delta int) logScroll {
	lines := s.window(f, sc, n)
	if len(lines) == 0 {
		return logScroll{follow: true}
	}
	bottom := lines[len(lines)-1].seq
	switch {
	case delta < 0:
		older := s.before(f, bottom, -delta+1)
		if len(older) <= -delta {
			return s.top(f, n) // not that many lines above: show the first page
		}
		return logScroll{anchor: older[0].seq}
	case delta > 0:
		newer := s.after(f, bottom, delta)
		if len(newer) < delta || len(s.after(f, newer[len(newer)-1].seq, 1)) == 0 {
			return logScroll{follow: true}
		}
		return logScroll{anchor: newer[len(newer)-1].seq}
	}
	return sc
}

// top is the view of the oldest n lines.
func (s *logStore) top(f logFilter, n int) logScroll {
	first := s.after(f, 0, n)
	if len(first) == 0 || len(s.after(f, first[len(first)-1].seq, 1)) == 0 {
		return logScroll{follow: true} // everything fits
	}
	return logScroll{anchor: first[len(first)-1].seq}
}
