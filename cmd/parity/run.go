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
	command []string
	timeout time.Duration
}

func newRunCmd(io *streams, g *globalOptions, runF func(*runOptions) error) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run [flags] -- CMD [ARG...]",
		Short: "Make sure the services are ready, then run one command with the app's environment",
		Long: `Make sure every backing service is up and answering (as up --detach does),
then run CMD with the app's environment, connected to this terminal, and
exit with CMD's exit code. For migrations, tests and one-off scripts.`,
		Example: `  parity run -- go test ./...
  parity run -- bin/rails db:migrate
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
	cmd.Flags().DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long services may take to become ready")
	return cmd
}

func runRun(ctx context.Context, io *streams, g *globalOptions, o *runOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	eo.Timeout = o.timeout
	color := io.OutTTY && io.getenv("NO_COLOR") == ""
	eo.Sink = quietSink(tui.NewPlain(io.Err, color))
	sess, err := engine.Open(ctx, eo, true)
	if err != nil {
		return err
	}
	if err := sess.UpAndWait(ctx); err != nil {
		return err
	}
	// The command gets the terminal's Ctrl-C itself (it shares the
	// foreground process group); parity only waits for it to finish.
	code, err := sess.RunApp(context.WithoutCancel(ctx), engine.AppOptions{
		Command: o.command, Interactive: true, Stdin: io.In, Stdout: io.Out, Stderr: io.Err,
	})
	if err != nil {
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
