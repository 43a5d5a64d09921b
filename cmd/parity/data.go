package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/tui"
)

// The commands that put a project's data back (reset, snapshot) and list
// or remove the machine's initialised templates.

type dataOptions struct {
	services []string
	name     string
	yes      bool
	timeout  time.Duration
	output   formatFlags
}

// confirm asks on a terminal; elsewhere yes (the --yes flag) is required
// for what loses data.
func confirm(io *streams, yes bool, question, flag string) error {
	if yes {
		return nil
	}
	if !io.InTTY {
		return &exitError{code: 2, msg: fmt.Sprintf("%s: not on a terminal, so not asking; pass %s to go ahead", strings.TrimSuffix(question, "?"), flag)}
	}
	fmt.Fprintf(io.Err, "%s [y/N] ", question)
	answer, _ := bufio.NewReader(io.In).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return &exitError{code: 1, msg: "nothing changed"}
	}
	return nil
}

// start reads what every data command needs: the output format and the
// engine's options.
func (o *dataOptions) start(io *streams, g *globalOptions) (engine.Options, bool, error) {
	asJSON, err := o.output.asJSON()
	if err != nil {
		return engine.Options{}, false, err
	}
	eo, err := g.engineOptions(io)
	if err != nil {
		return engine.Options{}, false, err
	}
	eo.Timeout = o.timeout
	return eo, asJSON, nil
}

// dataSink prints the services' phases on stderr, as restart does.
func dataSink(io *streams) engine.Sink {
	return quietSink(tui.NewPlain(io.Err, io.OutTTY && io.getenv("NO_COLOR") == ""))
}

func printDataResults(io *streams, asJSON bool, verb string, results []engine.DataResult) error {
	if asJSON {
		enc := json.NewEncoder(io.Out)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range results {
		from := r.From
		if r.Name != "" {
			from += " " + r.Name
		}
		size := ""
		if r.Size > 0 {
			size = ", " + engine.HumanSize(r.Size)
		}
		fmt.Fprintf(io.Out, "%s %s: %s (%.1fs%s)\n", verb, r.Service, from, r.Duration.Seconds(), size)
	}
	return nil
}

func newResetCmd(io *streams, g *globalOptions, runF func(*dataOptions) error) *cobra.Command {
	o := &dataOptions{}
	cmd := &cobra.Command{
		Use:   "reset [SERVICE...]",
		Short: "Put services' data back to just initialised, keeping their passwords",
		Long: `Put the services' data (all that keep data when none are named) back to
how it was just after its server initialised it: from this machine's
initialised template when there is one (a copy, about a second), else
emptied for the server to initialise again. The passwords stay the same,
so the app's URLs keep working; other services are not touched. A running
service is stopped for the copy and waited for again.

On a terminal, reset asks to confirm; elsewhere pass --yes.`,
		Example: `  parity reset db
  parity reset --yes          # every service's data, without asking`,
		RunE: func(c *cobra.Command, args []string) error {
			o.services = args
			if runF != nil {
				return runF(o)
			}
			return runReset(c.Context(), io, g, o)
		},
	}
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask to confirm")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long services may take to answer again")
	o.output.register(cmd.Flags(), "print what was done to each service as JSON lines")
	return cmd
}

func runReset(ctx context.Context, io *streams, g *globalOptions, o *dataOptions) error {
	eo, asJSON, err := o.start(io, g)
	if err != nil {
		return err
	}
	which := "every service's data"
	if len(o.services) > 0 {
		which = "the data of " + strings.Join(o.services, ", ")
	}
	if err := confirm(io, o.yes, "Reset "+which+" to just initialised?", "--yes"); err != nil {
		return err
	}
	res, err := engine.Reset(ctx, eo, o.services, dataSink(io))
	if perr := printDataResults(io, asJSON, "reset", res); err == nil {
		err = perr
	}
	return err
}

func newSnapshotCmd(io *streams, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Save, restore, list and remove copies of the project's data",
		Long: `Snapshots are consistent copies of services' data volumes, kept by name as
volumes in the engine (each service is stopped for its copy and started
again). A snapshot carries the passwords it was taken with; restoring it
keeps the services' current passwords. down --volumes leaves snapshots;
snapshot rm removes them.`,
	}
	cmd.AddCommand(newSnapshotSaveCmd(io, g, nil), newSnapshotRestoreCmd(io, g, nil), newSnapshotLsCmd(io, g, nil), newSnapshotRmCmd(io, g, nil))
	return cmd
}

func newSnapshotSaveCmd(io *streams, g *globalOptions, runF func(*dataOptions) error) *cobra.Command {
	o := &dataOptions{}
	cmd := &cobra.Command{
		Use:     "save NAME [SERVICE...]",
		Short:   "Copy the services' data (all that keep data when none are named) into snapshot NAME",
		Example: "  parity snapshot save before-migration\n  parity snapshot save seeded db",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.name, o.services = args[0], args[1:]
			if runF != nil {
				return runF(o)
			}
			eo, asJSON, err := o.start(io, g)
			if err != nil {
				return err
			}
			res, err := engine.SnapshotSave(c.Context(), eo, o.name, o.services, dataSink(io))
			if perr := printDataResults(io, asJSON, "saved", res); err == nil {
				err = perr
			}
			return err
		},
	}
	cmd.Flags().DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long services may take to answer again")
	o.output.register(cmd.Flags(), "print what was saved of each service as JSON lines")
	return cmd
}

