package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/tui"
)

type logsOptions struct {
	services   []string
	follow     bool
	tail       int
	since      string
	timestamps bool
}

func newLogsCmd(io *streams, g *globalOptions, runF func(*logsOptions) error) *cobra.Command {
	o := &logsOptions{}
	cmd := &cobra.Command{
		Use:   "logs [flags] [SERVICE...]",
		Short: "Print the services' logs, as up shows them",
		Long: `Print what the services' containers wrote, every service's lines in time
order and prefixed with its name as in up; all services when none are named.
A stopped service's logs are its last ones. With --follow, keep printing new
lines until Ctrl-C.`,
		Example: `  parity logs --follow             # after parity up --detach
  parity logs --tail 50 db
  parity logs --since 10m --timestamps cache`,
		RunE: func(c *cobra.Command, args []string) error {
			o.services = args
			if runF != nil {
				return runF(o)
			}
			return runLogs(c.Context(), io, g, o)
		},
	}
	f := cmd.Flags()
	// No -f: every command's -f is --file, as in docker compose -f.
	f.BoolVar(&o.follow, "follow", false, "keep printing new lines until Ctrl-C")
	f.IntVarP(&o.tail, "tail", "n", -1, "only the last N lines of each service (default: all)")
	f.StringVar(&o.since, "since", "", "only lines written since this long ago (10m, 1h30m) or this time (RFC 3339)")
	f.BoolVarP(&o.timestamps, "timestamps", "t", false, "start each line with the time the engine received it")
	return cmd
}

// parseSince reads --since: a duration back from now, or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			d = -d
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("read --since %q: give a duration such as 10m or 1h30m, or a time such as 2024-05-01T10:00:00Z", s)
}

func runLogs(ctx context.Context, io *streams, g *globalOptions, o *logsOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	since, err := parseSince(o.since, time.Now())
	if err != nil {
		return err
	}
	color := io.OutTTY && io.getenv("NO_COLOR") == "" && io.getenv("TERM") != "dumb"
	return engine.Logs(ctx, eo, engine.LogsOptions{
		Services: o.services, Follow: o.follow, Tail: o.tail, Since: since, Timestamps: o.timestamps,
	}, tui.NewPlain(io.Out, color))
}
