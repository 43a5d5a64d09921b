package manifest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/consts"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// loadProject is compose-go's cli.ProjectOptions.LoadProject for manifests
// already read: the cli package reads the files itself, with no bound. The
// project directory is dir (the first manifest's unless --project-directory
// names another), and the project name comes, as
// there, from -p, then COMPOSE_PROJECT_NAME, then the manifests' name:, then
// the directory's base name.
func loadProject(ctx context.Context, files []types.ConfigFile, dir string, env map[string]string, opts LoadOptions, subst *unsetSubstitution) (*types.Project, error) {
	if opts.ProjectName != "" && opts.ProjectName != loader.NormalizeProjectName(opts.ProjectName) {
		return nil, loader.InvalidProjectNameErr(opts.ProjectName)
	}
	profiles := opts.Profiles
	if len(profiles) == 0 {
		for _, p := range strings.Split(env[consts.ComposeProfiles], ",") {
			profiles = append(profiles, strings.TrimSpace(p))
		}
	}
	named, err := namedInManifest(files)
	if err != nil {
		return nil, err
	}
	project, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		ConfigFiles: files,
		WorkingDir:  dir,
		Environment: env,
	},
		loader.WithProfiles(profiles),
		func(o *loader.Options) {
			o.ResolvePaths = true
			// Environments are resolved by Load, once missing env files are known.
			o.SkipResolveEnvironment = true
			switch {
			case opts.ProjectName != "":
				o.SetProjectName(opts.ProjectName, true)
			case env[consts.ComposeProjectName] != "":
				o.SetProjectName(env[consts.ComposeProjectName], true)
			case !named:
				o.SetProjectName(loader.NormalizeProjectName(filepath.Base(dir)), false)
			}
		},
		subst.loadOption,
	)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		project.ComposeFiles = append(project.ComposeFiles, f.Filename)
	}
	return project, nil
}

// namedInManifest reports whether a manifest sets the top-level name:, as
// the cli package checks before loading (and fails on YAML it cannot read).
func namedInManifest(files []types.ConfigFile) (bool, error) {
	for _, f := range files {
		var n struct {
			Name string `yaml:"name,omitempty"`
		}
		if err := yaml.Unmarshal(f.Content, &n); err != nil {
			return false, err
		}
		if n.Name != "" {
			return true, nil
		}
	}
	return false, nil
}

// checkServiceFiles passes the files compose-go will open itself when it
// resolves the services' environments (env_file, label_file) through the
// guarded read first, so a FIFO, a device or a huge file is refused with
// its name rather than hanging or filling memory. A file that does not
// exist is left to compose-go (required ones fail there, optional ones are
// skipped).
func checkServiceFiles(p *types.Project) error {
	for _, name := range p.ServiceNames() {
		svc := p.Services[name]
		paths := svc.LabelFiles
		for _, ef := range svc.EnvFiles {
			paths = append(paths, ef.Path)
		}
		for _, path := range paths {
			if _, err := os.Stat(path); os.IsNotExist(err) {
				continue
			}
			if _, err := readInput(path, envInput); err != nil {
				return fmt.Errorf("service %s: %w", name, err)
			}
		}
	}
	return nil
}
