// Package paas reads the specs of platforms that run an app with managed
// services beside it (Render's render.yaml, DigitalOcean App Platform's
// .do/app.yaml, Heroku's app.json) into parity's model: each managed
// database or cache becomes the upstream image of its engine and version,
// and the app's environment keeps the platform's wiring (fromDatabase,
// ${db.DATABASE_URL}, an add-on's DATABASE_URL) pointed at those services
// by name, with the passwords the platform generates left as unset
// variables the engine fills with one generated secret.
//
// It is the only package that imports go.yaml.in/yaml/v3.
package paas

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
)

// The formats, as Project.Source names them.
const (
	Render       = "render"
	DigitalOcean = "digitalocean"
	Heroku       = "heroku"
)

// specFiles are where each platform keeps its spec in a repository, in the
// order a directory is searched.
var specFiles = []string{
	"render.yaml",
	".do/app.yaml",
	".do/deploy.template.yaml",
	"app.json",
}

// maxSpecSize bounds what is read: specs are a few kilobytes.
const maxSpecSize = 4 << 20

// Detect reports whether path is a spec this package reads, and its
// format (Render, DigitalOcean or Heroku). A directory is searched for
// render.yaml, .do/app.yaml, .do/deploy.template.yaml and app.json, in
// that order. The decision is by content: an app.json that is an Expo
// config, or a .do/app.yaml that is something else, is not a spec.
func Detect(path string) (format string, ok bool) {
	file, format, err := locate(path, "")
	return format, err == nil && file != ""
}

// locate finds the spec file at path and its format. Messages name files
// relative to dir.
func locate(path, dir string) (file, format string, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", "", err
	}
	if !info.IsDir() {
		format, err := detectFile(path, manifest.DisplayPath(dir, path))
		if err != nil {
			return "", "", err
		}
		return path, format, nil
	}
	for _, name := range specFiles {
		f := filepath.Join(path, filepath.FromSlash(name))
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			continue
		}
		format, err := detectFile(f, manifest.DisplayPath(dir, f))
		if err == nil {
			return f, format, nil
		}
		if !errors.Is(err, errNotSpec) {
			return "", "", err // a spec with a syntax error says so
		}
	}
	return "", "", fmt.Errorf("%s: no Render render.yaml, DigitalOcean .do/app.yaml or Heroku app.json in it", path)
}

var errNotSpec = errors.New("not a Render blueprint, DigitalOcean app spec or Heroku app.json")

// detectFile reads file and tells its format by its shape; name is how
// messages call the file.
func detectFile(file, name string) (string, error) {
	data, err := readSpec(file)
	if err != nil {
		return "", err
	}
	root, asJSON, err := parse(name, data)
	if err != nil {
		return "", err
	}
	if format := shape(root, asJSON); format != "" {
		return format, nil
	}
	return "", fmt.Errorf("%s: %w", name, errNotSpec)
}

// isJSON reports whether a spec is read as JSON: app.json, or a file
// other than .yaml/.yml whose first character opens a JSON object.
func isJSON(file string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".json":
		return true
	case ".yaml", ".yml":
		return false
	}
	trimmed := strings.TrimLeft(string(data[:min(len(data), 512)]), " \t\r\n\ufeff")
	return strings.HasPrefix(trimmed, "{")
}

// parse reads a spec as JSON or YAML; asJSON says which.
func parse(name string, data []byte) (root *node, asJSON bool, err error) {
	if isJSON(name, data) {
		root, err = parseJSON(name, data)
		return root, true, err
	}
	root, err = parseYAML(name, data)
	return root, false, err
}

// shape tells the format from the spec's top-level structure: Heroku's
// app.json is JSON, the others YAML.
func shape(root *node, asJSON bool) string {
	switch {
	case !root.is(mapNode):
		return ""
	case asJSON:
		if isHeroku(root) {
			return Heroku
		}
	case isRender(root):
		return Render
	case isDigitalOcean(root), isDigitalOcean(root.get("spec")):
		return DigitalOcean
	}
	return ""
}

func readSpec(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSpecSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(data) > maxSpecSize {
		return nil, fmt.Errorf("%s: larger than %d MiB, not a platform spec", file, maxSpecSize>>20)
	}
	return data, nil
}

