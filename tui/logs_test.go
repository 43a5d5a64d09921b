package tui

import (
	"fmt"
	"strings"
	"testing"
)

func TestRingKeepsTheLast5000(t *testing.T) {
	s := newLogStore()
	for i := 1; i <= 12000; i++ {
		s.add("db", fmt.Sprintf("line %d", i))
	}
	r := s.rings["db"]
	if r.len() != ringSize || cap(r.buf) != ringSize {
		t.Fatalf("len %d cap %d, want %d", r.len(), cap(r.buf), ringSize)
	}
	if got := r.at(0).text; got != "line 7001" {
		t.Errorf("oldest = %q, want line 7001", got)
	}
	if got := r.at(ringSize - 1).text; got != "line 12000" {
		t.Errorf("newest = %q, want line 12000", got)
	}
	for i := 1; i < r.len(); i++ {
		if r.at(i).seq != r.at(i-1).seq+1 {
			t.Fatalf("ring out of order at %d", i)
		}
	}
}

func TestRingsAreBoundedPerSource(t *testing.T) {
	s := newLogStore()
	s.add("quiet", "the one line of quiet")
	for i := range 3 * ringSize {
		s.add("chatty", fmt.Sprint(i))
	}
	if got := s.before(logFilter{source: "quiet"}, ^uint64(0), 10); len(got) != 1 {
		t.Errorf("a chatty source evicted a quiet one: %d lines left", len(got))
	}
	if cap(s.rings["chatty"].buf) != ringSize {
		t.Error("chatty ring grew past its bound")
	}
	cleaned := cleanLine(strings.Repeat("x", 10*maxLineBytes))
	if len(cleaned) != maxLineBytes {
		t.Errorf("a huge line kept %d bytes", len(cleaned))
	}
}

func texts(lines []*logLine) string {
	var b []string
	for _, l := range lines {
		b = append(b, l.text)
	}
	return strings.Join(b, ",")
}

func TestWindowMergesSources(t *testing.T) {
	s := newLogStore()
	for i := range 10 {
		s.add([]string{"a", "b", "c"}[i%3], fmt.Sprint(i))
	}
	follow := logScroll{follow: true}
	if got := texts(s.window(logFilter{}, follow, 4)); got != "6,7,8,9" {
		t.Errorf("tail = %s", got)
	}
	if got := texts(s.window(logFilter{source: "b"}, follow, 10)); got != "1,4,7" {
		t.Errorf("source b = %s", got)
	}
	if got := texts(s.window(logFilter{query: "1"}, follow, 10)); got != "1" {
		t.Errorf("search = %s", got)
	}
	up := s.scroll(logFilter{}, follow, 4, -3)
	if got := texts(s.window(logFilter{}, up, 4)); got != "3,4,5,6" {
		t.Errorf("after 3 up = %s", got)
	}
	top := s.scroll(logFilter{}, up, 4, -100)
	if got := texts(s.window(logFilter{}, top, 4)); got != "0,1,2,3" {
		t.Errorf("top = %s", got)
	}
	down := s.scroll(logFilter{}, top, 4, 2)
	if got := texts(s.window(logFilter{}, down, 4)); got != "2,3,4,5" || down.follow {
		t.Errorf("after 2 down = %s (follow %v)", got, down.follow)
	}
	if end := s.scroll(logFilter{}, down, 4, 100); !end.follow {
		t.Error("scrolling past the end did not follow")
	}
}

func TestWindowSurvivesEviction(t *testing.T) {
	s := newLogStore()
	for i := range 100 {
		s.add("db", fmt.Sprint(i))
	}
	paused := s.top(logFilter{}, 5)
	for i := 100; i < 100+2*ringSize; i++ {
		s.add("db", fmt.Sprint(i))
	}
	got := s.window(logFilter{}, paused, 5)
	if len(got) != 5 || got[0].text != fmt.Sprint(100+ringSize) {
		t.Errorf("window over evicted lines = %s", texts(got))
	}
}

func TestCleanLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                           "plain",
		"\x1b[1;32mgreen\x1b[0m":          "green",
		"a\tb":                            "a       b",
		"progress 10%\rprogress 100%\r\n": "progress 100%",
		"bell\a and nul\x00":              "bell and nul",
		"bad \xff utf8":                   "bad  utf8",
		"\x1b]0;title\x07text":            "text",
		"ünïcode 漢字":                      "ünïcode 漢字",
	} {
		if got := cleanLine(in); got != want {
			t.Errorf("cleanLine(%q) = %q, want %q", in, got, want)
		}
	}
}
