// Package mutate makes deterministic byte-level variations of seed inputs,
// for tests that feed a parser many broken inputs on every `go test` run.
// Coverage-guided fuzzing (go test -fuzz) finds more, but instrumenting a
// parser's large libraries (hcl and cty, the Kubernetes ones) costs
// minutes of compiling; these runs cost a second and catch the crashes and
// hangs a truncated or spliced file brings.
package mutate

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// Inputs returns n variations of seeds, the same for the same seed value:
// bytes flipped, deleted, repeated, inserted from a small alphabet of
// syntax characters, chunks cut, and two seeds spliced.
func Inputs(seeds [][]byte, n int, seed uint64) [][]byte {
	if len(seeds) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const syntax = "{}[]()\"'$:=,.\n\t #-*&|<>\\0123456789abc"
	out := make([][]byte, 0, n)
	for range n {
		b := append([]byte(nil), seeds[r.IntN(len(seeds))]...)
		for range 1 + r.IntN(4) {
			if len(b) == 0 {
				b = append(b, syntax[r.IntN(len(syntax))])
				continue
			}
			i := r.IntN(len(b))
			switch r.IntN(6) {
			case 0: // flip a byte
				b[i] ^= byte(1 << r.IntN(8))
			case 1: // delete a run
				j := min(len(b), i+1+r.IntN(16))
				b = append(b[:i], b[j:]...)
			case 2: // insert a syntax character
				b = append(b[:i], append([]byte{syntax[r.IntN(len(syntax))]}, b[i:]...)...)
			case 3: // repeat a run
				j := min(len(b), i+1+r.IntN(32))
				b = append(b[:j], append(append([]byte(nil), b[i:j]...), b[j:]...)...)
			case 4: // cut the rest
				b = b[:i]
			case 5: // splice another seed in
				o := seeds[r.IntN(len(seeds))]
				if len(o) > 0 {
					k := r.IntN(len(o))
					b = append(b[:i], o[k:]...)
				}
			}
		}
		out = append(out, b)
	}
	return out
}

// TB is the part of testing.TB that Run needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Run calls read with n variations of the files matching patterns, each
// within limit: a reader must return (a project or an error) for any of
// them, never hang. Fewer than five seed files fails: the fixtures moved.
func Run(t TB, patterns []string, n int, seed uint64, limit time.Duration, read func(in []byte)) {
	t.Helper()
	var seeds [][]byte
	for _, pattern := range patterns {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			if data, err := os.ReadFile(f); err == nil {
				seeds = append(seeds, data)
			}
		}
	}
	if len(seeds) < 5 {
		t.Fatalf("only %d seed files match %v", len(seeds), patterns)
	}
	for i, in := range Inputs(seeds, n, seed) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			read(in)
		}()
		select {
		case <-done:
		case <-time.After(limit):
			t.Fatalf("input %d hangs the reader:\n%q", i, in)
		}
	}
}
