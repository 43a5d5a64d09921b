package main

import (
	"io"
	"strings"
)

// debugEnv turns --debug on from the environment, for a CI job or a
// wrapper script that cannot add flags.
const debugEnv = "PARITY_DEBUG"

// debugFromEnv reads PARITY_DEBUG: 1, true, yes or on (any case) turn
// --debug on; anything else, or nothing, leaves it off.
func debugFromEnv(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// debugWriter is where --debug lines go: standard error, so they never mix
// with output a script reads (env, --json); nil when --debug is off.
func (g *globalOptions) debugWriter(s *streams) io.Writer {
	if !g.debug {
		return nil
	}
	return s.Err
}
