package drift

import (
	"path"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/parity-dev/parity/engine/manifest"
)

// sighting is one image a file starts: a dev Compose service, a CI service
// container, a CI job's container.
type sighting struct {
	Line  int
	Image string // as it runs, variables substituted
	What  string // e.g. "service db", "job test service postgres"
}

// sourceKind says how a file is read.
type sourceKind int

const (
	notASource sourceKind = iota
	composeSource
	githubSource
	gitlabSource
	circleSource
	dotenvSource
)

var composeName = regexp.MustCompile(`^(docker-)?compose([.-][^/]*)?\.ya?ml$`)

// classifyPath decides from a slash-separated path relative to the
// repository root whether and how the file is read. Names only: the walk
// reads nothing else, which keeps check fast on large trees.
func classifyPath(rel string) sourceKind {
	base := path.Base(rel)
	dir := path.Dir(rel)
	isYAML := strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")
	switch {
	case composeName.MatchString(base):
		return composeSource
	case isYAML && (dir == ".github/workflows" || strings.HasSuffix(dir, "/.github/workflows")):
		return githubSource
	case base == ".gitlab-ci.yml" || base == ".gitlab-ci.yaml":
		return gitlabSource
	case (base == "config.yml" || base == "config.yaml") && path.Base(dir) == ".circleci":
		return circleSource
	case isYAML && strings.Contains("/"+dir+"/", "/.devcontainer/"):
		return composeSource // read as Compose; a file without services: gives nothing
	case base == ".env" || strings.HasPrefix(base, ".env."):
		return dotenvSource
	}
	return notASource
}

// composeSightings lists the images a Compose file's services run. Services
// with build: are the team's own code and are left out. vars are the
// variables of the .env beside the file, as Compose reads them.
func composeSightings(root *yaml.Node, vars map[string]string) []sighting {
	var out []sighting
	for _, svc := range pairs(get(root, "services")) {
		if get(svc.Value, "build") != nil {
			continue
		}
		n := get(svc.Value, "image")
		raw, ok := scalar(n)
		if !ok {
			continue
		}
		img, ok := interpolate(raw, vars)
		if !ok || img == "" {
			continue
		}
		out = append(out, sighting{Line: n.Line, Image: img, What: "service " + svc.Key})
	}
	return out
}

var matrixExpr = regexp.MustCompile(`\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}`)

// githubSightings lists a GitHub Actions workflow's service containers
// (jobs.*.services.*, as a mapping with image: or a bare image string) and
// job containers (jobs.*.container). An image built from one matrix
// variable gives one sighting per matrix value, at that value's line.
func githubSightings(root *yaml.Node) []sighting {
	var out []sighting
	for _, job := range pairs(get(root, "jobs")) {
		matrix := get(get(job.Value, "strategy"), "matrix")
		add := func(n *yaml.Node, what string) {
			if img := get(n, "image"); img != nil {
				n = img
			}
			raw, ok := scalar(n)
			if !ok || raw == "" {
				return
			}
			if !strings.Contains(raw, "${{") {
				out = append(out, sighting{Line: n.Line, Image: raw, What: what})
				return
			}
			m := matrixExpr.FindAllStringSubmatchIndex(raw, -1)
			if len(m) != 1 || strings.Count(raw, "${{") != 1 {
				return // other expressions: the image is only known at run time
			}
			name := raw[m[0][2]:m[0][3]]
			for _, v := range items(get(matrix, name)) {
				val, ok := scalar(v)
				if !ok {
					continue
				}
				out = append(out, sighting{Line: v.Line, Image: raw[:m[0][0]] + val + raw[m[0][1]:], What: what + " (matrix " + name + "=" + val + ")"})
			}
		}
		if c := get(job.Value, "container"); c != nil {
			add(c, "job "+job.Key+" container")
		}
		for _, svc := range pairs(get(job.Value, "services")) {
			add(svc.Value, "job "+job.Key+" service "+svc.Key)
		}
	}
	return out
}

// gitlabKeywords are .gitlab-ci.yml's top-level keys that are not jobs.
var gitlabKeywords = map[string]bool{
	"stages": true, "variables": true, "include": true, "workflow": true, "default": true,
	"image": true, "services": true, "cache": true, "before_script": true, "after_script": true,
}

