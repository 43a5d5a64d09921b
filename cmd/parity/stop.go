package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/tui"
)

type stopOptions struct {
	services []string
}

func newStopCmd(io *streams, g *globalOptions, runF func(*stopOptions) error) *cobra.Command {
	o := &stopOptions{}
	cmd := &cobra.Command{
		Use:   "stop [SERVICE...]",
		Short: "Stop services without removing them (data and containers are kept)",
		Long: `Stop the services' containers (all when none are named). The containers and
their data are kept: parity up or parity restart starts them again.`,
		Example: `  parity stop cache
  parity stop`,
		RunE: func(c *cobra.Command, args []string) error {
			o.services = args
			if runF != nil {
				return runF(o)
			}
			return runStop(c.Context(), io, g, o)
		},
	}
	return cmd
}

func runStop(ctx context.Context, io *streams, g *globalOptions, o *stopOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	color := io.OutTTY && io.getenv("NO_COLOR") == "" && io.getenv("TERM") != "dumb"
	return engine.Stop(ctx, eo, o.services, tui.NewPlain(io.Out, color))
}
