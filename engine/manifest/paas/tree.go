package paas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// node is a YAML or JSON value with where it stands in its file, so that
// the three formats are read by one set of accessors and every warning and
// error names file:line.
type node struct {
	kind      nodeKind
	text      string // a scalar's value as written ("16", "true", "abc")
	line, col int
	keys      []string // a mapping's keys, in order
	vals      []*node  // a mapping's values, by position of keys
	items     []*node  // a sequence's items
}

type nodeKind int

const (
	nullNode nodeKind = iota
	scalarNode
	mapNode
	listNode
)

func (k nodeKind) String() string {
	return [...]string{"null", "a single value", "a mapping", "a list"}[k]
}

// get is the value of key in a mapping; nil when n is no mapping or has no
// such key. A key given twice (JSON allows it) counts as its last value.
func (n *node) get(key string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	for i := len(n.keys) - 1; i >= 0; i-- {
		if n.keys[i] == key {
			return n.vals[i]
		}
	}
	return nil
}

// str is the scalar's text, "" for anything else.
func (n *node) str() string {
	if n == nil || n.kind != scalarNode {
		return ""
	}
	return n.text
}

// list is the sequence's items, nil for anything else.
func (n *node) list() []*node {
	if n == nil || n.kind != listNode {
		return nil
	}
	return n.items
}

func (n *node) is(k nodeKind) bool { return n != nil && n.kind == k }

// truthy reports a YAML or JSON boolean true.
func (n *node) truthy() bool {
	switch n.str() {
	case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON":
		return true
	}
	return false
}

// Limits on what one spec may expand to: anchors and aliases can make a
// small file describe an enormous tree ("billion laughs").
const (
	maxDepth = 64
	maxNodes = 200_000
)

var errTooLarge = errors.New("the spec expands to too many values (anchors and aliases?)")

