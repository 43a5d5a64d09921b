package terraform

import (
	"fmt"
	"math/big"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// maxInstances bounds count and for_each: parity runs a handful of
// services, and a bound keeps `count = 100000` from stalling a load.
const maxInstances = 64

// maxPasses bounds the fixed-point evaluation of one module instance.
const maxPasses = 40

// evaluator evaluates a module tree the way `terraform plan` would before
// anything exists: what is written is known, what providers compute is
// unknown, except the attributes that point at services parity runs
// (an RDS instance's address is the local service's name).
type evaluator struct {
	l       *loader
	rootDir string
	secrets secrets
	// names are the service names of the resources that become services,
	// decided from the declarations before evaluation, because computed
	// attributes (address, endpoint) already carry them.
	names map[*resource]string
	// scopes are every module instance evaluated, root first.
	scopes []*scope
}

// scope is one module instance: its variables and what it evaluated to.
type scope struct {
	e      *evaluator
	m      *module
	suffix string   // the module instance keys along its path, as a name suffix ("_0")
	path   []string // module call names and keys from the root, for variable names
	vars   cty.Value
	funcs  map[string]function.Function

	locals  map[string]cty.Value
	res     map[*resource]*resState
	calls   map[*moduleCall]*callState
	outputs map[string]cty.Value
	// warnings are those of the last evaluation pass, the one whose values stand.
	warnings []string
	// localDiags are the last pass's errors per local, reported when a
	// value parity uses depends on one.
	localDiags map[string]*hcl.Diagnostic
}

type resState struct {
	insts []*instance
	val   cty.Value
}

// instance is one instance of a resource (count and for_each make several).
type instance struct {
	r   *resource
	s   *scope
	key cty.Value // cty.NilVal for a resource without count or for_each
	// keyName is the key as names carry it: "" for neither, and for a
	// count of 1 (`count = var.create ? 1 : 0`), which keeps its own name.
	keyName string
	name    string    // the service name when the resource is one
	val     cty.Value // its attributes as written, and the computed ones parity knows
	diags   map[string]*hcl.Diagnostic
}

type callState struct {
	keys     []instKey
	inputs   []cty.Value
	children []*scope
}

// instKey is one instance of a count or for_each.
type instKey struct {
	key    cty.Value // number for count, string for for_each, NilVal for neither
	each   cty.Value // for_each's value
	suffix string
}

// metaArgs are a resource's meta-arguments, not attributes.
var metaArgs = map[string]bool{"count": true, "for_each": true, "provider": true, "depends_on": true}

// metaBlocks are a resource's meta-blocks, not nested attributes.
var metaBlocks = map[string]bool{"lifecycle": true, "provisioner": true, "connection": true}

func (e *evaluator) newScope(m *module, vars cty.Value, suffix string, path []string) *scope {
	s := &scope{e: e, m: m, vars: vars, suffix: suffix, path: path,
		locals: map[string]cty.Value{}, res: map[*resource]*resState{}, calls: map[*moduleCall]*callState{}}
	s.funcs = e.functions(m.dir)
	e.scopes = append(e.scopes, s)
	return s
}

// run evaluates the module instance to a fixed point: every local,
// resource and module call is evaluated in each pass against the values of
// the previous one, until a pass changes nothing. Values not yet evaluated
// are unknown, so references in any order (locals naming each other,
// resources naming locals) settle within as many passes as the longest chain.
func (s *scope) run() {
	for _, a := range s.m.locals {
		s.locals[a.Name] = cty.DynamicVal
	}
	for _, r := range s.m.resources {
		s.res[r] = &resState{val: cty.DynamicVal}
	}
	for _, c := range s.m.calls {
		s.calls[c] = &callState{}
	}
	passes := min(2+len(s.m.locals)+len(s.m.resources)+len(s.m.calls), maxPasses)
	for range passes {
		if !s.pass() {
			break
		}
	}
	ctx := s.ctx()
	s.outputs = map[string]cty.Value{}
	for _, o := range s.m.outputs {
		v, _ := o.Expr.Value(ctx)
		s.outputs[o.Name] = v
	}
}

// pass evaluates everything once and reports whether any value changed.
func (s *scope) pass() bool {
	s.warnings = nil
	s.localDiags = map[string]*hcl.Diagnostic{}
	changed := false
	ctx := s.ctx()
	for _, a := range s.m.locals {
		v, diags := a.Expr.Value(ctx)
		if diags.HasErrors() {
			s.localDiags[a.Name] = firstError(diags)
			v = cty.DynamicVal
		}
		if !v.RawEquals(s.locals[a.Name]) {
			s.locals[a.Name] = v
			changed = true
		}
	}
	for _, r := range s.m.resources {
		st := s.evalResource(ctx, r)
		if !st.val.RawEquals(s.res[r].val) {
			changed = true
		}
		s.res[r] = st
	}
	for _, c := range s.m.calls {
		if s.evalCall(ctx, c) {
			changed = true
		}
	}
	return changed
}

func firstError(diags hcl.Diagnostics) *hcl.Diagnostic {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			return d
		}
	}
	return nil
}

