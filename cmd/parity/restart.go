package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/tui"
)

type restartOptions struct {
	services []string
	timeout  time.Duration
}

func newRestartCmd(io *streams, g *globalOptions, runF func(*restartOptions) error) *cobra.Command {
	o := &restartOptions{}
	cmd := &cobra.Command{
		Use:   "restart [SERVICE...]",
		Short: "Restart services, keeping their data, and wait until they answer again",
		Long: `Restart the services' containers (all when none are named), keeping their
data, and wait until each answers again. A container removed from outside
parity is made again on its data volume.`,
		Example: `  parity restart db
  parity restart`,
		RunE: func(c *cobra.Command, args []string) error {
			o.services = args
			if runF != nil {
				return runF(o)
			}
			return runRestart(c.Context(), io, g, o)
		},
	}
	cmd.Flags().DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long services may take to answer again")
	return cmd
}

func runRestart(ctx context.Context, io *streams, g *globalOptions, o *restartOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	eo.Timeout = o.timeout
	color := io.OutTTY && io.getenv("NO_COLOR") == "" && io.getenv("TERM") != "dumb"
	return engine.Restart(ctx, eo, o.services, tui.NewPlain(io.Out, color))
}
