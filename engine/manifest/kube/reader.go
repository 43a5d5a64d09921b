package kube

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
)

// reader turns one set of decoded objects into a Project.
type reader struct {
	opts manifest.SourceOptions
	objs []*object

	secrets    map[ref]*store
	configMaps map[ref]*store
	k8sSvcs    []*k8sService

	// missing are the Secrets and ConfigMaps the containers name that the
	// manifests do not define (sealed or external secrets).
	missing map[ref]*missingRef

	services []*service
	warnings []string
}

// ref names a namespaced object of one kind.
type ref struct{ kind, namespace, name string }

// store is a Secret's or ConfigMap's values.
type store struct {
	values map[string]manifest.Value
	origin string
	// synthesized: made by an operator (CloudNativePG's <cluster>-app)
	// rather than written in the manifests.
	synthesized bool
}

type missingRef struct {
	origin string          // the first container that names it
	keys   map[string]bool // keys named; none when only envFrom names it
	whole  bool            // named by envFrom: its keys are unknown
}

// service is a parity service being built, with what matching Kubernetes
// Services against it needs.
type service struct {
	manifest.Service
	namespace  string
	podLabels  map[string]string
	namedPorts map[string]int
	workload   string // the workload's name, shared by a pod's containers
}

func newReader(objs []*object, opts manifest.SourceOptions) *reader {
	r := &reader{
		opts:       opts,
		objs:       objs,
		secrets:    map[ref]*store{},
		configMaps: map[ref]*store{},
		missing:    map[ref]*missingRef{},
	}
	for _, o := range objs {
		if o.group() != "" {
			continue
		}
		switch o.Kind {
		case "Secret":
			r.addSecret(o)
		case "ConfigMap":
			r.addConfigMap(o)
		case "Service":
			r.addK8sService(o)
		}
	}
	return r
}

func (r *reader) warnf(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if !slices.Contains(r.warnings, w) {
		r.warnings = append(r.warnings, w)
	}
}

func (r *reader) addSecret(o *object) {
	var s struct {
		Data       map[string]string `yaml:"data"`
		StringData map[string]string `yaml:"stringData"`
	}
	if err := o.node.Decode(&s); err != nil {
		r.warnf("%s: Secret %s: %v: not read", o.origin, o.Metadata.Name, err)
		return
	}
	st := &store{values: map[string]manifest.Value{}, origin: o.origin}
	for k, v := range s.Data {
		raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v), ""))
		if err != nil {
			r.warnf("%s: Secret %s key %s is not base64 (put plain text under stringData): not read", o.origin, o.Metadata.Name, k)
			continue
		}
		st.values[k] = manifest.Text(string(raw))
	}
	// stringData is merged into data when the Secret is written; it wins.
	for k, v := range s.StringData {
		st.values[k] = manifest.Text(v)
	}
	r.secrets[ref{"Secret", o.namespace(), o.Metadata.Name}] = st
}

func (r *reader) addConfigMap(o *object) {
	var c struct {
		Data map[string]string `yaml:"data"`
	}
	if err := o.node.Decode(&c); err != nil {
		r.warnf("%s: ConfigMap %s: %v: not read", o.origin, o.Metadata.Name, err)
		return
	}
	st := &store{values: map[string]manifest.Value{}, origin: o.origin}
	for k, v := range c.Data {
		st.values[k] = manifest.Text(v)
	}
	r.configMaps[ref{"ConfigMap", o.namespace(), o.Metadata.Name}] = st
}

// markGenerated reads again, the same manifests rendered a second time:
// Secret values that changed are made at install time, so production's
// are not in the repository and they become unset variables.
func (r *reader) markGenerated(again []*object) {
	second := newReader(again, r.opts)
	for _, k := range slices.SortedFunc(maps.Keys(r.secrets), compareRefs) {
		first, other := r.secrets[k], second.secrets[k]
		if other == nil {
			continue
		}
		var changed []string
		for key, v := range first.values {
			if w, ok := other.values[key]; ok && v.String() != w.String() {
				first.values[key] = manifest.Unset(unsetName(k.name, key))
				changed = append(changed, key)
			}
		}
		if len(changed) > 0 {
			slices.Sort(changed)
			r.warnf("%s: Secret %s: %s generated at each install (no value given): parity generates its own", first.origin, k.name, strings.Join(changed, ", "))
		}
	}
}