// gitlabSightings lists .gitlab-ci.yml's images and services: top level,
// under default:, and per job (hidden .template jobs included, since jobs
// extend them). Entries are strings or {name: ...}; $VARS are taken from
// the global and the job's variables:.
func gitlabSightings(root *yaml.Node) []sighting {
	global := gitlabVars(get(root, "variables"), nil)
	var out []sighting
	scan := func(scope *yaml.Node, vars map[string]string, what string) {
		name := func(n *yaml.Node) *yaml.Node {
			if nn := get(n, "name"); nn != nil {
				return nn
			}
			return n
		}
		add := func(n *yaml.Node, what string) {
			raw, ok := scalar(n)
			if !ok {
				return
			}
			img, ok := expandShell(raw, vars)
			if !ok || img == "" {
				return
			}
			out = append(out, sighting{Line: n.Line, Image: img, What: what})
		}
		if n := get(scope, "image"); n != nil {
			add(name(n), what+" image")
		}
		for _, s := range items(get(scope, "services")) {
			add(name(s), what+" service")
		}
	}
	scan(root, global, "global")
	scan(get(root, "default"), global, "default")
	for _, job := range pairs(root) {
		if gitlabKeywords[job.Key] || job.Value == nil || job.Value.Kind != yaml.MappingNode {
			continue
		}
		scan(job.Value, gitlabVars(get(job.Value, "variables"), global), "job "+job.Key)
	}
	return out
}

// gitlabVars reads a variables: mapping (values as strings or {value: ...}) over base.
func gitlabVars(n *yaml.Node, base map[string]string) map[string]string {
	vars := map[string]string{}
	for k, v := range base {
		vars[k] = v
	}
	for _, p := range pairs(n) {
		if v, ok := scalar(p.Value); ok {
			vars[p.Key] = v
		} else if v, ok := scalar(get(p.Value, "value")); ok {
			vars[p.Key] = v
		}
	}
	return vars
}

// circleSightings lists CircleCI's docker: images of jobs and executors.
// Images built from << parameters >> are only known at run time and are left out.
func circleSightings(root *yaml.Node) []sighting {
	var out []sighting
	for _, section := range []string{"jobs", "executors"} {
		for _, p := range pairs(get(root, section)) {
			for i, d := range items(get(p.Value, "docker")) {
				n := get(d, "image")
				img, ok := scalar(n)
				if !ok || img == "" || strings.Contains(img, "<<") {
					continue
				}
				what := strings.TrimSuffix(section, "s") + " " + p.Key + " docker image"
				if i > 0 {
					what = strings.TrimSuffix(section, "s") + " " + p.Key + " service image"
				}
				out = append(out, sighting{Line: n.Line, Image: img, What: what})
			}
		}
	}
	return out
}

// dotenvEntry is one variable of a .env file with the line it is set on.
type dotenvEntry struct {
	Key, Value string
	Line       int
}

// readDotenv parses a .env file as Compose reads one (quoting, escapes,
// multi-line values, ${V:-default}) and finds each key's line by scanning
// for its last assignment, which is the one that counts. Variables resolve
// against the file alone: check reports on the repository, not on the
// shell it runs in.
func readDotenv(name string, data []byte) ([]dotenvEntry, error) {
	values, err := manifest.ParseEnvFile(name, data, nil)
	if err != nil {
		return nil, err
	}
	lines := map[string]int{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimPrefix(line, "export ")
		if k, _, ok := strings.Cut(line, "="); ok {
			lines[strings.TrimSpace(k)] = i + 1
		} else if k, _, ok := strings.Cut(line, ":"); ok {
			lines[strings.TrimSpace(k)] = i + 1
		}
	}
	out := make([]dotenvEntry, 0, len(values))
	for k, v := range values {
		out = append(out, dotenvEntry{Key: k, Value: v, Line: lines[k]})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Line < out[j].Line || out[i].Line == out[j].Line && out[i].Key < out[j].Key
	})
	return out, nil
}

var urlScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// dotenvEngines returns the engines a .env value points at: a URL's scheme
// ("sqlite:///dev.db", "mysql://..."), or a driver name for the variables
// that hold one (DB_CONNECTION=sqlite). nil when the value is neither.
func dotenvEngines(key, value string) []string {
	value = strings.TrimSpace(value)
	if m := urlScheme.FindStringSubmatch(value); m != nil {
		scheme := strings.ToLower(m[1])
		rest := value[len(m[0]):]
		// "host:5432" and "C:\\" are not URLs; sqlite's "sqlite:db.sqlite3" is.
		if strings.HasPrefix(rest, "//") || strings.HasPrefix(scheme, "sqlite") || scheme == "spatialite" {
			return schemeEngine(scheme)
		}
		return nil
	}
	if driverKeys[strings.ToUpper(key)] {
		return driverEngines[strings.ToLower(value)]
	}
	return nil
}

var urlPassword = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*:)[^@]*@`)

// maskValue hides a URL's password and shortens long values for the report.
func maskValue(v string) string {
	v = urlPassword.ReplaceAllString(v, "${1}***@")
	if len(v) > 60 {
		v = v[:57] + "..."
	}
	return v
}