// yamlLine finds the line in a yaml.v3 error message ("yaml: line 3: did
// not find expected key").
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// parseYAML reads one YAML document. Syntax errors come back as
// "file:line: message" with name as the file.
func parseYAML(name string, data []byte) (*node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			if m[1] != "" {
				return nil, fmt.Errorf("%s:%s: %s", name, m[1], m[2])
			}
			msg = m[2]
		}
		return nil, fmt.Errorf("%s: %s", name, msg)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return &node{kind: nullNode, line: 1, col: 1}, nil
	}
	c := &yamlConverter{}
	n, err := c.convert(doc.Content[0], 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

type yamlConverter struct{ count int }

func (c *yamlConverter) convert(y *yaml.Node, depth int) (*node, error) {
	c.count++
	if depth > maxDepth || c.count > maxNodes {
		return nil, errTooLarge
	}
	n := &node{line: y.Line, col: y.Column}
	switch y.Kind {
	case yaml.AliasNode:
		if y.Alias == nil {
			return &node{kind: nullNode, line: y.Line, col: y.Column}, nil
		}
		target, err := c.convert(y.Alias, depth+1)
		if err != nil {
			return nil, err
		}
		// The alias stands where it is used, for messages.
		cp := *target
		cp.line, cp.col = y.Line, y.Column
		return &cp, nil
	case yaml.ScalarNode:
		if y.Tag == "!!null" {
			n.kind = nullNode
			return n, nil
		}
		n.kind, n.text = scalarNode, y.Value
	case yaml.SequenceNode:
		n.kind = listNode
		for _, item := range y.Content {
			v, err := c.convert(item, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
	case yaml.MappingNode:
		n.kind = mapNode
		var merged []*node
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			val, err := c.convert(v, depth+1)
			if err != nil {
				return nil, err
			}
			if k.Value == "<<" && k.Tag == "!!merge" {
				merged = append(merged, val)
				continue
			}
			n.keys = append(n.keys, k.Value)
			n.vals = append(n.vals, val)
		}
		// Merge keys (<<: *defaults) add what the mapping does not set itself.
		for _, m := range merged {
			sources := []*node{m}
			if m.kind == listNode {
				sources = m.items
			}
			for _, src := range sources {
				if src.kind != mapNode {
					continue
				}
				for i, k := range src.keys {
					if n.get(k) == nil {
						n.keys = append(n.keys, k)
						n.vals = append(n.vals, src.vals[i])
					}
				}
			}
		}
	default:
		n.kind = nullNode
	}
	return n, nil
}

// parseJSON reads a JSON document, keeping each value's line and column
// (encoding/json reports byte offsets only). Syntax errors come back as
// "file:line:col: message".
func parseJSON(name string, data []byte) (*node, error) {
	p := &jsonParser{data: data, lines: newLineIndex(data), dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err == nil {
		if _, extra := p.dec.Token(); extra != io.EOF {
			err = p.errorAt(p.dec.InputOffset(), "text after the JSON document")
		}
	}
	if err != nil {
		var syn *json.SyntaxError
		var pe *jsonPosError
		switch {
		case errors.As(err, &pe):
			return nil, fmt.Errorf("%s:%d:%d: %s", name, pe.line, pe.col, pe.msg)
		case errors.As(err, &syn):
			line, col := p.lines.position(syn.Offset)
			return nil, fmt.Errorf("%s:%d:%d: %s", name, line, col, syn.Error())
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			line, col := p.lines.position(int64(len(data)))
			return nil, fmt.Errorf("%s:%d:%d: unexpected end of JSON", name, line, col)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

type jsonParser struct {
	data  []byte
	lines *lineIndex
	dec   *json.Decoder
	count int
}

type jsonPosError struct {
	line, col int
	msg       string
}

func (e *jsonPosError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg) }

func (p *jsonParser) errorAt(off int64, msg string) error {
	line, col := p.lines.position(off)
	return &jsonPosError{line, col, msg}
}

// start is where the next token begins: the decoder's offset is the end
// of the previous one, before any blank, comma or colon.
func (p *jsonParser) start() int64 {
	off := p.dec.InputOffset()
	for off < int64(len(p.data)) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *jsonParser) value(depth int) (*node, error) {
	p.count++
	if depth > maxDepth || p.count > maxNodes {
		return nil, errTooLarge
	}
	off := p.start()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	line, col := p.lines.position(off)
	n := &node{line: line, col: col}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = mapNode
			for p.dec.More() {
				ktok, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := ktok.(string)
				if !ok {
					return nil, p.errorAt(p.dec.InputOffset(), "object key is not a string")
				}
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, v)
			}
		case '[':
			n.kind = listNode
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
		default:
			return nil, p.errorAt(off, fmt.Sprintf("unexpected %q", rune(t)))
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.kind, n.text = scalarNode, t
	case json.Number:
		n.kind, n.text = scalarNode, t.String()
	case bool:
		n.kind, n.text = scalarNode, strconv.FormatBool(t)
	case nil:
		n.kind = nullNode
	}
	return n, nil
}

// position is the 1-based line and column of byte offset off in data.
func position(data []byte, off int64) (line, col int) {
	return newLineIndex(data).position(off)
}

// lineIndex finds lines by offset in O(log n), so that giving every value
// of a large document its line stays linear.
type lineIndex struct {
	size     int64
	newlines []int64 // offsets of the '\n' bytes
}

func newLineIndex(data []byte) *lineIndex {
	li := &lineIndex{size: int64(len(data))}
	for i, b := range data {
		if b == '\n' {
			li.newlines = append(li.newlines, int64(i))
		}
	}
	return li
}

func (li *lineIndex) position(off int64) (line, col int) {
	off = min(max(off, 0), li.size)
	n, _ := slices.BinarySearch(li.newlines, off) // newlines before off
	lineStart := int64(0)
	if n > 0 {
		lineStart = li.newlines[n-1] + 1
	}
	return n + 1, int(off-lineStart) + 1
}
