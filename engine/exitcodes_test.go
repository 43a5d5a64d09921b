package engine

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCommandNotRunUsesTheShellsStatuses checks the 127 and 126 that `parity
// run` exits with (docs/exit-codes.md), from real exec errors.
func TestCommandNotRunUsesTheShellsStatuses(t *testing.T) {
	_, notFound := exec.LookPath("parity-no-such-command")
	dir := t.TempDir() // a directory cannot be executed
	notExecutable := exec.Command(filepath.Join(dir)).Start()
	for _, tc := range []struct {
		err  error
		want int
	}{
		{notFound, 127},
		{fmt.Errorf("start app: %w", notFound), 127},
		{exec.Command(filepath.Join(dir, "missing")).Start(), 127},
		{notExecutable, 126},
	} {
		if tc.err == nil {
			t.Fatalf("want an error for the %d case", tc.want)
		}
		if got := commandNotRun(tc.err); got != tc.want {
			t.Errorf("commandNotRun(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
