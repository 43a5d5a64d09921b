package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/tui"
)

type upOptions struct {
	detach      bool
	timeout     time.Duration
	stopTimeout time.Duration
	noTUI       bool
	output      formatFlags
	json        bool // from output
	keep        bool
	noTemplates bool
	services    []string
	command     []string
}

func newUpCmd(io *streams, g *globalOptions, runF func(*upOptions) error) *cobra.Command {
	o := &upOptions{}
	cmd := &cobra.Command{
		Use:   "up [flags] [SERVICE...] [-- CMD [ARG...]]",
		Short: "Start the backing services, wait until they answer, run the app",
		Long: `Start every backing service the production manifest runs, at exactly the
pinned versions, wait until each answers at protocol level, then run the app
command with the environment parity computes (see 'parity env --explain').

The app command is what follows --, else app.command in parity.yaml, else
none (services only). Naming services (parity up db) starts only them and
what they depend on, as docker compose up db does; the app command then
runs only when one of them is the app (or a command follows --). Ctrl-C (or SIGTERM, or closing the terminal) stops
the app (its whole process group: the signal, then SIGKILL after
--stop-timeout) and the services; a second Ctrl-C stops at once. The next up
reuses them and their data.`,
		Example: `  parity up -- go run ./cmd/web
  parity up --detach                 # services only; print where they are
  parity up -d db                    # only db (and what it depends on)
  parity up -f deploy/compose.prod.yaml --profile search -- npm run dev`,
		RunE: func(c *cobra.Command, args []string) (err error) {
			if o.json, err = o.output.asJSON(); err != nil {
				return err
			}
			o.services, o.command = args, nil
			if dash := c.ArgsLenAtDash(); dash >= 0 && dash <= len(args) {
				o.services, o.command = args[:dash], args[dash:]
			}
			for _, name := range o.services {
				if strings.ContainsAny(name, " /=") || strings.HasPrefix(name, ".") {
					return fmt.Errorf("unexpected argument %q: arguments before -- name services; put the app command after --, e.g. parity up -- %s", name, strings.Join(args, " "))
				}
			}
			if runF != nil {
				return runF(o)
			}
			return runUp(c.Context(), io, g, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.detach, "detach", "d", false, "start the services, wait until ready, print where they are and exit")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long services may take to become ready")
	f.BoolVar(&o.noTUI, "no-tui", false, "print plain prefixed lines instead of the live view")
	o.output.register(f, "print events (or, with --detach, the summary) as JSON lines")
	f.BoolVar(&o.keep, "keep", false, "leave the services running when the app exits")
	f.DurationVar(&o.stopTimeout, "stop-timeout", 10*time.Second, "how long the app has to exit after Ctrl-C before it is killed")
	f.BoolVar(&o.noTemplates, "no-templates", false, "initialise new data from empty, neither copying an initialised template nor keeping one (see parity templates)")
	return cmd
}

// useTUI decides between the live view and plain lines.
func useTUI(io *streams, o *upOptions) bool {
	return io.OutTTY && !o.noTUI && !o.json && !o.detach && io.getenv("TERM") != "dumb"
}

func runUp(ctx context.Context, io *streams, g *globalOptions, o *upOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	eo.Timeout = o.timeout
	eo.AppCommand = o.command
	eo.Services = o.services
	eo.NoTemplates = o.noTemplates
	uo := engine.UpOptions{Options: eo, Detach: o.detach, Keep: o.keep, StopTimeout: o.stopTimeout, Force: io.Force}
	if useTUI(io, o) && !g.debug { // debug lines on the terminal would tear the live view
		return runLive(ctx, io, uo)
	}
	color := io.OutTTY && io.getenv("NO_COLOR") == "" && io.getenv("TERM") != "dumb"
	var sink engine.Sink
	switch {
	case o.json:
		sink = tui.NewJSON(io.Out)
	case o.detach:
		sink = tui.NewPlain(io.Err, color) // progress to stderr; the summary is stdout
	default:
		sink = tui.NewPlain(io.Out, color)
	}
	go func() {
		<-ctx.Done()
		if !o.json {
			fmt.Fprintln(io.Err, "parity: stopping (press Ctrl+C again to stop at once)")
		}
	}()
	res, err := engine.Up(ctx, uo, sink)
	if err != nil {
		return err
	}
	if o.detach {
		return printSummary(io, res.Summary, o.json)
	}
	return appOutcome(res)
}

// appOutcome is the exit status an ended up reports: the app's own code
// when it exited non-zero on its own; nothing when parity stopped it.
func appOutcome(res engine.UpResult) error {
	if res.AppExited && res.AppCode != 0 {
		return &exitError{code: res.AppCode, msg: fmt.Sprintf("the app exited with code %d", res.AppCode)}
	}
	return nil
}

// printSummary prints where each service is, passwords masked.
func printSummary(io *streams, sum engine.PlanSummary, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(io.Out).Encode(sum)
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tKIND\tIMAGE\tADDRESS\tURL")
	for _, s := range sum.Services {
		if s.Role == "app" || s.Role == "skipped" {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.Kind, s.Image, withNote(s.Address, s.PortNote), s.URL)
	}
	return tw.Flush()
}

// runLive runs up under the interactive view: the engine works in the
// background and reports to the view; the view's keys act through the
// engine's controls. q (or Ctrl-C inside the view) stops everything and
// exits 0; Q leaves the services running.
func runLive(ctx context.Context, io *streams, uo engine.UpOptions) error {
	ctl := engine.NewControls()
	ui := tui.New(tui.Options{Controller: controller{ctl}, Input: io.In, Output: rawWriter(io.Out), NoColor: io.getenv("NO_COLOR") != ""})
	uo.Controls, uo.Hold = ctl, true
	// Once the view is gone the terminal is the shell's again: the stop
	// that follows says so, and a Ctrl-C then stops at once.
	force := make(chan struct{})
	var forceOnce sync.Once
	forceNow := func() { forceOnce.Do(func() { close(force) }) }
	uo.Force = force
	go func() {
		<-io.Force
		forceNow()
	}()

	type upDone struct {
		res engine.UpResult
		err error
	}
	done := make(chan upDone, 1)
	go func() {
		res, err := engine.Up(ctx, uo, ui.Send)
		done <- upDone{res, err}
	}()
	go func() {
		<-ctx.Done()
		ui.Quit()
	}()
	outcome, uiErr := ui.Run()
	ctl.Quit(outcome == tui.QuitLeave)
	var d upDone
	select {
	case d = <-done:
	default:
		fmt.Fprintln(io.Err, "parity: stopping (press Ctrl+C to stop at once)")
		if ctx.Err() == nil { // q, not a signal: the next Ctrl-C is the second
			go func() {
				<-ctx.Done()
				forceNow()
			}()
		}
		d = <-done
	}
	if uiErr != nil {
		return uiErr
	}
	if d.err != nil {
		return d.err
	}
	return nil
}

// controller lets the live view act through the engine's controls.
type controller struct{ c *engine.Controls }

func (c controller) Restart(ctx context.Context, source string) error {
	return c.c.Restart(ctx, source)
}

func (c controller) Reset(ctx context.Context, source string) error {
	return c.c.Reset(ctx, source)
}

func (c controller) ShellCommand(source string) (*exec.Cmd, error) { return c.c.ShellCommand(source) }

func (c controller) URL(source string) string { return c.c.URL(source) }

func (c controller) Env() []tui.EnvVar {
	vars := c.c.Env()
	out := make([]tui.EnvVar, len(vars))
	for i, v := range vars {
		out[i] = tui.EnvVar{Key: v.Key, Value: v.Value, Source: v.Source, Secret: v.Secret}
	}
	return out
}
