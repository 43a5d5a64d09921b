// Package drift finds where a repository runs, or points at, other backing
// services than production: dev Compose files pinning an older Postgres, CI
// service containers of another engine, a .env saying sqlite:, unpinned
// images, a parity.lock the manifest has moved past, containers that predate
// a manifest change. It compares by engine (postgres, redis, mysql...), not
// by service name, since a dev file's "postgres" service is production's "db".
//
// It reads files only: the running containers and the registry's current
// digests are facts the caller gathers (through Docker) and passes in, so
// check needs no Docker unless asked to compare them.
package drift

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/parity-dev/parity/engine/lockfile"
	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// Severity is how bad a finding is.
type Severity string

const (
	// Error is drift that makes dev or CI behave unlike production: another
	// engine, another major version, a lock for another image.
	Error Severity = "error"
	// Warning is drift that may: another minor or patch version, an
	// unpinned image, a moved tag, a container not yet recreated.
	Warning Severity = "warning"
)

// Finding is one place that differs from production.
type Finding struct {
	// File is slash-separated and relative to the repository root; "" for
	// findings about a container.
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Container string `json:"container,omitempty"`
	// Kind is production's engine the finding is about (postgres, redis,
	// ...), or the image repository for images of no known engine.
	Kind string `json:"kind"`
	// Service is the production service compared with, "" when none.
	Service    string   `json:"service,omitempty"`
	Production string   `json:"production"` // production's image
	Found      string   `json:"found"`      // what the file or container has
	Severity   Severity `json:"severity"`
	Problem    string   `json:"problem"`
	Fix        string   `json:"fix"`
}

// Where is "file:line", "file", or "container NAME".
func (f Finding) Where() string {
	switch {
	case f.File != "" && f.Line > 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	case f.File != "":
		return f.File
	case f.Container != "":
		return "container " + f.Container
	}
	return "-"
}

// Report is the result of a check.
type Report struct {
	Root     string    `json:"root"`
	Manifest []string  `json:"manifest"` // production manifest files, relative to Root
	Scanned  int       `json:"scanned"`  // files read besides the manifest
	Findings []Finding `json:"findings"`
}

// Count returns the number of findings of a severity.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// ExitCode is 1 when there is drift at error level (with strict, at any
// level), else 0.
func (r *Report) ExitCode(strict bool) int {
	if r.Count(Error) > 0 || strict && len(r.Findings) > 0 {
		return 1
	}
	return 0
}

// Running is one container parity runs for the project.
type Running struct {
	Service   string
	Container string // name
	Image     string // the image the manifest pinned when it was created (dev.parity.image)
	Ref       string // the reference it was created from: a mirror's, or a locked digest
}

// Input is what Check compares.
type Input struct {
	// Project is the production manifest as parity up loads it.
	Project *manifest.Project
	// Root is the repository root, scanned whole; "" means RepoRoot of the
	// manifest's directory.
	Root string
	// Roles are the engine's roles of the manifest's services ("backing",
	// "generic", "app", "skipped"); nil derives them: build: is the app, an
	// image of a known engine is backing, any other image generic unless it
	// depends on a backing service.
	Roles map[string]string
	// Lock is the project's parity.lock, nil when there is none.
	Lock     *lockfile.Lock
	LockPath string
	// Running are parity's containers for the project; nil when not compared.
	Running []Running
	// Remote maps a locked service to the digest its tag resolves to in the
	// registry now; nil when not compared.
	Remote map[string]string
	// Conflicts are findings the caller made before the scan: production
	// sources that disagree with each other (Terraform says Postgres 15,
	// the Helm values 16). They are reported as they are.
	Conflicts []Finding
}

// skipDirs are never entered: dependencies, build output, VCS data. None
// holds a file the team maintains to start services.
var skipDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, "node_modules": true, "vendor": true, "bower_components": true,
	".venv": true, "venv": true, "__pycache__": true, ".tox": true, ".mypy_cache": true, ".pytest_cache": true,
	"target": true, "dist": true, ".next": true, ".nuxt": true, ".terraform": true, ".gradle": true, ".cache": true,
	".idea": true,
}

// maxFileSize bounds what is read: service definitions are small; a huge
// file with a matching name is generated data.
const maxFileSize = 4 << 20

