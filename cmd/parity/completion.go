package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newCompletionCmd replaces cobra's default completion command with one
// that documents the three shells parity supports, with examples.
func newCompletionCmd(io *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script for bash, zsh or fish",
		Long: `Print a script that completes parity's commands and flags in your shell.
Load it once in the current shell, or install it where your shell looks for
completions (see the examples).`,
		Example: `  source <(parity completion bash)                                   # this bash session
  parity completion bash > /etc/bash_completion.d/parity             # every bash session
  parity completion zsh > "${fpath[1]}/_parity"                      # zsh (with compinit)
  parity completion fish > ~/.config/fish/completions/parity.fish    # fish`,
		Args:                  cobra.ExactArgs(1),
		ValidArgs:             []string{"bash", "zsh", "fish"},
		DisableFlagsInUseLine: true,
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(io.Out, true)
			case "zsh":
				return root.GenZshCompletion(io.Out)
			case "fish":
				return root.GenFishCompletion(io.Out, true)
			}
			return fmt.Errorf("generate completion: unknown shell %q; use bash, zsh or fish", args[0])
		},
	}
}
