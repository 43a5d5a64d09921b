package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestManPagesAreGenerated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man")
	io, out, _ := testStreams()
	root := newRootCmd(io)
	root.SetArgs([]string{"gen-man", dir})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"parity.1", "parity-up.1", "parity-status.1", "parity-check.1", "parity-version.1"} {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Errorf("%s: %v", page, err)
			continue
		}
		if !strings.HasPrefix(string(b), `.nh`) || !strings.Contains(string(b), `.TH "PARITY"`) {
			t.Errorf("%s is not a man page:\n%.200s", page, b)
		}
	}
	up, _ := os.ReadFile(filepath.Join(dir, "parity-up.1"))
	if !strings.Contains(string(up), `\fB--stop-timeout\fP`) {
		t.Errorf("parity-up.1 lacks up's flags:\n%s", up)
	}
	if _, err := os.Stat(filepath.Join(dir, "parity-gen-man.1")); err == nil {
		t.Error("the hidden gen-man command has a man page")
	}
	if !strings.Contains(out.String(), "man pages to "+dir) {
		t.Errorf("output %q", out.String())
	}
}
