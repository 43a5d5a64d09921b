package tui

import (
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/event"
)

// A job that completed shows as done and good, not as an exited service;
// a build is work in progress.
func TestJobAndBuildPhases(t *testing.T) {
	m := NewModel(Options{Now: fixedNow})
	done := m.cells(&row{phase: event.PhaseDone}, fixedNow())
	if status := done[colStatus]; !strings.HasPrefix(status, "✓ done") {
		t.Errorf("done job status %q, want ✓ done", status)
	}
	if m.phaseStyle(event.PhaseDone).GetForeground() != m.st.good.GetForeground() {
		t.Error("a completed job is not shown in the good style")
	}
	if !animated(event.PhaseBuilding) {
		t.Error("building is not shown as work in progress")
	}
}
