package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/engine/drift"
)

type checkOptions struct {
	output  formatFlags
	json    bool // from output
	strict  bool
	running bool
	remote  bool
}

func newCheckCmd(io *streams, g *globalOptions, runF func(*checkOptions) error) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [--format text|json] [--strict] [--running] [--remote]",
		Short: "Find where dev, CI and .env files drift from production's services",
		Long: `Compare the production manifest with everything else in the repository
that starts or points at the same kinds of services: other Compose files
(docker-compose.dev.yml, compose.override.yaml, .devcontainer/), CI service
containers (GitHub Actions, GitLab CI, CircleCI), .env files whose URLs point
at another engine (sqlite:, mysql:// where production runs Postgres),
unpinned images, and a parity.lock the manifest has moved past. Services
are matched by engine, not by name: a dev "postgres" service is compared
with production's "db".

Another engine or major version is an error; another minor or patch
version, an unpinned image or a moved tag is a warning. A line containing
"parity:ignore" is not reported.

check reads files only, so CI needs no Docker. --running also compares
parity's containers for the project (a manifest bump not yet applied) and
--remote asks the registry, through the Docker engine, whether locked tags
have moved; both need the engine.

Exit status: 0 no drift, 1 drift at error level (with --strict, at any
level), 2 the check itself failed (a manifest that does not load, a file
that cannot be read, an engine that does not answer).`,
		Example: `  parity check
  parity check --strict                # fail on warnings too, e.g. in CI
  parity check --running --remote      # also containers and moved tags (needs Docker)
  parity check --format json | jq '.findings[] | select(.severity == "error")'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) (err error) {
			if o.json, err = o.output.asJSON(); err != nil {
				return &exitError{code: 2, msg: err.Error()}
			}
			if runF != nil {
				return runF(o)
			}
			return runCheck(c.Context(), io, g, o)
		},
	}
	f := cmd.Flags()
	o.output.register(f, "print the report as JSON")
	f.BoolVar(&o.strict, "strict", false, "exit 1 on warnings too")
	f.BoolVar(&o.running, "running", false, "also compare parity's running containers with the manifest (needs Docker)")
	f.BoolVar(&o.remote, "remote", false, "also ask the registry whether locked tags moved (needs Docker and the registry)")
	return cmd
}

func runCheck(ctx context.Context, io *streams, g *globalOptions, o *checkOptions) error {
	failed := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &exitError{code: 2, msg: err.Error()}
	}
	eo, err := g.engineOptions(io)
	if err != nil {
		return failed(err)
	}
	sess, err := engine.Open(ctx, eo, false)
	if err != nil {
		return failed(err)
	}
	rep, err := sess.Check(ctx, engine.CheckOptions{Running: o.running, Remote: o.remote})
	if err != nil {
		return failed(err)
	}
	if o.json {
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return failed(err)
		}
	} else if err := printDrift(io, rep); err != nil {
		return failed(err)
	}
	if code := rep.ExitCode(o.strict); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// printDrift prints the findings as a table and a one-line verdict.
func printDrift(io *streams, rep *drift.Report) error {
	manifest := strings.Join(rep.Manifest, ", ")
	if len(rep.Findings) == 0 {
		_, err := fmt.Fprintf(io.Out, "no drift: %s compared with %s\n", plural(rep.Scanned, "file"), manifest)
		return err
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHERE\tKIND\tPRODUCTION\tFOUND\tSEVERITY\tFIX")
	for _, f := range rep.Findings {
		prod := f.Production
		if f.Service != "" && prod != "-" {
			prod += " (" + f.Service + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Where(), f.Kind, prod, f.Found, f.Severity, f.Fix)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(io.Out, "%s, %s: %s compared with %s\n",
		plural(rep.Count(drift.Error), "error"), plural(rep.Count(drift.Warning), "warning"), plural(rep.Scanned, "file"), manifest)
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
