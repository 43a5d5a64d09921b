package doctor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/engine/docker"
)

const pinnedManifest = `name: shop
services:
  web:
    build: .
    environment:
      DATABASE_URL: postgres://app:${DB_PASSWORD}@db:5432/app
  db:
    image: postgres:15
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${DB_PASSWORD}
  cache:
    image: redis:7
`

// repo writes files (path -> content) into a fresh directory.
func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// healthyFake is an engine that answers and already holds the images.
func healthyFake(refs ...string) *docker.Fake {
	f := docker.NewFake()
	for _, r := range refs {
		f.AddImage(r, "sha256:"+strings.Repeat("a", 64))
	}
	return f
}

func doctor(t *testing.T, dir string, f *docker.Fake, tweak ...func(*Options)) map[string]Check {
	t.Helper()
	opts := Options{
		Engine:     engine.Options{WorkingDir: dir, StateDir: t.TempDir(), Docker: f},
		DockerRoot: t.TempDir(),
		HTTP:       &http.Client{Transport: offline{}},
	}
	for _, fn := range tweak {
		fn(&opts)
	}
	checks := Run(context.Background(), opts)
	byName := map[string]Check{}
	var order []string
	for _, c := range checks {
		byName[c.Check] = c
		order = append(order, c.Check)
		if c.Status != OK && c.Status != Warn && c.Status != Fail && c.Status != Skip {
			t.Errorf("check %s has status %q", c.Check, c.Status)
		}
		if c.Detail == "" {
			t.Errorf("check %s has no detail", c.Check)
		}
		if (c.Status == Warn || c.Status == Fail) && c.Fix == "" {
			t.Errorf("check %s is %s without a fix: %s", c.Check, c.Status, c.Detail)
		}
	}
	want := []string{CheckDocker, CheckDisk, CheckManifest, CheckServices, CheckPorts, CheckRegistry, CheckState, CheckDotenv}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("checks %v, want %v", order, want)
	}
	return byName
}

// offline is the network of a unit test: loopback only, Docker Hub unreachable.
type offline struct{}

func (offline) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := r.URL.Hostname(); h != "127.0.0.1" && h != "localhost" {
		return nil, fmt.Errorf("dial %s: offline in unit tests", h)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func expect(t *testing.T, c Check, st Status, detail ...string) {
	t.Helper()
	if c.Status != st {
		t.Errorf("%s: status %s, want %s (%s; fix: %s)", c.Check, c.Status, st, c.Detail, c.Fix)
	}
	for _, d := range detail {
		if !strings.Contains(c.Detail+" | "+c.Fix, d) {
			t.Errorf("%s: %q lacks %q", c.Check, c.Detail+" | "+c.Fix, d)
		}
	}
}

func TestDoctorOnAHealthyProjectPassesAndNamesWhatItFound(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": pinnedManifest})
	checks := doctor(t, dir, healthyFake("postgres:15", "redis:7"))
	expect(t, checks[CheckDocker], OK, "20.10.24-fake", "API 1.41 (client supports 1.40–1.56)", docker.FakeEndpoint)
	expect(t, checks[CheckManifest], OK, "compose.yaml", "project shop", "3 services")
	expect(t, checks[CheckServices], OK, "db postgres:15 (postgres)", "cache redis:7 (redis)", "app (run locally): web")
	expect(t, checks[CheckRegistry], OK, "present locally", "postgres:15", "redis:7")
	expect(t, checks[CheckState], OK, "writable")
	expect(t, checks[CheckDotenv], OK, "no .env")
	if checks[CheckDisk].Status != OK && checks[CheckDisk].Status != Warn {
		t.Errorf("disk: %+v", checks[CheckDisk])
	}
	if Failed(mapValues(checks)) {
		t.Errorf("a healthy project failed: %+v", checks)
	}
}

func mapValues(m map[string]Check) []Check {
	var out []Check
	for _, c := range m {
		out = append(out, c)
	}
	return out
}

func TestDoctorFailsNamingTheEndpointWhenTheEngineIsDown(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": pinnedManifest})
	f := docker.NewFake()
	f.SetUnreachable(true)
	checks := doctor(t, dir, f)
	expect(t, checks[CheckDocker], Fail, docker.FakeEndpoint, "connection refused", "start Docker")
	if !Failed(mapValues(checks)) {
		t.Error("an unreachable engine must fail the doctor")
	}
	// What does not need the engine is still checked.
	expect(t, checks[CheckManifest], OK)
	expect(t, checks[CheckState], OK)
}

func TestDoctorFailsOnAMissingOrBrokenManifestAndSkipsWhatDependsOnIt(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"missing": {"README.md": "no manifest here"},
		"broken":  {"compose.yaml": "services:\n  db:\n    image: [postgres\n"},
	} {
		t.Run(name, func(t *testing.T) {
			checks := doctor(t, repo(t, files), healthyFake())
			expect(t, checks[CheckManifest], Fail)
			for _, c := range []string{CheckServices, CheckPorts, CheckRegistry} {
				expect(t, checks[c], Skip, "no manifest loaded")
			}
			if name == "missing" {
				expect(t, checks[CheckManifest], Fail, "compose.yaml", "parity init")
			}
		})
	}
}

