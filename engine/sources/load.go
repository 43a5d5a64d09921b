// Package sources reads production's description of its services from
// wherever a team keeps it (Compose files, Terraform, Kubernetes manifests,
// Helm charts, PaaS specs), each through the one package that imports its
// parser, and merges several into one manifest.Project.
package sources

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/engine/manifest/helm"
	"github.com/parity-dev/parity/engine/manifest/kube"
	"github.com/parity-dev/parity/engine/manifest/paas"
	"github.com/parity-dev/parity/engine/manifest/terraform"
)

// Options select the sources to read.
type Options struct {
	manifest.LoadOptions
	// ValueFiles are Terraform -var-file files and Helm values files
	// (parity.yaml values:, --values), relative to WorkingDir.
	ValueFiles []string
}

// reader is one format parity reads besides Compose.
type reader struct {
	format string
	// detect reports whether path (a file or a directory) is in this format.
	detect func(path string) bool
	load   func(ctx context.Context, opts manifest.SourceOptions) (*manifest.Project, error)
}

// composeName matches the names Compose files go by (compose.yaml,
// docker-compose.prod.yml, compose.override.yaml).
var composeName = regexp.MustCompile(`^(docker-)?compose([.-][^/]*)?\.ya?ml$`)

// readers are tried in order on a path that is not given as Compose: the
// most specific layouts first (a chart directory holds YAML that is not
// plain Kubernetes).
var readers = []reader{
	{format: "helm", detect: helm.Detect, load: helm.Load},
	{format: terraform.Source, detect: terraform.Detect, load: terraform.Load},
	{format: paas.Render, detect: isPaaS(paas.Render), load: paas.Load},
	{format: paas.DigitalOcean, detect: isPaaS(paas.DigitalOcean), load: paas.Load},
	{format: paas.Heroku, detect: isPaaS(paas.Heroku), load: paas.Load},
	{format: "kubernetes", detect: kube.Detect, load: kube.Load},
}

// isPaaS detects one PaaS spec format.
func isPaaS(format string) func(string) bool {
	return func(path string) bool {
		f, ok := paas.Detect(path)
		return ok && f == format
	}
}

// Formats lists what parity reads, for messages.
const Formats = "Compose files, Terraform (*.tf), Kubernetes manifests and kustomizations, Helm charts, render.yaml, .do/app.yaml, app.json"

// FormatOf says which format path is in: one of the readers', or
// "compose". A directory in no known format is an error naming what
// parity reads.
func FormatOf(path string) (string, error) {
	if path == "-" {
		return "compose", nil
	}
	fi, err := os.Stat(path)
	if err != nil || (!fi.IsDir() && !fi.Mode().IsRegular()) {
		// The Compose loader's guarded read says what is wrong with it
		// (a FIFO would block a reader's detection forever).
		return "compose", nil
	}
	if !fi.IsDir() && composeName.MatchString(filepath.Base(path)) {
		// Named as Compose names its files: no other reader need parse it
		// first (every command loads the manifest).
		return "compose", nil
	}
	for _, r := range readers {
		if r.detect(path) {
			return r.format, nil
		}
	}
	if fi.IsDir() {
		if compose := composeIn(path); compose != "" {
			return "compose", nil
		}
		return "", fmt.Errorf("read production source %s: a directory parity cannot read; it reads %s", path, Formats)
	}
	return "compose", nil
}

// composeIn is the Compose file a directory holds, "" when none.
func composeIn(dir string) string {
	for _, name := range manifest.ManifestNames {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.IsDir() {
			return filepath.Join(dir, name)
		}
	}
	return ""
}

