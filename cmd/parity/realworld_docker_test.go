package main

// The real-world yardstick: for each open-source project's production
// Compose file under testdata/realworld/ (at the repository root), run
//
//	parity run -f MANIFEST -- appcheck checks.yaml
//
// exactly as a new user would (no edits), where appcheck connects to each
// backing service the way that application reads its configuration and
// does a real round trip. Each project runs twice: with the usual ports
// (5432, 6379, 3306, 5672) free, and with them held by decoys that refuse
// every login, as a developer's own PostgreSQL, Redis, MySQL or RabbitMQ
// would.
//
// The only changes to the copy are the test bed's: image tags are mapped
// onto the images the test bed has (see realworldImage), and third-party
// services it cannot run (checks.yaml `skip:`) are left out through a
// parity.yaml. Run one project with
//
//	go test -run 'TestDockerRealWorld/paperless$' ./cmd/parity/
//
// and one mode with 'TestDockerRealWorld/paperless$/held'.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
	yaml "go.yaml.in/yaml/v4"
)

// realworldDir holds the fixtures, relative to this package.
const realworldDir = "../../testdata/realworld"

// usualPorts are the ports the held mode holds.
var usualPorts = []int{5432, 6379, 3306, 5672}

// realworldFixture is what the test reads from a checks.yaml; appcheck
// reads the rest.
type realworldFixture struct {
	Manifest   string   `yaml:"manifest"`
	AppService string   `yaml:"app_service"`
	Skip       []string `yaml:"skip"`
	// PortFixedInApp says why the app cannot follow a moved service: its
	// code connects to the usual port whatever its variables say. The held
	// mode cannot pass then, and is skipped with that reason.
	PortFixedInApp string `yaml:"port_fixed_in_app"`
	// KnownFailure says why parity cannot give this app working settings
	// yet (a host written into the app's code). The run must then fail
	// with a reason containing KnownFailureShows: when it passes, or fails
	// otherwise, the test says so, so the entry cannot go stale.
	KnownFailure      string `yaml:"known_failure"`
	KnownFailureShows string `yaml:"known_failure_shows"`
}

var appcheckBin struct {
	once sync.Once
	path string
	err  error
}

func buildAppcheck(t *testing.T) string {
	t.Helper()
	appcheckBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "parity-appcheck")
		if err != nil {
			appcheckBin.err = err
			return
		}
		appcheckBin.path = filepath.Join(dir, "appcheck")
		out, err := exec.Command("go", "build", "-o", appcheckBin.path, "./testdata/appcheck").CombinedOutput()
		if err != nil {
			appcheckBin.err = fmt.Errorf("build appcheck: %v\n%s", err, out)
		}
	})
	if appcheckBin.err != nil {
		t.Fatal(appcheckBin.err)
	}
	return appcheckBin.path
}

func TestDockerRealWorld(t *testing.T) {
	testbed.RequireEngine(t)
	reg := testbed.Registry(t)
	build(t)
	appcheck := buildAppcheck(t)

	dirs, err := filepath.Glob(filepath.Join(realworldDir, "*", "checks.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures under %s: %v", realworldDir, err)
	}
	images := &imageAliases{registry: reg}
	t.Cleanup(func() { images.remove(t) })

	var mu sync.Mutex
	results := map[string]map[string]string{} // project -> mode -> "pass" or reason
	record := func(project, mode, outcome string) {
		mu.Lock()
		defer mu.Unlock()
		if results[project] == nil {
			results[project] = map[string]string{}
		}
		results[project][mode] = outcome
	}

	for _, checks := range dirs {
		dir := filepath.Dir(checks)
		project := filepath.Base(dir)
		t.Run(project, func(t *testing.T) {
			var fx realworldFixture
			data, err := os.ReadFile(checks)
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(data, &fx); err != nil || fx.Manifest == "" {
				t.Fatalf("%s: manifest not named (%v)", checks, err)
			}
			for _, mode := range []string{"free", "held"} {
				t.Run(mode, func(t *testing.T) {
					if mode == "held" && fx.PortFixedInApp != "" {
						record(project, mode, "skipped: "+fx.PortFixedInApp)
						t.Skipf("the app's port is fixed: %s", fx.PortFixedInApp)
					}
					outcome := runRealWorld(t, realworldRun{
						dir: dir, fixture: fx, held: mode == "held", appcheck: appcheck, images: images,
					})
					record(project, mode, outcome)
				})
			}
		})
	}

	// The table testdata/realworld/README.md records.
	var b strings.Builder
	names := make([]string, 0, len(results))
	for p := range results {
		names = append(names, p)
	}
	sort.Strings(names)
	passed := map[string]int{}
	for _, p := range names {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", p, cell(results[p]["free"]), cell(results[p]["held"]))
		for _, m := range []string{"free", "held"} {
			if strings.HasPrefix(results[p][m], "pass") {
				passed[m]++
			}
		}
	}
	t.Logf("real-world results: ports free %d/%d, ports held %d/%d\n| project | ports free | ports held |\n|---|---|---|\n%s",
		passed["free"], len(names), passed["held"], len(names), b.String())
}

