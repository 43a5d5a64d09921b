package manifest

import (
	"path/filepath"
	"testing"
)

func TestLoadConfigStringCommand(t *testing.T) {
	cfg, path, err := LoadConfig("testdata/config-string")
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("testdata/config-string/parity.yaml")
	equal(t, "path", path, abs)
	equal(t, "Config", cfg, &Config{
		Path:    abs,
		Project: "shop",
		Files:   []string{"deploy/compose.prod.yaml"},
		App: AppConfig{
			Service: "web",
			Command: Command{"go", "run", "./cmd/web", "--name", "my shop", "single quoted"},
			Env:     map[string]string{"LOG_LEVEL": "debug", "PORT": "8080"},
		},
		Services: map[string]ServiceSettings{"mailhog": {Skip: true}},
	})

	files, err := Discover("testdata/config-string", nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Discover", files, []string{filepath.Join(filepath.Dir(abs), "deploy", "compose.prod.yaml")})
}

func TestLoadConfigListCommand(t *testing.T) {
	cfg, _, err := LoadConfig("testdata/config-list")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Command", cfg.App.Command, Command{"bin/web", "--port", "8080"})
	equal(t, "Files", cfg.Files, []string(nil))
}

func TestLoadConfigUnknownKey(t *testing.T) {
	_, _, err := LoadConfig("testdata/config-typo")
	abs, _ := filepath.Abs("testdata/config-typo/parity.yaml")
	errorContains(t, err, abs+`:4: unknown key "comand"`)
}

func TestLoadConfigFromParentDirectory(t *testing.T) {
	root := makeTree(t, map[string]string{ConfigName: "project: shop\n", "cmd/web/main.go": "package main\n"})
	cfg, path, err := LoadConfig(filepath.Join(root, "cmd", "web"))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "path", path, filepath.Join(root, ConfigName))
	equal(t, "Project", cfg.Project, "shop")
}

func TestLoadConfigAbsent(t *testing.T) {
	root := makeTree(t, nil)
	cfg, path, err := LoadConfig(root)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "path", path, "")
	equal(t, "Config", cfg, &Config{})
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name, content string
		want          []string
	}{
		{"empty file", "", nil},
		{"unterminated quote", "app:\n  command: go run 'oops\n", []string{"parity.yaml", "command", "oops"}},
		{"command map", "app:\n  command: {go: run}\n", []string{"parity.yaml", "string or a list"}},
		{"bad yaml", "project: [shop\n", []string{"parity.yaml", "line"}},
		{"wrong type", "services:\n  db: {skip: maybe}\n", []string{"parity.yaml:2"}},
		{"unknown service key", "services:\n  db: {skipp: true}\n", []string{`parity.yaml:2: unknown key "skipp"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := makeTree(t, map[string]string{ConfigName: tt.content})
			_, _, err := LoadConfig(root)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			errorContains(t, err, tt.want...)
		})
	}
}