func compareRefs(a, b ref) int {
	return strings.Compare(a.kind+"\x00"+a.namespace+"\x00"+a.name, b.kind+"\x00"+b.namespace+"\x00"+b.name)
}

// unsetName is the variable standing for key of a Secret or ConfigMap the
// manifests do not hold: DB_CREDENTIALS_PASSWORD for db-credentials'
// password. Every reference to the same key is the same variable, so the
// database and the app are given one generated value.
func unsetName(name, key string) string {
	return upperSnake(name) + "_" + upperSnake(key)
}

func upperSnake(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteRune(c - 'a' + 'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "_" + out
	}
	return out
}

// project finishes reading: operators' clusters, workloads, Service names.
func (r *reader) project() (*manifest.Project, error) {
	r.readOperators()
	r.readWorkloads()
	r.applyServiceNames()
	r.warnMissing()

	p := &manifest.Project{
		Name:       r.opts.ProjectName,
		WorkingDir: r.opts.WorkingDir,
		Source:     "kubernetes",
		Warnings:   r.warnings,
	}
	backing := false
	var unset []string
	for _, s := range r.services {
		svc := s.Service
		if !svc.App {
			backing = true
		}
		slices.Sort(svc.Aliases)
		svc.Aliases = slices.Compact(svc.Aliases)
		svc.Aliases = slices.DeleteFunc(svc.Aliases, func(a string) bool { return a == svc.Name })
		for _, v := range svc.Environment {
			unset = append(unset, v.UnsetVars()...)
		}
		for _, v := range slices.Concat(svc.Command, svc.Entrypoint) {
			unset = append(unset, v.UnsetVars()...)
		}
		p.Services = append(p.Services, svc)
	}
	if !backing {
		return nil, fmt.Errorf("read kubernetes manifests %s: %w: no container runs a database, cache or broker image parity knows and no database operator resource (CloudNativePG Cluster, Zalando postgresql, Crunchy PostgresCluster) is defined: point -f at the manifests that define them", r.where(), ErrNoBackingService)
	}
	slices.SortFunc(p.Services, func(a, b manifest.Service) int { return strings.Compare(a.Name, b.Name) })
	slices.Sort(unset)
	p.Unset = slices.Compact(unset)
	return p, nil
}

// where names what was read, for errors.
func (r *reader) where() string {
	if r.opts.Path != "" {
		return manifest.DisplayPath(r.opts.WorkingDir, r.opts.Path)
	}
	var names []string
	for _, o := range r.objs {
		names = append(names, strings.SplitN(o.origin, ":", 2)[0])
	}
	slices.Sort(names)
	return strings.Join(slices.Compact(names), ", ")
}

// warnMissing says once per Secret or ConfigMap the manifests lack which
// of its keys became unset variables.
func (r *reader) warnMissing() {
	for _, k := range slices.SortedFunc(maps.Keys(r.missing), compareRefs) {
		m := r.missing[k]
		var vars []string
		for _, key := range slices.Sorted(maps.Keys(m.keys)) {
			vars = append(vars, unsetName(k.name, key))
		}
		what := "a sealed or external secret"
		if k.kind == "ConfigMap" {
			what = "made outside these manifests"
		}
		switch {
		case len(vars) > 0 && m.whole:
			r.warnf("%s: %s %s is not in the manifests (%s): its keys named are read as unset variables %s; the variables envFrom takes from it are not known", m.origin, k.kind, k.name, what, strings.Join(vars, ", "))
		case len(vars) > 0:
			r.warnf("%s: %s %s is not in the manifests (%s): its keys are read as unset variables %s", m.origin, k.kind, k.name, what, strings.Join(vars, ", "))
		default:
			r.warnf("%s: %s %s is not in the manifests (%s): the variables envFrom takes from it are not known; set them in parity.yaml", m.origin, k.kind, k.name, what)
		}
	}
}
