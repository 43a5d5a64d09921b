package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
)

func testStreams(environ ...string) (*streams, *bytes.Buffer, *bytes.Buffer) {
	out, errb := &bytes.Buffer{}, &bytes.Buffer{}
	return &streams{
		In: strings.NewReader(""), Out: out, Err: errb,
		Environ: environ,
		Getwd:   func() (string, error) { return "/src/shop", nil },
	}, out, errb
}

func execute(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	return cmd.ExecuteContext(context.Background())
}

func TestUpFlags(t *testing.T) {
	io, _, _ := testStreams()
	var got *upOptions
	cmd := newUpCmd(io, &globalOptions{}, func(o *upOptions) error { got = o; return nil })
	if err := execute(t, cmd, "-d", "--timeout", "30s", "--no-tui", "--", "go", "run", "./cmd/web", "-v"); err != nil {
		t.Fatal(err)
	}
	if !got.detach || got.timeout != 30*time.Second || !got.noTUI || strings.Join(got.command, " ") != "go run ./cmd/web -v" {
		t.Errorf("options %+v", got)
	}
}

func TestUpTakesServicesBeforeDashDashAndTheCommandAfter(t *testing.T) {
	io, _, _ := testStreams()
	var got *upOptions
	cmd := newUpCmd(io, &globalOptions{}, func(o *upOptions) error { got = o; return nil })
	if err := execute(t, cmd, "db", "cache", "--", "npm", "start"); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.services, " ") != "db cache" || strings.Join(got.command, " ") != "npm start" {
		t.Errorf("services %v command %v", got.services, got.command)
	}
	// A path or an assignment before -- is an app command put in the wrong place.
	cmd = newUpCmd(io, &globalOptions{}, func(o *upOptions) error { return nil })
	err := execute(t, cmd, "./bin/web")
	if err == nil || !strings.Contains(err.Error(), "parity up -- ./bin/web") {
		t.Errorf("err = %v, want a hint to use --", err)
	}
}

func TestRunNeedsACommand(t *testing.T) {
	io, _, _ := testStreams()
	called := false
	cmd := newRunCmd(io, &globalOptions{}, func(o *runOptions) error { called = true; return nil })
	if err := execute(t, cmd); err == nil || called {
		t.Errorf("run without a command: err=%v called=%v", err, called)
	}
	var got *runOptions
	cmd = newRunCmd(io, &globalOptions{}, func(o *runOptions) error { got = o; return nil })
	if err := execute(t, cmd, "--", "go", "test", "./..."); err != nil || strings.Join(got.command, " ") != "go test ./..." {
		t.Errorf("err=%v options=%+v", err, got)
	}
}

func TestEnvFormatIsChecked(t *testing.T) {
	io, _, _ := testStreams()
	cmd := newEnvCmd(io, &globalOptions{}, func(o *envOptions) error { return nil })
	if err := execute(t, cmd, "--format", "yaml"); err == nil || !strings.Contains(err.Error(), "dotenv, shell or json") {
		t.Errorf("err = %v", err)
	}
}

func TestGlobalFlagsAndEnvironmentReachTheEngineOptions(t *testing.T) {
	io, _, _ := testStreams("PARITY_REGISTRY_MIRROR=mirror.corp:5000", "PARITY_LABELS=dev.parity.test=1,team=core")
	root := newRootCmd(io)
	var g *globalOptions
	for _, c := range root.Commands() {
		if c.Name() == "status" {
			c.RunE = func(c *cobra.Command, args []string) error {
				flags := c.Flags()
				files, _ := flags.GetStringArray("file")
				profiles, _ := flags.GetStringArray("profile")
				p, _ := flags.GetString("project-name")
				m, _ := flags.GetString("registry-mirror")
				envFiles, _ := flags.GetStringArray("env-file")
				g = &globalOptions{projectName: p, files: files, profiles: profiles, envFiles: envFiles, mirror: m}
				return nil
			}
		}
	}
	if err := execute(t, root, "-p", "shop", "-f", "a.yaml", "-f", "b.yaml", "--profile", "search",
		"--env-file", "base.env", "--env-file", "local.env", "status"); err != nil {
		t.Fatal(err)
	}
	eo, err := g.engineOptions(io)
	if err != nil {
		t.Fatal(err)
	}
	if eo.ProjectName != "shop" || strings.Join(eo.Files, ",") != "a.yaml,b.yaml" || eo.Profiles[0] != "search" || eo.Mirror != "mirror.corp:5000" {
		t.Errorf("engine options %+v", eo)
	}
	if strings.Join(eo.EnvFiles, ",") != "base.env,local.env" {
		t.Errorf("env files %q, want both --env-file in order", eo.EnvFiles)
	}
	if eo.ExtraLabels["dev.parity.test"] != "1" || eo.ExtraLabels["team"] != "core" || eo.WorkingDir != "/src/shop" {
		t.Errorf("labels %v, dir %s", eo.ExtraLabels, eo.WorkingDir)
	}
}

