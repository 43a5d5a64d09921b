package terraform

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// rootVars are the root module's input variables, set as Terraform sets
// them, each source overriding the ones before: the variable's default,
// TF_VAR_name from the environment, terraform.tfvars(.json), the
// *.auto.tfvars(.json) files in lexical order, then the -var-files in the
// order given. A variable none of them sets stands for the unset variable
// TF_VAR_name, which the engine binds or leaves empty.
func (e *evaluator) rootVars(m *module, environ map[string]string, varFiles []string) (cty.Value, error) {
	vals := map[string]cty.Value{}
	for _, v := range m.variables {
		if v.def == nil {
			continue
		}
		if d, diags := v.def.Value(nil); !diags.HasErrors() {
			vals[v.name] = d
		} else {
			e.l.warn("%s: the default of variable %q cannot be evaluated: %s", e.l.pos(firstError(diags).Subject), v.name, describe(firstError(diags)))
		}
	}
	for _, v := range m.variables {
		raw, ok := environ["TF_VAR_"+v.name]
		if !ok {
			continue
		}
		vals[v.name] = envValue(raw, v.isPrime)
	}
	var files []string
	for _, name := range []string{"terraform.tfvars", "terraform.tfvars.json"} {
		if p := filepath.Join(m.dir, name); regular(p) {
			files = append(files, p)
		}
	}
	entries, _ := os.ReadDir(m.dir)
	for _, ent := range entries { // os.ReadDir sorts by name
		n := ent.Name()
		if strings.HasSuffix(n, ".auto.tfvars") || strings.HasSuffix(n, ".auto.tfvars.json") {
			if p := filepath.Join(m.dir, n); regular(p) {
				files = append(files, p)
			}
		}
	}
	for _, f := range varFiles {
		if !regular(f) {
			return cty.NilVal, fmt.Errorf("terraform variable file %s does not exist or is not a file; fix the var-file list in parity.yaml", e.l.rel(f))
		}
		files = append(files, f)
	}
	declared := map[string]*variable{}
	for _, v := range m.variables {
		declared[v.name] = v
	}
	for _, f := range files {
		if err := e.readVarFile(f, declared, vals); err != nil {
			return cty.NilVal, err
		}
	}
	obj := map[string]cty.Value{}
	for _, v := range m.variables {
		val, ok := vals[v.name]
		if !ok || val.IsNull() && v.def == nil {
			val = cty.StringVal(e.secrets.token("TF_VAR_" + v.name))
		}
		obj[v.name] = v.conform(val)
	}
	return cty.ObjectVal(obj), nil
}

// readVarFile sets vals from one .tfvars or .tfvars.json file.
func (e *evaluator) readVarFile(path string, declared map[string]*variable, vals map[string]cty.Value) error {
	f, err := e.l.parseFile(path)
	if err != nil {
		return err
	}
	attrs, diags := f.Body.JustAttributes()
	if diags.HasErrors() {
		return e.l.syntaxError(diags)
	}
	for _, a := range sortedAttrs(attrs) {
		if declared[a.Name] == nil {
			e.l.warn("%s: %s sets variable %q, which no variable block declares; ignored", e.l.line(a.Range), e.l.rel(path), a.Name)
			continue
		}
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			d := firstError(diags)
			return fmt.Errorf("%s: %s; a variable file holds literal values only", e.l.pos(d.Subject), describe(d))
		}
		vals[a.Name] = v
	}
	return nil
}

// envValue is a TF_VAR_ value: text for a string, number or bool variable,
// else an HCL expression as Terraform reads it (["a", "b"], {k = "v"}).
func envValue(raw string, prime bool) cty.Value {
	if prime {
		return cty.StringVal(raw)
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), "TF_VAR", hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		return cty.StringVal(raw)
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return cty.StringVal(raw)
	}
	return v
}

func regular(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}
