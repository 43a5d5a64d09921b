package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/compose-spec/compose-go/v2/loader"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/template"
)

// ReadEnvFile reads a dotenv file the way Compose reads .env and env_file
// files, so every file parity reads means what it means to Compose:
// `${V:-default}` and the other interpolation forms are expanded, a
// double-quoted value knows \n, \" and \$ escapes, a single-quoted value is
// literal, " #" starts a comment on an unquoted line, and a line that is a
// bare name takes the variable from lookup. Variables resolve through
// lookup first (Compose passes the shell environment), then through the
// file's earlier lines; a nil lookup means earlier lines only. Errors name
// the file and, where it can be told, the line.
func ReadEnvFile(path string, lookup func(string) (string, bool)) (map[string]string, error) {
	data, err := readInput(path, envInput)
	if err != nil {
		return nil, err
	}
	return ParseEnvFile(path, data, lookup)
}

// ParseEnvFile is ReadEnvFile for a file already read; name is the file
// the errors name.
func ParseEnvFile(name string, data []byte, lookup func(string) (string, bool)) (map[string]string, error) {
	vars, err := dotenv.ParseWithLookup(bytes.NewReader(data), lookup)
	if err != nil {
		return nil, envFileError(name, data, err)
	}
	return vars, nil
}

// FormatEnvFile writes vars as a dotenv file that ParseEnvFile (and
// Compose) reads back to the same map: one KEY=value line per variable,
// sorted by name, each value quoted by QuoteEnvValue.
func FormatEnvFile(vars map[string]string) []byte {
	var b bytes.Buffer
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		b.WriteString(k + "=" + QuoteEnvValue(vars[k]) + "\n")
	}
	return b.Bytes()
}

// QuoteEnvValue quotes a value only when Compose's dotenv reader needs it
// to read the value back unchanged: unquoted, it expands $, cuts " #"
// comments and trims white space (Unicode's too). Double quotes, not
// single: a single-quoted value is literal but cannot hold a quote or end
// in a backslash. Inside double quotes \\, \", \n and \$ are the escapes.
func QuoteEnvValue(s string) string {
	if s != "" && !strings.ContainsAny(s, "\"'#$\\") && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "$", `\$`).Replace(s) + `"`
}

// readEnvFiles reads the project env files as Compose does for --env-file
// and .env (dotenv.GetEnvFromFile, the function behind cli.WithDotEnv): in
// order, a later file winning, variables resolved against environ first,
// then against the earlier lines and files. The result holds only the
// files' variables; environ is not mixed in.
func readEnvFiles(paths []string, environ map[string]string) (map[string]string, error) {
	vars := map[string]string{}
	lookup := func(k string) (string, bool) {
		if v, ok := environ[k]; ok {
			return v, true
		}
		v, ok := vars[k]
		return v, ok
	}
	for _, p := range paths {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("env file %s does not exist (given with --env-file)", p)
		}
		data, err := readInput(p, envInput)
		if err != nil {
			return nil, err
		}
		if err := dotenv.ParseWithFormat(bytes.NewReader(data), p, vars, lookup, dotenv.DotEnv); err != nil {
			return nil, envFileError(p, data, errors.Unwrap(err))
		}
	}
	return vars, nil
}

