package tui

import (
	"fmt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/parity-dev/parity/engine/event"
)

const burst = 10000

func benchModel(b *testing.B) Model {
	b.Helper()
	m := NewModel(Options{Now: fixedNow})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m = next.(Model)
	for _, ev := range readyEvents() {
		next, _ = m.Update(ev)
		m = next.(Model)
	}
	return m
}

func floodLines(n int) []event.Event {
	evs := make([]event.Event, n)
	for i := range evs {
		evs[i] = logLineEvent([]string{"db", "cache", "app"}[i%3],
			fmt.Sprintf("2025-03-14 09:25:00.%03d UTC [57] LOG:  duration: 0.812 ms  statement: SELECT %d", i%1000, i))
	}
	return evs
}

// ingest pushes a burst through the inbox the way UI.Send does, drains it
// with one Update as the program would at the next frame, and draws once.
func ingest(b *testing.B, m Model, evs []event.Event) Model {
	for _, ev := range evs {
		m.inbox.put(ev)
	}
	next, _ := m.Update(eventsArrivedMsg{})
	m = next.(Model)
	_ = m.View()
	return m
}

// BenchmarkLogFlood measures what a flood of log lines costs the UI:
// ns per log line ingested (Send + Update + one View per burst of 10,000),
// against a baseline of 10,000 non-log events (pull progress) to the same
// model, and ns per View at 100×30 with 5,000 buffered lines, against a View
// with an empty log pane.
func BenchmarkLogFlood(b *testing.B) {
	lines := floodLines(burst)
	b.Run("ingest-logs", func(b *testing.B) {
		m := benchModel(b)
		b.ReportAllocs()
		for b.Loop() {
			m = ingest(b, m, lines)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*burst), "ns/line")
	})
	b.Run("ingest-baseline", func(b *testing.B) {
		pulls := make([]event.Event, burst)
		for i := range pulls {
			pulls[i] = event.Event{Type: event.EventPull, Source: "db", Pull: &event.PullStatus{BytesDone: int64(i), BytesTotal: burst}}
		}
		m := benchModel(b)
		b.ReportAllocs()
		for b.Loop() {
			m = ingest(b, m, pulls)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*burst), "ns/event")
	})
	b.Run("view-5000-lines", func(b *testing.B) {
		m := ingest(b, benchModel(b), lines[:5000])
		b.ReportAllocs()
		for b.Loop() {
			_ = m.View()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/view")
	})
	b.Run("view-5000-lines-search", func(b *testing.B) {
		m := ingest(b, benchModel(b), lines[:5000])
		m.filter.query = "select 1"
		b.ReportAllocs()
		for b.Loop() {
			_ = m.View()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/view")
	})
	b.Run("view-baseline-no-logs", func(b *testing.B) {
		m := NewModel(Options{Now: fixedNow})
		next, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		m = next.(Model)
		next, _ = m.Update(plan())
		m = next.(Model)
		b.ReportAllocs()
		for b.Loop() {
			_ = m.View()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/view")
	})
}