// Load reads every source in opts.Files (which must not be empty: the
// caller discovers them), Compose files together as Compose merges them,
// each other source on its own, and merges the results in the order given.
// Disagreements between sources on a service's image come back beside the
// project; the project's Warnings list them too.
func Load(ctx context.Context, opts Options) (*manifest.Project, []Disagreement, error) {
	wd := opts.WorkingDir
	if wd == "" {
		var err error
		if wd, err = os.Getwd(); err != nil {
			return nil, nil, err
		}
	}
	type part struct {
		format string
		paths  []string
	}
	var parts []part
	composeAt := -1
	for _, f := range opts.Files {
		path := f
		if f != "-" && !filepath.IsAbs(f) {
			path = filepath.Join(wd, f)
		}
		format, err := FormatOf(path)
		if err != nil {
			return nil, nil, err
		}
		if format == "compose" {
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				f = composeIn(path)
			}
			if composeAt >= 0 {
				parts[composeAt].paths = append(parts[composeAt].paths, f)
				continue
			}
			composeAt = len(parts)
			parts = append(parts, part{format, []string{f}})
			continue
		}
		parts = append(parts, part{format, []string{path}})
	}
	if composeAt == 0 && len(parts) == 1 {
		lo := opts.LoadOptions
		lo.Files = parts[0].paths
		p, err := manifest.Load(ctx, lo)
		if p != nil {
			p.Source = "compose"
		}
		return p, nil, err
	}

	// The project directory: --project-directory, else the one the first
	// source that is not Compose belongs to. Origins ("infra/rds.tf:12")
	// are relative to it, wherever parity runs.
	projectDir := ""
	if opts.ProjectDir != "" {
		projectDir = opts.ProjectDir
		if !filepath.IsAbs(projectDir) {
			projectDir = filepath.Join(wd, projectDir)
		}
	} else {
		for _, pt := range parts {
			if pt.format != "compose" {
				projectDir = projectDirOf(pt.paths[0])
				break
			}
		}
	}
	var projects []*manifest.Project
	for _, pt := range parts {
		if pt.format == "compose" {
			lo := opts.LoadOptions
			lo.Files = pt.paths
			p, err := manifest.Load(ctx, lo)
			if err != nil {
				return nil, nil, err
			}
			p.Source = "compose"
			projects = append(projects, p)
			continue
		}
		r := readerFor(pt.format)
		p, err := r.load(ctx, manifest.SourceOptions{
			Path: pt.paths[0], WorkingDir: projectDir, ProjectName: opts.ProjectName,
			Environ: opts.Environ, ValueFiles: opts.ValueFiles,
		})
		if err != nil {
			return nil, nil, err
		}
		if p.Source == "" {
			p.Source = pt.format
		}
		projects = append(projects, p)
	}
	merged, disagreements := merge(projects)
	if composeAt < 0 {
		// No Compose file read the project's .env: read it as Compose would.
		files, vars, sample, err := manifest.ProjectEnv(projectDir, opts.EnvFiles, opts.Environ)
		if err != nil {
			return nil, nil, err
		}
		merged.EnvFiles, merged.DotEnv, merged.EnvSample = files, vars, sample
		merged.WorkingDir = projectDir
	}
	if merged.Name == "" {
		merged.Name = opts.ProjectName
		if merged.Name == "" {
			merged.Name = manifest.NormalizeProjectName(filepath.Base(cmp.Or(projectDir, wd)))
		}
	}
	for _, d := range disagreements {
		merged.Warnings = append(merged.Warnings, d.String())
	}
	if len(merged.Services) == 0 {
		return nil, nil, fmt.Errorf("read production sources %s: no service found", strings.Join(opts.Files, ", "))
	}
	return merged, disagreements, nil
}

func readerFor(format string) reader {
	i := slices.IndexFunc(readers, func(r reader) bool { return r.format == format })
	return readers[i]
}

// Discover finds production's sources when none are given: the Compose
// file manifest.Discover finds, else, in the working directory only, a
// PaaS spec or a directory of another format in the usual places
// (terraform/, infra/, deploy/, k8s/, kubernetes/, charts/, helm/, .do/).
func Discover(workingDir string, environ map[string]string, cfg *manifest.Config) ([]string, error) {
	files, err := manifest.Discover(workingDir, environ, cfg)
	if err == nil {
		return files, nil
	}
	if found := Candidates(workingDir); len(found) > 0 {
		return found[:1], nil
	}
	return nil, errors.Join(err, fmt.Errorf("nor any other production source in %s (it reads %s; pass one with -f)", workingDir, Formats))
}

// usualPlaces are where teams keep production's description besides Compose.
var usualPlaces = []string{"render.yaml", ".do/app.yaml", ".do", "app.json", "terraform", "infra", "deploy", "deploy/k8s", "deploy/kubernetes", "deploy/terraform",
	"k8s", "kubernetes", "kubernetes-manifests", "k8s-specifications", "manifests", "charts", "helm"}

// Candidates lists the production sources other than Compose in dir's
// usual places, in the order tried, each as an absolute path.
func Candidates(dir string) []string {
	var out []string
	for _, name := range usualPlaces {
		path := filepath.Join(dir, name)
		if fi, err := os.Stat(path); err != nil || (!fi.IsDir() && !fi.Mode().IsRegular()) {
			continue
		}
		for _, r := range readers {
			if r.detect(path) {
				out = append(out, path)
				break
			}
		}
	}
	return out
}

// projectDirOf is the project directory of a source that is not Compose,
// as a Compose file's own directory is its project's: the nearest
// directory above it holding parity.yaml or .git (infra/ is part of the
// repository, not a project of its own), else the directory holding it.
// The project's default name and .env come from there, wherever parity
// runs.
func projectDirOf(source string) string {
	start := source
	if fi, err := os.Stat(source); err != nil || !fi.IsDir() {
		start = filepath.Dir(source)
	}
	for dir := start; ; {
		for _, marker := range []string{manifest.ConfigName, ".git"} {
			if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if start == source {
		return filepath.Dir(source)
	}
	return start
}