// ignoreMark on a line drops the findings on that line.
const ignoreMark = "parity:ignore"

// RepoRoot is the directory holding .git at or above dir, else dir.
func RepoRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// prodService is a production service that runs an image parity compares.
type prodService struct {
	Name    string
	Image   string
	Img     stacks.Image
	Engine  engine
	Version version
	Role    string
	File    string // where its image: is, relative to the root
	Line    int
}

// kind is the Finding.Kind of a production service.
func (p *prodService) kind() string {
	if p.Engine.Name != "" {
		return p.Engine.Name
	}
	return stacks.Image{Registry: p.Img.Registry, Repo: p.Img.Repo}.String()
}

type checker struct {
	in       Input
	root     string
	prod     []*prodService
	prodFile map[string]bool // absolute paths of the manifest files
	dotenvs  map[string]map[string]string
	report   *Report
}

// Check compares the repository under the root with the production
// manifest, and with the lock, running containers and registry digests when
// given. Its error means the check itself failed (a file it cannot read);
// drift is in the report.
func Check(ctx context.Context, in Input) (*Report, error) {
	if in.Project == nil || len(in.Project.Files) == 0 {
		return nil, errors.New("check drift: no production manifest")
	}
	root := in.Root
	if root == "" {
		root = RepoRoot(filepath.Dir(in.Project.Files[0]))
	}
	c := &checker{in: in, root: root, prodFile: map[string]bool{}, dotenvs: map[string]map[string]string{},
		report: &Report{Root: root, Findings: []Finding{}}}
	for _, f := range in.Project.Files {
		c.prodFile[filepath.Clean(f)] = true
		c.report.Manifest = append(c.report.Manifest, c.rel(f))
	}
	if err := c.loadProduction(); err != nil {
		return nil, err
	}
	files, err := c.walk(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := c.scan(f.abs, f.rel, f.kind); err != nil {
			return nil, err
		}
	}
	c.checkLock()
	c.checkRunning()
	for _, f := range in.Conflicts {
		if f.File != "" && filepath.IsAbs(f.File) {
			f.File = c.rel(f.File)
		}
		c.add(f)
	}
	sort.SliceStable(c.report.Findings, func(i, j int) bool {
		a, b := c.report.Findings[i], c.report.Findings[j]
		if (a.File == "") != (b.File == "") {
			return a.File != ""
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Container != b.Container {
			return a.Container < b.Container
		}
		return a.Found < b.Found
	})
	return c.report, nil
}

func (c *checker) rel(abs string) string {
	r, err := filepath.Rel(c.root, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(r)
}

func (c *checker) add(f Finding) { c.report.Findings = append(c.report.Findings, f) }

// loadProduction reads the manifest's services and, from the manifest
// files as written, the line of each image: (the last file setting it wins,
// as in the merge). Unpinned production images are the first findings.
func (c *checker) loadProduction() error {
	type pos struct {
		file string
		line int
	}
	lines := map[string]pos{}
	for _, f := range c.in.Project.Files {
		if filepath.Base(f) == manifest.StdinName || !c.in.Project.FromCompose() {
			break // lines come from each service's Origin, or are unknown
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("check drift: read manifest: %w", err)
		}
		root, err := parseYAML(data)
		if err != nil {
			continue // it loaded; only the lines are missing
		}
		for _, svc := range pairs(get(root, "services")) {
			if n := get(svc.Value, "image"); n != nil {
				lines[svc.Key] = pos{c.rel(f), n.Line}
			}
		}
	}
	roles := c.in.Roles
	if roles == nil {
		roles = deriveRoles(c.in.Project)
	}
	for _, svc := range c.in.Project.Services {
		role := roles[svc.Name]
		if svc.Image == "" || role == "app" || role == "skipped" || len(svc.ImageUnset) > 0 {
			continue
		}
		img := stacks.ParseImage(svc.Image)
		eng := engineOf(img)
		p := &prodService{Name: svc.Name, Image: svc.Image, Img: img, Engine: eng, Version: versionOf(eng.Name, img.Tag), Role: role}
		if at, ok := lines[svc.Name]; ok {
			p.File, p.Line = at.file, at.line
		} else if file, line, ok := manifest.SplitOrigin(svc.Origin); ok {
			p.File, p.Line = file, line
		} else {
			p.File = c.rel(c.in.Project.Files[0])
		}
		c.prod = append(c.prod, p)
		if unpinned(img) {
			c.add(Finding{File: p.File, Line: p.Line, Kind: p.kind(), Service: p.Name, Production: p.Image, Found: p.Image, Severity: Warning,
				Problem: "production's own image is not pinned: every machine runs whichever release it pulled last",
				Fix:     fmt.Sprintf("pin a version, e.g. %s:<version>", stacks.Image{Registry: img.Registry, Repo: img.Repo})})
		}
	}
	sort.SliceStable(c.prod, func(i, j int) bool { return c.prod[i].Name < c.prod[j].Name })
	return nil
}

// deriveRoles approximates the engine's roles for callers that do not pass them.
func deriveRoles(p *manifest.Project) map[string]string {
	roles := map[string]string{}
	backing := map[string]bool{}
	for _, s := range p.Services {
		switch {
		case s.Build:
			roles[s.Name] = "app"
		case s.Image == "":
			roles[s.Name] = "skipped"
		case engineOf(stacks.ParseImage(s.Image)).Name != "":
			roles[s.Name] = "backing"
			backing[s.Name] = true
		}
	}
	for _, s := range p.Services {
		if roles[s.Name] != "" {
			continue
		}
		roles[s.Name] = "generic"
		for _, d := range s.DependsOn {
			if backing[d] {
				roles[s.Name] = "app"
			}
		}
	}
	return roles
}

type candidate struct {
	abs, rel string
	kind     sourceKind
}

// walk lists the files to read, deciding by name alone, without entering
// skipDirs or following symlinks.
func (c *checker) walk(ctx context.Context) ([]candidate, error) {
	var out []candidate
	err := filepath.WalkDir(c.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("check drift: %w", err)
		}
		if d.IsDir() {
			if p != c.root && skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return ctx.Err()
		}
		rel := c.rel(p)
		kind := classifyPath(rel)
		if kind == notASource || c.prodFile[filepath.Clean(p)] {
			return nil
		}
		if !d.Type().IsRegular() {
			// A link to a file (docker-compose.yml -> deploy/dev.yml) is read
			// as that file; a dangling link or anything else is not a source.
			if fi, err := os.Stat(p); d.Type()&fs.ModeSymlink == 0 || err != nil || !fi.Mode().IsRegular() {
				return nil
			}
		}
		out = append(out, candidate{abs: p, rel: rel, kind: kind})
		return nil
	})
	return out, err
}