// envFileError names the file and the line of a dotenv error. The parser
// gives the line of most syntax errors itself ("line 3: ..."); for an
// unterminated quote and an interpolation error (`${V:?must be set}`, `${`)
// the line is found by the text that failed.
func envFileError(name string, data []byte, err error) error {
	if err == nil {
		return fmt.Errorf("read env file %s: unknown error", name)
	}
	msg := err.Error()
	const unterminated = "unterminated quoted value "
	var needle string
	var missing *template.MissingRequiredError
	var invalid *template.InvalidTemplateError
	switch {
	case strings.Contains(msg, unterminated):
		// The parser counts lines to the end of the file looking for the
		// closing quote; the line to fix is the one the value opens on.
		_, needle, _ = strings.Cut(msg, unterminated)
	case strings.HasPrefix(msg, "line "):
		return fmt.Errorf("read env file %s %w", name, err)
	case errors.As(err, &missing):
		needle = "${" + missing.Variable
	case errors.As(err, &invalid):
		needle, _, _ = strings.Cut(invalid.Template, "\n")
	}
	if needle != "" {
		for i, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, needle) {
				if strings.HasPrefix(msg, "line ") { // the parser's own, wrong, count
					_, msg, _ = strings.Cut(msg, ": ")
					return fmt.Errorf("read env file %s line %d: %s", name, i+1, msg)
				}
				return fmt.Errorf("read env file %s line %d: %w", name, i+1, err)
			}
		}
	}
	return fmt.Errorf("read env file %s: %w", name, err)
}

// fillIn matches the values samples write for the reader to replace:
// your_postgres_user, your_secure_password_here, changeme, <password>,
// REPLACE_ME, xxxx, ****.
var fillIn = regexp.MustCompile(`(?i)^(your[-_ ].*|.*[-_ ]here|change[-_ ]?(me|it|this)|replace[-_ ]?(me|this)|<[^>]*>|x{3,}|\*{3,}|todo|fixme|tbd)$`)

// FillIn reports whether a sample's value is one the reader is asked to
// replace ("" or a placeholder such as your_postgres_user): it says
// nothing about production, so parity treats the variable as unset.
func FillIn(value string) bool {
	v := strings.TrimSpace(value)
	return v == "" || fillIn.MatchString(v)
}

// sampleSuffixes are what teams append to an env file's name for the
// committed copy that lists its variables without the real values.
var sampleSuffixes = []string{".example", ".sample", ".dist", ".template"}

// projectSamples are the committed sample env files looked for in the
// project directory, lowest precedence first.
var projectSamples = []string{
	".env.example", ".env.sample", ".env.production.sample", ".env.production.example",
	"example.env", "sample.env", ".env.dist", ".env.template", "env.example",
}

// FindSamples lists the committed sample env files that say which
// variables the app reads, in the order to layer them, lowest first: for
// each env_file that is missing here (Service.MissingEnvFiles; a
// .env.production kept on the servers), its siblings with a sample suffix
// (.env.production.example, ...); then the usual sample names in the
// project directory. Only regular files that exist are listed, each once,
// at its first place.
func FindSamples(projectDir string, missingEnvFiles []string) []string {
	var candidates []string
	for _, f := range missingEnvFiles {
		for _, suffix := range sampleSuffixes {
			candidates = append(candidates, f+suffix)
		}
	}
	for _, name := range projectSamples {
		candidates = append(candidates, filepath.Join(projectDir, name))
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range candidates {
		c = filepath.Clean(c)
		if seen[c] {
			continue
		}
		seen[c] = true
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			out = append(out, c)
		}
	}
	return out
}

// ProjectEnv reads a project's env files for a source that is not Compose
// (Terraform, Kubernetes, a PaaS spec) exactly as Load does for a Compose
// file in projectDir: envFiles (--env-file, relative to projectDir) or else
// projectDir's .env or its committed sample. The values are the app's
// .env layer.
func ProjectEnv(projectDir string, envFiles []string, environ map[string]string) (files []string, vars map[string]string, sample string, err error) {
	files = absPaths(projectDir, envFiles)
	if len(files) == 0 {
		files, sample = defaultEnvFile(projectDir, environ)
	}
	vars, err = readEnvFiles(files, environ)
	if err != nil {
		return nil, nil, "", err
	}
	if sample != "" {
		maps.DeleteFunc(vars, func(_, v string) bool { return FillIn(v) })
	}
	return files, vars, sample, nil
}

// NormalizeProjectName makes a directory's name a project name as Compose does.
func NormalizeProjectName(name string) string { return loader.NormalizeProjectName(name) }
