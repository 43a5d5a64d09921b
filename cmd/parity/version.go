package main

import (
	"runtime/debug"
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