var yamlErrLine = regexp.MustCompile(`line (\d+)`)

// scan reads one file and adds its findings.
func (c *checker) scan(abs, rel string, kind sourceKind) error {
	fi, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("check drift: %w", err)
	}
	if fi.Size() > maxFileSize {
		return nil
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return fmt.Errorf("check drift: %w", err)
	}
	c.report.Scanned++
	before := len(c.report.Findings)
	defer func() { c.dropIgnored(data, rel, before) }()

	if kind == dotenvSource {
		c.scanDotenv(data, rel)
		return nil
	}
	root, err := parseYAML(data)
	if err != nil {
		line := 0
		if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
			fmt.Sscan(m[1], &line)
		}
		c.add(Finding{File: rel, Line: line, Kind: "-", Production: "-", Found: "unparseable YAML", Severity: Warning,
			Problem: "cannot read as YAML: " + err.Error(),
			Fix:     "fix the YAML (check cannot compare what it cannot read), or mark the line " + ignoreMark})
		return nil
	}
	var ss []sighting
	switch kind {
	case composeSource:
		ss = composeSightings(root, c.dotenvBeside(abs))
	case githubSource:
		ss = githubSightings(root)
	case gitlabSource:
		ss = gitlabSightings(root)
	case circleSource:
		ss = circleSightings(root)
	}
	seen := map[string]bool{}
	for _, s := range ss {
		key := fmt.Sprint(s.Line, s.Image)
		if seen[key] {
			continue // one anchor used by several jobs
		}
		seen[key] = true
		c.compareSighting(rel, s)
	}
	return nil
}