// ctx is the evaluation context of the module instance's current values.
func (s *scope) ctx() *hcl.EvalContext {
	vars := map[string]cty.Value{
		"var":       s.vars,
		"local":     cty.ObjectVal(s.locals),
		"terraform": cty.ObjectVal(map[string]cty.Value{"workspace": cty.StringVal("default")}),
	}
	rel, err := filepath.Rel(s.e.rootDir, s.m.dir)
	if err != nil {
		rel = s.m.dir
	}
	vars["path"] = cty.ObjectVal(map[string]cty.Value{
		"module": cty.StringVal(filepath.ToSlash(rel)),
		"root":   cty.StringVal("."),
		"cwd":    cty.StringVal(s.e.rootDir),
	})
	managed := map[string]map[string]cty.Value{}
	data := map[string]map[string]cty.Value{}
	for _, r := range s.m.resources {
		byType := managed
		if r.data {
			byType = data
		}
		if byType[r.typ] == nil {
			byType[r.typ] = map[string]cty.Value{}
		}
		byType[r.typ][r.name] = s.res[r].val
	}
	for typ, byName := range managed {
		if _, reserved := vars[typ]; !reserved {
			vars[typ] = cty.ObjectVal(byName)
		}
	}
	dataObj := map[string]cty.Value{}
	for typ, byName := range data {
		dataObj[typ] = cty.ObjectVal(byName)
	}
	vars["data"] = cty.ObjectVal(dataObj)
	mods := map[string]cty.Value{}
	for _, c := range s.m.calls {
		mods[c.name] = s.callValue(c)
	}
	vars["module"] = cty.ObjectVal(mods)
	return &hcl.EvalContext{Variables: vars, Functions: s.funcs}
}

// keys evaluates count or for_each to the instances they make; where names
// the block for warnings.
func (s *scope) keys(ctx *hcl.EvalContext, count, forEach hcl.Expression, where hcl.Range, what string) []instKey {
	switch {
	case count != nil:
		v, diags := count.Value(ctx)
		n, ok := countOf(v)
		if diags.HasErrors() || !ok {
			s.warn("%s: count of %s cannot be evaluated without applying; read as 1 instance", s.e.l.line(where), what)
			n = 1
		}
		if n > maxInstances {
			s.warn("%s: count of %s is %d; parity reads the first %d", s.e.l.line(where), what, n, maxInstances)
			n = maxInstances
		}
		if n == 1 {
			// A resource switched on with `count = var.create ? 1 : 0` keeps its own name.
			return []instKey{{key: cty.NumberIntVal(0)}}
		}
		keys := make([]instKey, n)
		for i := range keys {
			keys[i] = instKey{key: cty.NumberIntVal(int64(i)), suffix: fmt.Sprintf("_%d", i)}
		}
		return keys
	case forEach != nil:
		v, diags := forEach.Value(ctx)
		if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || !v.CanIterateElements() {
			s.warn("%s: for_each of %s cannot be evaluated without applying; its instances are not read", s.e.l.line(where), what)
			return nil
		}
		var keys []instKey
		set := v.Type().IsSetType() || v.Type().IsListType() || v.Type().IsTupleType()
		for it := v.ElementIterator(); it.Next() && len(keys) < maxInstances; {
			k, e := it.Element()
			if set {
				k = e
			}
			if k.Type() != cty.String {
				var err error
				if k, err = convert.Convert(k, cty.String); err != nil || k.IsNull() {
					continue
				}
			}
			keys = append(keys, instKey{key: k, each: e, suffix: "_" + k.AsString()})
		}
		return keys
	}
	return []instKey{{}}
}

