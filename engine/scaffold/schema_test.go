package scaffold

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v4"
)

// The parity.yaml init writes names the repository's schema on its first
// line (where yaml-language-server looks), and is valid under it.
func TestConfigNamesAndMeetsSchema(t *testing.T) {
	raw, err := os.ReadFile("../../schema/parity.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		ID string `json:"$id"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.ID != SchemaURL {
		t.Errorf("schema $id %q, SchemaURL %q: one of them moved", meta.ID, SchemaURL)
	}
	if !strings.HasSuffix(SchemaURL, "/main/schema/parity.schema.json") {
		t.Errorf("SchemaURL %q does not point at schema/parity.schema.json on main", SchemaURL)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("parity.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("parity.schema.json")
	if err != nil {
		t.Fatal(err)
	}

	for name, f := range map[string]Findings{
		"everything found": {Project: "shop", Manifests: []Manifest{{Path: "deploy/compose.prod.yaml", Why: "named prod"}},
			AppService: "web", AppServiceWhy: "build:", Command: &Command{Args: []string{"go", "run", "./cmd/web"}, Why: "go.mod"}},
		"nothing found": {Manifests: []Manifest{{Path: "compose.yaml"}}},
	} {
		t.Run(name, func(t *testing.T) {
			f.Manifest = &f.Manifests[0]
			out := f.Config()
			first, _, _ := bytes.Cut(out, []byte("\n"))
			if want := "# yaml-language-server: $schema=" + SchemaURL; string(first) != want {
				t.Errorf("first line %q, want %q", first, want)
			}
			var v any
			if err := yaml.Unmarshal(out, &v); err != nil {
				t.Fatal(err)
			}
			j, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("schema rejects what init writes: %v\n%s", err, out)
			}
		})
	}
}