// Load reads the spec at opts.Path (a file, or a directory holding one)
// into a Project whose Source is the format's name.
func Load(ctx context.Context, opts manifest.SourceOptions) (*manifest.Project, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	file, _, err := locate(opts.Path, opts.WorkingDir)
	if err != nil {
		return nil, err
	}
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	data, err := readSpec(file)
	if err != nil {
		return nil, err
	}
	return fromData(file, data, opts)
}

// fromData reads the spec file holds, data.
func fromData(file string, data []byte, opts manifest.SourceOptions) (*manifest.Project, error) {
	r := &reader{file: manifest.DisplayPath(opts.WorkingDir, file), taken: map[string]bool{}}
	root, asJSON, err := parse(r.file, data)
	if err != nil {
		return nil, err
	}
	format := shape(root, asJSON)
	switch format {
	case Render:
		err = r.render(root)
	case DigitalOcean:
		if spec := root.get("spec"); !isDigitalOcean(root) && spec != nil {
			root = spec // .do/deploy.template.yaml wraps the app spec
		}
		err = r.digitalOcean(root)
	case Heroku:
		err = r.heroku(root)
	default:
		err = fmt.Errorf("%s: %w", r.file, errNotSpec)
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(r.services, func(a, b manifest.Service) int { return cmp.Compare(a.Name, b.Name) })
	p := &manifest.Project{
		Name:       opts.ProjectName,
		WorkingDir: opts.WorkingDir,
		Files:      []string{file},
		Services:   r.services,
		Warnings:   r.warnings,
		Source:     format,
	}
	unset := map[string]bool{}
	for _, s := range r.services {
		for _, v := range s.Environment {
			for _, name := range v.UnsetVars() {
				unset[name] = true
			}
		}
		for _, v := range s.Command {
			for _, name := range v.UnsetVars() {
				unset[name] = true
			}
		}
	}
	for name := range unset {
		p.Unset = append(p.Unset, name)
	}
	slices.Sort(p.Unset)
	return p, nil
}

// reader collects one spec's services and warnings.
type reader struct {
	file     string // as messages name it
	services []manifest.Service
	warnings []string
	taken    map[string]bool // service names in use
}

func (r *reader) pos(n *node) string {
	if n == nil {
		return r.file
	}
	return fmt.Sprintf("%s:%d", r.file, n.line)
}

func (r *reader) warn(n *node, format string, args ...any) {
	r.warnings = append(r.warnings, r.pos(n)+": "+fmt.Sprintf(format, args...))
}

func (r *reader) errorf(n *node, format string, args ...any) error {
	where := r.file
	if n != nil {
		where = fmt.Sprintf("%s:%d:%d", r.file, n.line, n.col)
	}
	return fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
}

// addBacking adds a managed service; a second one of the same name is
// left out with a warning (the platforms reject such a spec).
func (r *reader) addBacking(n *node, b *backing) {
	if r.taken[b.name] {
		r.warn(n, "a second service named %q is left out", b.name)
		return
	}
	r.taken[b.name] = true
	r.services = append(r.services, b.service())
}

// addApp adds one of the team's own components. Platforms keep databases
// and apps in separate namespaces (Render's django example names both
// "mysite"), but parity's services share one: the database keeps the name,
// since the app's URLs point at it, and the app becomes name-suffix.
func (r *reader) addApp(n *node, s manifest.Service, suffix string) {
	name := s.Name
	if r.taken[name] {
		s.Name = name + "-" + suffix
		for i := 2; r.taken[s.Name]; i++ {
			s.Name = fmt.Sprintf("%s-%s%d", name, suffix, i)
		}
		r.warn(n, "the %s %q shares its name with another service: parity calls it %q", suffix, name, s.Name)
	}
	r.taken[s.Name] = true
	s.App = true
	r.services = append(r.services, s)
}

// kindOf checks that n is of kind k, else an error naming the field.
func (r *reader) kindOf(n *node, k nodeKind, field string) error {
	if n == nil || n.kind == k || n.kind == nullNode {
		return nil
	}
	return r.errorf(n, "%s must be %s, not %s", field, k, n.kind)
}
