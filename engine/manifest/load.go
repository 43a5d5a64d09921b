package manifest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/consts"
	"github.com/compose-spec/compose-go/v2/types"
)

// LoadOptions select and parameterise the manifest to load. They mirror the
// docker compose flags and environment so a team's manifest loads in parity
// exactly as `docker compose config` would show it, except that unset
// variables never fail (see Project.Unset).
type LoadOptions struct {
	// WorkingDir is where parity runs; relative Files and EnvFiles are
	// resolved against it and discovery starts there. "" means the process's
	// working directory. As in Compose, the project directory (relative paths
	// in the manifest, the default .env, the default project name) is the
	// directory of the first manifest file.
	WorkingDir string
	// Files are the manifests given with -f, merged in order as Compose
	// merges them. Empty means Discover(WorkingDir, Environ, nil); callers
	// with a parity.yaml pass Discover's result instead.
	Files []string
	// ProjectName is -p (or parity.yaml's project). "" falls back to
	// COMPOSE_PROJECT_NAME, the manifest's top-level name, then the project
	// directory's base name normalised as Compose does.
	ProjectName string
	// Profiles are the --profile flags; empty means COMPOSE_PROFILES.
	Profiles []string
	// Environ is the process environment; it wins over .env files, as in
	// Compose. Tests pass their own.
	Environ map[string]string
	// EnvFiles are --env-file flags. Empty means the project directory's
	// .env when it exists, unless COMPOSE_DISABLE_ENV_FILE is true.
	EnvFiles []string
	// Stdin is read for a file named "-" (`-f -`), as Compose does; the
	// manifest's relative paths then start at WorkingDir (or ProjectDir).
	Stdin io.Reader
	// ProjectDir is --project-directory: the directory the manifest's
	// relative paths, the default .env and the default project name come
	// from, instead of the first manifest's directory. Relative to WorkingDir.
	ProjectDir string
}

