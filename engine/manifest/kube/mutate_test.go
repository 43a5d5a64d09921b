package kube

import (
	"testing"
	"time"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/internal/mutate"
)

// TestBrokenManifestsNeverCrashOrHang feeds the reader 1500 variations of
// the fixtures (cut, spliced, bytes flipped) on every run: each is a
// project or an error, promptly.
func TestBrokenManifestsNeverCrashOrHang(t *testing.T) {
	mutate.Run(t, []string{"testdata/*/*.yaml", "testdata/realworld/*/*.yaml"}, 1500, 13, 10*time.Second, func(in []byte) {
		p, err := FromDocuments([]Document{{Origin: "broken.yaml", Data: in}}, manifest.SourceOptions{})
		if err == nil && p == nil {
			t.Errorf("no project and no error for %q", in)
		}
	})
}
