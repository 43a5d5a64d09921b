package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
)

type statusOptions struct {
	output formatFlags
	json   bool // from output
}

func newStatusCmd(io *streams, g *globalOptions, runF func(*statusOptions) error) *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:     "status [--format text|json]",
		Aliases: []string{"ps"},
		Short:   "Show each service: kind, pinned image, state, readiness, address",
		Long: `Show every service of the production manifest and what parity does with it:
backing services and generic containers with their state, whether they
answer right now, their address and uptime; the app services with why
parity treats them as the app.`,
		Example: `  parity status
  parity ps                           # the same, by the name docker and compose use
  parity status --format json | jq '.[] | select(.ready | not)'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) (err error) {
			if o.json, err = o.output.asJSON(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runStatus(c.Context(), io, g, o)
		},
	}
	o.output.register(cmd.Flags(), "print JSON")
	return cmd
}

func runStatus(ctx context.Context, io *streams, g *globalOptions, o *statusOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	sess, err := engine.Open(ctx, eo, true)
	if err != nil {
		return err
	}
	st, err := sess.Status(ctx)
	if err != nil {
		return err
	}
	return printStatus(io, st, o.json)
}

// printStatus prints the services as a table with a line on each service
// parity does not run as a backing service, or as indented JSON.
func printStatus(io *streams, st []engine.ServiceStatus, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tROLE\tKIND\tIMAGE\tSTATE\tREADY\tADDRESS\tUPTIME")
	for _, s := range st {
		ready := "-"
		if s.Role == "backing" || s.Role == "generic" {
			ready = "no"
			if s.Ready {
				ready = "yes"
			} else if s.Reason != "" {
				ready = "no: " + s.Reason
			}
		}
		up := ""
		if s.Uptime > 0 {
			up = s.Uptime.Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Role, dash(s.Kind), dash(s.Image), dash(s.State), ready, dash(withNote(s.Address, s.PortNote)), up)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range st {
		if s.Role == "app" || s.Role == "generic" || s.Role == "skipped" {
			fmt.Fprintf(io.Out, "%s is %s: %s\n", s.Name, roleWords(s.Role), s.Why)
		}
	}
	for _, s := range st {
		switch {
		case s.Managed != "" && s.Source != "":
			fmt.Fprintf(io.Out, "%s comes from %s, %s\n", s.Name, s.Source, s.Managed)
		case s.Managed != "":
			fmt.Fprintf(io.Out, "%s: %s\n", s.Name, s.Managed)
		case s.Source != "":
			fmt.Fprintf(io.Out, "%s comes from %s\n", s.Name, s.Source)
		}
	}
	for _, s := range st {
		if s.Data != nil && s.State != "absent" {
			fmt.Fprintf(io.Out, "%s's data: %s\n", s.Name, s.Data)
		}
	}
	return nil
}

// withNote appends why an address is off the service's usual port:
// "127.0.0.1:5433 (5432 held by parity project shop, service db)".
func withNote(address, note string) string {
	if address == "" || note == "" {
		return address
	}
	return address + " (" + note + ")"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func roleWords(role string) string {
	switch role {
	case "app":
		return "the app (run locally, not in a container)"
	case "generic":
		return "a generic container"
	case "skipped":
		return "skipped"
	}
	return role
}