// Load reads the manifest with compose-go's loader, so interpolation, .env,
// env_file, extends, include, profiles and multiple files behave as in
// Compose, and converts the result to parity's model.
//
// Unset variables never fail loading. Where the expression has no fallback
// (`${V}`, `$V`, `${V:?msg}`, `${V?msg}`; for `:?` also when V is empty) the
// value refers to V as unset (see Value) and V is listed in Project.Unset; `${V:-d}`,
// `${V-d}`, `${V:+a}` and `${V+a}` keep Compose's meaning. In fields Compose
// parses (ports, numbers, booleans, durations, sizes) a placeholder cannot
// stand: there V becomes "" as in Compose, and a field left empty becomes
// its zero, so `"${DB_PORT}:5432"` is 5432 on no fixed host port, `retries:
// ${R}` is 0, `interval: ${I}` is 0s, a port that is only `${P}` is dropped,
// and a short-syntax volume whose source starts with `${V}` becomes an
// anonymous volume rather than a bind of a guessed host path. Variables
// inside env_file files are expanded by Compose's dotenv rules ("" when
// unset) and are not listed. Unset lists only variables that enabled
// services (or top-level resources) use, plus those of typed fields.
func Load(ctx context.Context, opts LoadOptions) (*Project, error) {
	wd, err := absDir(opts.WorkingDir)
	if err != nil {
		return nil, err
	}
	files := slices.Clone(opts.Files)
	if len(files) == 0 {
		if files, err = Discover(wd, opts.Environ, nil); err != nil {
			return nil, err
		}
	}
	// The manifests are read here, through the guarded read, and compose-go
	// gets their bytes: it would read /dev/zero or a FIFO without end.
	configFiles := make([]types.ConfigFile, len(files))
	stdinRead := false
	for i, f := range files {
		if f == "-" {
			if stdinRead {
				return nil, errors.New("read manifest: -f - is given twice; standard input can be read once")
			}
			stdinRead = true
			data, err := readStdin(opts.Stdin, manifestInput)
			if err != nil {
				return nil, err
			}
			dir := wd
			if opts.ProjectDir != "" {
				dir = absPaths(wd, []string{opts.ProjectDir})[0]
			}
			files[i] = filepath.Join(dir, StdinName)
			configFiles[i] = types.ConfigFile{Filename: files[i], Content: data}
			continue
		}
		files[i] = absPaths(wd, []string{f})[0]
		data, err := readInput(files[i], manifestInput)
		if err != nil {
			return nil, err
		}
		configFiles[i] = types.ConfigFile{Filename: files[i], Content: data}
	}

	// As in Compose (cli.WithEnvFiles), COMPOSE_DISABLE_ENV_FILE only drops
	// the implicit .env: files given with --env-file are still read.
	projectDir := filepath.Dir(files[0])
	if opts.ProjectDir != "" {
		projectDir = absPaths(wd, []string{opts.ProjectDir})[0]
		if fi, err := os.Stat(projectDir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("project directory %s: not a directory; --project-directory names the directory the manifest's relative paths and .env are read from", projectDir)
		}
	}
	envFiles := absPaths(wd, opts.EnvFiles)
	envSample := ""
	if len(envFiles) == 0 {
		envFiles, envSample = defaultEnvFile(projectDir, opts.Environ)
	}
	// The env files are read here, once, rather than by cli.WithDotEnv, so
	// that the values that interpolate the manifest are also the ones the
	// app gets (Project.DotEnv). The shell wins over them, as in Compose.
	dotEnv, err := readEnvFiles(envFiles, opts.Environ)
	if err != nil {
		return nil, err
	}
	if envSample != "" {
		// A sample's empty value says nothing ("fill in"): the variable stays
		// unset, so parity binds it (a generated password) or the app's own
		// default applies.
		maps.DeleteFunc(dotEnv, func(_, v string) bool { return FillIn(v) })
	}
	env := maps.Clone(dotEnv)
	maps.Copy(env, opts.Environ)
	subst := newUnsetSubstitution()
	loaded, err := loadProject(ctx, configFiles, projectDir, env, opts, subst)
	if err != nil {
		return nil, loadError(files, err)
	}
	missing := optionalMissingEnvFiles(loaded)
	if err := checkServiceFiles(loaded); err != nil {
		return nil, fmt.Errorf("load manifest %s: %w", strings.Join(files, ", "), err)
	}
	if loaded, err = loaded.WithServicesEnvironmentResolved(false); err != nil {
		return nil, loadError(files, err)
	}
	if err := checkProfiles(loaded, loaded.Profiles, files); err != nil {
		return nil, err
	}
	if len(loaded.Services) == 0 {
		return nil, noServicesError(loaded, files)
	}

	project := convertProject(loaded)
	project.Files = files
	project.Unset = subst.referencedBy(loaded)
	project.EnvFiles = envFiles
	project.DotEnv = dotEnv
	project.EnvSample = envSample
	if envSample != "" {
		project.Warnings = append(project.Warnings, fmt.Sprintf("there is no .env in %s: parity reads its committed sample %s instead, as `cp %s .env` would; create .env to change the values",
			filepath.Dir(envSample), filepath.Base(envSample), filepath.Base(envSample)))
	}
	for _, m := range missing {
		if m.sample != "" {
			project.Warnings = append(project.Warnings, fmt.Sprintf("service %s: env_file %s does not exist on this machine; using its committed sample %s", m.service, m.path, filepath.Base(m.sample)))
		} else {
			project.Warnings = append(project.Warnings, fmt.Sprintf("service %s: env_file %s does not exist on this machine; its variables are left out", m.service, m.path))
		}
		if svc := project.Service(m.service); svc != nil {
			svc.MissingEnvFiles = append(svc.MissingEnvFiles, m.path)
			dropEmptySampleValues(svc, m.sample)
		}
	}
	return project, nil
}

// missingEnvFile is an env_file of a service that does not exist here, and
// the committed sample read in its place ("" when there is none).
type missingEnvFile struct{ service, path, sample string }

// optionalMissingEnvFiles reads, for each env file that does not exist
// here, its committed sample (`.db.env.example` for `.db.env`; for a `.env`,
// also the project's `env.example` and the like), and otherwise makes it
// optional. Production manifests name files that live only on the servers
// (`env_file: .env.production`); Compose would refuse to load, parity goes
// on without them — or with what the repository says they hold — and says so.
func optionalMissingEnvFiles(p *types.Project) []missingEnvFile {
	var missing []missingEnvFile
	for name, svc := range p.Services {
		for i, ef := range svc.EnvFiles {
			if _, err := os.Stat(ef.Path); err != nil && errors.Is(err, fs.ErrNotExist) {
				m := missingEnvFile{service: name, path: ef.Path, sample: sampleOf(ef.Path)}
				if m.sample != "" {
					svc.EnvFiles[i].Path = m.sample
				} else {
					svc.EnvFiles[i].Required = false
				}
				missing = append(missing, m)
			}
		}
		p.Services[name] = svc
	}
	// By service, and in the manifest's order within one: a later env_file wins.
	sort.SliceStable(missing, func(i, j int) bool { return missing[i].service < missing[j].service })
	return missing
}

