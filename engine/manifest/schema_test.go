package manifest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v4"
)

// schemaPath is the JSON Schema editors use for parity.yaml (parity init
// points at it from the file's first line).
const schemaPath = "../../schema/parity.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("read %s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("parity.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("parity.schema.json")
	if err != nil {
		t.Fatalf("compile %s: %v", schemaPath, err)
	}
	return sch
}

// validateYAML checks YAML text against the schema the way an editor does:
// as the JSON value the YAML denotes.
func validateYAML(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
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
	return sch.Validate(inst)
}

// Every parity.yaml in the repository that parity accepts, the schema
// accepts too, and the ones parity rejects for an unknown key it rejects.
func TestSchemaValidatesRepositoryConfigs(t *testing.T) {
	sch := compileSchema(t)
	var paths []string
	err := filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.Name() == ConfigName {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 3 {
		t.Fatalf("found %d parity.yaml files (%v), want the testdata ones at least", len(paths), paths)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		_, parseErr := parseConfig(data)
		schemaErr := validateYAML(t, sch, data)
		if (parseErr == nil) != (schemaErr == nil) {
			t.Errorf("%s: parity says %v, the schema says %v", path, parseErr, schemaErr)
		}
	}
}

func TestSchemaAgreesWithParser(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name, content string
		valid         bool
	}{
		{"empty", "", true},
		{"full", "project: shop\nfiles: [compose.yaml]\napp:\n  service: web\n  command: [go, run, .]\n  env: {PORT: 8080, DEBUG: true, NAME: x}\nservices:\n  mailhog: {skip: true}\n", true},
		{"string command", "app:\n  command: npm run dev\n", true},
		{"app only comments", "app:\n  # service: web\n", true},
		{"typo top level", "projet: shop\n", false},
		{"typo in app", "app:\n  comand: go run .\n", false},
		{"typo in service", "services:\n  db: {skipp: true}\n", false},
		{"skip not a bool", "services:\n  db: {skip: maybe}\n", false},
		{"command a map", "app:\n  command: {go: run}\n", false},
		{"files a string", "files: compose.yaml\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, parseErr := parseConfig([]byte(tt.content))
			if (parseErr == nil) != tt.valid {
				t.Fatalf("parseConfig = %v, want valid=%v (the test's premise)", parseErr, tt.valid)
			}
			err := validateYAML(t, sch, []byte(tt.content))
			if (err == nil) != tt.valid {
				t.Errorf("schema says %v, want valid=%v", err, tt.valid)
			}
		})
	}
}

// The schema's keys are exactly Config's yaml keys, at every level, so a
// field added to config.go without a schema entry (or the reverse) fails.
func TestSchemaKeysMatchConfigStruct(t *testing.T) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(where string, node map[string]any, typ reflect.Type)
	walk = func(where string, node map[string]any, typ reflect.Type) {
		if typ.Kind() == reflect.Map {
			// A map of structs: the schema describes its values.
			items, _ := node["additionalProperties"].(map[string]any)
			if items == nil {
				t.Errorf("%s: the schema has no additionalProperties for %s's values", where, typ)
				return
			}
			walk(where+".*", items, typ.Elem())
			return
		}
		if node["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties is %v, want false: parity rejects unknown keys", where, node["additionalProperties"])
		}
		props, _ := node["properties"].(map[string]any)
		var inStruct []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			inStruct = append(inStruct, tag)
			p, _ := props[tag].(map[string]any)
			if p == nil {
				t.Errorf("%s.%s: in config.go, not in the schema", where, tag)
				continue
			}
			if d, _ := p["description"].(string); d == "" {
				t.Errorf("%s.%s: no description in the schema", where, tag)
			}
			ft := f.Type
			if ft.Kind() == reflect.Struct || (ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Struct) {
				walk(where+"."+tag, p, ft)
			}
		}
		for key := range props {
			if !slices.Contains(inStruct, key) {
				t.Errorf("%s.%s: in the schema, not in config.go", where, key)
			}
		}
	}
	walk("parity.yaml", root, reflect.TypeFor[Config]())
}
