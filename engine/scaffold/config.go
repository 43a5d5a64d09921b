package scaffold

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// SchemaURL is where editors fetch parity.yaml's JSON Schema (the file
// schema/parity.schema.json in parity's repository). A raw URL, not a
// relative path: the parity.yaml init writes lives in other repositories.
const SchemaURL = "https://raw.githubusercontent.com/parity-dev/parity/main/schema/parity.schema.json"

// Config renders the findings as a short commented parity.yaml, in the
// fields manifest.LoadConfig reads: project, files, app.service,
// app.command, app.env (commented out), services (commented out).
func (f *Findings) Config() []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	// yaml-language-server (VS Code's YAML extension and others) reads the
	// schema from this comment only when it is the first line.
	w("# yaml-language-server: $schema=%s", SchemaURL)
	w("# parity.yaml: what parity needs to know that the production manifest cannot say.")
	w("# Written by `parity init`; edit freely. Reference: the README's \"parity.yaml\" section.")
	w("")
	if f.Project != "" {
		w("project: %s", scalar(f.Project))
	} else {
		w("# project: shop  # project name (default: the manifest's name, else the directory's)")
	}
	w("")
	w("# The production manifest(s), relative to this file. parity runs what they pin.")
	if f.Manifest != nil {
		w("# Found: %s (%s).", f.Manifest.Path, f.Manifest.Why)
		var files []string
		for _, m := range f.Manifests {
			if m.Rank == RankGiven || m.Path == f.Manifest.Path {
				files = append(files, quoted(m.Path))
			}
		}
		w("files: [%s]", strings.Join(files, ", "))
	}
	w("")
	w("app:")
	w("  # The manifest service your app replaces: parity runs the app on this machine")
	w("  # instead, with that service's environment pointed at the local services.")
	if f.AppService != "" {
		w("  # Found: %s (%s).", f.AppService, f.AppServiceWhy)
		w("  service: %s", scalar(f.AppService))
	} else {
		w("  # service: web  # default: detected from the manifest")
	}
	w("  # How `parity up` runs the app (`parity up -- CMD` overrides it).")
	if f.Command != nil {
		w("  # Found: %s.", f.Command.Why)
		w("  command: %s", command(f.Command.Args))
	} else {
		w("  # command: npm run dev  # none found: set it, or run parity up -- CMD")
	}
	w("  # Extra environment for the app; .env and the shell win over it.")
	w("  # env:")
	w("  #   LOG_LEVEL: debug")
	w("")
	w("# Services parity should leave out:")
	w("# services:")
	w("#   mailhog: {skip: true}")
	return b.Bytes()
}

// plainWord is an argument YAML and shell-like splitting both leave as it is.
// Its first character is none of YAML's indicators (@ and % are reserved).
var plainWord = regexp.MustCompile(`^[A-Za-z0-9_./+=-][A-Za-z0-9_./@%+=,:-]*$`)

// numberLike would be read back as a number, not a string.
var numberLike = regexp.MustCompile(`^[0-9.+-]`)

// command writes args as a plain string when every argument is a plain
// word (what people write by hand), else as a list of quoted strings, so
// LoadConfig reads back exactly args.
func command(args []string) string {
	plain := true
	for _, a := range args {
		if !plainWord.MatchString(a) || strings.HasSuffix(a, ":") {
			plain = false
		}
	}
	switch {
	case plain && len(args) == 1:
		return scalar(args[0]) // alone, "true" or "8080" would not read back as a string
	case plain && len(args) > 1:
		return strings.Join(args, " ")
	}
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = quoted(a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// scalar writes s plain when it is a plain word YAML will not retype, else quoted.
func scalar(s string) string {
	switch strings.ToLower(s) {
	case "", "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n":
		return quoted(s)
	}
	if plainWord.MatchString(s) && !strings.HasSuffix(s, ":") && !numberLike.MatchString(s) {
		return s
	}
	return quoted(s)
}

// quoted is s as a YAML double-quoted string: JSON's escapes are YAML's.
func quoted(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
