package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/tui"
)

type runOptions struct {
	command     []string
	services    []string
	timeout     time.Duration
	stopTimeout time.Duration
}

func newRunCmd(io *streams, g *globalOptions, runF func(*runOptions) error) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run [flags] [--service S]... -- CMD [ARG...]",
		Short: "Make sure the services are ready, then run one command with the app's environment",
		Long: `Make sure every backing service is up and answering (as up --detach does),
then run CMD with the app's environment, connected to this terminal, and
exit with CMD's exit code. For migrations, tests and one-off scripts.
SIGTERM, SIGHUP or SIGINT sent to parity are passed on to CMD, which is
killed if it has not exited after --stop-timeout; parity then exits 128+N
for signal N. A Ctrl-C typed in the terminal reaches CMD directly and is
left to it (psql cancels a query and goes on). --service (repeatable) starts
only the named services and what they depend on.`,
		Example: `  parity run -- go test ./...
  parity run -- bin/rails db:migrate
  parity run --service db -- ./migrate up   # only db needs to be up
  parity run -- psql "$DATABASE_URL"    # note: $DATABASE_URL expands in CMD's own shell only with sh -c`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("no command: give one after --, e.g. parity run -- go test ./...")
			}
			o.command = args
			if runF != nil {
				return runF(o)
			}
			return runRun(c.Context(), io, g, o)
		},
	}
	cmd.Flags().StringArrayVar(&o.services, "service", nil, "start only this service and what it depends on (repeatable; default: all)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long services may take to become ready")
	cmd.Flags().DurationVar(&o.stopTimeout, "stop-timeout", 10*time.Second, "how long CMD has to exit after parity passed a signal on before it is killed")
	return cmd
}

func runRun(ctx context.Context, io *streams, g *globalOptions, o *runOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	eo.Timeout = o.timeout
	eo.Services = o.services
	color := io.OutTTY && io.getenv("NO_COLOR") == ""
	code, err := engine.Run(ctx, engine.RunOptions{
		Options: eo, Command: o.command, StopTimeout: o.stopTimeout, Force: io.Force,
		Stdin: io.In, Stdout: rawWriter(io.Out), Stderr: rawWriter(io.Err),
	}, quietSink(tui.NewPlain(io.Err, color)))
	if err != nil {
		if code == 126 || code == 127 {
			return &exitError{code: code, msg: err.Error()}
		}
		return err
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// quietSink drops service log lines: run prints only progress, warnings
// and failures, so CMD's own output stays readable.
func quietSink(next engine.Sink) engine.Sink {
	return func(ev engine.Event) {
		if ev.Type == engine.EventLog {
			return
		}
		if ev.Type == engine.EventPhase && ev.Source == engine.AppSource {
			return
		}
		next(ev)
	}
}
