package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
)

type downOptions struct {
	volumes bool
	yes     bool
}

func newDownCmd(io *streams, g *globalOptions, runF func(*downOptions) error) *cobra.Command {
	o := &downOptions{}
	cmd := &cobra.Command{
		Use:   "down [--volumes]",
		Short: "Remove parity's containers and network for this project (data is kept)",
		Long: `Remove the containers and the network parity created for this project,
found by parity's labels only: nothing parity did not create is touched.

The data volumes, and the generated passwords that go with them, are kept
unless --volumes is given. On a terminal, --volumes asks to confirm; elsewhere
the flag alone is enough.`,
		Example: `  parity down
  parity down --volumes      # also delete the data: the next up starts empty`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runDown(c.Context(), io, g, o)
		},
	}
	cmd.Flags().BoolVarP(&o.volumes, "volumes", "v", false, "also remove the data volumes (and forget their passwords)")
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask to confirm --volumes")
	return cmd
}

func runDown(ctx context.Context, io *streams, g *globalOptions, o *downOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	project, err := engine.ResolveProject(ctx, eo)
	if err != nil {
		return err
	}
	if o.volumes && io.InTTY && !o.yes {
		fmt.Fprintf(io.Err, "Delete the data of project %s (its volumes and passwords)? [y/N] ", project)
		answer, _ := bufio.NewReader(io.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return &exitError{code: 1, msg: "nothing removed"}
		}
	}
	eo.ProjectName = project
	res, err := engine.Down(ctx, eo, o.volumes)
	if res.App != "" {
		fmt.Fprintln(io.Out, "stopped the app an earlier parity left running:", res.App)
	}
	for _, c := range res.Containers {
		fmt.Fprintln(io.Out, "removed container", c)
	}
	for _, n := range res.Networks {
		fmt.Fprintln(io.Out, "removed network", n)
	}
	for _, v := range res.Volumes {
		fmt.Fprintln(io.Out, "removed volume", v)
	}
	if err != nil {
		return err
	}
	if len(res.Containers)+len(res.Networks)+len(res.Volumes) == 0 && res.App == "" {
		fmt.Fprintf(io.Out, "nothing to remove for project %s\n", project)
	}
	return nil
}
