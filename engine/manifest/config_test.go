package manifest

import (
	"path/filepath"
	"strings"
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
		lines:    configLines{appService: 5, services: map[string]int{"mailhog": 11}},
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

func TestConfigCheckNamesLineAndServices(t *testing.T) {
	root := makeTree(t, map[string]string{ConfigName: "project: shop\napp:\n  command: go run .\n  service: nosuch\nservices:\n  db: {skip: true}\n  mailer:\n    skip: true\n"})
	cfg, path, err := LoadConfig(root)
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Check([]string{"web", "db", "cache"})
	errorContains(t, err,
		path+`:4: app.service "nosuch" is not a service of the manifest`,
		path+`:7: services.mailer is not a service of the manifest`,
		"the manifest's services are cache, db, web")
	if strings.Contains(err.Error(), "services.db") {
		t.Errorf("err = %q names db, which the manifest has", err)
	}
	if i, j := strings.Index(err.Error(), ":4:"), strings.Index(err.Error(), ":7:"); i > j {
		t.Errorf("err = %q, want problems in line order", err)
	}
}

func TestConfigCheckPasses(t *testing.T) {
	for name, cfg := range map[string]*Config{
		"nil":              nil,
		"empty":            {},
		"names that exist": {App: AppConfig{Service: "web"}, Services: map[string]ServiceSettings{"db": {Skip: true}}},
	} {
		if err := cfg.Check([]string{"web", "db"}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestConfigCheckWithoutFile(t *testing.T) {
	cfg := &Config{Services: map[string]ServiceSettings{"nosuch": {Skip: true}}}
	errorContains(t, cfg.Check([]string{"web"}), "parity.yaml: services.nosuch is not", "services are web")
}

// A service behind a profile that is not active is still the manifest's:
// parity.yaml may skip it or name it as the app.
func TestConfigCheckAcceptsServicesBehindProfiles(t *testing.T) {
	p := mustLoad(t, "profiles", nil)
	equal(t, "Defined", p.Defined(), []string{"db", "mail", "worker"})
	cfg := &Config{App: AppConfig{Service: "worker"}, Services: map[string]ServiceSettings{"mail": {Skip: true}}}
	if err := cfg.Check(p.Defined()); err != nil {
		t.Error(err)
	}
	cfg.Services["nosuch"] = ServiceSettings{Skip: true}
	errorContains(t, cfg.Check(p.Defined()), "services.nosuch", "services are db, mail, worker")
}
