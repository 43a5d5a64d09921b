package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

const minimalManifest = "services:\n  db:\n    image: postgres:15\n"

// makeTree creates files (path -> content) under a fresh directory whose
// parent chain holds a .git, so discovery cannot wander into the machine's
// real directories above the test.
func makeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, content := range files {
		writeFile(t, filepath.Join(root, path), content)
	}
	return root
}

func TestDiscoverDefaultNamesInOrder(t *testing.T) {
	tests := []struct {
		files []string
		want  string
	}{
		{[]string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}, "compose.yaml"},
		{[]string{"compose.yml", "docker-compose.yml"}, "compose.yml"},
		{[]string{"docker-compose.yaml", "docker-compose.yml"}, "docker-compose.yaml"},
		{[]string{"docker-compose.yml"}, "docker-compose.yml"},
		{[]string{"docker-compose.yml", "compose.override.yaml", "docker-compose.override.yml"}, "docker-compose.yml"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			files := map[string]string{}
			for _, f := range tt.files {
				files[f] = minimalManifest
			}
			root := makeTree(t, files)
			got, err := Discover(root, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "Discover", got, []string{filepath.Join(root, tt.want)})
		})
	}
}

func TestDiscoverParentDirectory(t *testing.T) {
	root := makeTree(t, map[string]string{"compose.yaml": minimalManifest, "cmd/web/main.go": "package main\n"})
	got, err := Discover(filepath.Join(root, "cmd", "web"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Discover", got, []string{filepath.Join(root, "compose.yaml")})
}

func TestDiscoverClosestDirectoryWins(t *testing.T) {
	root := makeTree(t, map[string]string{"compose.yaml": minimalManifest, "svc/docker-compose.yml": minimalManifest})
	got, err := Discover(filepath.Join(root, "svc"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Discover", got, []string{filepath.Join(root, "svc", "docker-compose.yml")})
}

func TestDiscoverStopsAtRepositoryRoot(t *testing.T) {
	outer := t.TempDir()
	writeFile(t, filepath.Join(outer, "compose.yaml"), minimalManifest)
	repo := filepath.Join(outer, "repo")
	writeFile(t, filepath.Join(repo, ".git", "HEAD"), "ref: refs/heads/main\n")
	sub := filepath.Join(repo, "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}

	_, err := Discover(sub, nil, nil)
	errorContains(t, err, "compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml", sub, repo, "-f", "parity init")
}

func TestDiscoverNothingFound(t *testing.T) {
	root := makeTree(t, nil)
	_, err := Discover(root, nil, nil)
	errorContains(t, err, "find manifest", root, "compose.yaml", "docker-compose.yml", "pass the production manifest with -f or run `parity init`")
}

func TestDiscoverComposeFile(t *testing.T) {
	root := makeTree(t, map[string]string{
		"compose.yaml":           minimalManifest,
		"deploy/base.yaml":       minimalManifest,
		"deploy/prod.yaml":       minimalManifest,
		"deploy/other/prod.yaml": minimalManifest,
	})
	cfg := &Config{Path: filepath.Join(root, ConfigName), Files: []string{"deploy/other/prod.yaml"}}

	got, err := Discover(root, map[string]string{"COMPOSE_FILE": "deploy/base.yaml:deploy/prod.yaml"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "COMPOSE_FILE", got, []string{filepath.Join(root, "deploy/base.yaml"), filepath.Join(root, "deploy/prod.yaml")})

	got, err = Discover(root, map[string]string{"COMPOSE_FILE": "deploy/base.yaml;deploy/prod.yaml", "COMPOSE_PATH_SEPARATOR": ";"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "COMPOSE_PATH_SEPARATOR", got, []string{filepath.Join(root, "deploy/base.yaml"), filepath.Join(root, "deploy/prod.yaml")})

	_, err = Discover(root, map[string]string{"COMPOSE_FILE": "deploy/missing.yaml"}, nil)
	errorContains(t, err, "COMPOSE_FILE", "deploy/missing.yaml")
}

func TestDiscoverConfigFilesRelativeToConfig(t *testing.T) {
	root := makeTree(t, map[string]string{
		"compose.yaml":                 minimalManifest,
		"deploy/compose.prod.yaml":     minimalManifest,
		"services/web/cmd/placeholder": "",
	})
	cfg := &Config{Path: filepath.Join(root, ConfigName), Files: []string{"deploy/compose.prod.yaml"}}

	got, err := Discover(filepath.Join(root, "services", "web"), nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Discover", got, []string{filepath.Join(root, "deploy", "compose.prod.yaml")})

	cfg.Files = []string{"deploy/compose.missing.yaml"}
	_, err = Discover(root, nil, cfg)
	errorContains(t, err, cfg.Path, "compose.missing.yaml")
}

func TestDiscoverEmptyConfigFallsBackToDefaults(t *testing.T) {
	root := makeTree(t, map[string]string{"compose.yml": minimalManifest})
	got, err := Discover(root, map[string]string{"COMPOSE_FILE": ""}, &Config{})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Discover", got, []string{filepath.Join(root, "compose.yml")})
}
