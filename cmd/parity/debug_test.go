package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeDockerAPI is a Docker Engine API on a unix socket that answers what
// `up` asks with containers that start and run, and records the create
// bodies it received.
type fakeDockerAPI struct {
	host string

	mu      sync.Mutex
	created []string
}

func startFakeDockerAPI(t *testing.T) *fakeDockerAPI {
	t.Helper()
	dir, err := os.MkdirTemp("", "fd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ln, err := net.Listen("unix", filepath.Join(dir, "docker.sock"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeDockerAPI{host: "unix://" + ln.Addr().String()}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return f
}

var apiVersionPrefix = regexp.MustCompile(`^/v[0-9.]+`)

func (f *fakeDockerAPI) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Api-Version", "1.41")
	w.Header().Set("Content-Type", "application/json")
	path := apiVersionPrefix.ReplaceAllString(r.URL.Path, "")
	reply := func(code int, body string) {
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
	switch {
	case path == "/_ping":
		fmt.Fprint(w, "OK")
	case path == "/version":
		fmt.Fprint(w, `{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux"}`)
	case path == "/containers/json", path == "/networks":
		fmt.Fprint(w, `[]`)
	case path == "/volumes":
		fmt.Fprint(w, `{"Volumes":[]}`)
	case strings.HasPrefix(path, "/images/") && strings.HasSuffix(path, "/json"):
		fmt.Fprint(w, `{"Id":"sha256:1111","RepoTags":["postgres:15.4"],"RepoDigests":["postgres@sha256:2222"],"Config":{}}`)
	case path == "/networks/create":
		reply(http.StatusCreated, `{"Id":"net1"}`)
	case path == "/volumes/create":
		reply(http.StatusCreated, `{"Name":"vol1"}`)
	case path == "/containers/create":
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.created = append(f.created, string(b))
		f.mu.Unlock()
		reply(http.StatusCreated, `{"Id":"c1","Warnings":[]}`)
	case path == "/containers/c1/json":
		fmt.Fprint(w, `{"Id":"c1","Name":"/shop-db-1","State":{"Status":"running","Running":true,"StartedAt":"2024-01-01T00:00:00Z"},"Config":{"Labels":{}},"NetworkSettings":{"Ports":{}}}`)
	case path == "/containers/c1/logs":
		w.Header().Set("Content-Type", "application/vnd.docker.raw-stream")
	case path == "/events":
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	case r.Method == http.MethodPost || r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	default:
		reply(http.StatusNotFound, `{"message":"not found: `+path+`"}`)
	}
}

func (f *fakeDockerAPI) createBodies() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.created, "\n")
}

// TestDebugTracesDockerCallsAndProbesOnStderr runs `up -d` on a fake Docker
// API with --debug and with PARITY_DEBUG=1: each puts one line per API
// call and per probe attempt on stderr, nothing on stdout, and the
// manifest's password, sent to the engine as it must be, never appears.
func TestDebugTracesDockerCallsAndProbesOnStderr(t *testing.T) {
	const password = "hunter2-in-the-manifest"
	dir := t.TempDir()
	compose := "name: shop\nservices:\n  db:\n    image: postgres:15.4\n    environment:\n      POSTGRES_USER: app\n      POSTGRES_DB: app\n      POSTGRES_PASSWORD: " + password + "\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		env   string
		flags []string
		off   bool
	}{
		{"flag", "", []string{"--debug"}, false},
		{"PARITY_DEBUG=1", "PARITY_DEBUG=1", nil, false},
		{"PARITY_DEBUG=yes", "PARITY_DEBUG=yes", nil, false},
		{"--debug=false wins over PARITY_DEBUG", "PARITY_DEBUG=1", []string{"--debug=false"}, true},
		{"off", "", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := startFakeDockerAPI(t)
			state := t.TempDir()
			t.Setenv("DOCKER_HOST", api.host)
			t.Setenv("PARITY_STATE_DIR", state)
			io, out, errb := testStreams("PARITY_STATE_DIR="+state, "DOCKER_HOST="+api.host, tc.env)
			io.Getwd = func() (string, error) { return dir, nil }
			root := newRootCmd(io)
			root.SetArgs(append(tc.flags, "up", "-d", "--timeout", "1s"))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// Nothing answers on the published port: up fails once the
			// timeout has let a few probe attempts through.
			if err := root.ExecuteContext(ctx); err == nil {
				t.Fatal("up succeeded though nothing answers the probe")
			}
			if !strings.Contains(api.createBodies(), password) {
				t.Fatalf("the engine did not get the password; create bodies:\n%s", api.createBodies())
			}
			text := errb.String()
			if tc.off {
				if strings.Contains(text, "parity debug:") {
					t.Errorf("debug lines without --debug or PARITY_DEBUG:\n%s", text)
				}
				return
			}
			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(`(?m)^parity debug: \+\d+\.\d{3}s docker GET /v1\.41/version 200 `),
				regexp.MustCompile(`(?m)^parity debug: \+\d+\.\d{3}s docker POST /v1\.41/containers/create\?name=\S+ 201 \S+ \{.*"POSTGRES_PASSWORD=\*\*\*\*"`),
				regexp.MustCompile(`(?m)^parity debug: \+\d+\.\d{3}s docker POST /v1\.41/containers/c1/start 204 `),
				regexp.MustCompile(`(?m)^parity debug: \+\d+\.\d{3}s probe db \(postgres\) 127\.0\.0\.1:\d+: .+ in \S+$`),
			} {
				if !want.MatchString(text) {
					t.Errorf("stderr has no line matching %s:\n%s", want, text)
				}
			}
			if strings.Contains(text, password) || strings.Contains(out.String(), password) {
				t.Errorf("the password shows:\nstderr:\n%s\nstdout:\n%s", text, out.String())
			}
			if strings.Contains(out.String(), "parity debug:") {
				t.Errorf("debug lines on stdout:\n%s", out.String())
			}
		})
	}
}

func TestDebugIsOffUnlessAskedAndOnCompletion(t *testing.T) {
	for v, want := range map[string]bool{"1": true, "true": true, "TRUE": true, "yes": true, "on": true, "": false, "0": false, "no": false, "false": false, "debug": false} {
		if got := debugFromEnv(v); got != want {
			t.Errorf("PARITY_DEBUG=%q: debug %v, want %v", v, got, want)
		}
	}
	io, _, _ := testStreams("PARITY_DEBUG=1")
	g := &globalOptions{debug: true}
	if g.debugWriter(io) != io.Err {
		t.Error("--debug does not write to stderr")
	}
	g.debug = false
	if g.debugWriter(io) != nil {
		t.Error("debug lines without --debug")
	}

	// Completion loads the manifest through the same options: with
	// PARITY_DEBUG=1 it must still print candidates only.
	abs, _ := filepath.Abs("testdata/completion")
	io, out, errb := testStreams("PARITY_DEBUG=1", "DOCKER_HOST=unix:///nonexistent/docker.sock")
	io.Getwd = func() (string, error) { return abs, nil }
	t.Setenv("PARITY_STATE_DIR", t.TempDir())
	root := newRootCmd(io)
	root.SetArgs([]string{"__complete", "logs", ""})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String()+errb.String(), "parity debug") || !strings.Contains(out.String(), "db") {
		t.Errorf("completion with PARITY_DEBUG=1:\nstdout %q\nstderr %q", out.String(), errb.String())
	}
}