func cell(outcome string) string {
	switch {
	case strings.HasPrefix(outcome, "pass"), strings.HasPrefix(outcome, "skipped"), strings.HasPrefix(outcome, "known failure"):
		return outcome
	case outcome == "":
		return "not run"
	}
	return "FAIL: " + strings.ReplaceAll(outcome, "|", `\|`)
}

type realworldRun struct {
	dir      string
	fixture  realworldFixture
	held     bool
	appcheck string
	images   *imageAliases
}

// runRealWorld runs one project in one mode and returns "pass" or the
// one-line reason it failed (the test has then failed with the details).
func runRealWorld(t *testing.T, r realworldRun) string {
	e := newEnv(t)
	work := testbed.CopyRepo(t, r.dir)
	manifest := filepath.Join(work, r.fixture.Manifest)
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	rewritten, mapped, aliases := mapImages(string(data), r.images.registry)
	for _, a := range aliases {
		r.images.alias(t, a[0], a[1])
	}
	if err := os.WriteFile(manifest, []byte(rewritten), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, m := range mapped {
		t.Logf("image for the test bed: %s", m)
	}
	if len(r.fixture.Skip) > 0 {
		var py strings.Builder
		py.WriteString("# written by the test: third-party services the test bed cannot run\nservices:\n")
		for _, s := range r.fixture.Skip {
			fmt.Fprintf(&py, "  %s: {skip: true}\n", s)
		}
		if err := os.WriteFile(filepath.Join(work, "parity.yaml"), []byte(py.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		// parity's own clean-up first; the label clean-up of
		// testbed.Project catches whatever it leaves.
		if res := runParityIn(e, work, time.Minute, "-f", manifest, "down", "--volumes"); res.code != 0 {
			t.Logf("parity down --volumes: exit %d\n%s", res.code, res.stderr)
		}
	})
	note := ""
	if r.held {
		testbed.HoldPorts(t, usualPorts...)
	} else if busy := busyPorts(usualPorts); len(busy) > 0 {
		// Another program on this machine (another test's container, a
		// local server) holds a usual port: this run is not "ports free".
		note = fmt.Sprintf(" (ports %v were held by other programs)", busy)
		t.Logf("not all usual ports are free:%s", note)
	}
	checks := filepath.Join(work, "checks.yaml")
	start := time.Now()
	// --timeout caps the wait for a service that never becomes ready
	// (the default is 2m); the slowest test bed service, MariaDB, is ready
	// in well under it.
	res := runParityIn(e, work, 3*time.Minute, "-f", manifest, "run", "--timeout", "90s", "--", r.appcheck, checks)
	t.Logf("parity run took %s", time.Since(start).Round(100*time.Millisecond))
	known := r.fixture.KnownFailure
	if res.code == 0 {
		t.Logf("appcheck:\n%s", res.stdout)
		if known != "" {
			t.Errorf("passes now, though checks.yaml lists a known failure (%s): remove known_failure", known)
		}
		return "pass" + note
	}
	reason := failureReason(res) + note
	if known != "" && strings.Contains(reason, r.fixture.KnownFailureShows) {
		t.Logf("known failure (%s): %s", known, reason)
		return "known failure: " + known
	}
	t.Errorf("%s\nexit %d\nstdout:\n%s\nstderr:\n%s", reason, res.code, res.stdout, res.stderr)
	return reason
}

// busyPorts lists the ports of ports that something listens on at
// 127.0.0.1.
func busyPorts(ports []int) []int {
	var busy []int
	for _, p := range ports {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			busy = append(busy, p)
			continue
		}
		l.Close()
	}
	return busy
}

// runParityIn runs the parity binary in dir with the test's environment.
func runParityIn(e *env, dir string, timeout time.Duration, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bins.parity, append([]string{"-p", e.project}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(e.environ(), e.extra...)
	res := e.finish(cmd)
	if ctx.Err() != nil {
		res.code = -1
		res.stderr += fmt.Sprintf("\n(the test stopped parity after %s)\n", timeout)
	}
	return res
}

// failureReason is the one line that says why a run failed: appcheck's
// FAIL line with its last detail, else parity's error (its last
// "parity: " line that is not a warning).
func failureReason(res result) string {
	lines := strings.Split(res.stderr, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "FAIL ") {
			// The detail lines up to "used:" are the driver's attempts
			// (TLS first, then plain); the last one is the answer.
			reason, last := strings.TrimSpace(l), ""
			for _, d := range lines[i+1:] {
				d = strings.TrimSpace(d)
				if d == "" || strings.HasPrefix(d, "used:") {
					break
				}
				last = d
			}
			if last != "" {
				reason += " " + last
			}
			return "appcheck " + strings.TrimPrefix(reason, "FAIL ")
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "parity: ") && !strings.HasPrefix(l, "parity: warning:") {
			return l
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return fmt.Sprintf("exit %d: %s", res.code, l)
		}
	}
	return fmt.Sprintf("exit %d", res.code)
}

// ---- images ----

// imageRef is a manifest's image reference, split.
type imageRef struct {
	registry string // as written: "", docker.io, ghcr.io, ...
	library  bool   // written with library/
	repo     string // postgres, pgvector/pgvector, immich-app/postgres
	tag      string
}

func parseImageRef(s string) imageRef {
	if i := strings.Index(s, "@"); i >= 0 {
		s = s[:i]
	}
	var r imageRef
	if i := strings.LastIndex(s, ":"); i > strings.LastIndex(s, "/") {
		s, r.tag = s[:i], s[i+1:]
	}
	if i := strings.Index(s, "/"); i >= 0 && (strings.ContainsAny(s[:i], ".:") || s[:i] == "localhost") {
		r.registry, s = s[:i], s[i+1:]
	}
	if r.hub() && strings.HasPrefix(s, "library/") {
		r.library, s = true, strings.TrimPrefix(s, "library/")
	}
	r.repo = s
	return r
}

// hub reports whether the image is on Docker Hub.
func (r imageRef) hub() bool {
	return r.registry == "" || r.registry == "docker.io" || r.registry == "index.docker.io"
}

func (r imageRef) String() string {
	s := r.repo
	if r.library {
		s = "library/" + s
	}
	if r.registry != "" {
		s = r.registry + "/" + s
	}
	return s + ":" + r.tag
}

// pullRef is the name parity pulls the image by with the test registry as
// its mirror: Docker Hub images through the mirror, others as they are.
func (r imageRef) pullRef(registry string) string {
	if !r.hub() {
		return r.String()
	}
	repo := r.repo
	if !strings.Contains(repo, "/") {
		repo = "library/" + repo
	}
	return registry + "/" + repo + ":" + r.tag
}

// officialTag maps official images onto the test bed's tags; derived maps
// derived images (the same server under another repository) onto the test
// bed image they are aliased to and its major version.
var (
	officialTag = map[string]func(tag string) string{
		"postgres":  func(tag string) string { return variant("15", tag, "alpine", "bookworm") },
		"redis":     func(tag string) string { return variant("7", tag, "alpine", "bookworm") },
		"mariadb":   func(string) string { return "10.11" },
		"memcached": func(tag string) string { return variant("1.6", tag, "alpine") },
		"nats":      func(tag string) string { return variant("2", tag, "alpine") },
		"rabbitmq": func(tag string) string {
			out := "3"
			if strings.Contains(tag, "management") {
				out += "-management"
			}
			if strings.Contains(tag, "alpine") {
				out += "-alpine"
			}
			return out
		},
	}
	// derived: repository -> (test bed image, its major version)
	derived = map[string][2]string{
		"pgvector/pgvector":      {"postgres:15", "15"},
		"ankane/pgvector":        {"postgres:15", "15"},
		"postgis/postgis":        {"postgres:15", "15"},
		"tensorchord/pgvecto-rs": {"postgres:15", "15"},
		"immich-app/postgres":    {"postgres:15", "15"},
		"zulip/zulip-postgresql": {"postgres:15", "15"},
		"timescale/timescaledb":  {"postgres:15", "15"},
		"valkey/valkey":          {"redis:7", "7"},
		"bitnami/postgresql":     {"postgres:15", "15"},
		"bitnami/redis":          {"redis:7", "7"},
		"bitnami/valkey":         {"redis:7", "7"},
		"bitnami/mariadb":        {"mariadb:10.11", "10"},
		"bitnami/rabbitmq":       {"rabbitmq:3", "3"},
		"eqalpha/keydb":          {"redis:7", "7"},
	}
	firstNumber = regexp.MustCompile(`\d+(\.\d+)*`)
	imageLine   = regexp.MustCompile(`^(\s*image:\s*)(["']?)([^"'\s#]+)(["']?)(.*)$`)
)

// withMajor puts major in place of the tag's first version number
// ("pg16" -> "pg15", "14-vectorchord0.4.3" -> "15-vectorchord0.4.3").
func withMajor(tag, major string) string {
	loc := firstNumber.FindStringIndex(tag)
	if loc == nil {
		return major
	}
	return tag[:loc[0]] + major + tag[loc[1]:]
}

// variant is base with the tag's variant suffix kept when the test bed has it.
func variant(base, tag string, kept ...string) string {
	for _, k := range kept {
		if strings.Contains(tag, k) {
			return base + "-" + k
		}
	}
	return base
}

// imageAliases keeps track of the local tags the test creates for derived
// images, to remove them at the end.
type imageAliases struct {
	registry string
	mu       sync.Mutex
	created  []string
}

// mapImages maps every image: line of a manifest onto the test bed. An
// official image keeps its name and gets the test bed's tag (MySQL, which
// the test bed does not have, becomes MariaDB); a derived image keeps its
// name with the test bed's major version in its tag, and needs that name
// tagged locally onto the test bed's image (aliases: source, name) so that
// parity finds it without a pull. It returns the new text, "old -> new"
// for each change, and the aliases.
func mapImages(manifest, registry string) (text string, changes []string, aliases [][2]string) {
	lines := strings.Split(manifest, "\n")
	for i, line := range lines {
		m := imageLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		old := m[3]
		ref := parseImageRef(old)
		name := ref.repo
		var out string
		switch {
		case ref.hub() && officialTag[name] != nil:
			ref.tag = officialTag[name](ref.tag)
			out = ref.String()
		case ref.hub() && name == "mysql":
			ref.repo, ref.tag = "mariadb", officialTag["mariadb"]("")
			out = ref.String()
		default:
			d, ok := derived[name]
			if !ok {
				continue
			}
			ref.tag = withMajor(ref.tag, d[1])
			out = ref.String()
			aliases = append(aliases, [2]string{registry + "/library/" + d[0], ref.pullRef(registry)})
		}
		if out != old {
			lines[i] = m[1] + m[2] + out + m[4] + m[5]
			changes = append(changes, old+" -> "+out)
		}
	}
	return strings.Join(lines, "\n"), changes, aliases
}

// alias tags the test bed image src as dst unless dst exists already.
func (a *imageAliases) alias(t *testing.T, src, dst string) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := testbed.Docker(ctx, "image", "inspect", dst); err == nil {
		return
	}
	if _, err := testbed.Docker(ctx, "image", "inspect", src); err != nil {
		if _, err := testbed.Docker(ctx, "pull", "-q", src); err != nil {
			t.Fatalf("pull %s: %v", src, err)
		}
	}
	if _, err := testbed.Docker(ctx, "tag", src, dst); err != nil {
		t.Fatalf("tag %s as %s: %v", src, dst, err)
	}
	a.created = append(a.created, dst)
}

// remove untags the aliases this test created (the images stay).
func (a *imageAliases) remove(t *testing.T) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ref := range a.created {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if _, err := testbed.Docker(ctx, "rmi", ref); err != nil {
			t.Logf("untag %s: %v", ref, err)
		}
		cancel()
	}
	a.created = nil
}
