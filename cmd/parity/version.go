package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// commit may be set at build time: -ldflags "-X main.commit=$(git rev-parse --short HEAD)".
var commit string

// version is the module version and the commit parity was built from.
func version() string {
	v, rev := "(devel)", commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && rev == "" && len(s.Value) >= 12 {
				rev = s.Value[:12]
			}
		}
	}
	if rev != "" {
		return v + " (commit " + rev + ")"
	}
	return v
}

// newVersionCmd prints what --version prints, for people and scripts that
// expect a subcommand (as `docker version`, `go version`).
func newVersionCmd(io *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print parity's version and the commit it was built from",
		Example: `  parity version
  parity --version    # the same`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(io.Out, "parity version %s\n", version())
			return err
		},
	}
}
