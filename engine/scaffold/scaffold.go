// Package scaffold writes a team's first parity.yaml: it finds the
// production manifest (also in deploy/, ops/, infra/ ... and under names
// such as compose.prod.yaml), the manifest service that is the app, and the
// command that runs the app locally (Procfile, package.json, go.mod,
// manage.py, bin/rails, mix.exs, Cargo.toml ...), and says why it chose each.
package scaffold

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/engine/sources"
)

// ErrExists is returned (wrapped) by Write when parity.yaml exists and force is not set.
var ErrExists = errors.New("already exists")

// Options say where to look and what the user already told parity.
type Options struct {
	// Dir is the repository directory parity.yaml is written to.
	Dir string
	// Files are manifests given with -f: used as they are instead of searching.
	Files []string
	// Project is -p, written as project: when set.
	Project string
	// Environ interpolates the manifest while reading its services; nil is empty.
	Environ map[string]string
}

// Findings are what Detect found, each with why, and the alternatives it saw.
type Findings struct {
	Dir     string
	Project string
	// Manifest is the chosen production manifest; nil when none was found.
	Manifest *Manifest
	// Manifests are every candidate seen, best first, the ignored ones last.
	Manifests []Manifest
	// AppService is the manifest service the app replaces, "" to let parity detect it.
	AppService    string
	AppServiceWhy string
	// Command is the chosen app command; nil when none was found or the choice is ambiguous.
	Command *Command
	// Commands are every command candidate, in order of preference.
	Commands []Command
	// Notes are things the user should know (a manifest that does not load, an ambiguous choice).
	Notes []string
}

// Detect looks at opts.Dir and decides what parity.yaml should say. It fails
// only when no manifest can be found: without one, parity has nothing to run.
func Detect(ctx context.Context, opts Options) (*Findings, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolve directory: %w", err)
	}
	f := &Findings{Dir: dir, Project: opts.Project}
	if len(opts.Files) > 0 {
		for _, file := range opts.Files {
			rel := file
			if filepath.IsAbs(file) {
				if r, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(r, "..") {
					rel = r
				}
			}
			f.Manifests = append(f.Manifests, Manifest{Path: filepath.ToSlash(rel), Rank: RankGiven, Why: "given with -f"})
		}
	} else {
		f.Manifests = findManifests(dir)
	}
	others := sourceCandidates(dir)
	if len(f.Manifests) == 0 || f.Manifests[0].Rank == RankIgnored {
		if len(others) == 0 {
			return nil, fmt.Errorf("find manifest: no Compose file in %s or its %s folders%s, nor another production source (%s); write parity.yaml by hand or pass the production manifest with -f",
				dir, strings.Join(manifestDirs[1:], "/, ")+"/", ignoredNote(f.Manifests), sources.Formats)
		}
		f.Manifests = append(others, f.Manifests...)
	} else if len(others) > 0 && len(opts.Files) == 0 {
		var names []string
		for _, o := range others {
			names = append(names, o.Path)
		}
		f.Notes = append(f.Notes, fmt.Sprintf("production is also described in %s: list it in files: before %s to take the versions from it (parity check then compares the two)", strings.Join(names, ", "), f.Manifests[0].Path))
	}
	f.Manifest = &f.Manifests[0]
	f.detectApp(ctx, opts)
	f.Commands = findCommands(dir)
	f.Command, f.Notes = chooseCommand(f.Commands, f.Notes)
	return f, nil
}

func ignoredNote(ms []Manifest) string {
	var names []string
	for _, m := range ms {
		names = append(names, m.Path)
	}
	if len(names) == 0 {
		return ""
	}
	return " (only dev-only files: " + strings.Join(names, ", ") + ")"
}

// detectApp reads the manifest's services to name the app: the one service
// with build:, or among several the one named like a web app.
func (f *Findings) detectApp(ctx context.Context, opts Options) {
	var files []string
	for _, m := range f.Manifests {
		if m.Rank == RankGiven || m.Path == f.Manifest.Path {
			files = append(files, filepath.Join(f.Dir, filepath.FromSlash(m.Path)))
		}
	}
	env := opts.Environ
	if env == nil {
		env = map[string]string{}
	}
	proj, _, err := sources.Load(ctx, sources.Options{LoadOptions: manifest.LoadOptions{WorkingDir: f.Dir, Files: files, ProjectName: opts.Project, Environ: env}})
	if err != nil {
		f.Notes = append(f.Notes, fmt.Sprintf("%s does not load (%v); `parity doctor` says more", f.Manifest.Path, err))
		return
	}
	var built []string
	for _, s := range proj.Services {
		if s.Build || s.App {
			built = append(built, s.Name)
		}
	}
	switch len(built) {
	case 0:
		f.Notes = append(f.Notes, "no service has build:, so parity detects the app from the manifest (an image it does not know that depends on a database or cache); set app.service if it guesses wrong")
	case 1:
		f.AppService, f.AppServiceWhy = built[0], "the only service with build:"
		if s := proj.Service(built[0]); s != nil && s.App {
			f.AppServiceWhy = "the app in production's " + proj.Source + " description"
			if s.Origin != "" {
				f.AppServiceWhy += " (" + s.Origin + ")"
			}
		}
	default:
		name := preferred(built, "web", "app", "api", "server", "backend")
		if name == "" {
			name = built[0]
		}
		f.AppService = name
		f.AppServiceWhy = fmt.Sprintf("one of the services with build: (%s), chosen by its name", strings.Join(built, ", "))
	}
}

// preferred returns the first of names that is in have, "" if none is.
func preferred(have []string, names ...string) string {
	for _, n := range names {
		for _, h := range have {
			if h == n {
				return h
			}
		}
	}
	return ""
}

// Write writes the findings as dir/parity.yaml and returns its path. It never
// replaces an existing file unless force is set.
func Write(f *Findings, force bool) (string, error) {
	path := filepath.Join(f.Dir, manifest.ConfigName)
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	file, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return path, fmt.Errorf("write %s: %w; pass --force to replace it", path, ErrExists)
	}
	if err != nil {
		return path, fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := file.Write(f.Config()); err != nil {
		file.Close()
		return path, fmt.Errorf("write %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return path, fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}

// Exists reports whether dir already has a parity.yaml, and its path.
func Exists(dir string) (string, bool) {
	path := filepath.Join(dir, manifest.ConfigName)
	_, err := os.Stat(path)
	return path, err == nil
}
