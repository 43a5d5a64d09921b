package manifest

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/format"
	interp "github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/tree"
	"github.com/compose-spec/compose-go/v2/types"
)

// unsetSubstitution is the interpolation parity runs instead of Compose's.
//
// A production manifest references secrets that are never set on a laptop
// (`${DB_PASSWORD}`, `${DB_PASS:?must be set}`); Compose would substitute ""
// or fail. Here a variable that is unset where the expression has no
// fallback becomes a placeholder (see value.go) and is recorded, so loading succeeds and
// the engine can later bind a generated credential. Expressions with a
// fallback keep Compose's meaning: `${V:-d}`/`${V-d}` use d, `${V:+a}`/`${V+a}`
// give "" when V is unset. `$$` stays a literal `$`.
//
// Fields that compose-go parses into numbers, booleans, durations, sizes or
// ports cannot hold a placeholder. There an unset variable becomes what
// Compose substitutes, the empty string, and when the field is then empty it
// becomes the type's zero ("0", false, "0s"): `"${DB_PORT}:5432"` publishes
// 5432 on an ephemeral host port, `retries: ${RETRIES}` is 0. The variable is
// still listed in Project.Unset.
type unsetSubstitution struct {
	mu    sync.Mutex
	unset map[string]struct{}
	// typed are the unset variables whose placeholders were removed from
	// fields compose-go parses, so they cannot be found in the result.
	typed map[string]struct{}
}

func newUnsetSubstitution() *unsetSubstitution {
	return &unsetSubstitution{unset: map[string]struct{}{}, typed: map[string]struct{}{}}
}

// referencedBy returns the unset variables that p's enabled services and
// top-level resources still reference, sorted; nil when none. Interpolation
// runs over the whole manifest, before profiles disable services, so a
// variable only a disabled service uses is left out. Variables removed from
// typed fields (see above) carry no service and are always kept.
func (s *unsetSubstitution) referencedBy(p *types.Project) []string {
	s.mu.Lock()
	found := maps.Clone(s.typed)
	s.mu.Unlock()
	for _, part := range []any{p.Services, p.Networks, p.Volumes, p.Secrets, p.Configs} {
		b, err := json.Marshal(part)
		if err != nil {
			return s.names()
		}
		for _, name := range placeholderVars(string(b)) {
			found[name] = struct{}{}
		}
	}
	if len(found) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(found))
}

