package kube

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/internal/mutate"
)

// TestBrokenManifestsNeverCrashOrHang feeds the reader hundreds of
// variations of the fixtures (cut, spliced, bytes flipped) on every run:
// each is a project or an error, within a second.
func TestBrokenManifestsNeverCrashOrHang(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	more, _ := filepath.Glob("testdata/realworld/*/*.yaml")
	var seeds [][]byte
	for _, file := range append(files, more...) {
		if data, err := os.ReadFile(file); err == nil {
			seeds = append(seeds, data)
		}
	}
	if len(seeds) < 5 {
		t.Fatalf("only %d seed manifests under testdata", len(seeds))
	}
	for i, in := range mutate.Inputs(seeds, 1500, 13) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			p, err := FromDocuments([]Document{{Origin: "broken.yaml", Data: in}}, manifest.SourceOptions{})
			if err == nil && p == nil {
				t.Errorf("input %d: no project and no error", i)
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("input %d hangs the reader:\n%q", i, in)
		}
	}
}
