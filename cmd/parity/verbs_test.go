package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// executeRoot runs the whole command tree, as main does, so a flag of a
// command that clashes with a global one (-f is --file) is caught.
func executeRoot(t *testing.T, args ...string) error {
	t.Helper()
	io, _, _ := testStreams()
	root := newRootCmd(io)
	root.SetArgs(args)
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	return root.ExecuteContext(context.Background())
}

func TestVerbsHelpBuildsWithTheGlobalFlags(t *testing.T) {
	for _, verb := range []string{"logs", "shell", "restart", "stop"} {
		if err := executeRoot(t, "-f", "compose.yaml", verb, "--help"); err != nil {
			t.Errorf("parity -f compose.yaml %s --help: %v", verb, err)
		}
	}
}

func TestLogsFlags(t *testing.T) {
	io, _, _ := testStreams()
	var got *logsOptions
	cmd := newLogsCmd(io, &globalOptions{}, func(o *logsOptions) error { got = o; return nil })
	if err := execute(t, cmd, "--follow", "--tail", "5", "--since", "10m", "-t", "db", "cache"); err != nil {
		t.Fatal(err)
	}
	if !got.follow || got.tail != 5 || got.since != "10m" || !got.timestamps || strings.Join(got.services, ",") != "db,cache" {
		t.Errorf("options %+v", got)
	}
	cmd = newLogsCmd(io, &globalOptions{}, func(o *logsOptions) error { got = o; return nil })
	if err := execute(t, cmd); err != nil {
		t.Fatal(err)
	}
	if got.tail != -1 || got.follow || len(got.services) != 0 {
		t.Errorf("defaults %+v, want all lines of every service", got)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     {},
		"10m":                  now.Add(-10 * time.Minute),
		"2024-05-01T10:00:00Z": time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
	} {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseSince("yesterday", now); err == nil || !strings.Contains(err.Error(), "--since") {
		t.Errorf("parseSince(yesterday): %v", err)
	}
}

func TestShellArgs(t *testing.T) {
	io, _, _ := testStreams()
	var got *shellOptions
	newShell := func() *cobra.Command {
		return newShellCmd(io, &globalOptions{}, func(o *shellOptions) error { got = o; return nil })
	}
	if err := execute(t, newShell(), "db", "--", "-c", "select 1"); err != nil {
		t.Fatal(err)
	}
	if got.service != "db" || strings.Join(got.args, "|") != "-c|select 1" {
		t.Errorf("options %+v", got)
	}
	if err := execute(t, newShell(), "cache", "--", "SET", "k", "v"); err != nil || strings.Join(got.args, " ") != "SET k v" {
		t.Errorf("shell cache -- SET k v: %+v, %v", got, err)
	}
	if err := execute(t, newShell()); err == nil || !strings.Contains(err.Error(), "parity shell db") {
		t.Errorf("no service: %v", err)
	}
	if err := execute(t, newShell(), "db", "select"); err == nil || !strings.Contains(err.Error(), "parity shell db -- select") {
		t.Errorf("an argument before --: %v", err)
	}
}

func TestRestartAndStopTakeServices(t *testing.T) {
	io, _, _ := testStreams()
	var restarted, stopped []string
	if err := execute(t, newRestartCmd(io, &globalOptions{}, func(o *restartOptions) error { restarted = o.services; return nil }), "db", "cache"); err != nil {
		t.Fatal(err)
	}
	if err := execute(t, newStopCmd(io, &globalOptions{}, func(o *stopOptions) error { stopped = o.services; return nil }), "cache"); err != nil {
		t.Fatal(err)
	}
	if strings.Join(restarted, ",") != "db,cache" || strings.Join(stopped, ",") != "cache" {
		t.Errorf("restart %v, stop %v", restarted, stopped)
	}
}