func TestParseLabelsRejectsGarbage(t *testing.T) {
	if _, err := parseLabels("novalue"); err == nil {
		t.Error("want an error for a label without =")
	}
}

func TestNoTUIWhenNotATerminalOrDumb(t *testing.T) {
	for _, tc := range []struct {
		tty  bool
		term string
		o    upOptions
		want bool
	}{
		{true, "xterm", upOptions{}, true},
		{false, "xterm", upOptions{}, false},
		{true, "dumb", upOptions{}, false},
		{true, "xterm", upOptions{noTUI: true}, false},
		{true, "xterm", upOptions{detach: true}, false},
		{true, "xterm", upOptions{json: true}, false},
	} {
		io, _, _ := testStreams("TERM=" + tc.term)
		io.OutTTY = tc.tty
		if got := useTUI(io, &tc.o); got != tc.want {
			t.Errorf("tty=%v term=%s %+v: useTUI=%v", tc.tty, tc.term, tc.o, got)
		}
	}
}

func TestExitCodes(t *testing.T) {
	io, _, errb := testStreams()
	if got := exitCode(io, nil, nil); got != 0 {
		t.Errorf("nil: %d", got)
	}
	if got := exitCode(io, &exitError{code: 3}, nil); got != 3 {
		t.Errorf("app exit 3: %d", got)
	}
	if got := exitCode(io, context.Canceled, nil); got != 130 {
		t.Errorf("canceled: %d", got)
	}
	if got := exitCode(io, errors.New("context canceled while pulling"), engine.Interrupted(os.Interrupt)); got != 130 {
		t.Errorf("interrupted: %d", got)
	}
	for sig, want := range map[syscall.Signal]int{syscall.SIGTERM: 143, syscall.SIGHUP: 129, syscall.SIGPIPE: 141, syscall.SIGINT: 130} {
		if got := exitCode(io, engine.Interrupted(sig), nil); got != want {
			t.Errorf("%v: exit %d, want %d", sig, got, want)
		}
	}
	if got := exitCode(io, errors.New("boom"), nil); got != 1 || !strings.Contains(errb.String(), "parity: boom") {
		t.Errorf("error: %d %q", got, errb.String())
	}
}

// TestEnvCommandOnTheQuickstart runs `parity env` for real on the example
// manifest: no Docker needed.
func TestEnvCommandOnTheQuickstart(t *testing.T) {
	wd, _ := os.Getwd()
	io, out, errb := testStreams("PARITY_STATE_DIR=" + t.TempDir())
	io.Getwd = func() (string, error) { return filepath.Join(wd, "../../examples/quickstart"), nil }
	t.Setenv("PARITY_STATE_DIR", io.getenv("PARITY_STATE_DIR"))
	root := newRootCmd(io)
	root.SetArgs([]string{"env", "--format", "shell"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("env: %v\n%s", err, errb.String())
	}
	for _, want := range []string{"export DATABASE_URL='postgres://app:", "@127.0.0.1:", "/app?sslmode=disable'", "export REDIS_URL='redis://:", "export LOG_LEVEL='info'"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("env output lacks %q:\n%s", want, out.String())
		}
	}
}
