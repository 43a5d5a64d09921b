package terraform

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

func TestDebugDump(t *testing.T) {
	dir := os.Getenv("TFDUMP")
	if dir == "" {
		t.Skip()
	}
	abs, _ := filepath.Abs(dir)
	p, err := Load(context.Background(), manifest.SourceOptions{Path: abs, WorkingDir: filepath.Dir(abs)})
	if err != nil {
		t.Fatal(err)
	}
	type svc struct {
		Name, Image string
		App         bool
		Env         map[string]string
		Cmd         []string
		Managed     *manifest.Managed
		Origin      string
	}
	var out []svc
	for _, s := range p.Services {
		e := map[string]string{}
		for k, v := range s.Environment {
			e[k] = render(v)
		}
		var c []string
		for _, v := range s.Command {
			c = append(c, render(v))
		}
		out = append(out, svc{s.Name, s.Image, s.App, e, c, s.Managed, s.Origin})
	}
	b, _ := json.MarshalIndent(map[string]any{"services": out, "unset": p.Unset, "warnings": p.Warnings}, "", "  ")
	t.Log(string(b))
}