// dotenvBeside reads the .env next to a Compose file, which Compose uses to
// interpolate it, as Compose reads it (without the shell, as readDotenv).
func (c *checker) dotenvBeside(abs string) map[string]string {
	dir := filepath.Dir(abs)
	if vars, ok := c.dotenvs[dir]; ok {
		return vars
	}
	vars, err := manifest.ReadEnvFile(filepath.Join(dir, ".env"), nil)
	if err != nil {
		vars = map[string]string{}
	}
	c.dotenvs[dir] = vars
	return vars
}

// dropIgnored removes the findings added since before whose line carries ignoreMark.
func (c *checker) dropIgnored(data []byte, rel string, before int) {
	if len(c.report.Findings) == before || !strings.Contains(string(data), ignoreMark) {
		return
	}
	lines := strings.Split(string(data), "\n")
	kept := c.report.Findings[:before]
	for _, f := range c.report.Findings[before:] {
		if f.File == rel && f.Line > 0 && f.Line <= len(lines) && strings.Contains(lines[f.Line-1], ignoreMark) {
			continue
		}
		kept = append(kept, f)
	}
	c.report.Findings = kept
}

// compareSighting matches an image with production's services of the same
// engine (or repository) and reports how it differs; an image of another
// engine where production runs one of the same category is an error.
func (c *checker) compareSighting(rel string, s sighting) {
	img := stacks.ParseImage(s.Image)
	eng := engineOf(img)
	var best *prodService
	var bestCmp comparison
	matched := false
	for _, p := range c.prod {
		same := eng.Name != "" && p.Engine.Name == eng.Name
		if eng.Name == "" && p.Engine.Name == "" {
			same = img.Registry == p.Img.Registry && img.Repo == p.Img.Repo
		}
		if !same {
			continue
		}
		matched = true
		cmp, differs := compareImages(p, img)
		if !differs {
			return // one production service runs exactly this
		}
		if best == nil || bestCmp.Severity == Error && cmp.Severity == Warning {
			best, bestCmp = p, cmp
		}
	}
	if matched {
		c.add(Finding{File: rel, Line: s.Line, Kind: best.kind(), Service: best.Name, Production: best.Image, Found: s.Image,
			Severity: bestCmp.Severity, Problem: s.What + ": " + bestCmp.Problem, Fix: bestCmp.Fix})
		return
	}
	if eng.Category == "" {
		return
	}
	for _, p := range c.prod {
		if p.Engine.Category == eng.Category {
			c.add(Finding{File: rel, Line: s.Line, Kind: p.kind(), Service: p.Name, Production: p.Image, Found: s.Image, Severity: Error,
				Problem: fmt.Sprintf("%s: runs %s where production runs %s", s.What, eng.Name, p.Engine.Name),
				Fix:     fmt.Sprintf("use %s as production's %s does", p.Image, p.Name)})
			return
		}
	}
}

// scanDotenv reports variables pointing at another engine than production's.
func (c *checker) scanDotenv(data []byte, rel string) {
	entries, err := readDotenv(rel, data)
	if err != nil {
		c.add(Finding{File: rel, Kind: "-", Production: "-", Found: "unparseable .env", Severity: Warning,
			Problem: "cannot read as a .env file: " + err.Error(), Fix: "fix the file"})
		return
	}
	for _, e := range entries {
		engines := dotenvEngines(e.Key, e.Value)
		if len(engines) == 0 {
			continue
		}
		category := categories[engines[0]]
		var same, other *prodService
		for _, p := range c.prod {
			for _, name := range engines {
				if p.Engine.Name == name && same == nil {
					same = p
				}
			}
			if category != "" && p.Engine.Category == category && other == nil {
				other = p
			}
		}
		if same != nil || other == nil {
			continue
		}
		fix := fmt.Sprintf("use a %s URL; parity up and parity run give the app one", other.Engine.Name)
		if driverKeys[strings.ToUpper(e.Key)] && !strings.Contains(e.Value, ":") {
			fix = fmt.Sprintf("set %s to the %s driver", e.Key, other.Engine.Name)
		}
		c.add(Finding{File: rel, Line: e.Line, Kind: other.kind(), Service: other.Name, Production: other.Image,
			Found: e.Key + "=" + maskValue(e.Value), Severity: Error,
			Problem: fmt.Sprintf("%s points at %s where production runs %s", e.Key, engines[0], other.Engine.Name),
			Fix:     fix})
	}
}