func newSnapshotRestoreCmd(io *streams, g *globalOptions, runF func(*dataOptions) error) *cobra.Command {
	o := &dataOptions{}
	cmd := &cobra.Command{
		Use:   "restore NAME",
		Short: "Put snapshot NAME's copies back into its services' data (what they hold now is lost)",
		Long: `Put snapshot NAME's copies back into its services' data volumes. What the
services hold now is replaced: on a terminal restore asks to confirm;
elsewhere pass --yes. The services keep their current passwords.`,
		Example: "  parity snapshot restore before-migration --yes",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.name = args[0]
			if runF != nil {
				return runF(o)
			}
			eo, asJSON, err := o.start(io, g)
			if err != nil {
				return err
			}
			if err := confirm(io, o.yes, "Replace the services' data with snapshot "+o.name+"?", "--yes"); err != nil {
				return err
			}
			res, err := engine.SnapshotRestore(c.Context(), eo, o.name, dataSink(io))
			if perr := printDataResults(io, asJSON, "restored", res); err == nil {
				err = perr
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask to confirm")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long services may take to answer again")
	o.output.register(cmd.Flags(), "print what was restored of each service as JSON lines")
	return cmd
}

func newSnapshotLsCmd(io *streams, g *globalOptions, runF func(*dataOptions) error) *cobra.Command {
	o := &dataOptions{}
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the project's snapshots with their size",
		Example: "  parity snapshot ls\n  parity snapshot ls --format json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			eo, asJSON, err := o.start(io, g)
			if err != nil {
				return err
			}
			list, err := engine.Snapshots(c.Context(), eo)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(io.Out).Encode(list)
			}
			if len(list) == 0 {
				fmt.Fprintln(io.Out, "no snapshots; save one with parity snapshot save NAME")
				return nil
			}
			tw := tabwriter.NewWriter(io.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tCREATED\tSIZE\tSERVICES")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Created.Local().Format("2006-01-02 15:04:05"), engine.HumanSize(s.Size), strings.Join(s.Services, ", "))
			}
			return tw.Flush()
		},
	}
	o.output.register(cmd.Flags(), "print the snapshots as JSON")
	return cmd
}

func newSnapshotRmCmd(io *streams, g *globalOptions, runF func(*dataOptions) error) *cobra.Command {
	o := &dataOptions{}
	cmd := &cobra.Command{
		Use:     "rm NAME",
		Aliases: []string{"remove"},
		Short:   "Remove snapshot NAME's copies",
		Example: "  parity snapshot rm before-migration",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.name = args[0]
			if runF != nil {
				return runF(o)
			}
			eo, err := g.engineOptions(io)
			if err != nil {
				return err
			}
			if err := engine.SnapshotRemove(c.Context(), eo, o.name); err != nil {
				return err
			}
			fmt.Fprintln(io.Out, "removed snapshot", o.name)
			return nil
		},
	}
	return cmd
}

func newTemplatesCmd(io *streams, g *globalOptions, runF func(*dataOptions) error) *cobra.Command {
	o := &dataOptions{}
	cmd := &cobra.Command{
		Use:   "templates",
		Short: "List this machine's initialised templates (data directories cold starts copy)",
		Long: `A service whose data is new (a fresh clone, CI, after down --volumes) copies
an initialised template of the same image and settings instead of
initialising from empty, in any project on this machine; the first cold
start of each makes one. templates lists them with the disk space each
takes; templates prune removes them all (and nothing else).`,
		Example: "  parity templates\n  parity templates --format json\n  parity templates prune",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			eo, asJSON, err := o.start(io, g)
			if err != nil {
				return err
			}
			list, err := engine.Templates(c.Context(), eo)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(io.Out).Encode(list)
			}
			if len(list) == 0 {
				fmt.Fprintln(io.Out, "no templates; the next cold start of Postgres or MySQL makes one")
				return nil
			}
			var total int64
			tw := tabwriter.NewWriter(io.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "VOLUME\tKIND\tIMAGE\tCREATED\tSIZE\tFIRST PROJECT")
			for _, t := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Volume, t.Kind, t.Image, t.Created.Local().Format("2006-01-02 15:04:05"), engine.HumanSize(t.Size), t.FirstProject)
				if t.Size > 0 {
					total += t.Size
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(io.Out, "%d templates, %s\n", len(list), engine.HumanSize(total))
			return nil
		},
	}
	o.output.register(cmd.Flags(), "print the templates as JSON")
	cmd.AddCommand(&cobra.Command{
		Use:     "prune",
		Short:   "Remove every initialised template (no project's data, no snapshot)",
		Example: "  parity templates prune",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			eo, err := g.engineOptions(io)
			if err != nil {
				return err
			}
			removed, err := engine.PruneTemplates(c.Context(), eo)
			var total int64
			for _, t := range removed {
				fmt.Fprintln(io.Out, "removed template", t.Volume)
				if t.Size > 0 {
					total += t.Size
				}
			}
			if err == nil {
				fmt.Fprintf(io.Out, "%d templates removed, %s freed\n", len(removed), engine.HumanSize(total))
			}
			return err
		},
	})
	return cmd
}