// countOf is a count value as an int; false when it is not a known number.
func countOf(v cty.Value) (int, bool) {
	if !v.IsWhollyKnown() || v.IsNull() {
		return 0, false
	}
	n, err := convert.Convert(v, cty.Number)
	if err != nil || n.IsNull() {
		return 0, false
	}
	bf := n.AsBigFloat()
	if !bf.IsInt() || bf.Sign() < 0 {
		return 0, bf.Sign() < 0
	}
	if bf.Cmp(big.NewFloat(1<<20)) > 0 {
		return 1 << 20, true
	}
	i, _ := bf.Int64()
	return int(i), true
}

// withKey is ctx with count.index or each.key/each.value set for k.
func withKey(ctx *hcl.EvalContext, k instKey, forEach bool) *hcl.EvalContext {
	if k.key == cty.NilVal {
		return ctx
	}
	child := ctx.NewChild()
	if forEach {
		child.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": k.key, "value": k.each})}
	} else {
		child.Variables = map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": k.key})}
	}
	return child
}

// evalResource evaluates every instance of r.
func (s *scope) evalResource(ctx *hcl.EvalContext, r *resource) *resState {
	st := &resState{}
	keys := s.keys(ctx, r.count, r.forEach, r.defRange, r.addr())
	for _, k := range keys {
		inst := &instance{r: r, s: s, key: k.key, keyName: strings.TrimPrefix(k.suffix, "_"), diags: map[string]*hcl.Diagnostic{}}
		inst.name = serviceName(cmpOr(s.e.names[r], r.name) + s.suffix + k.suffix)
		obj := s.evalBody(withKey(ctx, k, r.forEach != nil), r.body, true, inst.diags)
		inst.val = withUnknown(s.e.complete(inst, obj), s.m.refs[r.addr()])
		st.insts = append(st.insts, inst)
	}
	st.val = collect(r.count != nil, r.forEach != nil, st.insts, func(i *instance) (cty.Value, cty.Value) { return i.key, i.val })
	return st
}

// collect is the value a reference to a counted or for_each'd block sees:
// a tuple by index, an object by key, or the one instance's value.
func collect[T any](counted, forEach bool, items []T, kv func(T) (key, val cty.Value)) cty.Value {
	switch {
	case forEach:
		m := map[string]cty.Value{}
		for _, it := range items {
			k, v := kv(it)
			m[k.AsString()] = v
		}
		return cty.ObjectVal(m)
	case counted:
		vals := make([]cty.Value, 0, len(items))
		for _, it := range items {
			_, v := kv(it)
			vals = append(vals, v)
		}
		return cty.TupleVal(vals)
	case len(items) == 1:
		_, v := kv(items[0])
		return v
	}
	return cty.DynamicVal
}

// evalBody evaluates a block's body without its schema: attributes as
// their values, nested blocks as tuples of objects (dynamic blocks
// expanded). The first error of each top-level attribute is kept in diags.
func (s *scope) evalBody(ctx *hcl.EvalContext, body hcl.Body, top bool, diags map[string]*hcl.Diagnostic) cty.Value {
	return s.evalBodyAs(ctx, body, top, "", diags)
}

