package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// textOrJSON are the --format values of the commands that print text or
// JSON (status, check, doctor, up); env has its own.
var textOrJSON = []string{"text", "json"}

// formatFlags are --format and --json, the older spelling of --format json,
// which keeps working.
type formatFlags struct {
	json   bool
	format string
	flags  *pflag.FlagSet
}

func (o *formatFlags) register(f *pflag.FlagSet, jsonUsage string) {
	o.flags = f
	f.BoolVar(&o.json, "json", false, jsonUsage+" (same as --format json)")
	f.StringVar(&o.format, "format", "text", "output format: "+strings.Join(textOrJSON, " or "))
}

// asJSON is whether the command prints JSON. An unknown --format is an
// error listing the values, and so is --json with an explicit --format text.
func (o *formatFlags) asJSON() (bool, error) {
	switch o.format {
	case "json":
		return true, nil
	case "text":
		if o.json && o.flags != nil && o.flags.Changed("format") {
			return false, fmt.Errorf("--json and --format text disagree: pass only one of them")
		}
		return o.json, nil
	}
	return false, fmt.Errorf("unknown --format %q: use %s", o.format, strings.Join(textOrJSON, " or "))
}
