package terraform

import (
	"regexp"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
)

// Evaluation runs on plain cty strings, so a secret production keeps out of
// the repository (random_password.db.result, a variable with no value) is
// carried through templates, jsonencode and file() as a token of letters,
// digits and underscores, and split into manifest.Unset parts at the end.
// Tokens are matched case-insensitively, so lower() and upper() do not lose
// them; nothing outside this package sees one.
const (
	unsetPrefix  = "__parity_tf_unset_"
	tokenSuffix  = "__"
	unknownToken = "__parity_tf_unknown__"
)

var tokenRE = regexp.MustCompile(`(?i)__parity_tf_unset_([a-z0-9_-]+?)__`)

// tokenPartRE matches what string functions leave of a token too
// (replace(v, substr(v, 0, 8), "POSTGRES") keeps "POSTGRES_tf_unset_X__").
var tokenPartRE = regexp.MustCompile(`(?i)(?:__parity_)?tf_unset_([a-z0-9_-]+?)__`)

// secrets remembers the spelling of each unset variable's name, so a token
// that went through upper() still names the variable as it was made.
type secrets map[string]string

// token is the text standing for the unset variable name.
func (s secrets) token(name string) string {
	s[strings.ToLower(name)] = name
	return unsetPrefix + name + tokenSuffix
}

// value turns an evaluated string into a Value: text and unset parts. It
// reports false when the string holds a value parity could not evaluate.
func (s secrets) value(str string) (manifest.Value, bool) {
	if strings.Contains(strings.ToLower(str), unknownToken) {
		return nil, false
	}
	matches := tokenRE.FindAllStringSubmatchIndex(str, -1)
	if matches == nil {
		if tokenPartRE.MatchString(str) {
			return nil, false // a token cut apart: what it stood for is lost
		}
		return manifest.Text(str), true
	}
	var v manifest.Value
	last := 0
	for _, m := range matches {
		if m[0] > last {
			v = append(v, manifest.Part{Text: str[last:m[0]]})
		}
		name := str[m[2]:m[3]]
		if known, ok := s[strings.ToLower(name)]; ok {
			name = known
		}
		v = append(v, manifest.Part{Unset: name})
		last = m[1]
	}
	if last < len(str) {
		v = append(v, manifest.Part{Text: str[last:]})
	}
	for _, p := range v {
		if p.Unset == "" && tokenPartRE.MatchString(p.Text) {
			return nil, false // a token cut apart: what it stood for is lost
		}
	}
	return v, true
}

// strip is str without the tokens in it, even cut ones, and the names of
// the variables they stood for.
func (s secrets) strip(str string) (string, []string) {
	var names []string
	text := tokenPartRE.ReplaceAllStringFunc(str, func(m string) string {
		name := tokenPartRE.FindStringSubmatch(m)[1]
		if known, ok := s[strings.ToLower(name)]; ok {
			name = known
		}
		names = append(names, name)
		return ""
	})
	return text, names
}

// envName makes a variable name from parts: upper case, runs of other
// characters as one underscore ("random_password", "db-main" → RANDOM_PASSWORD_DB_MAIN).
func envName(parts ...string) string {
	var b strings.Builder
	sep := false
	for _, p := range parts {
		for _, r := range p {
			switch {
			case r >= 'a' && r <= 'z':
				r -= 'a' - 'A'
				fallthrough
			case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
				if sep && b.Len() > 0 {
					b.WriteByte('_')
				}
				sep = false
				b.WriteRune(r)
			default:
				sep = true
			}
		}
		sep = true
	}
	return b.String()
}
