// Package helm reads a local Helm chart: it renders the templates
// in-process with the Helm SDK, as `helm template` would (no cluster, no
// repository download), and reads the output as Kubernetes manifests. It
// is the only package that imports Helm.
package helm

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/engine/manifest/kube"
)

// Namespace is the namespace charts are rendered for, as `helm install`
// without -n does.
const Namespace = "default"

// Detect reports whether path is a chart directory (it has a Chart.yaml).
func Detect(path string) bool {
	info, err := os.Stat(filepath.Join(path, "Chart.yaml"))
	return err == nil && info.Mode().IsRegular()
}

// Load renders the chart at opts.Path with its values.yaml and
// opts.ValueFiles merged over it in order (as helm's -f), for the release
// opts.ProjectName (else the chart's name) in namespace "default", and
// reads the rendered manifests. Dependencies come only from the chart's
// charts/ directory; one Chart.yaml lists that is not there is left out
// with a warning.
func Load(ctx context.Context, opts manifest.SourceOptions) (*manifest.Project, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	chartDir := opts.Path
	name := manifest.DisplayPath(opts.WorkingDir, chartDir)
	chrt, err := loader.Load(chartDir)
	if err != nil {
		return nil, fmt.Errorf("load helm chart %s: %w: fix Chart.yaml or the chart's files", name, err)
	}
	var warnings []string
	if err := loadLocalDependencies(chrt, chartDir, name); err != nil {
		return nil, err
	}
	missing := missingDependencies(chrt)
	if len(missing) > 0 {
		warnings = append(warnings, fmt.Sprintf("%s/Chart.yaml: dependencies %s are not in charts/ (parity downloads nothing): rendered without them; run `helm dependency build %s` to vendor them", name, strings.Join(missing, ", "), name))
	}
	files := []string{filepath.Join(chartDir, "Chart.yaml")}
	if _, err := os.Stat(filepath.Join(chartDir, "values.yaml")); err == nil {
		files = append(files, filepath.Join(chartDir, "values.yaml"))
	}
	vals := map[string]any{}
	for _, f := range opts.ValueFiles {
		if !filepath.IsAbs(f) {
			f = filepath.Join(opts.WorkingDir, f)
		}
		v, err := chartutil.ReadValuesFile(f)
		if err != nil {
			return nil, fmt.Errorf("read helm values %s: %w: fix the YAML", manifest.DisplayPath(opts.WorkingDir, f), err)
		}
		vals = mergeValues(vals, v)
		files = append(files, f)
	}
	release := opts.ProjectName
	if release == "" {
		release = chrt.Name()
	}
	first, err := render(chrt, vals, release, name, missing)
	if err != nil {
		return nil, err
	}
	// Rendered twice: a Secret value that changes is made at install time
	// (randAlphaNum), not written in the chart.
	second, err := render(chrt, vals, release, name, missing)
	if err != nil {
		return nil, err
	}
	p, err := kube.FromRenderings(first, second, opts)
	if err != nil {
		return nil, err
	}
	p.Source = "helm"
	p.Warnings = append(warnings, p.Warnings...)
	p.Files = manifest.AbsFiles(append(files, templateFiles(chartDir, name, first)...))
	return p, nil
}

// render renders chrt as `helm install --dry-run` would with no cluster:
// its dependencies enabled by their conditions and tags, values coalesced
// over the charts' own, default capabilities. Each template's output is a
// Document named by its path under the chart directory.
func render(chrt *chart.Chart, vals map[string]any, release, chartName string, missing []string) ([]kube.Document, error) {
	// ProcessDependencies edits the chart (disabled subcharts removed,
	// import-values merged): work on a fresh copy each time.
	c := *chrt
	c.SetDependencies(chrt.Dependencies()...)
	if err := chartutil.ProcessDependenciesWithMerge(&c, vals); err != nil {
		return nil, fmt.Errorf("render helm chart %s: %w", chartName, err)
	}
	opts := chartutil.ReleaseOptions{Name: release, Namespace: Namespace, Revision: 1, IsInstall: true}
	values, err := chartutil.ToRenderValues(&c, vals, opts, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		return nil, fmt.Errorf("render helm chart %s: %w: fix the values", chartName, err)
	}
	out, err := engine.Render(&c, values)
	if err != nil {
		return nil, renderError(err, missing, chartName)
	}
	var docs []kube.Document
	for _, key := range slices.Sorted(maps.Keys(out)) {
		base := filepath.Base(key)
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" || strings.TrimSpace(out[key]) == "" {
			continue
		}
		// "shop/charts/postgresql/templates/x.yaml" is chartName's charts/postgresql/templates/x.yaml.
		_, rest, _ := strings.Cut(key, "/")
		docs = append(docs, kube.Document{Origin: chartName + "/" + rest, Data: []byte(out[key])})
	}
	return docs, nil
}

// loadLocalDependencies adds the dependencies Chart.yaml names with a
// file:// repository that charts/ does not hold, from the directory it
// names, as `helm dependency build` would copy them: a chart beside the
// app's in the same repository needs nothing downloaded.
func loadLocalDependencies(c *chart.Chart, chartDir, name string) error {
	for _, d := range c.Metadata.Dependencies {
		path, ok := strings.CutPrefix(d.Repository, "file://")
		if !ok || slices.ContainsFunc(c.Dependencies(), func(sub *chart.Chart) bool { return sub.Name() == d.Name }) {
			continue
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(chartDir, path)
		}
		sub, err := loader.Load(path)
		if err != nil {
			return fmt.Errorf("load helm chart %s: dependency %s (%s): %w: fix its repository in Chart.yaml", name, d.Name, d.Repository, err)
		}
		c.AddDependency(sub)
	}
	return nil
}

// renderError says how to fix a template that fails. When it fails on a
// named template that is not defined and dependencies are missing, the
// templates most likely call the dependency's helpers: vendoring them is
// the fix, not editing the template.
func renderError(err error, missing []string, name string) error {
	if len(missing) == 0 || !strings.Contains(err.Error(), "no template ") {
		return fmt.Errorf("render helm chart %s: %w: fix the template", name, err)
	}
	what := "dependency " + missing[0] + " is"
	if len(missing) > 1 {
		what = "dependencies " + strings.Join(missing, ", ") + " are"
	}
	return fmt.Errorf("render helm chart %s: %w: %s not in charts/ and the templates use it (parity downloads nothing): run `helm dependency build %s` and read the chart again", name, err, what, name)
}

// missingDependencies are the dependencies Chart.yaml lists that charts/
// does not hold.
func missingDependencies(c *chart.Chart) []string {
	var missing []string
	for _, d := range c.Metadata.Dependencies {
		if !slices.ContainsFunc(c.Dependencies(), func(sub *chart.Chart) bool { return sub.Name() == d.Name }) {
			missing = append(missing, d.Name)
		}
	}
	return missing
}

// mergeValues merges src over dst as helm merges -f files: maps key by
// key, anything else replaced.
func mergeValues(dst, src map[string]any) map[string]any {
	out := maps.Clone(dst)
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(dm, sm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// templateFiles are the rendered templates that are files on disk (not
// inside a packaged subchart), by their origins under chartName.
func templateFiles(chartDir, chartName string, docs []kube.Document) []string {
	var files []string
	for _, d := range docs {
		f := filepath.Join(chartDir, filepath.FromSlash(strings.TrimPrefix(d.Origin, chartName+"/")))
		if _, err := os.Stat(f); err == nil {
			files = append(files, f)
		}
	}
	return files
}
