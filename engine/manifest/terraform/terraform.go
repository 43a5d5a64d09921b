// Package terraform reads a Terraform configuration as a production
// source: the managed databases, caches and brokers it creates become
// backing services at the versions production runs, and the environment it
// gives the app (an ECS task definition, a Lambda function, Cloud Run...)
// becomes the app's, with references to those resources pointing at the
// local services. It parses and evaluates the .tf files itself, without a
// terraform binary, providers, state or network, and is the only package
// that imports hcl and cty.
package terraform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/parity-dev/parity/engine/manifest"
)

// Source is the Project.Source of a Terraform configuration.
const Source = "terraform"

// ErrNoBackingService is returned (wrapped) when a configuration defines
// no resource parity runs.
var ErrNoBackingService = errors.New("no backing service found")

// Detect reports whether path is a Terraform configuration: a .tf or
// .tf.json file, or a directory holding one.
func Detect(path string) bool {
	info, err := os.Stat(path)
	if err != nil {
		return false
	}
	if !info.IsDir() {
		return isConfigFile(path)
	}
	files, err := configFiles(path)
	return err == nil && len(files) > 0
}

func isConfigFile(path string) bool {
	return strings.HasSuffix(path, ".tf") || strings.HasSuffix(path, ".tf.json")
}

// Load reads the Terraform configuration at opts.Path (a directory, or one
// .tf file) and its local modules, evaluates it with the variables
// production would be given (defaults, terraform.tfvars, *.auto.tfvars,
// opts.ValueFiles, TF_VAR_* from opts.Environ) and returns its backing
// services and apps. What cannot be evaluated without applying (a remote
// module, an ARN) is a warning naming file:line, never an error; a syntax
// error is an error naming file:line:col.
func Load(ctx context.Context, opts manifest.SourceOptions) (*manifest.Project, error) {
	info, err := os.Stat(opts.Path)
	if err != nil {
		return nil, fmt.Errorf("read terraform configuration: %w", err)
	}
	dir, files := opts.Path, []string{opts.Path}
	if info.IsDir() {
		if files, err = configFiles(dir); err != nil {
			return nil, fmt.Errorf("read terraform configuration: %w", err)
		}
	} else {
		dir = filepath.Dir(opts.Path)
	}
	workDir := cmpOr(opts.WorkingDir, dir)
	l := &loader{parser: hclparse.NewParser(), workDir: workDir}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no .tf files; point -f at the directory of your Terraform configuration", l.rel(dir))
	}
	root, err := l.loadModule(dir, files, []string{dir})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e := &evaluator{l: l, rootDir: dir, secrets: secrets{}}
	var varFiles []string
	for _, f := range opts.ValueFiles {
		if !filepath.IsAbs(f) {
			f = filepath.Join(workDir, f)
		}
		varFiles = append(varFiles, f)
	}
	vars, err := e.rootVars(root, opts.Environ, varFiles)
	if err != nil {
		return nil, err
	}
	// Names depend on which resources exist (a module's cluster and
	// replication group are both "this", and count switches one off), and
	// computed attributes carry the names: evaluate once to learn which
	// exist, then again with the names decided from those.
	e.names = nameServices(root, nil)
	e.newScope(root, vars, "", nil).run()
	exists := map[*resource]bool{}
	for _, s := range e.scopes {
		for r, st := range s.res {
			if len(st.insts) > 0 {
				exists[r] = true
			}
		}
	}
	e.names, e.scopes = nameServices(root, exists), nil
	e.newScope(root, vars, "", nil).run()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &manifest.Project{
		Name:       opts.ProjectName,
		WorkingDir: opts.WorkingDir,
		Files:      l.files,
		Source:     Source,
	}
	p.Services = e.services()
	for _, s := range e.scopes {
		for _, w := range s.warnings {
			l.warn("%s", w)
		}
	}
	if list := e.unsupported(); list != "" {
		l.warn("parity does not run these resource types, so they have no local service: %s", list)
	}
	if !slices.ContainsFunc(p.Services, func(s manifest.Service) bool { return !s.App }) {
		err := fmt.Errorf("%w in %s: parity reads %s (see README)", ErrNoBackingService, l.rel(dir), strings.Join(BackingTypes(), ", "))
		if len(l.warnings) > 0 {
			// A module that is not read or a database that is not run is
			// why there is none: say so, rather than only what parity reads.
			err = fmt.Errorf("%w; while reading it:\n  %s", err, strings.Join(l.warnings, "\n  "))
		}
		return nil, err
	}
	p.Warnings = l.warnings
	p.Unset = unsetVars(p.Services)
	return p, nil
}

