package terraform

import (
	"fmt"
	"github.com/parity-dev/parity/engine/manifest"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// maxFileSize bounds what parity reads of one configuration file; Terraform
// configurations are small, and a bound keeps a stray large file harmless.
const maxFileSize = 8 << 20

// maxModuleDepth bounds how deep local modules are followed.
const maxModuleDepth = 8

// module is one Terraform module directory, parsed but not evaluated.
type module struct {
	dir       string // absolute
	files     []string
	variables []*variable
	locals    []*hcl.Attribute
	resources []*resource
	calls     []*moduleCall
	outputs   []*hcl.Attribute
	// refs are the attributes referred to per resource address (see referenced).
	refs map[string][]string
}

// variable is a variable block: its default and its type constraint.
type variable struct {
	name string
	def  hcl.Expression // nil without a default
	typ  cty.Type       // cty.DynamicPseudoType without a type
	// defaults are the type's optional(type, default) attribute defaults, nil without any.
	defaults *typeexpr.Defaults
	defRng   hcl.Range
	isPrime  bool // the type is a string, number or bool (or unset): TF_VAR_ values are taken as text
}

// resource is a resource or data block.
type resource struct {
	data     bool
	typ      string
	name     string
	body     hcl.Body
	count    hcl.Expression
	forEach  hcl.Expression
	defRange hcl.Range
}

func (r *resource) addr() string {
	if r.data {
		return "data." + r.typ + "." + r.name
	}
	return r.typ + "." + r.name
}

// moduleCall is a module block; child is nil when its source is not a
// local directory parity can read.
type moduleCall struct {
	name     string
	source   string
	args     hcl.Attributes
	count    hcl.Expression
	forEach  hcl.Expression
	defRange hcl.Range
	child    *module
}

var fileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "locals"},
	{Type: "resource", LabelNames: []string{"type", "name"}},
	{Type: "data", LabelNames: []string{"type", "name"}},
	{Type: "module", LabelNames: []string{"name"}},
	{Type: "output", LabelNames: []string{"name"}},
}}

var variableSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}, {Name: "type"}}}
var outputSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "value"}}}
var metaSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "count"}, {Name: "for_each"}}}

// moduleArgsSkipped are a module block's meta-arguments, not inputs.
var moduleArgsSkipped = map[string]bool{"source": true, "version": true, "count": true, "for_each": true, "providers": true, "depends_on": true}

// loader parses module directories; it keeps the parser (so diagnostics
// can show source lines), the files read and the warnings met.
type loader struct {
	parser   *hclparse.Parser
	files    []string
	warnings []string
	workDir  string
}

// configFiles lists a directory's Terraform files in the order Terraform
// reads them (lexical), without override files, which parity does not merge.
func configFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		if strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json") {
			files = append(files, filepath.Join(dir, name))
		}
	}
	slices.Sort(files)
	return files, nil
}

// parseFile parses one .tf or .tf.json file; a syntax error is returned
// as an error naming file:line:col.
func (l *loader) parseFile(path string) (*hcl.File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read terraform file %s: %w", l.rel(path), err)
	}
	if !info.Mode().IsRegular() || info.Size() > maxFileSize {
		return nil, fmt.Errorf("read terraform file %s: not a regular file under %d MiB", l.rel(path), maxFileSize>>20)
	}
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(path, ".json") {
		f, diags = l.parser.ParseJSONFile(path)
	} else {
		f, diags = l.parser.ParseHCLFile(path)
	}
	if diags.HasErrors() {
		return nil, l.syntaxError(diags)
	}
	l.files = append(l.files, path)
	return f, nil
}

// syntaxError is the first error of diags as "file:line:col: what; fix".
func (l *loader) syntaxError(diags hcl.Diagnostics) error {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		return fmt.Errorf("%s: %s; fix the syntax there (terraform validate reports the same)", l.pos(d.Subject), describe(d))
	}
	return fmt.Errorf("terraform syntax: %s", diags.Error())
}