func (s *scope) evalBodyAs(ctx *hcl.EvalContext, body hcl.Body, top bool, under string, diags map[string]*hcl.Diagnostic) cty.Value {
	note := func(name string, ds hcl.Diagnostics) {
		key := name
		if under != "" {
			key = under
		}
		if d := firstError(ds); d != nil && diags[key] == nil {
			diags[key] = d
		}
	}
	attrs := map[string]cty.Value{}
	syn, ok := body.(*hclsyntax.Body)
	if !ok {
		// JSON: no schema tells attributes from blocks, so nested objects stay objects.
		jattrs, _ := body.JustAttributes()
		for name, a := range jattrs {
			if top && (metaArgs[name] || metaBlocks[name]) {
				continue
			}
			v, ds := a.Expr.Value(ctx)
			if ds.HasErrors() {
				note(name, ds)
				v = cty.DynamicVal
			}
			attrs[name] = v
		}
		return cty.ObjectVal(attrs)
	}
	for name, a := range syn.Attributes {
		if top && metaArgs[name] {
			continue
		}
		v, ds := a.Expr.Value(ctx)
		if ds.HasErrors() {
			note(name, ds)
			v = cty.DynamicVal
		}
		attrs[name] = v
	}
	blocks := map[string][]cty.Value{}
	var order []string
	add := func(typ string, v cty.Value) {
		if _, seen := blocks[typ]; !seen {
			order = append(order, typ)
		}
		blocks[typ] = append(blocks[typ], v)
	}
	for _, b := range syn.Blocks {
		if top && metaBlocks[b.Type] {
			continue
		}
		key := under
		if key == "" {
			key = b.Type
		}
		if b.Type == "dynamic" && len(b.Labels) == 1 {
			for _, v := range s.expandDynamic(ctx, b, key, diags) {
				add(b.Labels[0], v)
			}
			continue
		}
		add(b.Type, s.evalBodyAs(ctx, b.Body, false, key, diags))
	}
	for _, typ := range order {
		if _, clash := attrs[typ]; !clash {
			attrs[typ] = cty.TupleVal(blocks[typ])
		}
	}
	return cty.ObjectVal(attrs)
}

// expandDynamic evaluates a dynamic block into one object per element of its for_each.
func (s *scope) expandDynamic(ctx *hcl.EvalContext, b *hclsyntax.Block, key string, diags map[string]*hcl.Diagnostic) []cty.Value {
	iter := b.Labels[0]
	var forEach hcl.Expression
	for name, a := range b.Body.Attributes {
		switch name {
		case "for_each":
			forEach = a.Expr
		case "iterator":
			if t := hcl.ExprAsKeyword(a.Expr); t != "" {
				iter = t
			}
		}
	}
	var content *hclsyntax.Block
	for _, c := range b.Body.Blocks {
		if c.Type == "content" {
			content = c
		}
	}
	if forEach == nil || content == nil {
		return nil
	}
	v, ds := forEach.Value(ctx)
	if ds.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || !v.CanIterateElements() {
		if d := firstError(ds); d != nil && diags[key] == nil {
			diags[key] = d
		}
		return nil
	}
	var out []cty.Value
	for it := v.ElementIterator(); it.Next() && len(out) < maxInstances; {
		k, e := it.Element()
		child := ctx.NewChild()
		child.Variables = map[string]cty.Value{iter: cty.ObjectVal(map[string]cty.Value{"key": k, "value": e})}
		out = append(out, s.evalBodyAs(child, content.Body, false, key, diags))
	}
	return out
}

// evalCall evaluates a module call's inputs and, when they changed,
// evaluates the module again; it reports whether anything changed.
func (s *scope) evalCall(ctx *hcl.EvalContext, c *moduleCall) bool {
	if c.child == nil {
		return false
	}
	st := s.calls[c]
	keys := s.keys(ctx, c.count, c.forEach, c.defRange, "module."+c.name)
	changed := len(keys) != len(st.keys)
	next := &callState{keys: keys}
	for i, k := range keys {
		kctx := withKey(ctx, k, c.forEach != nil)
		inputs := map[string]cty.Value{}
		for _, a := range sortedAttrs(c.args) {
			v, ds := a.Expr.Value(kctx)
			if ds.HasErrors() {
				v = cty.DynamicVal
			}
			inputs[a.Name] = v
		}
		in := cty.ObjectVal(inputs)
		if !changed && sameKey(st.keys[i].key, k.key) && st.inputs[i].RawEquals(in) {
			next.inputs = append(next.inputs, in)
			next.children = append(next.children, st.children[i])
			continue
		}
		changed = true
		child := s.e.newScope(c.child, moduleVars(c.child, inputs), s.suffix+k.suffix, append(slices.Clone(s.path), c.name+k.suffix))
		child.run()
		next.inputs = append(next.inputs, in)
		next.children = append(next.children, child)
	}
	if changed {
		// Instances evaluated for inputs that are no longer current are dropped.
		for _, old := range st.children {
			if !slices.Contains(next.children, old) {
				s.e.drop(old)
			}
		}
	}
	s.calls[c] = next
	return changed
}

