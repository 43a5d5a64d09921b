package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// complete runs cobra's hidden __complete command through parity's root, as
// the shells' scripts do, in dir, and returns the candidates it printed and
// the directive line.
func complete(t *testing.T, dir string, args ...string) ([]string, string) {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	io, out, _ := testStreams()
	io.Getwd = func() (string, error) { return abs, nil }
	t.Setenv("PARITY_STATE_DIR", t.TempDir())
	root := newRootCmd(io)
	root.SetArgs(append([]string{"__complete"}, args...))
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("__complete %v: %v", args, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

func TestCompletionOfServiceNames(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		// Every service, whatever its profile, sorted, files not offered (:4).
		{[]string{"logs", ""}, "cache db search worker :4"},
		{[]string{"restart", "s"}, "search :4"},
		{[]string{"stop", "db", ""}, "cache search worker :4"},
		{[]string{"up", ""}, "cache db search worker :4"},
		{[]string{"up", "-d", "db", "c"}, "cache :4"},
		{[]string{"run", "--service", ""}, "cache db search worker :4"},
		// After --, up's arguments are the app command: the shell
		// completes files (:0).
		{[]string{"up", "--", "go", ""}, ":0"},
		// -f selects the manifest, as for the command itself.
		{[]string{"-f", "../../../../examples/quickstart/compose.yaml", "shell", ""}, "app cache db :4"},
	} {
		got, directive := complete(t, "testdata/completion", tc.args...)
		if s := strings.Join(append(got, directive), " "); s != tc.want {
			t.Errorf("__complete %q = %q, want %q", tc.args, s, tc.want)
		}
	}
}

func TestCompletionOfProfilesAndFormats(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"up", "--profile", ""}, "jobs search :4"},
		{[]string{"--profile", "s"}, "search :4"},
		{[]string{"status", "--format", ""}, "text json :4"},
		{[]string{"check", "--format", ""}, "text json :4"},
		{[]string{"doctor", "--format", ""}, "text json :4"},
		{[]string{"up", "--format", ""}, "text json :4"},
		{[]string{"env", "--format", ""}, "dotenv shell json :4"},
		{[]string{"completion", ""}, "bash zsh fish powershell :4"},
	} {
		got, directive := complete(t, "testdata/completion", tc.args...)
		if s := strings.Join(append(got, directive), " "); s != tc.want {
			t.Errorf("__complete %q = %q, want %q", tc.args, s, tc.want)
		}
	}
}

func TestCompletionOfABrokenManifestOffersNothing(t *testing.T) {
	got, directive := complete(t, t.TempDir(), "logs", "")
	if len(got) != 0 || directive != ":1" {
		t.Errorf("no manifest: %q %s, want no candidates and the error directive :1", got, directive)
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash":       "__parity_",
		"zsh":        "#compdef parity",
		"fish":       "complete -c parity",
		"powershell": "Register-ArgumentCompleter",
	} {
		io, out, _ := testStreams()
		root := newRootCmd(io)
		root.SetArgs([]string{"completion", shell})
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("completion %s: %v", shell, err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("completion %s lacks %q", shell, want)
		}
	}
}

func TestVersionCommandPrintsWhatTheFlagPrints(t *testing.T) {
	run := func(args ...string) string {
		io, out, _ := testStreams()
		root := newRootCmd(io)
		root.SetArgs(args)
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	cmd, flag := run("version"), run("--version")
	if cmd != flag || !strings.HasPrefix(cmd, "parity version ") {
		t.Errorf("parity version = %q, parity --version = %q", cmd, flag)
	}
}

func TestPsIsStatus(t *testing.T) {
	io, _, _ := testStreams()
	root := newRootCmd(io)
	c, _, err := root.Find([]string{"ps"})
	if err != nil || c.Name() != "status" {
		t.Errorf("parity ps finds %v (%v), want status", c.Name(), err)
	}
}
