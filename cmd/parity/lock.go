package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
)

type lockOptions struct {
	update bool
	json   bool
}

func newLockCmd(io *streams, g *globalOptions, runF func(*lockOptions) error) *cobra.Command {
	o := &lockOptions{}
	cmd := &cobra.Command{
		Use:   "lock [--update]",
		Short: "Pin each backing service's tag to its registry digest in parity.lock",
		Long: `Resolve each backing service's image tag to the digest it points at in the
registry (through --registry-mirror when set) and write parity.lock next to
the production manifest: one "service image digest" line per service,
sorted, meant to be committed and reviewed. parity up then runs those exact
digests, so every laptop runs the same bits even when a tag moves upstream,
and needs no registry when the images are present.

Without --update, entries still valid for the manifest are kept as they
are: only services that are new or whose pinned image changed are resolved,
and services the manifest dropped are removed. --update re-resolves every
tag. 'parity check' reports a lock the manifest has moved past, and with
--remote a tag that moved since it was locked.`,
		Example: `  parity lock                 # lock new or re-pinned services, keep the rest
  parity lock --update        # take the digests every tag points at now
  git diff parity.lock        # one changed line per moved service`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runLock(c.Context(), io, g, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.update, "update", false, "re-resolve every tag, not only new or re-pinned services")
	f.BoolVar(&o.json, "json", false, "print what was locked as JSON")
	return cmd
}

func runLock(ctx context.Context, io *streams, g *globalOptions, o *lockOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	sess, err := engine.Open(ctx, eo, false)
	if err != nil {
		return err
	}
	res, err := sess.Lock(ctx, engine.LockOptions{Update: o.update})
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	path := res.Path
	if wd, err := io.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil {
			path = rel
		}
	}
	if len(res.Services) == 0 {
		fmt.Fprintf(io.Out, "no backing service pinned by tag to lock; %s lists none\n", path)
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	for _, s := range res.Services {
		note := s.Status
		if s.Status == "moved" || s.Status == "relocked" {
			note += " from " + shortDigest(s.Previous)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Service, s.Image, shortDigest(s.Digest), note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, name := range res.Removed {
		fmt.Fprintf(io.Out, "%s\tremoved: no longer a backing service pinned by tag\n", name)
	}
	if res.Written {
		fmt.Fprintf(io.Out, "wrote %s\n", path)
	} else {
		fmt.Fprintf(io.Out, "%s is up to date\n", path)
	}
	return nil
}

// shortDigest is sha256: and the first 12 hex digits, as docker shows image IDs.
func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}