// lockable are the services parity lock locks, with their images: backing
// services pinned by tag rather than digest.
func (c *checker) lockable() map[string]*prodService {
	out := map[string]*prodService{}
	for _, p := range c.prod {
		if p.Role == "backing" && p.Img.Digest == "" {
			out[p.Name] = p
		}
	}
	return out
}

// checkLock compares parity.lock with the manifest and, when given, with
// the registry's current digests.
func (c *checker) checkLock() {
	l := c.in.Lock
	if l == nil {
		return
	}
	file := c.rel(c.in.LockPath)
	want := c.lockable()
	for _, e := range l.Entries {
		p, ok := want[e.Service]
		if !ok {
			problem := fmt.Sprintf("locks service %s, which the manifest no longer runs as a backing service", e.Service)
			if s := c.in.Project.Service(e.Service); s != nil && strings.Contains(s.Image, "@") {
				problem = fmt.Sprintf("locks service %s, which the manifest now pins by digest", e.Service)
			}
			c.add(Finding{File: file, Line: e.Line, Kind: "-", Service: e.Service, Production: "-", Found: e.Image, Severity: Warning,
				Problem: problem, Fix: "run parity lock to drop the entry"})
			continue
		}
		if p.Image != e.Image {
			c.add(Finding{File: file, Line: e.Line, Kind: p.kind(), Service: p.Name, Production: p.Image, Found: e.Image, Severity: Error,
				Problem: fmt.Sprintf("the lock is for %s but the manifest pins %s: up ignores the entry and runs %s by its tag", e.Image, p.Image, p.Image),
				Fix:     "run parity lock to lock " + p.Image})
			continue
		}
		if now, ok := c.in.Remote[e.Service]; ok && now != e.Digest {
			c.add(Finding{File: file, Line: e.Line, Kind: p.kind(), Service: p.Name, Production: p.Image + "@" + short(now),
				Found: e.Image + "@" + short(e.Digest), Severity: Warning,
				Problem: fmt.Sprintf("tag %s moved in the registry: it is %s now, the lock has %s; production pulling by tag may run the new image", e.Image, short(now), short(e.Digest)),
				Fix:     "review the new image, then parity lock --update"})
		}
	}
	for _, p := range c.prod {
		if _, locked := l.Entry(p.Name); !locked && want[p.Name] != nil {
			c.add(Finding{File: p.File, Line: p.Line, Kind: p.kind(), Service: p.Name, Production: p.Image, Found: "not in " + lockfile.Name, Severity: Warning,
				Problem: fmt.Sprintf("%s is not locked: up runs %s by its tag", p.Name, p.Image),
				Fix:     "run parity lock"})
		}
	}
}

// checkRunning reports containers created for another image than the
// manifest pins now (a manifest bump or a new lock not yet applied).
func (c *checker) checkRunning() {
	byName := map[string]*prodService{}
	for _, p := range c.prod {
		byName[p.Name] = p
	}
	for _, r := range c.in.Running {
		p := byName[r.Service]
		if p == nil {
			continue // up removes containers of services the manifest dropped
		}
		fix := "run parity up to recreate it (the data volume is kept)"
		if r.Image != p.Image {
			cmp, differs := compareImages(p, stacks.ParseImage(r.Image))
			if !differs {
				cmp = comparison{Severity: Warning, Problem: "created for " + r.Image}
			}
			c.add(Finding{Container: r.Container, Kind: p.kind(), Service: p.Name, Production: p.Image, Found: r.Image, Severity: cmp.Severity,
				Problem: "the container predates the manifest's " + p.Image + ": " + cmp.Problem, Fix: fix})
			continue
		}
		e, ok := c.in.Lock.Entry(p.Name)
		if !ok || e.Image != p.Image {
			continue
		}
		if _, digest, pinned := strings.Cut(r.Ref, "@"); !pinned || digest != e.Digest {
			found := r.Ref
			if pinned {
				found = r.Image + "@" + short(digest)
			}
			c.add(Finding{Container: r.Container, Kind: p.kind(), Service: p.Name, Production: p.Image + "@" + short(e.Digest), Found: found, Severity: Warning,
				Problem: "the container does not run the digest parity.lock pins", Fix: fix})
		}
	}
}

// short abbreviates a digest for the table: sha256: and 12 hex digits.
func short(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}
