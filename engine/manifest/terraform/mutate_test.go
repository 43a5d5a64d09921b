package terraform

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/internal/mutate"
)

// TestBrokenConfigurationsNeverCrashOrHang feeds Load hundreds of
// variations of the fixtures (cut, spliced, bytes flipped) on every run:
// each is a project or an error naming the file, within seconds.
func TestBrokenConfigurationsNeverCrashOrHang(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.tf")
	more, _ := filepath.Glob("testdata/*/*/*.tf")
	var seeds [][]byte
	for _, file := range append(files, more...) {
		if data, err := os.ReadFile(file); err == nil {
			seeds = append(seeds, data)
		}
	}
	if len(seeds) < 5 {
		t.Fatalf("only %d seed configurations under testdata", len(seeds))
	}
	dir := t.TempDir()
	for i, in := range mutate.Inputs(seeds, 800, 29) {
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), in, 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			p, err := Load(ctx, manifest.SourceOptions{Path: dir, WorkingDir: dir})
			if err == nil && len(p.Services) == 0 {
				t.Errorf("input %d: a project without services and no error", i)
			}
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("input %d hangs Load:\n%q", i, in)
		}
	}
}
