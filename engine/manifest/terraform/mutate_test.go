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

// TestBrokenConfigurationsNeverCrashOrHang feeds Load 800 variations of
// the fixtures (cut, spliced, bytes flipped) on every run: each is a
// project or an error naming the file, promptly.
func TestBrokenConfigurationsNeverCrashOrHang(t *testing.T) {
	mutate.Run(t, []string{"testdata/*/*.tf", "testdata/*/*/*.tf"}, 800, 29, 20*time.Second, func(in []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), in, 0o644); err != nil {
			t.Error(err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p, err := Load(ctx, manifest.SourceOptions{Path: dir, WorkingDir: dir})
		if err == nil && len(p.Services) == 0 {
			t.Errorf("a project without services and no error for %q", in)
		}
	})
}