// dropEmptySampleValues removes the variables a sample leaves for the
// reader to fill in (empty, your_password_here) from the service it stood
// in for, unless the service sets them otherwise: unset, parity binds them
// or the image's or the app's own default applies.
func dropEmptySampleValues(svc *Service, sample string) {
	if sample == "" {
		return
	}
	vars, err := ReadEnvFile(sample, nil)
	if err != nil {
		return // compose-go read it already; it reports its own errors
	}
	for k, v := range vars {
		if cur, ok := svc.Environment[k]; ok && FillIn(v) && cur.String() == v && cur.Literal() {
			delete(svc.Environment, k)
		}
	}
}

// sampleOf is the committed sample of an env file that does not exist:
// the file with a sample suffix, or for a .env the project's sample names.
func sampleOf(path string) string {
	var candidates []string
	for _, suffix := range sampleSuffixes {
		candidates = append(candidates, path+suffix)
	}
	if filepath.Base(path) == ".env" {
		for _, name := range projectSamples {
			candidates = append(candidates, filepath.Join(filepath.Dir(path), name))
		}
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			return c
		}
	}
	return ""
}

// defaultEnvFile is Compose's implicit .env: in the project directory,
// skipped when COMPOSE_DISABLE_ENV_FILE is true. Where there is none, the
// project's committed sample (.env.example, env.example...) stands in for
// it, as the first step of every such project's README (`cp env.example
// .env`) would make it; sample is then its path.
func defaultEnvFile(projectDir string, environ map[string]string) (files []string, sample string) {
	if v, ok := environ[consts.ComposeDisableDefaultEnvFile]; ok {
		if disabled, err := strconv.ParseBool(v); err == nil && disabled {
			return nil, ""
		}
	}
	path := filepath.Join(projectDir, ".env")
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		return []string{path}, ""
	}
	if s := sampleOf(path); s != "" {
		return []string{s}, s
	}
	return nil, ""
}

// loadError makes sure a loader error names the manifest: compose-go names
// the file in schema errors but not in YAML syntax, interpolation or merge ones.
func loadError(files []string, err error) error {
	msg := err.Error()
	// Compose's own words say what is wrong but not the rule to follow.
	switch {
	case strings.Contains(msg, "services additional properties"):
		err = fmt.Errorf("%w (a service name may use only letters a-z and A-Z, digits, '.', '_' and '-')", err)
	case strings.Contains(msg, "project name must not be empty"):
		err = fmt.Errorf("%w: the manifest's name: keeps no character a project name may use (a-z, 0-9, '_' and '-'); change it or pass -p", err)
	}
	for _, f := range files {
		if strings.Contains(msg, f) {
			return fmt.Errorf("load manifest: %w", err)
		}
	}
	return fmt.Errorf("load manifest %s: %w", strings.Join(files, ", "), err)
}

// checkProfiles rejects a profile no service uses: a typo in --profile would
// otherwise silently start fewer services.
func checkProfiles(p *types.Project, active []string, files []string) error {
	var defined []string
	for _, s := range p.AllServices() {
		defined = append(defined, s.Profiles...)
	}
	slices.Sort(defined)
	defined = slices.Compact(defined)
	for _, want := range active {
		if want == "" || want == "*" || slices.Contains(defined, want) {
			continue
		}
		list := "none"
		if len(defined) > 0 {
			list = strings.Join(defined, ", ")
		}
		return fmt.Errorf("unknown profile %q in %s; profiles defined: %s", want, strings.Join(files, ", "), list)
	}
	return nil
}

func noServicesError(p *types.Project, files []string) error {
	where := strings.Join(files, ", ")
	if len(p.DisabledServices) == 0 {
		return fmt.Errorf("load manifest %s: no services defined", where)
	}
	var profiles []string
	for _, s := range p.DisabledServices {
		profiles = append(profiles, s.Profiles...)
	}
	slices.Sort(profiles)
	return fmt.Errorf("load manifest %s: no services enabled: all are behind profiles (%s); pass --profile",
		where, strings.Join(slices.Compact(profiles), ", "))
}
