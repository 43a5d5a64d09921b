package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/tui"
)

type upOptions struct {
	detach  bool
	timeout time.Duration
	noTUI   bool
	json    bool
	keep    bool
	command []string
}

func newUpCmd(io *streams, g *globalOptions, runF func(*upOptions) error) *cobra.Command {
	o := &upOptions{}
	cmd := &cobra.Command{
		Use:   "up [flags] [-- CMD [ARG...]]",
		Short: "Start the backing services, wait until they answer, run the app",
		Long: `Start every backing service the production manifest runs, at exactly the
pinned versions, wait until each answers at protocol level, then run the app
command with the environment parity computes (see 'parity env --explain').

The app command is what follows --, else app.command in parity.yaml, else
none (services only). Ctrl-C stops the app and the services; the next up
reuses them and their data.`,
		Example: `  parity up -- go run ./cmd/web
  parity up --detach                 # services only; print where they are
  parity up -f deploy/compose.prod.yaml --profile search -- npm run dev`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				if c.ArgsLenAtDash() != 0 {
					return fmt.Errorf("unexpected argument %q: put the app command after --, e.g. parity up -- %s", args[0], args[0])
				}
				o.command = args
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
	f.BoolVar(&o.json, "json", false, "print events (or, with --detach, the summary) as JSON lines")
	f.BoolVar(&o.keep, "keep", false, "leave the services running when the app exits")
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
	color := io.OutTTY && io.getenv("NO_COLOR") == "" && io.getenv("TERM") != "dumb"
	if o.json {
		eo.Sink = tui.NewJSON(io.Out)
	} else if o.detach {
		eo.Sink = tui.NewPlain(io.Err, color) // progress to stderr; the summary is stdout
	} else {
		eo.Sink = tui.NewPlain(io.Out, color)
	}
	sess, err := engine.Open(ctx, eo, true)
	if err != nil {
		return err
	}
	if useTUI(io, o) {
		return runLive(ctx, io, sess, o)
	}
	started := time.Now()
	if err := sess.UpAndWait(ctx); err != nil {
		return err
	}
	if o.detach {
		return printSummary(io, sess.Summary(), o.json)
	}

	logCtx, stopLogs := context.WithCancel(context.WithoutCancel(ctx))
	logsDone := make(chan struct{})
	go func() {
		sess.FollowLogs(logCtx, started)
		close(logsDone)
	}()
	go sess.Watch(logCtx)
	code := 0
	var appErr error
	if cmd := sess.AppCommand(); len(cmd) > 0 {
		code, appErr = sess.RunApp(ctx, engine.AppOptions{Command: cmd})
	} else {
		<-ctx.Done()
	}
	interrupted := ctx.Err() != nil
	if !o.keep {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		if err := sess.Stop(stopCtx); err != nil {
			fmt.Fprintln(io.Err, "parity: stop services:", err)
		}
		cancel()
	}
	stopLogs()
	<-logsDone
	switch {
	case appErr != nil:
		return appErr
	case interrupted:
		return context.Canceled
	case code != 0:
		return &exitError{code: code, msg: fmt.Sprintf("the app exited with code %d", code)}
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
// background and reports to the view; the view's keys act on the session.
func runLive(ctx context.Context, io *streams, sess *engine.Session, o *upOptions) error {
	ui := tui.New(tui.Options{Controller: controller{sess}, Input: io.In, Output: io.Out, NoColor: io.getenv("NO_COLOR") != ""})
	sess.SetSink(ui.Send)

	work, cancelWork := context.WithCancel(ctx)
	defer cancelWork()
	appCode := make(chan int, 1)
	workErr := make(chan error, 1)
	go func() {
		started := time.Now()
		if err := sess.UpAndWait(work); err != nil {
			workErr <- err
			return
		}
		go sess.FollowLogs(work, started)
		go sess.Watch(work)
		if cmd := sess.AppCommand(); len(cmd) > 0 {
			code, err := sess.RunApp(work, engine.AppOptions{Command: cmd})
			if err != nil {
				workErr <- err
				return
			}
			appCode <- code
		}
		workErr <- nil
	}()
	go func() {
		<-ctx.Done()
		ui.Quit()
	}()

	outcome, err := ui.Run()
	cancelWork()
	werr := <-workErr
	if outcome != tui.QuitLeave {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		if err := sess.Stop(stopCtx); err != nil {
			fmt.Fprintln(io.Err, "parity: stop services:", err)
		}
		cancel()
	}
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return context.Canceled
	}
	if werr != nil && !errors.Is(werr, context.Canceled) {
		return werr
	}
	select {
	case code := <-appCode:
		if code != 0 {
			return &exitError{code: code, msg: fmt.Sprintf("the app exited with code %d", code)}
		}
	default:
	}
	return nil
}

// controller lets the live view act on the session.
type controller struct{ s *engine.Session }

func (c controller) Restart(ctx context.Context, source string) error {
	return c.s.Restart(ctx, source)
}

func (c controller) ShellCommand(source string) (*exec.Cmd, error) { return c.s.ShellCommand(source) }

func (c controller) URL(source string) string { return c.s.URL(source) }

func (c controller) Env() []tui.EnvVar {
	vars, _, err := c.s.Env(context.Background())
	if err != nil {
		return nil
	}
	out := make([]tui.EnvVar, len(vars))
	for i, v := range vars {
		out[i] = tui.EnvVar{Key: v.Key, Value: v.Value, Source: v.Source, Secret: v.Secret}
	}
	return out
}
