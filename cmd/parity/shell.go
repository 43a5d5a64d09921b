package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
)

type shellOptions struct {
	service string
	args    []string
}

func newShellCmd(io *streams, g *globalOptions, runF func(*shellOptions) error) *cobra.Command {
	o := &shellOptions{}
	cmd := &cobra.Command{
		Use:   "shell SERVICE [-- ARG...]",
		Short: "Open the service's own client (psql, redis-cli, ...) inside its container",
		Long: `Run the service kind's client inside its container, already logged in,
connected to this terminal, and exit with the client's exit code. Arguments
after -- are passed to the client. The password reaches the client only
through its environment, never a command line. A service of no known kind
gets sh.`,
		Example: `  parity shell db
  parity shell db -- -c 'select 1'
  parity shell cache -- SET greeting hello`,
		RunE: func(c *cobra.Command, args []string) error {
			dash := c.ArgsLenAtDash()
			before := args
			if dash >= 0 {
				before, o.args = args[:dash], args[dash:]
			}
			switch {
			case len(before) == 0:
				return fmt.Errorf("no service: name one, e.g. parity shell db")
			case len(before) > 1:
				return fmt.Errorf("unexpected argument %q: put the client's arguments after --, e.g. parity shell %s -- %s", before[1], before[0], before[1])
			}
			o.service = before[0]
			if runF != nil {
				return runF(o)
			}
			return runShell(c.Context(), io, g, o)
		},
	}
	return cmd
}

func runShell(ctx context.Context, io *streams, g *globalOptions, o *shellOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	code, err := engine.Shell(ctx, eo, engine.ShellOptions{
		Service: o.service, Args: o.args, TTY: io.InTTY,
		Stdin: io.In, Stdout: rawWriter(io.Out), Stderr: rawWriter(io.Err),
	})
	if err != nil {
		return err
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}
