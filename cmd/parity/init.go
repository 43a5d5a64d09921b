package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine/scaffold"
)

type initOptions struct {
	force bool
}

func newInitCmd(io *streams, g *globalOptions, runF func(*initOptions) error) *cobra.Command {
	o := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init [--force]",
		Short: "Write a parity.yaml for this repository from what it finds",
		Long: `Find the production manifest (here and in deploy/, ops/, infra/, docker/,
.deploy/; compose.prod.yaml and its kin before compose.yaml, dev-only files
never), the manifest service that is the app, and the command that runs the
app locally (Procfile web:, package.json scripts.dev or start, go.mod,
manage.py, bin/rails, mix.exs with Phoenix, Cargo.toml, ...), and write a
short commented parity.yaml saying what was found and why.

An existing parity.yaml is never replaced without --force.`,
		Example: `  parity init
  parity init --force                      # replace an existing parity.yaml
  parity -f deploy/stack.yml -p shop init  # name the manifest and project yourself`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runInit(c.Context(), io, g, o)
		},
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "replace an existing parity.yaml")
	return cmd
}

func runInit(ctx context.Context, io *streams, g *globalOptions, o *initOptions) error {
	wd, err := io.Getwd()
	if err != nil {
		return fmt.Errorf("find working dir: %w", err)
	}
	if path, ok := scaffold.Exists(wd); ok && !o.force {
		return &exitError{code: 1, msg: fmt.Sprintf("%s already exists: left as it is; pass --force to replace it", path)}
	}
	var files []string
	for _, f := range g.files {
		if !filepath.IsAbs(f) {
			f = filepath.Join(wd, f)
		}
		files = append(files, f)
	}
	found, err := scaffold.Detect(ctx, scaffold.Options{Dir: wd, Files: files, Project: g.projectName, Environ: environMap(io.Environ)})
	if err != nil {
		return err
	}
	printFindings(io, found)
	path, err := scaffold.Write(found, o.force)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "\nwrote %s\nnext: parity doctor, then parity up\n", path)
	return nil
}

// printFindings says what init chose and why, and what else it saw.
func printFindings(io *streams, f *scaffold.Findings) {
	line := func(label, value, why string) {
		fmt.Fprintf(io.Out, "%-9s %s", label, value)
		if why != "" {
			fmt.Fprintf(io.Out, " (%s)", why)
		}
		fmt.Fprintln(io.Out)
	}
	line("manifest", f.Manifest.Path, f.Manifest.Why)
	var others []string
	for _, m := range f.Manifests[1:] {
		if m.Rank != scaffold.RankGiven {
			others = append(others, m.Path+": "+m.Why)
		}
	}
	if len(others) > 0 {
		line("", "also seen: "+strings.Join(others, "; "), "")
	}
	if f.AppService != "" {
		line("app", "service "+f.AppService, f.AppServiceWhy)
	}
	if f.Command != nil {
		line("command", f.Command.String(), f.Command.Why)
		var alts []string
		for i := range f.Commands {
			if c := &f.Commands[i]; c != f.Command {
				alts = append(alts, c.String()+" ("+c.Why+")")
			}
		}
		if len(alts) > 0 {
			line("", "also possible: "+strings.Join(alts, "; "), "")
		}
	}
	for _, n := range f.Notes {
		line("note", n, "")
	}
}

func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
