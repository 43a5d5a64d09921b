package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
)

type envOptions struct {
	format  string
	explain bool
}

func newEnvCmd(io *streams, g *globalOptions, runF func(*envOptions) error) *cobra.Command {
	o := &envOptions{}
	cmd := &cobra.Command{
		Use:   "env [--format dotenv|shell|json] [--explain]",
		Short: "Print the environment parity gives the app (includes secrets)",
		Long: `Print the variables parity sets for the app: the production manifest's app
environment rewritten to point at the local services, DATABASE_URL,
REDIS_URL and <SERVICE>_URL, parity.yaml's app.env and .env.

This prints the generated passwords in clear: it exists for eval and for
writing a .env file that stays out of version control.

Precedence, lowest first: the manifest's app environment, parity.yaml
app.env, .env, the shell; values parity computes for backing services
override them all (--explain shows each value's source).`,
		Example: `  eval "$(parity env --format shell)"
  parity env > .env.local
  parity env --explain`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			switch o.format {
			case "dotenv", "shell", "json":
			default:
				return fmt.Errorf("unknown --format %q: use dotenv, shell or json", o.format)
			}
			if runF != nil {
				return runF(o)
			}
			return runEnv(c.Context(), io, g, o)
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "dotenv", "output format: dotenv, shell or json")
	cmd.Flags().BoolVar(&o.explain, "explain", false, "show where each value comes from (secrets masked)")
	return cmd
}

func runEnv(ctx context.Context, io *streams, g *globalOptions, o *envOptions) error {
	eo, err := g.engineOptions(io)
	if err != nil {
		return err
	}
	sess, err := engine.Open(ctx, eo, false)
	if err != nil {
		return err
	}
	vars, warnings, err := sess.Env(ctx)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(io.Err, "parity: warning:", w)
	}
	if o.explain {
		tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VARIABLE\tVALUE\tSOURCE\tNOTE")
		for _, v := range vars {
			src := v.Source
			if v.Service != "" {
				src += " (" + v.Service + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Key, v.Masked(), src, v.Note)
		}
		return tw.Flush()
	}
	return writeEnv(io, vars, o.format)
}

func writeEnv(io *streams, vars []engine.EnvVar, format string) error {
	switch format {
	case "json":
		m := make(map[string]string, len(vars))
		for _, v := range vars {
			m[v.Key] = v.Value
		}
		enc := json.NewEncoder(io.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	case "shell":
		for _, v := range vars {
			fmt.Fprintf(io.Out, "export %s=%s\n", v.Key, shellQuote(v.Value))
		}
	default:
		for _, v := range vars {
			fmt.Fprintf(io.Out, "%s=%s\n", v.Key, dotenvQuote(v.Value))
		}
	}
	return nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// dotenvQuote quotes a value only when Compose's dotenv reader needs it to
// read the value back unchanged: unquoted, it expands $, cuts " #" comments
// and trims white space (Unicode's too). Double quotes, not single: a
// single-quoted value is literal but cannot hold a quote or end in a
// backslash. Inside double quotes \\, \", \n and \$ are the escapes.
func dotenvQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, "\"'#$\\") && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "$", `\$`).Replace(s) + `"`
}