// services makes the services of every evaluated module instance, in name order.
func (e *evaluator) services() []manifest.Service {
	var out []manifest.Service
	taken := map[string]bool{}
	var apps []*instance
	for _, s := range e.scopes {
		for _, r := range s.m.resources {
			for _, inst := range s.res[r].insts {
				switch {
				case r.data:
				case backingTypes[r.typ] != "":
					if svc, ok := e.backingService(inst); ok && !taken[svc.Name] {
						taken[svc.Name] = true
						out = append(out, svc)
					}
				case appTypes[r.typ]:
					apps = append(apps, inst)
				}
			}
		}
	}
	for _, inst := range apps {
		for _, svc := range e.appServices(inst) {
			base := svc.Name
			for i := 2; taken[svc.Name]; i++ {
				svc.Name = fmt.Sprintf("%s-app", base)
				if i > 2 {
					svc.Name = fmt.Sprintf("%s-app%d", base, i-1)
				}
			}
			taken[svc.Name] = true
			out = append(out, svc)
		}
	}
	slices.SortFunc(out, func(a, b manifest.Service) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// unsupported lists the backing-like resources parity does not run, as
// "aws_dynamodb_table (infra/db.tf:3), ...".
func (e *evaluator) unsupported() string {
	var list []string
	for _, s := range e.scopes {
		for _, r := range s.m.resources {
			if r.data || !unsupportedTypes[r.typ] || len(s.res[r].insts) == 0 {
				continue
			}
			item := fmt.Sprintf("%s (%s)", r.typ, e.l.line(r.defRange))
			if !slices.Contains(list, item) {
				list = append(list, item)
			}
		}
	}
	return strings.Join(list, ", ")
}

// unsetVars are the unset variables the services refer to, sorted, unique.
func unsetVars(services []manifest.Service) []string {
	var names []string
	for _, s := range services {
		for _, v := range s.Environment {
			names = append(names, v.UnsetVars()...)
		}
		for _, v := range s.Command {
			names = append(names, v.UnsetVars()...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// declaration is a backing resource block and the module calls leading to it.
type declaration struct {
	r     *resource
	calls []string
}

// nameServices decides each backing resource's service name from the
// declarations: its name label ("main"), or the name of the root
// configuration's module call leading to a module's "this" or "default"; when two resource types share a name, each
// is prefixed with a short type ("rds-main"), and when that still clashes,
// with the module path. Instances of count and for_each add their key.
//
// exists says which declarations have instances; only those can clash.
// Without it, names are not made unique.
func nameServices(root *module, exists map[*resource]bool) map[*resource]string {
	var decls []declaration
	var walk func(m *module, calls []string)
	walk = func(m *module, calls []string) {
		for _, r := range m.resources {
			if !r.data && backingTypes[r.typ] != "" && (exists == nil || exists[r]) {
				decls = append(decls, declaration{r: r, calls: calls})
			}
		}
		for _, c := range m.calls {
			if c.child != nil {
				walk(c.child, append(slices.Clone(calls), c.name))
			}
		}
	}
	walk(root, nil)
	names := map[*resource]string{}
	for _, d := range decls {
		base := d.r.name
		if len(d.calls) > 0 && (base == "this" || base == "default") {
			// The module block the root configuration writes names the
			// role ("db", "db_default"); a module's own inner calls name its
			// implementation (terraform-aws-modules/rds calls "db_instance").
			base = d.calls[0]
		}
		names[d.r] = serviceName(base)
	}
	if exists == nil {
		return names
	}
	group := func() map[string][]declaration {
		g := map[string][]declaration{}
		for _, d := range decls {
			g[names[d.r]] = append(g[names[d.r]], d)
		}
		return g
	}
	for _, ds := range group() {
		if len(ds) > 1 && slices.ContainsFunc(ds, func(d declaration) bool { return d.r.typ != ds[0].r.typ }) {
			for _, d := range ds {
				names[d.r] = backingTypes[d.r.typ] + "-" + names[d.r]
			}
		}
	}
	for _, ds := range group() {
		if len(ds) < 2 {
			continue
		}
		for i, d := range ds {
			if len(d.calls) > 0 {
				names[d.r] = serviceName(strings.Join(d.calls, "-") + "-" + names[d.r])
			} else if i > 0 {
				names[d.r] = fmt.Sprintf("%s-%d", names[d.r], i+1)
			}
		}
	}
	return names
}

// serviceName makes a label usable as a service (and host) name:
// lower case letters, digits, '-' and '_'.
func serviceName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-_")
	if name == "" {
		return "service"
	}
	return name
}
