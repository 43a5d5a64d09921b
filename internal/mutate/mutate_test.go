package mutate

import (
	"bytes"
	"testing"
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
