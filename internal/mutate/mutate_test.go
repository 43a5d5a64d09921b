package mutate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInputsAreDeterministicAndVaried(t *testing.T) {
	seeds := [][]byte{[]byte("services:\n  db:\n    image: postgres:15\n"), []byte(`resource "x" "y" { a = 1 }`)}
	a, b := Inputs(seeds, 200, 7), Inputs(seeds, 200, 7)
	distinct := map[string]bool{}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("input %d differs between two runs with the same seed", i)
		}
		distinct[string(a[i])] = true
	}
	if len(distinct) < 150 {
		t.Errorf("only %d distinct inputs of 200", len(distinct))
	}
	if bytes.Equal(a[0], seeds[0]) && bytes.Equal(a[1], seeds[1]) {
		t.Errorf("inputs are the seeds unchanged")
	}
	if Inputs(nil, 10, 1) != nil {
		t.Errorf("no seeds should give no inputs")
	}
}

// fatalTB records Fatalf instead of stopping the test.
type fatalTB struct{ msg string }

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	if f.msg == "" {
		f.msg = fmt.Sprintf(format, args...)
	}
}

func TestRunReportsAReaderThatHangs(t *testing.T) {
	dir := t.TempDir()
	for i := range 5 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.txt", i)), []byte("seed"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	block := make(chan struct{})
	defer close(block)
	tb := &fatalTB{}
	Run(tb, []string{filepath.Join(dir, "*.txt")}, 3, 1, 50*time.Millisecond, func([]byte) { <-block })
	if !strings.Contains(tb.msg, "hangs the reader") {
		t.Errorf("a reader that never returns: %q, want a hang reported", tb.msg)
	}
	tb = &fatalTB{}
	Run(tb, []string{filepath.Join(dir, "none-*.txt")}, 3, 1, time.Second, func([]byte) {})
	if !strings.Contains(tb.msg, "only 0 seed files") {
		t.Errorf("no seeds: %q", tb.msg)
	}
}