// drop forgets a module instance evaluated for inputs that changed since,
// and the module instances it called.
func (e *evaluator) drop(s *scope) {
	e.scopes = slices.DeleteFunc(e.scopes, func(o *scope) bool { return o == s })
	for _, st := range s.calls {
		for _, c := range st.children {
			e.drop(c)
		}
	}
}

// callValue is what `module.NAME` refers to: the instance's outputs.
func (s *scope) callValue(c *moduleCall) cty.Value {
	st := s.calls[c]
	if c.child == nil || st == nil || len(st.children) == 0 {
		return cty.DynamicVal
	}
	return collect(c.count != nil, c.forEach != nil, indexes(len(st.children)), func(i int) (cty.Value, cty.Value) {
		outs := st.children[i].outputs
		if outs == nil {
			return st.keys[i].key, cty.DynamicVal
		}
		return st.keys[i].key, cty.ObjectVal(outs)
	})
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// moduleVars is a child module's var object: the inputs given, else the
// defaults; a required input not given is unknown.
func moduleVars(m *module, inputs map[string]cty.Value) cty.Value {
	vals := map[string]cty.Value{}
	for _, v := range m.variables {
		val, ok := inputs[v.name]
		if !ok || val.IsNull() {
			val = cty.DynamicVal
			if v.def != nil {
				if d, diags := v.def.Value(nil); !diags.HasErrors() {
					val = d
				}
			}
		}
		vals[v.name] = v.conform(val)
	}
	return cty.ObjectVal(vals)
}

// conform converts val to the variable's type constraint as Terraform
// does: optional attributes' defaults first, then the conversion, which
// adds the optional attributes not given as null. Modules such as
// terraform-aws-modules/ecs filter their inputs on such attributes
// (`if v.create`), so without them a whole for_each is lost. A value that
// does not convert (a token standing for an unset number) is kept as it is.
func (v *variable) conform(val cty.Value) cty.Value {
	if v.typ == cty.DynamicPseudoType || val.IsNull() || !val.IsKnown() {
		return val
	}
	if v.defaults != nil {
		val = v.defaults.Apply(val)
	}
	if c, err := convert.Convert(val, v.typ); err == nil {
		return c
	}
	return val
}

func (s *scope) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !slices.Contains(s.warnings, msg) {
		s.warnings = append(s.warnings, msg)
	}
}

// explain is why an attribute of inst has no value parity can use, as
// "file:line: what" for a warning.
func (inst *instance) explain(attr string) string {
	l := inst.s.e.l
	if d := inst.diags[attr]; d != nil {
		return fmt.Sprintf("%s: %s", l.pos(d.Subject), describe(d))
	}
	return fmt.Sprintf("%s: %s.%s is only known after apply", l.line(inst.r.defRange), inst.r.addr(), attr)
}

// sameKey reports whether two instance keys are the same (NilVal for none).
func sameKey(a, b cty.Value) bool {
	if a == cty.NilVal || b == cty.NilVal {
		return a == cty.NilVal && b == cty.NilVal
	}
	return a.RawEquals(b)
}

// withUnknown adds to obj the referenced attributes it lacks, as unknown.
func withUnknown(obj cty.Value, refs []string) cty.Value {
	if len(refs) == 0 || !obj.Type().IsObjectType() {
		return obj
	}
	var m map[string]cty.Value
	for _, a := range refs {
		if obj.Type().HasAttribute(a) {
			continue
		}
		if m == nil {
			m = obj.AsValueMap()
			if m == nil {
				m = map[string]cty.Value{}
			}
		}
		m[a] = cty.DynamicVal
	}
	if m == nil {
		return obj
	}
	return cty.ObjectVal(m)
}