func TestDoctorWarnsAboutAnUnpinnedBackingService(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": "services:\n  db:\n    image: postgres\n  cache:\n    image: redis:latest\n"})
	checks := doctor(t, dir, healthyFake("postgres", "redis:latest"))
	expect(t, checks[CheckServices], Warn, "db (postgres)", "cache (redis:latest)", "redis:<version>", "compose.yaml")
	if Failed(mapValues(checks)) {
		t.Error("an unpinned image is a warning, not a failure")
	}
}

func TestDoctorWarnsWhenNoBackingServiceIsRecognised(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": "services:\n  mail:\n    image: mailhog/mailhog:v1.0.1\n"})
	expect(t, doctor(t, dir, healthyFake("mailhog/mailhog:v1.0.1"))[CheckServices], Warn, "no backing service", "mail mailhog/mailhog:v1.0.1")
}

func TestDoctorFailsWhenTheStateDirIsNotWritable(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": pinnedManifest, "afile": "x"})
	// A path under a regular file cannot be created, whoever runs the test (root included).
	state := filepath.Join(dir, "afile", "state")
	checks := doctor(t, dir, healthyFake("postgres:15", "redis:7"), func(o *Options) { o.Engine.StateDir = state })
	expect(t, checks[CheckState], Fail, state, "PARITY_STATE_DIR")
	if !Failed(mapValues(checks)) {
		t.Error("an unwritable state dir must fail the doctor")
	}
}

func TestDoctorWarnsThatParityReplacesASQLiteDatabaseURL(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": pinnedManifest, ".env": "DATABASE_URL=sqlite:///dev.db\nLOG_LEVEL=debug\n"})
	checks := doctor(t, dir, healthyFake("postgres:15", "redis:7"))
	expect(t, checks[CheckDotenv], Warn, "DATABASE_URL", "SQLite", "parity replaces it", "remove DATABASE_URL from .env")
	if Failed(mapValues(checks)) {
		t.Error("a SQLite URL is a warning, not a failure")
	}

	noPostgres := repo(t, map[string]string{"compose.yaml": "services:\n  cache:\n    image: redis:7\n", ".env": "DATABASE_URL=sqlite3://dev.db\n"})
	expect(t, doctor(t, noPostgres, healthyFake("redis:7"))[CheckDotenv], Warn, "runs no database parity recognises")
}

// Doctor reads the env files up reads, as up reads them: the --env-file
// instead of .env, with Compose's interpolation inside it.
func TestDoctorReadsTheEnvFilesUpReads(t *testing.T) {
	dir := repo(t, map[string]string{
		"compose.yaml": pinnedManifest,
		".env":         "LOG_LEVEL=debug\n",
		"dev.env":      "DATABASE_URL=${DEV_DATABASE_URL:-sqlite:///dev.db}\n",
	})
	f := healthyFake("postgres:15", "redis:7")
	withEnvFile := func(files ...string) func(*Options) {
		return func(o *Options) { o.Engine.EnvFiles = files }
	}
	expect(t, doctor(t, dir, f)[CheckDotenv], OK, ".env: 1 variables")
	expect(t, doctor(t, dir, f, withEnvFile("dev.env"))[CheckDotenv], Warn, "dev.env sets DATABASE_URL to SQLite", "remove DATABASE_URL from dev.env")

	disabled := func(o *Options) { o.Engine.Environ = []string{"COMPOSE_DISABLE_ENV_FILE=true"} }
	expect(t, doctor(t, dir, f, disabled)[CheckDotenv], OK, "no .env")

	bad := repo(t, map[string]string{"compose.yaml": pinnedManifest, ".env": "A=1\nB C=2\n"})
	expect(t, doctor(t, bad, f)[CheckDotenv], Fail, filepath.Join(bad, ".env"), "line 2")
	expect(t, doctor(t, dir, f, withEnvFile("nope.env"))[CheckDotenv], Fail, filepath.Join(dir, "nope.env"), "--env-file")
}

func TestDoctorWarnsAboutSecretsInACommittedDotenv(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": pinnedManifest, ".env": "STRIPE_API_KEY=sk_live_123\nDB_PASSWORD=\nLOG_LEVEL=debug\n"})
	f := healthyFake("postgres:15", "redis:7")
	expect(t, doctor(t, dir, f)[CheckDotenv], OK, "no committed secret") // not a repository yet

	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", ".env", "compose.yaml")
	git("commit", "-qm", "add env")
	c := doctor(t, dir, f)[CheckDotenv]
	expect(t, c, Warn, "committed to git", "STRIPE_API_KEY", "git rm --cached .env")
	if strings.Contains(c.Detail, "DB_PASSWORD") || strings.Contains(c.Detail, "sk_live") {
		t.Errorf("an empty secret is not a leak, and the value must never be shown: %s", c.Detail)
	}
}