// names returns the recorded unset variables, sorted; nil when none.
func (s *unsetSubstitution) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n := range s.unset {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (s *unsetSubstitution) placeholder(name string) string {
	s.mu.Lock()
	s.unset[name] = struct{}{}
	s.mu.Unlock()
	return placeholder(name)
}

// loadOption installs the substitution into compose-go's loader. The loader
// fills Options.Interpolate with its defaults before running option
// functions, so the lookup and the type casts are kept and only wrapped.
func (s *unsetSubstitution) loadOption(o *loader.Options) {
	if o.Interpolate == nil {
		// LoadConfigFiles runs the options only to locate files.
		return
	}
	base := o.Interpolate
	casts := s.typedCasts()
	for path, cast := range base.TypeCastMapping {
		casts[path] = s.castWithoutPlaceholders(cast)
	}
	o.Interpolate = &interp.Options{
		LookupValue:     base.LookupValue,
		TypeCastMapping: casts,
		Substitute:      s.substitute,
	}
}

// substitute interpolates one YAML string value.
func (s *unsetSubstitution) substitute(value string, mapping template.Mapping) (string, error) {
	return template.SubstituteWithOptions(value, mapping,
		template.WithReplacementFunction(s.replace),
		template.WithoutLogging)
}

var variableName = regexp.MustCompile(`^[_a-zA-Z][_a-zA-Z0-9]*`)

// replace expands one match of template.DefaultPattern: `$$`, `$NAME`, or
// `${NAME...}` possibly followed by more text (the pattern is greedy, so
// `${A:-x} ${B}` arrives as one match; the text after A's closing brace is
// interpolated again, as compose-go does).
func (s *unsetSubstitution) replace(match string, mapping template.Mapping, _ *template.Config) (string, error) {
	switch {
	case match == "$$":
		return "$", nil
	case !strings.HasPrefix(match, "${"):
		name := match[1:]
		if v, ok := mapping(name); ok {
			return v, nil
		}
		return s.placeholder(name), nil
	}

	expr, rest := match[2:], ""
	if end := closingBrace(match); end > 0 {
		expr, rest = match[2:end], match[end+1:]
	} else if strings.HasSuffix(expr, "}") {
		expr = expr[:len(expr)-1]
	}
	name := variableName.FindString(expr)
	if name == "" {
		return "", &template.InvalidTemplateError{}
	}
	value, err := s.expand(name, expr[len(name):], mapping)
	if err != nil {
		return "", err
	}
	if rest == "" {
		return value, nil
	}
	tail, err := s.substitute(rest, mapping)
	return value + tail, err
}

// expand evaluates `${name<op>arg}` where opArg is `<op>arg` or "".
func (s *unsetSubstitution) expand(name, opArg string, mapping template.Mapping) (string, error) {
	value, set := mapping(name)
	op := ""
	for _, candidate := range []string{":-", ":+", ":?", "-", "+", "?"} {
		if strings.HasPrefix(opArg, candidate) {
			op = candidate
			break
		}
	}
	if op == "" && opArg != "" {
		return "", &template.InvalidTemplateError{}
	}
	arg := opArg[len(op):]
	empty := !set || value == ""
	switch op {
	case "":
		if !set {
			return s.placeholder(name), nil
		}
	case ":-":
		if empty {
			return s.substitute(arg, mapping)
		}
	case "-":
		if !set {
			return s.substitute(arg, mapping)
		}
	case ":+":
		if !empty {
			return s.substitute(arg, mapping)
		}
	case "+":
		if set {
			return s.substitute(arg, mapping)
		}
	case ":?":
		// Compose fails on empty too: the manifest says a value is
		// required, so an empty one is as unset as a missing one.
		if empty {
			return s.placeholder(name), nil
		}
	case "?":
		if !set {
			return s.placeholder(name), nil
		}
	}
	return value, nil
}

// closingBrace returns the index of the brace closing the `${` that starts
// s, or -1, counting nested `${...}` the way compose-go's template does.
func closingBrace(s string) int {
	open := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '}':
			open--
			if open == 0 {
				return i
			}
		case '{':
			open++
			i++
		}
	}
	return -1
}

// withoutPlaceholders removes placeholders from a value that compose-go
// parses, leaving what Compose would have substituted for the unset
// variable: nothing.
func (s *unsetSubstitution) withoutPlaceholders(value string) (string, bool) {
	names := placeholderVars(value)
	if len(names) == 0 {
		return value, false
	}
	s.mu.Lock()
	for _, name := range names {
		s.typed[name] = struct{}{}
	}
	s.mu.Unlock()
	return withoutUnset(value), true
}

// castWithoutPlaceholders wraps one of compose-go's type casts so that a
// value made empty by an unset variable becomes the type's zero instead of
// a cast error.
func (s *unsetSubstitution) castWithoutPlaceholders(cast interp.Cast) interp.Cast {
	return func(value string) (any, error) {
		stripped, changed := s.withoutPlaceholders(value)
		if !changed || strings.TrimSpace(stripped) != "" {
			return cast(stripped)
		}
		for _, zero := range []string{"0", "false"} {
			if v, err := cast(zero); err == nil {
				return v, nil
			}
		}
		return cast(stripped)
	}
}

