package kube

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/parity-dev/parity/engine/manifest"
)

func isKustomization(base string) bool {
	return slices.Contains(konfig.RecognizedKustomizationFileNames(), base)
}

// kustomizationIn is dir's kustomization file, "" when it has none.
func kustomizationIn(dir string) string {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		f := filepath.Join(dir, name)
		if info, err := os.Stat(f); err == nil && info.Mode().IsRegular() {
			return f
		}
	}
	return ""
}

// loadKustomization builds the kustomization in dir as `kustomize build`
// would, in-process, and reads its output. Remote bases and Helm charts
// inflated by kustomize are left out with a warning: nothing is fetched.
func loadKustomization(dir string, opts manifest.SourceOptions) (*manifest.Project, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("build kustomization %s: %w", dir, err)
	}
	fs := &kustomizeFS{FileSystem: filesys.MakeFsOnDisk(), root: root, workingDir: opts.WorkingDir, read: map[string]bool{}}
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, root)
	if err != nil {
		if fs.syntaxErr != nil {
			return nil, fmt.Errorf("build kustomization %s: %w", manifest.DisplayPath(opts.WorkingDir, root), fs.syntaxErr)
		}
		return nil, fmt.Errorf("build kustomization %s: %v: fix it so that `kustomize build` succeeds", manifest.DisplayPath(opts.WorkingDir, root), err)
	}
	var objs []*object
	for _, res := range resources.Resources() {
		origin := fs.origin(res)
		data, err := res.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("build kustomization %s: %s: %w", manifest.DisplayPath(opts.WorkingDir, root), origin, err)
		}
		decoded, err := decodeObjects(origin, data, 1)
		if err != nil {
			return nil, fmt.Errorf("build kustomization %s: %w", manifest.DisplayPath(opts.WorkingDir, root), err)
		}
		for _, o := range decoded {
			o.origin = origin
		}
		objs = append(objs, decoded...)
	}
	r := newReader(objs, opts)
	r.warnings = append(r.warnings, fs.warnings...)
	p, err := r.project()
	if err != nil {
		return nil, err
	}
	files := make([]string, 0, len(fs.read))
	for f := range fs.read {
		files = append(files, f)
	}
	p.Files = manifest.AbsFiles(files)
	return p, nil
}

// kustomizeFS is the disk as kustomize sees it, with three changes made
// to kustomization files as they are read: the top one asks for origin
// annotations (so each resource names the file it came from), and remote
// resources and helmCharts are dropped (parity fetches nothing). It
// records the files read and the first YAML syntax error among them, which
// kustomize reports without a position.
type kustomizeFS struct {
	filesys.FileSystem
	root       string
	workingDir string

	read      map[string]bool
	warnings  []string
	syntaxErr error
}

func (f *kustomizeFS) ReadFile(path string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(path)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(path)
	f.read[abs] = true
	if isKustomization(filepath.Base(path)) {
		return f.rewrite(abs, data), nil
	}
	if isYAML(path) && f.syntaxErr == nil {
		if _, err := decodeObjects(manifest.DisplayPath(f.workingDir, abs), data, 1); err != nil {
			f.syntaxErr = err
		}
	}
	return data, nil
}

// rewrite is a kustomization file as parity builds it.
func (f *kustomizeFS) rewrite(path string, data []byte) []byte {
	var k map[string]any
	if err := yaml.Unmarshal(data, &k); err != nil {
		if f.syntaxErr == nil {
			f.syntaxErr = syntaxError(manifest.DisplayPath(f.workingDir, path), 1, err)
		}
		return data
	}
	if k == nil {
		return data
	}
	dir := filepath.Dir(path)
	name := manifest.DisplayPath(f.workingDir, path)
	for _, field := range []string{"resources", "bases", "components"} {
		list, ok := k[field].([]any)
		if !ok {
			continue
		}
		kept := list[:0:0]
		for _, item := range list {
			s, ok := item.(string)
			if ok && remote(dir, s) {
				f.warnings = append(f.warnings, fmt.Sprintf("%s: remote resource %s is not fetched (parity reads local files only): its objects are left out; vendor it into the repository to have it read", name, s))
				continue
			}
			kept = append(kept, item)
		}
		k[field] = kept
	}
	for _, field := range []string{"secretGenerator", "configMapGenerator"} {
		if list, ok := k[field].([]any); ok {
			k[field] = f.dropMissingSources(name, dir, field, list)
		}
	}
	for _, field := range []string{"helmCharts", "helmChartInflationGenerator"} {
		if _, ok := k[field]; ok {
			delete(k, field)
			f.warnings = append(f.warnings, fmt.Sprintf("%s: %s are not inflated (that needs the helm binary and a chart repository): point -f at the chart directory to have parity render it", name, field))
		}
	}
	if filepath.Dir(path) == f.root {
		meta, _ := k["buildMetadata"].([]any)
		k["buildMetadata"] = append(meta, "originAnnotations")
	}
	out, err := yaml.Marshal(k)
	if err != nil {
		return data
	}
	return out
}