func TestDoctorWarnsWhenAnotherProgramHoldsAPortButDoesNotFail(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	// Only this port: 5432 and 6379 may be held by other tests' containers.
	manifest := fmt.Sprintf("services:\n  mail:\n    image: mailhog/mailhog:v1.0.1\n    ports:\n      - \"%d:8025\"\n", port)
	dir := repo(t, map[string]string{"compose.yaml": manifest})
	checks := doctor(t, dir, healthyFake("mailhog/mailhog:v1.0.1"))
	expect(t, checks[CheckPorts], Warn, fmt.Sprintf("mail %d is held by another program", port), "another free port", fmt.Sprintf("sport = :%d", port))
	if Failed(mapValues(checks)) {
		t.Error("a taken port must not fail the doctor: up picks another")
	}
}

func TestDoctorSaysAPortHeldByTheProjectsOwnContainerIsFine(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": "name: shop\nservices:\n  db:\n    image: postgres:15\n"})
	f := healthyFake("postgres:15")
	// The project's state remembers 5432 for db; its running container holds it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	state := t.TempDir()
	if err := os.MkdirAll(filepath.Join(state, "projects"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "projects", "shop.json"), []byte(fmt.Sprintf(`{"ports":{"db/5432":%d},"secrets":{}}`, port)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, err := f.Create(ctx, docker.ContainerSpec{
		Name: "parity-shop-db", Image: "postgres:15",
		Labels: map[string]string{engine.LabelProject: "shop", engine.LabelService: "db"},
		Ports:  map[string]docker.PortBinding{"5432/tcp": {HostIP: "127.0.0.1", HostPort: port}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	c := doctor(t, dir, f, func(o *Options) { o.Engine.StateDir = state })[CheckPorts]
	expect(t, c, OK, fmt.Sprintf("db %d (its running container parity-shop-db)", port))
}

func TestDoctorProbesTheMirrorForImagesThatAreMissing(t *testing.T) {
	var hits atomic.Int32
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			hits.Add(1)
			w.WriteHeader(http.StatusOK)
			return
		}
		http.NotFound(w, r)
	}))
	defer mirror.Close()
	host := strings.TrimPrefix(mirror.URL, "http://")
	dir := repo(t, map[string]string{"compose.yaml": pinnedManifest})
	withMirror := func(m string) func(*Options) { return func(o *Options) { o.Engine.Mirror = m } }

	// redis is present through the mirror's name; postgres must be pulled.
	checks := doctor(t, dir, healthyFake(host+"/library/redis:7"), withMirror(host))
	expect(t, checks[CheckRegistry], OK, host+" answers to pull "+host+"/library/postgres:15", "present locally: "+host+"/library/redis:7")
	if hits.Load() == 0 {
		t.Error("the mirror was not asked")
	}

	// A mirror that does not run is a warning naming it, not a failure.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	checks = doctor(t, dir, healthyFake(), withMirror(dead))
	expect(t, checks[CheckRegistry], Warn, dead+" does not answer", "check that the mirror "+dead+" runs")
	if Failed(mapValues(checks)) {
		t.Error("an unreachable registry must not fail the doctor: the engine may have its own way")
	}
}

func TestDoctorSkipsTheDiskOfARemoteEngine(t *testing.T) {
	// NewAt does not dial; the engine at this address does not answer.
	c, err := docker.NewAt("tcp://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	dir := repo(t, map[string]string{"compose.yaml": pinnedManifest})
	checks := Run(context.Background(), Options{Engine: engine.Options{WorkingDir: dir, StateDir: t.TempDir(), Docker: c}})
	if checks[1].Check != CheckDisk || checks[1].Status != Skip || !strings.Contains(checks[1].Detail, "not on this machine") {
		t.Errorf("disk: %+v", checks[1])
	}
	if checks[0].Status != Fail || !strings.Contains(checks[0].Detail, "tcp://127.0.0.1:1") {
		t.Errorf("docker: %+v", checks[0])
	}
}

func TestDoctorWarnsWhenDockerHubIsUnreachableForMissingImages(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": pinnedManifest})
	checks := doctor(t, dir, healthyFake("redis:7"))
	expect(t, checks[CheckRegistry], Warn, "registry-1.docker.io does not answer", "to pull postgres:15", "present locally: redis:7", "--registry-mirror")
	if Failed(mapValues(checks)) {
		t.Error("an unreachable Docker Hub must not fail the doctor")
	}
}

// A docker context parity cannot dial (ssh://) fails the check naming the
// context, its endpoint and the fix, rather than checking the default socket.
func TestDoctorFailsOnADockerContextParityCannotUse(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": pinnedManifest})
	config := t.TempDir()
	sum := sha256.Sum256([]byte("buildbox"))
	meta := filepath.Join(config, "contexts", "meta", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(meta, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(meta, "meta.json"), []byte(`{"Name":"buildbox","Endpoints":{"docker":{"Host":"ssh://me@box"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_HOST", "")
	t.Setenv("DOCKER_CONFIG", config)
	t.Setenv("DOCKER_CONTEXT", "buildbox")
	checks := doctor(t, dir, nil, func(o *Options) { o.Engine.Docker = nil })
	expect(t, checks[CheckDocker], Fail, `docker context "buildbox" points at ssh://me@box`, "docker context use default", "DOCKER_HOST=unix:///var/run/docker.sock")
}