// stringWithoutPlaceholders is the "cast" for string fields compose-go
// parses later (ports, durations, sizes): it strips placeholders and
// substitutes zero when nothing is left.
func (s *unsetSubstitution) stringWithoutPlaceholders(zero any) interp.Cast {
	return func(value string) (any, error) {
		stripped, changed := s.withoutPlaceholders(value)
		if changed && strings.TrimSpace(stripped) == "" {
			if m, ok := zero.(map[string]any); ok {
				return maps.Clone(m), nil // compose-go fills in defaults
			}
			return zero, nil
		}
		return stripped, nil
	}
}

// typedCasts are "casts" for string fields that compose-go parses after
// interpolation (ports, durations, byte sizes, volume specs), where a
// placeholder cannot stand.
func (s *unsetSubstitution) typedCasts() map[tree.Path]interp.Cast {
	casts := map[tree.Path]interp.Cast{}
	add := func(cast interp.Cast, parts ...string) {
		for _, prefix := range []string{"services", "jobs"} {
			casts[tree.NewPath(append([]string{prefix, tree.PathMatchAll}, parts...)...)] = cast
		}
	}
	list := tree.PathMatchList
	// Ports: an unset host port leaves ":5432", which Compose reads as
	// "publish on an ephemeral port". A port that is only a variable
	// becomes target 0, which compose-go accepts only in long syntax and
	// convertPorts drops.
	add(s.stringWithoutPlaceholders(map[string]any{"target": 0}), "ports", list)
	add(s.stringWithoutPlaceholders(""), "ports", list, "published")
	add(s.stringWithoutPlaceholders(""), "ports", list, "host_ip")
	add(s.stringWithoutPlaceholders("0"), "expose", list)
	for _, d := range []string{"interval", "timeout", "start_period", "start_interval"} {
		add(s.stringWithoutPlaceholders("0s"), "healthcheck", d)
	}
	add(s.stringWithoutPlaceholders("0s"), "stop_grace_period")
	for _, size := range []string{"shm_size", "mem_limit", "mem_reservation", "memswap_limit"} {
		add(s.stringWithoutPlaceholders("0"), size)
	}
	add(s.stringWithoutPlaceholders("0"), "build", "shm_size")
	add(s.stringWithoutPlaceholders("0"), "volumes", list, "tmpfs", "size")
	for _, kind := range []string{"limits", "reservations"} {
		add(s.stringWithoutPlaceholders("0"), "deploy", "resources", kind, "memory")
		add(s.stringWithoutPlaceholders("0"), "deploy", "resources", kind, "cpus")
	}
	add(s.volumeWithoutPlaceholder, "volumes", list)
	add(s.volumeSourceWithoutPlaceholder, "volumes", list, "source")
	return casts
}

// volumeWithoutPlaceholder turns a volume whose source starts with an unset
// variable (`${DATA}:/var/lib/data`, `${BACKUP_DIR}/pg:/backup`) into an
// anonymous volume at the target. Compose would fail on ":/var/lib/data" and
// bind the host's /pg for the second; a named volume called after the
// placeholder would be undefined. The data then lives in Docker, not at a
// guessed host path. A placeholder later in the source (`./data/${ENV}`)
// stays: it names a directory inside the project.
func (s *unsetSubstitution) volumeWithoutPlaceholder(value string) (any, error) {
	vol, err := format.ParseVolume(value)
	if err != nil || !strings.HasPrefix(vol.Source, placeholderPrefix) {
		return value, nil // a parse error is reported by compose-go with the file and service
	}
	s.withoutPlaceholders(vol.Source)
	return map[string]any{"type": types.VolumeTypeVolume, "target": vol.Target, "read_only": vol.ReadOnly}, nil
}

// volumeSourceWithoutPlaceholder is volumeWithoutPlaceholder for the long
// syntax, where the cast cannot see the volume's type: a source that starts
// with an unset variable becomes empty, as in Compose, which makes an
// anonymous volume of `type: volume` and the project directory of
// `type: bind`.
func (s *unsetSubstitution) volumeSourceWithoutPlaceholder(value string) (any, error) {
	if strings.HasPrefix(value, placeholderPrefix) {
		s.withoutPlaceholders(value)
		return "", nil
	}
	return value, nil
}
