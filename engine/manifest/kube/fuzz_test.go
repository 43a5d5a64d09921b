package kube

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

// FuzzFromDocuments feeds arbitrary YAML to the reader: bad input is an
// error or warnings, never a panic.
func FuzzFromDocuments(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	more, _ := filepath.Glob("testdata/realworld/*/*.yaml")
	for _, file := range append(files, more...) {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("apiVersion: v1\nkind: List\nitems: [1, {apiVersion: v1, kind: Pod}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := FromDocuments([]Document{{Origin: "fuzz.yaml", Data: data}}, manifest.SourceOptions{})
		if err == nil && p == nil {
			t.Fatal("no project and no error")
		}
	})
}