// dropMissingSources leaves out the files a generator reads that are not
// there: credentials files are kept out of git (s3.conf beside a committed
// s3.conf.example), and kustomize fails on them. A generator left with no
// source is left out whole, so the Secret or ConfigMap is one the
// manifests lack and the keys containers take from it are unset
// variables, as for a sealed secret.
func (f *kustomizeFS) dropMissingSources(name, dir, field string, generators []any) []any {
	exists := func(entry string) bool {
		_, path, ok := strings.Cut(entry, "=")
		if !ok {
			path = entry
		}
		_, err := os.Stat(filepath.Join(dir, path))
		return err == nil
	}
	kept := generators[:0:0]
	for _, g := range generators {
		gen, ok := g.(map[string]any)
		if !ok {
			kept = append(kept, g)
			continue
		}
		var missing []string
		sources := 0
		for _, key := range []string{"files", "envs"} {
			list, ok := gen[key].([]any)
			if !ok {
				continue
			}
			var present []any
			for _, item := range list {
				if s, ok := item.(string); ok && !exists(s) {
					missing = append(missing, s)
					continue
				}
				present = append(present, item)
			}
			gen[key] = present
			sources += len(present)
		}
		if env, ok := gen["env"].(string); ok {
			if exists(env) {
				sources++
			} else {
				missing = append(missing, env)
				delete(gen, "env")
			}
		}
		if lits, ok := gen["literals"].([]any); ok {
			sources += len(lits)
		}
		if len(missing) == 0 {
			kept = append(kept, g)
			continue
		}
		genName, _ := gen["name"].(string)
		what := "its keys from them are not known"
		if sources == 0 {
			what = "the keys containers take from it are read as unset variables"
		}
		isNot := "which is not there"
		if len(missing) > 1 {
			isNot = "which are not there"
		}
		f.warnings = append(f.warnings, fmt.Sprintf("%s: %s %s reads %s, %s (kept out of the repository): %s; create them to have their values read", name, field, genName, strings.Join(missing, ", "), isNot, what))
		if sources > 0 {
			kept = append(kept, g)
		}
	}
	return kept
}

// remote reports whether a kustomization entry names something kustomize
// would fetch: a URL, a Git repository, a host-qualified path.
func remote(dir, entry string) bool {
	if _, err := os.Stat(filepath.Join(dir, entry)); err == nil {
		return false
	}
	if strings.Contains(entry, "://") || strings.HasPrefix(entry, "git@") || strings.Contains(entry, "?ref=") || strings.Contains(entry, "?version=") {
		return true
	}
	first, _, hasSlash := strings.Cut(entry, "/")
	return hasSlash && strings.Contains(first, ".") && first != "." && first != ".."
}

// origin is where a built resource comes from: its file and the line its
// object starts on, from kustomize's origin annotation; the kustomization
// that generated it; else the kustomization directory.
func (f *kustomizeFS) origin(res *resource.Resource) string {
	o, err := res.GetOrigin()
	if err != nil || o == nil {
		return manifest.DisplayPath(f.workingDir, f.root)
	}
	if o.Repo != "" {
		return o.Repo + "/" + o.Path
	}
	if o.Path == "" {
		if o.ConfiguredIn != "" {
			return manifest.DisplayPath(f.workingDir, filepath.Join(f.root, o.ConfiguredIn))
		}
		return manifest.DisplayPath(f.workingDir, f.root)
	}
	file := filepath.Join(f.root, o.Path)
	name := manifest.DisplayPath(f.workingDir, file)
	data, err := os.ReadFile(file)
	if err != nil {
		return name
	}
	objs, _ := decodeObjects(name, data, 1)
	// The object as written: same kind, and a name the built one contains
	// (a namePrefix or nameSuffix may surround it).
	for _, obj := range objs {
		if obj.Kind == res.GetKind() && obj.Metadata.Name != "" && strings.Contains(res.GetName(), obj.Metadata.Name) {
			return obj.origin
		}
	}
	for _, obj := range objs {
		if obj.Kind == res.GetKind() {
			return obj.origin
		}
	}
	return name + ":1"
}
