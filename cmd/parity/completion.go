package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
)

// newCompletionCmd replaces cobra's default completion command with one
// that documents the shells parity supports, with examples.
func newCompletionCmd(io *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script for bash, zsh, fish or PowerShell",
		Long: `Print a script that completes parity's commands and flags in your shell,
and the manifest's service and profile names. Load it once in the current
shell, or install it where your shell looks for completions (see the examples).`,
		Example: `  source <(parity completion bash)                                   # this bash session
  parity completion bash > /etc/bash_completion.d/parity             # every bash session
  parity completion zsh > "${fpath[1]}/_parity"                      # zsh (with compinit)
  parity completion fish > ~/.config/fish/completions/parity.fish    # fish
  parity completion powershell | Out-String | Invoke-Expression      # this PowerShell session`,
		Args:                  cobra.ExactArgs(1),
		ValidArgs:             []string{"bash", "zsh", "fish", "powershell"},
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
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(io.Out)
			}
			return fmt.Errorf("generate completion: unknown shell %q; use bash, zsh, fish or powershell", args[0])
		},
	}
}

// serviceCommands take service names as arguments; their arguments
// complete to the manifest's services.
var serviceCommands = []string{"up", "logs", "shell", "restart", "stop", "reset"}

// formatValues are the --format values of commands other than the
// text-or-JSON ones.
var formatValues = map[string][]string{"env": {"dotenv", "shell", "json"}}

// registerCompletions adds the completions cobra cannot know: service names
// for the commands that take them, the manifest's profiles for --profile and
// each command's --format values.
func registerCompletions(root *cobra.Command, io *streams, g *globalOptions) {
	_ = root.RegisterFlagCompletionFunc("profile", func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		_, profiles, err := manifestNames(c.Context(), io, g)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return withPrefix(profiles, toComplete, nil), cobra.ShellCompDirectiveNoFileComp
	})
	for _, c := range root.Commands() {
		if slices.Contains(serviceCommands, c.Name()) && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = completeServices(io, g)
		}
		if c.Flags().Lookup("service") != nil {
			_ = c.RegisterFlagCompletionFunc("service", func(c *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
				services, _, err := manifestNames(c.Context(), io, g)
				if err != nil {
					return nil, cobra.ShellCompDirectiveError
				}
				return withPrefix(services, toComplete, nil), cobra.ShellCompDirectiveNoFileComp
			})
		}
		if c.Flags().Lookup("format") != nil {
			values := textOrJSON
			if v, ok := formatValues[c.Name()]; ok {
				values = v
			}
			_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
	}
}

// completeServices completes arguments to the manifest's service names,
// skipping those already given. It reads the manifest only (no Docker), as
// -f, -p and --env-file select it, with every profile enabled.
func completeServices(io *streams, g *globalOptions) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		// Once an argument follows --, it is up's app command: the shell
		// completes files. (While completing, cobra has parsed an extra --,
		// so `up -- <TAB>` itself cannot be told from `up <TAB>`.)
		if n := c.ArgsLenAtDash(); n >= 0 && n < len(args) {
			return nil, cobra.ShellCompDirectiveDefault
		}
		services, _, err := manifestNames(c.Context(), io, g)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return withPrefix(services, toComplete, args), cobra.ShellCompDirectiveNoFileComp
	}
}

// withPrefix are the names that start with prefix, except those in given.
func withPrefix(names []string, prefix string, given []string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, prefix) && !slices.Contains(given, n) {
			out = append(out, n)
		}
	}
	return out
}

// manifestNames loads the manifest with every profile enabled and returns
// its services and profiles.
func manifestNames(ctx context.Context, io *streams, g *globalOptions) (services, profiles []string, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	eo, err := g.engineOptions(io)
	if err != nil {
		return nil, nil, err
	}
	eo.Profiles = []string{"*"}
	eo.Debug = nil // completion stays silent: a shell may show stderr while the user types
	sess, err := engine.Open(ctx, eo, false)
	if err != nil {
		return nil, nil, err
	}
	services, profiles = sess.Names()
	return services, profiles, nil
}
