package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResolveEndpoint(t *testing.T) {
	home := t.TempDir()
	writeContext(t, filepath.Join(home, ".docker"), "colima", "unix:///home/me/.colima/docker.sock")
	writeContext(t, filepath.Join(home, ".docker"), "remote", "ssh://me@host")
	for _, tc := range []struct {
		name   string
		env    map[string]string
		config string
		want   string
	}{
		{"nothing set", nil, "", DefaultEndpoint},
		{"DOCKER_HOST wins", map[string]string{"DOCKER_HOST": "tcp://10.0.0.1:2375", "DOCKER_CONTEXT": "colima"}, `{"currentContext":"colima"}`, "tcp://10.0.0.1:2375"},
		{"DOCKER_CONTEXT", map[string]string{"DOCKER_CONTEXT": "colima"}, "", "unix:///home/me/.colima/docker.sock"},
		{"currentContext", nil, `{"currentContext":"colima"}`, "unix:///home/me/.colima/docker.sock"},
		{"default context", nil, `{"currentContext":"default"}`, DefaultEndpoint},
		{"unknown context", nil, `{"currentContext":"gone"}`, DefaultEndpoint},
		{"broken config", nil, `{`, DefaultEndpoint},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := filepath.Join(home, ".docker", "config.json")
			os.Remove(cfg)
			if tc.config != "" {
				if err := os.WriteFile(cfg, []byte(tc.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			getenv := func(k string) string { return tc.env[k] }
			got, err := resolveEndpoint(getenv, home)
			if err != nil || got != tc.want {
				t.Errorf("resolveEndpoint = %q, %v, want %q", got, err, tc.want)
			}
		})
	}
}

func TestResolveEndpointDockerConfig(t *testing.T) {
	dir := t.TempDir()
	writeContext(t, dir, "colima", "unix:///c.sock")
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext":"colima"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return map[string]string{"DOCKER_CONFIG": dir}[k] }
	if got, err := resolveEndpoint(getenv, "/nonexistent-home"); err != nil || got != "unix:///c.sock" {
		t.Errorf("resolveEndpoint = %q, %v, want the DOCKER_CONFIG context", got, err)
	}
}

// An ssh:// engine needs the docker CLI's connection helper. Parity must say
// so, naming the context or DOCKER_HOST and the fix, rather than quietly
// talking to the default socket, which may be a different engine entirely.
func TestResolveEndpointRefusesWhatParityCannotDial(t *testing.T) {
	home := t.TempDir()
	writeContext(t, filepath.Join(home, ".docker"), "buildbox", "ssh://me@box")
	if err := os.WriteFile(filepath.Join(home, ".docker", "config.json"), []byte(`{"currentContext":"buildbox"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"current context", nil, []string{`docker context "buildbox" points at ssh://me@box`, "cannot use", "docker context use default", "DOCKER_HOST=" + DefaultEndpoint}},
		{"DOCKER_CONTEXT", map[string]string{"DOCKER_CONTEXT": "buildbox"}, []string{`docker context "buildbox"`, "ssh://me@box"}},
		{"DOCKER_HOST", map[string]string{"DOCKER_HOST": "ssh://me@other"}, []string{"DOCKER_HOST=ssh://me@other", "cannot use", "DOCKER_HOST=" + DefaultEndpoint}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			got, err := resolveEndpoint(getenv, home)
			if !errors.Is(err, ErrUnsupportedEndpoint) {
				t.Fatalf("resolveEndpoint = %q, %v, want ErrUnsupportedEndpoint", got, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	// DOCKER_HOST overrides the unusable context, as it does for the docker CLI.
	getenv := func(k string) string { return map[string]string{"DOCKER_HOST": "unix:///x.sock"}[k] }
	if got, err := resolveEndpoint(getenv, home); err != nil || got != "unix:///x.sock" {
		t.Errorf("with DOCKER_HOST: %q, %v", got, err)
	}
}

func writeContext(t *testing.T, configDir, name, host string) {
	t.Helper()
	sum := sha256.Sum256([]byte(name))
	dir := filepath.Join(configDir, "contexts", "meta", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	meta := `{"Name":"` + name + `","Metadata":{},"Endpoints":{"docker":{"Host":"` + host + `","SkipTLSVerify":false}}}`
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), []byte(meta), 0o600); err != nil {
		t.Fatal(err)
	}
}

// No engine is needed to prove an absent one is reported well: every call
// fails with ErrUnreachable, naming the endpoint, the reason and the fix.
func TestUnreachableEngine(t *testing.T) {
	const host = "unix:///nonexistent.sock"
	e, err := NewAt(host)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	events, errs := e.Events(ctx, map[string]string{"dev.parity.test": "1"})
	evErr := <-errs
	for name, err := range map[string]error{
		"Ping":       func() error { _, err := e.Ping(ctx); return err }(),
		"Pull":       e.Pull(ctx, "redis:7", nil),
		"Containers": func() error { _, err := e.Containers(ctx, nil); return err }(),
		"Create":     func() error { _, err := e.Create(ctx, ContainerSpec{Name: "x", Image: "redis:7"}); return err }(),
		"Logs":       e.Logs(ctx, "x", false, -1, func(LogLine) {}),
		"Volume":     func() error { _, err := e.Volume(ctx, "v"); return err }(),
		"Events":     evErr,
	} {
		if !errors.Is(err, ErrUnreachable) {
			t.Errorf("%s: err = %v, want ErrUnreachable", name, err)
			continue
		}
		msg := err.Error()
		for _, part := range []string{"cannot reach the Docker engine at " + host, "no such file or directory", "systemctl start docker", "DOCKER_HOST"} {
			if !strings.Contains(msg, part) {
				t.Errorf("%s: %q lacks %q", name, msg, part)
			}
		}
	}
	if _, open := <-events; open {
		t.Error("event channel still open after the stream failed")
	}
}

func TestNewAtRejectsBadHost(t *testing.T) {
	_, err := NewAt("nowhere")
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("err = %v, want ErrUnreachable naming the host", err)
	}
}
