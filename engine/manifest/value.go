package manifest

import (
	"regexp"
	"strings"
)

// Value is a manifest string after interpolation, as parity keeps it: text,
// and references to variables that were unset on this machine where the
// manifest had `${NAME}` (or `$NAME`, `${NAME:?msg}`) without a fallback.
//
// Production sets those variables (`POSTGRES_PASSWORD: ${DB_PASSWORD}`); a
// laptop does not. Compose would substitute the empty string and lose where
// the variable stood. parity keeps the reference so that the engine can
// bind the variable to what the service really uses (a generated password)
// and give the app's own `${DB_PASSWORD}` the same value.
type Value []Part

// Part is literal text, or a reference to an unset variable.
type Part struct {
	Text  string
	Unset string // the variable's name; Text is then ""
}

// Text is a Value of literal text only.
func Text(s string) Value {
	if s == "" {
		return nil
	}
	return Value{{Text: s}}
}

// Unset is a Value that is exactly one reference to the unset variable name.
func Unset(name string) Value { return Value{{Unset: name}} }

// String is the value as Compose would have substituted it: unset
// variables as the empty string.
func (v Value) String() string { return v.Resolve(nil) }

// Resolve substitutes bound(name) for each unset variable that has a
// binding, and the empty string for the others.
func (v Value) Resolve(bound func(name string) (string, bool)) string {
	if len(v) == 1 && v[0].Unset == "" {
		return v[0].Text
	}
	var b strings.Builder
	for _, p := range v {
		if p.Unset == "" {
			b.WriteString(p.Text)
			continue
		}
		if bound != nil {
			if s, ok := bound(p.Unset); ok {
				b.WriteString(s)
			}
		}
	}
	return b.String()
}

// UnsetVars are the unset variables v refers to, in order.
func (v Value) UnsetVars() []string {
	var names []string
	for _, p := range v {
		if p.Unset != "" {
			names = append(names, p.Unset)
		}
	}
	return names
}

// OnlyUnset reports whether v is exactly one unset variable, and which.
func (v Value) OnlyUnset() (string, bool) {
	if len(v) == 1 && v[0].Unset != "" {
		return v[0].Unset, true
	}
	return "", false
}

// Literal reports whether v refers to no unset variable: its text is what
// production runs too, as committed or as set on this machine.
func (v Value) Literal() bool { return len(v.UnsetVars()) == 0 }

// Strings resolves each value of a list (a command) with bound; nil stays nil.
func Strings(vs []Value, bound func(string) (string, bool)) []string {
	if vs == nil {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Resolve(bound)
	}
	return out
}

// Texts makes a list of literal Values.
func Texts(ss []string) []Value {
	if ss == nil {
		return nil
	}
	out := make([]Value, len(ss))
	for i, s := range ss {
		out[i] = Text(s)
	}
	return out
}

// The loader marks where an unset variable stood with a placeholder of
// letters, digits and underscores, which survive compose-go's YAML typing
// and path handling; convert turns them into Values at the boundary, so
// nothing outside this package sees one.
const placeholderPrefix, placeholderSuffix = "__parity_unset_", "__"

var placeholderRE = regexp.MustCompile(`__parity_unset_([A-Za-z_][A-Za-z0-9_]*?)__`)

func placeholder(name string) string { return placeholderPrefix + name + placeholderSuffix }

// placeholderVars returns the names of the unset variables whose placeholders s contains, in order.
func placeholderVars(s string) []string {
	var names []string
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	return names
}

// withoutUnset is s with its placeholders removed: what Compose substitutes.
func withoutUnset(s string) string {
	if !strings.Contains(s, placeholderPrefix) {
		return s
	}
	return placeholderRE.ReplaceAllString(s, "")
}

// toValue turns a loaded string into a Value.
func toValue(s string) Value {
	if !strings.Contains(s, placeholderPrefix) {
		return Text(s)
	}
	var v Value
	last := 0
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(s, -1) {
		if m[0] > last {
			v = append(v, Part{Text: s[last:m[0]]})
		}
		v = append(v, Part{Unset: s[m[2]:m[3]]})
		last = m[1]
	}
	if last < len(s) {
		v = append(v, Part{Text: s[last:]})
	}
	return v
}

func toValues(ss []string) []Value {
	if ss == nil {
		return nil
	}
	out := make([]Value, len(ss))
	for i, s := range ss {
		out[i] = toValue(s)
	}
	return out
}
