package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine/doctor"
)

type doctorOptions struct {
	output formatFlags
	json   bool // from output
}

func newDoctorCmd(io *streams, g *globalOptions, runF func(*doctorOptions) error) *cobra.Command {
	o := &doctorOptions{}
	cmd := &cobra.Command{
		Use:   "doctor [--format text|json]",
		Short: "Check that parity up can work here, and say how to fix what cannot",
		Long: `Check, without starting anything: the Docker engine answers (the endpoint
tried: DOCKER_HOST, the docker context or the default socket), free disk for
images, the production manifest found and valid, the backing services
recognised and pinned, the ports parity would use, the registry or mirror
reachable, parity's state directory writable, and .env (a SQLite
DATABASE_URL, committed secrets).

Each check is ok (✓), a warning (!), a failure (✗) or skipped (-), with the
fix. The exit status is 1 only when a check fails, i.e. when up cannot work.`,
		Example: `  parity doctor
  parity doctor -f deploy/compose.prod.yaml
  parity doctor --format json | jq '.[] | select(.status != "ok")'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) (err error) {
			if o.json, err = o.output.asJSON(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runDoctor(c.Context(), io, g, o)
		},
	}
	o.output.register(cmd.Flags(), "print the checks as a JSON array of {check, status, detail, fix}")
	return cmd
}

func runDoctor(ctx context.Context, io *streams, g *globalOptions, o *doctorOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	checks := doctor.Run(ctx, doctor.Options{Engine: eo})
	if o.json {
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(checks); err != nil {
			return err
		}
	} else {
		printChecks(io, checks)
	}
	if doctor.Failed(checks) {
		if o.json {
			return &exitError{code: 1}
		}
		return &exitError{code: 1, msg: "fix the failed checks (✗) above before `parity up`"}
	}
	return nil
}

var statusMark = map[doctor.Status]string{doctor.OK: "✓", doctor.Warn: "!", doctor.Fail: "✗", doctor.Skip: "-"}

// printChecks writes one line per check and, under each that is not ok, its fix.
func printChecks(io *streams, checks []doctor.Check) {
	width := 0
	for _, c := range checks {
		width = max(width, len(c.Check))
	}
	counts := map[doctor.Status]int{}
	for _, c := range checks {
		counts[c.Status]++
		fmt.Fprintf(io.Out, "%s %-*s  %s\n", statusMark[c.Status], width, c.Check, c.Detail)
		if c.Fix != "" && c.Status != doctor.OK {
			fmt.Fprintf(io.Out, "  %s  fix: %s\n", strings.Repeat(" ", width), c.Fix)
		}
	}
	switch {
	case counts[doctor.Fail] > 0:
		fmt.Fprintf(io.Out, "\n%d failed, %d warnings: parity up cannot work until the failures are fixed\n", counts[doctor.Fail], counts[doctor.Warn])
	case counts[doctor.Warn] > 0:
		fmt.Fprintf(io.Out, "\n%d warnings, nothing blocks parity up\n", counts[doctor.Warn])
	default:
		fmt.Fprintln(io.Out, "\nall good: run parity up")
	}
}
