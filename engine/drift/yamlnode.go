package drift

import (
	"regexp"
	"strings"

	"go.yaml.in/yaml/v4"
)

// The sources are read as plain YAML trees, not as Compose or CI models:
// dev files are often partial overrides that would not load on their own,
// and a tree keeps every value's line for the report. These helpers follow
// aliases and merge keys (<<: *defaults), which CI files use a lot.

// parseYAML returns the document's root node, nil for an empty file.
func parseYAML(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	return deref(&doc), nil
}

// deref follows aliases and unwraps documents.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && i < 32; i++ {
		switch n.Kind {
		case yaml.AliasNode:
			n = n.Alias
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		default:
			return n
		}
	}
	return n
}

// pair is one key and its value in a mapping.
type pair struct {
	Key   string
	Value *yaml.Node
}

// pairs lists a mapping's entries: its own first, then those merged in with
// "<<" that it does not override. Anything else gives none.
func pairs(m *yaml.Node) []pair {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var own []pair
	var merged []*yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag != "!!str" {
			switch v = deref(v); v.Kind {
			case yaml.MappingNode:
				merged = append(merged, v)
			case yaml.SequenceNode:
				merged = append(merged, v.Content...)
			}
			continue
		}
		own = append(own, pair{k.Value, deref(v)})
		seen[k.Value] = true
	}
	for _, src := range merged {
		for _, p := range pairs(src) {
			if !seen[p.Key] {
				own = append(own, p)
				seen[p.Key] = true
			}
		}
	}
	return own
}

// get returns the value of key in mapping m, nil when absent.
func get(m *yaml.Node, key string) *yaml.Node {
	for _, p := range pairs(m) {
		if p.Key == key {
			return p.Value
		}
	}
	return nil
}

// scalar returns a scalar node's value; ok is false for anything else.
func scalar(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

// items lists a sequence's elements, dereferenced.
func items(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, deref(c))
	}
	return out
}

// composeVar matches Compose's interpolation forms: $$, $NAME, ${NAME},
// ${NAME:-default}, ${NAME-default}, ${NAME:?err}, ${NAME?err}, ${NAME:+alt}.
var composeVar = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// interpolate substitutes variables as Compose would with only vars set
// (the .env beside the file): a set variable gives its value, an unset one
// its default. ok is false when a variable is neither set nor defaulted:
// the image is then unknown, and comparing a guess would mislead.
func interpolate(s string, vars map[string]string) (string, bool) {
	if !strings.Contains(s, "$") {
		return s, true
	}
	ok := true
	out := composeVar.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		sub := composeVar.FindStringSubmatch(m)
		name, op, arg := sub[1], sub[2], sub[3]
		if name == "" {
			name = sub[4]
		}
		v, set := vars[name]
		switch op {
		case ":-":
			if !set || v == "" {
				return arg
			}
		case "-":
			if !set {
				return arg
			}
		case ":+":
			if set && v != "" {
				return arg
			}
			return ""
		case "+":
			if set {
				return arg
			}
			return ""
		}
		if !set {
			ok = false
		}
		return v
	})
	return out, ok
}

// shellVar matches GitLab's $NAME and ${NAME}.
var shellVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expandShell substitutes GitLab CI variables; ok is false when one is not set.
func expandShell(s string, vars map[string]string) (string, bool) {
	ok := true
	out := shellVar.ReplaceAllStringFunc(s, func(m string) string {
		sub := shellVar.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		v, set := vars[name]
		if !set {
			ok = false
		}
		return v
	})
	return out, ok
}
