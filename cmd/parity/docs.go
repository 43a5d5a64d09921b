package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newManCmd writes a man page per command (parity.1, parity-up.1, ...) from
// the same help text --help prints, so the two cannot drift. Hidden: it is
// for packagers and `make man`, not for daily use.
func newManCmd(io *streams) *cobra.Command {
	return &cobra.Command{
		Use:    "gen-man DIR",
		Short:  "Write parity's man pages into DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			n, err := writeManPages(c.Root(), args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(io.Out, "wrote %d man pages to %s\n", n, args[0])
			return err
		},
	}
}

// writeManPages writes the man pages of root and its visible subcommands
// into dir, creating it, and returns how many it wrote.
func writeManPages(root *cobra.Command, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("write man pages: %w", err)
	}
	root.DisableAutoGenTag = true // no generation date: the pages change only when the help does
	header := &doc.GenManHeader{Title: "PARITY", Section: "1", Source: "parity " + version(), Manual: "parity manual"}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return 0, fmt.Errorf("write man pages to %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("write man pages: %w", err)
	}
	return len(entries), nil
}