// describe is a diagnostic's summary and detail as one lowercase sentence.
func describe(d *hcl.Diagnostic) string {
	s := strings.TrimSuffix(d.Summary, ".")
	if d.Detail != "" {
		s += ": " + strings.TrimSuffix(d.Detail, ".")
	}
	if s != "" {
		s = strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

// pos is where a range starts, as "infra/rds.tf:12:3" (relative to the
// working directory when inside it).
func (l *loader) pos(r *hcl.Range) string {
	if r == nil {
		return "terraform"
	}
	return fmt.Sprintf("%s:%d:%d", l.rel(r.Filename), r.Start.Line, r.Start.Column)
}

// line is where a range starts, as "infra/rds.tf:12".
func (l *loader) line(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", l.rel(r.Filename), r.Start.Line)
}

// rel is path relative to the working directory when inside it.
func (l *loader) rel(path string) string { return manifest.DisplayPath(l.workDir, path) }

// warn records a warning for the user, once.
func (l *loader) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !slices.Contains(l.warnings, msg) {
		l.warnings = append(l.warnings, msg)
	}
}

// loadModule parses the given files as one module and follows its local
// module calls. stack holds the directories of the calling modules, so a
// module that calls itself is refused rather than followed for ever.
func (l *loader) loadModule(dir string, files []string, stack []string) (*module, error) {
	m := &module{dir: dir, files: files}
	for _, path := range files {
		f, err := l.parseFile(path)
		if err != nil {
			return nil, err
		}
		content, _, _ := f.Body.PartialContent(fileSchema)
		if content == nil {
			continue
		}
		for _, b := range content.Blocks {
			m.addBlock(l, b)
		}
	}
	m.refs = m.referenced()
	for _, c := range m.calls {
		if err := l.followCall(m, c, stack); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *module) addBlock(l *loader, b *hcl.Block) {
	switch b.Type {
	case "variable":
		v := &variable{name: b.Labels[0], typ: cty.DynamicPseudoType, defRng: b.DefRange, isPrime: true}
		content, _, _ := b.Body.PartialContent(variableSchema)
		if content != nil {
			if a, ok := content.Attributes["default"]; ok {
				v.def = a.Expr
			}
			if a, ok := content.Attributes["type"]; ok {
				if ty, defaults, diags := typeexpr.TypeConstraintWithDefaults(a.Expr); !diags.HasErrors() {
					v.typ, v.defaults = ty, defaults
					v.isPrime = ty.IsPrimitiveType() || ty == cty.DynamicPseudoType
				}
			}
		}
		m.variables = append(m.variables, v)
	case "locals":
		attrs, _ := b.Body.JustAttributes()
		for _, a := range sortedAttrs(attrs) {
			m.locals = append(m.locals, a)
		}
	case "resource", "data":
		r := &resource{data: b.Type == "data", typ: b.Labels[0], name: b.Labels[1], body: b.Body, defRange: b.DefRange}
		content, _, _ := b.Body.PartialContent(metaSchema)
		if content != nil {
			if a, ok := content.Attributes["count"]; ok {
				r.count = a.Expr
			}
			if a, ok := content.Attributes["for_each"]; ok {
				r.forEach = a.Expr
			}
		}
		m.resources = append(m.resources, r)
	case "module":
		c := &moduleCall{name: b.Labels[0], defRange: b.DefRange, args: hcl.Attributes{}}
		attrs, _ := b.Body.JustAttributes()
		for name, a := range attrs {
			switch name {
			case "source":
				if v, diags := a.Expr.Value(nil); !diags.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
					c.source = v.AsString()
				}
			case "count":
				c.count = a.Expr
			case "for_each":
				c.forEach = a.Expr
			}
			if !moduleArgsSkipped[name] {
				c.args[name] = a
			}
		}
		m.calls = append(m.calls, c)
	case "output":
		content, _, _ := b.Body.PartialContent(outputSchema)
		if content != nil {
			if a, ok := content.Attributes["value"]; ok {
				a.Name = b.Labels[0]
				m.outputs = append(m.outputs, a)
			}
		}
	}
}

// followCall loads a module call's directory when its source is local;
// any other source is a warning, as parity never downloads modules.
func (l *loader) followCall(m *module, c *moduleCall, stack []string) error {
	if !strings.HasPrefix(c.source, "./") && !strings.HasPrefix(c.source, "../") && c.source != "." && c.source != ".." {
		src := c.source
		if src == "" {
			src = "(no literal source)"
		}
		l.warn("%s: module %q comes from %s, which parity does not download; the services it defines are not read (run them from parity.yaml or a local copy of the module)", l.line(c.defRange), c.name, src)
		return nil
	}
	dir := filepath.Join(m.dir, filepath.FromSlash(c.source))
	if slices.Contains(stack, dir) || len(stack) >= maxModuleDepth {
		l.warn("%s: module %q (%s) calls itself or nests deeper than %d modules; not followed", l.line(c.defRange), c.name, c.source, maxModuleDepth)
		return nil
	}
	files, err := configFiles(dir)
	if err != nil || len(files) == 0 {
		l.warn("%s: module %q: no .tf files in %s; the services it defines are not read", l.line(c.defRange), c.name, l.rel(dir))
		return nil
	}
	child, err := l.loadModule(dir, files, append(slices.Clone(stack), dir))
	if err != nil {
		return err
	}
	c.child = child
	return nil
}

// sortedAttrs is attrs in source order, so evaluation and warnings are stable.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *hcl.Attribute) int {
		if c := strings.Compare(a.Range.Filename, b.Range.Filename); c != 0 {
			return c
		}
		if a.Range.Start.Byte != b.Range.Start.Byte {
			return a.Range.Start.Byte - b.Range.Start.Byte
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// referenced collects, for each resource of m ("aws_s3_bucket.assets",
// "data.aws_caller_identity.current"), the attributes the configuration
// refers to. Evaluation gives those that are neither written nor known to
// parity an unknown value, so that `aws_s3_bucket.assets.arn` is unknown
// rather than an error that would hide the whole expression around it.
func (m *module) referenced() map[string][]string {
	refs := map[string][]string{}
	note := func(t hcl.Traversal) {
		if len(t) < 3 {
			return
		}
		names := make([]string, 0, 4)
		for _, step := range t {
			switch s := step.(type) {
			case hcl.TraverseRoot:
				names = append(names, s.Name)
			case hcl.TraverseAttr:
				names = append(names, s.Name)
			case hcl.TraverseIndex:
				continue
			default:
				return
			}
			if len(names) == 4 {
				break
			}
		}
		key, attr := "", ""
		switch {
		case names[0] == "data" && len(names) >= 4:
			key, attr = strings.Join(names[:3], "."), names[3]
		case names[0] != "data" && len(names) >= 3:
			key, attr = strings.Join(names[:2], "."), names[2]
		default:
			return
		}
		if !slices.Contains(refs[key], attr) {
			refs[key] = append(refs[key], attr)
		}
	}
	var exprs []hcl.Expression
	var walk func(b hcl.Body)
	walk = func(b hcl.Body) {
		if syn, ok := b.(*hclsyntax.Body); ok {
			for _, a := range syn.Attributes {
				exprs = append(exprs, a.Expr)
			}
			for _, blk := range syn.Blocks {
				walk(blk.Body)
			}
			return
		}
		attrs, _ := b.JustAttributes()
		for _, a := range attrs {
			exprs = append(exprs, a.Expr)
		}
	}
	for _, a := range m.locals {
		exprs = append(exprs, a.Expr)
	}
	for _, a := range m.outputs {
		exprs = append(exprs, a.Expr)
	}
	for _, c := range m.calls {
		for _, a := range c.args {
			exprs = append(exprs, a.Expr)
		}
	}
	for _, r := range m.resources {
		walk(r.body)
	}
	for _, x := range exprs {
		for _, t := range x.Variables() {
			note(t)
		}
	}
	return refs
}
