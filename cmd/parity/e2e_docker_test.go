package main

// End-to-end tests of the parity binary against the real Docker engine,
// with service images pulled from the test bed's loopback registry through
// --registry-mirror. Run them with `make test`.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

var bins struct {
	once                           sync.Once
	err                            error
	parity, quickstart, splitcheck string
	// The example apps of production sources beyond Compose.
	terraformApp, kubernetesApp string
}

// build compiles parity and the example apps once per test binary.
func build(t *testing.T) {
	t.Helper()
	bins.once.Do(func() {
		dir, err := os.MkdirTemp("", "parity-e2e-bin")
		if err != nil {
			bins.err = err
			return
		}
		for _, b := range []struct {
			out *string
			pkg string
		}{
			{&bins.parity, "."},
			{&bins.quickstart, "../../examples/quickstart"},
			{&bins.splitcheck, "./testdata/splitcheck"},
			{&kindcheckBin, "./testdata/kindcheck"},
			{&bins.terraformApp, "../../examples/terraform/app"},
			{&bins.kubernetesApp, "../../examples/kubernetes/app"},
		} {
			*b.out = filepath.Join(dir, strings.NewReplacer("../", "", "./", "", "/", "-").Replace(b.pkg))
			if b.pkg == "." {
				*b.out = filepath.Join(dir, "parity")
			}
			out, err := exec.Command("go", "build", "-o", *b.out, b.pkg).CombinedOutput()
			if err != nil {
				bins.err = fmt.Errorf("build %s: %v\n%s", b.pkg, err, out)
				return
			}
		}
	})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
}

// env is one test's parity environment: its own project, state dir and
// labels, so everything it creates is found and removed by label.
type env struct {
	t        *testing.T
	project  string
	registry string
	stateDir string
	extra    []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	testbed.RequireEngine(t)
	reg := testbed.Registry(t)
	build(t)
	return &env{t: t, project: testbed.Project(t), registry: reg, stateDir: t.TempDir()}
}

func (e *env) environ() []string {
	return append(os.Environ(),
		"PARITY_STATE_DIR="+e.stateDir,
		"PARITY_LABELS="+testbed.TestLabel+"=1",
		"PARITY_REGISTRY_MIRROR="+e.registry,
		"NO_COLOR=1",
	)
}

func (e *env) command(ctx context.Context, manifest string, args ...string) *exec.Cmd {
	full := append([]string{"-p", e.project, "-f", manifest}, args...)
	cmd := exec.CommandContext(ctx, bins.parity, full...)
	cmd.Env = append(e.environ(), e.extra...)
	return cmd
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs parity to completion.
func (e *env) run(manifest string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	return e.finish(e.command(ctx, manifest, args...))
}

// finish runs a parity command to completion; a parity that cannot be
// started at all fails the test.
func (e *env) finish(cmd *exec.Cmd) result {
	e.t.Helper()
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("run parity %v: %v", cmd.Args[1:], err)
	}
	return result{out.String(), errb.String(), code}
}

func (e *env) mustRun(manifest string, args ...string) result {
	e.t.Helper()
	r := e.run(manifest, args...)
	if r.code != 0 {
		e.t.Fatalf("parity %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

func quickstartManifest() string { return "../../examples/quickstart/compose.yaml" }

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// containers lists the project's containers (name -> inspect JSON).
func (e *env) containers() map[string]map[string]any {
	e.t.Helper()
	ids := strings.Fields(docker(e.t, "ps", "-aq", "--filter", "label=dev.parity.project="+e.project))
	out := map[string]map[string]any{}
	for _, id := range ids {
		var insp []map[string]any
		if err := json.Unmarshal([]byte(docker(e.t, "inspect", id)), &insp); err != nil {
			e.t.Fatal(err)
		}
		out[strings.TrimPrefix(insp[0]["Name"].(string), "/")] = insp[0]
	}
	return out
}

func TestDockerUpDetachRunsPinnedImagesOnLoopbackAndTheAppRoundTrips(t *testing.T) {
	e := newEnv(t)
	// Make parity pull for real: drop only the mirror's tags from the engine.
	for _, ref := range []string{"postgres:15", "redis:7"} {
		_ = exec.Command("docker", "rmi", e.registry+"/library/"+ref).Run()
	}
	r := e.mustRun(quickstartManifest(), "up", "--detach")
	if !strings.Contains(r.stderr, "pull") {
		t.Errorf("no pull progress on stderr:\n%s", r.stderr)
	}
	for _, want := range []string{"db", "postgres:15", "cache", "redis:7", "127.0.0.1:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, e.secret("db")) {
		t.Errorf("summary shows the password in clear:\n%s", r.stdout)
	}

	cs := e.containers()
	if len(cs) != 2 {
		t.Fatalf("%d containers, want 2: %v", len(cs), cs)
	}
	for name, c := range cs {
		cfg := c["Config"].(map[string]any)
		labels := cfg["Labels"].(map[string]any)
		pinned := labels["dev.parity.image"].(string)
		if cfg["Image"] != e.registry+"/library/"+pinned || (pinned != "postgres:15" && pinned != "redis:7") {
			t.Errorf("%s runs %v (pinned %s)", name, cfg["Image"], pinned)
		}
		bindings := c["HostConfig"].(map[string]any)["PortBindings"].(map[string]any)
		for port, bs := range bindings {
			for _, b := range bs.([]any) {
				if ip := b.(map[string]any)["HostIp"]; ip != "127.0.0.1" {
					t.Errorf("%s publishes %s on %q, want 127.0.0.1 only", name, port, ip)
				}
			}
		}
	}

	// The example app connects with the injected URLs and round-trips data.
	out := e.mustRun(quickstartManifest(), "run", "--", bins.quickstart, "-check")
	if !strings.Contains(out.stdout, "visits=1") {
		t.Fatalf("quickstart -check printed %q", out.stdout)
	}
	st := e.mustRun(quickstartManifest(), "status", "--json")
	var statuses []map[string]any
	if err := json.Unmarshal([]byte(st.stdout), &statuses); err != nil {
		t.Fatalf("status --json: %v\n%s", err, st.stdout)
	}
	for _, s := range statuses {
		if s["role"] == "backing" && s["ready"] != true {
			t.Errorf("status says %v is not ready: %v", s["name"], s)
		}
		if _, ok := s["uptimeNs"]; ok {
			t.Errorf("status --json still prints uptimeNs: %v", s)
		}
	}
	// Durations in JSON are seconds, named so; uptime is rounded to whole
	// seconds and omitted while 0, so wait for the first second.
	testbed.WaitFor(t, time.Minute, func() (bool, string) {
		out := e.mustRun(quickstartManifest(), "status", "--json").stdout
		var statuses []map[string]any
		if err := json.Unmarshal([]byte(out), &statuses); err != nil {
			return false, err.Error()
		}
		for _, s := range statuses {
			if up, ok := s["uptimeSeconds"].(float64); s["role"] == "backing" && (!ok || up < 1) {
				return false, "a backing service without a number of seconds in uptimeSeconds:\n" + out
			}
		}
		return true, ""
	})
}

// secret is the password the service's container is configured with, read
// from the container itself: a generated one lives in parity's state per
// service or per variable, a production one in the manifest.
func (e *env) secret(service string) string {
	e.t.Helper()
	c, ok := e.containers()["parity-"+e.project+"-"+service]
	if !ok {
		e.t.Fatalf("no container for %s", service)
	}
	cfg := c["Config"].(map[string]any)
	env := map[string]string{}
	for _, kv := range cfg["Env"].([]any) {
		k, v, _ := strings.Cut(kv.(string), "=")
		env[k] = v
	}
	for _, k := range []string{"POSTGRES_PASSWORD", "MARIADB_PASSWORD", "MYSQL_PASSWORD", "RABBITMQ_DEFAULT_PASS", "MONGO_INITDB_ROOT_PASSWORD"} {
		if env[k] != "" {
			return env[k]
		}
	}
	if cmd, ok := cfg["Cmd"].([]any); ok {
		for i := 0; i+1 < len(cmd); i++ {
			if a := cmd[i].(string); a == "--pass" || a == "--requirepass" {
				return cmd[i+1].(string)
			}
		}
	}
	e.t.Fatalf("no password in the container of %s", service)
	return ""
}

func TestDockerDataAndPasswordSurviveDownAndUpUntilDownVolumes(t *testing.T) {
	e := newEnv(t)
	check := func() string {
		return strings.TrimSpace(e.mustRun(quickstartManifest(), "run", "--", bins.quickstart, "-check").stdout)
	}
	if got := check(); got != "visits=1" {
		t.Fatalf("first run: %s", got)
	}
	pw := e.secret("db")
	e.mustRun(quickstartManifest(), "down")
	if len(e.containers()) != 0 {
		t.Fatalf("containers left after down")
	}
	if got := check(); got != "visits=2" {
		t.Fatalf("after down and up: %s, want the data kept", got)
	}
	if e.secret("db") != pw {
		t.Errorf("password changed across down/up while the volume lived")
	}
	r := e.mustRun(quickstartManifest(), "down", "--volumes")
	if !strings.Contains(r.stdout, "removed volume") {
		t.Errorf("down --volumes output:\n%s", r.stdout)
	}
	if got := check(); got != "visits=1" {
		t.Fatalf("after down --volumes: %s, want fresh data", got)
	}
}

func TestDockerSplitVariablesAndUnsetCredentialsAreRewrittenAndWork(t *testing.T) {
	e := newEnv(t)
	r := e.mustRun("testdata/splitvars/compose.yaml", "run", "--", bins.splitcheck)
	if want := "postgres=shop@shop redis=shop@shop cache_driver=redis"; strings.TrimSpace(r.stdout) != want {
		t.Fatalf("splitcheck printed %q, want %q\nstderr:\n%s", r.stdout, want, r.stderr)
	}
	st := e.mustRun("testdata/splitvars/compose.yaml", "status")
	if !strings.Contains(st.stdout, "api is the app") {
		t.Errorf("status does not say api is the app:\n%s", st.stdout)
	}
}

func TestDockerATakenPortIsReplacedAndStaysStable(t *testing.T) {
	e := newEnv(t)
	// Hold the usual Postgres port, as a locally installed Postgres would.
	l, err := net.Listen("tcp", "127.0.0.1:5432")
	if err != nil {
		t.Logf("5432 already taken by something else: %v", err)
	} else {
		defer l.Close()
	}
	envOut := e.mustRun(quickstartManifest(), "env", "--format", "json")
	var vars map[string]string
	if err := json.Unmarshal([]byte(envOut.stdout), &vars); err != nil {
		t.Fatal(err)
	}
	u := vars["DATABASE_URL"]
	if strings.Contains(u, "127.0.0.1:5432/") || !strings.Contains(u, "127.0.0.1:") {
		t.Fatalf("DATABASE_URL %q uses the taken port", u)
	}
	e.mustRun(quickstartManifest(), "up", "--detach")
	if got := strings.TrimSpace(e.mustRun(quickstartManifest(), "run", "--", bins.quickstart, "-check").stdout); got != "visits=1" {
		t.Fatalf("app on the other port: %s", got)
	}
	again := e.mustRun(quickstartManifest(), "env", "--format", "json")
	var vars2 map[string]string
	_ = json.Unmarshal([]byte(again.stdout), &vars2)
	if vars2["DATABASE_URL"] != u {
		t.Errorf("port not stable: %s then %s", u, vars2["DATABASE_URL"])
	}
}

func TestDockerACrashingServiceFailsUpDetachFastWithItsLogs(t *testing.T) {
	e := newEnv(t)
	start := time.Now()
	r := e.run("testdata/crash/compose.yaml", "up", "--detach", "--timeout", "10m")
	if r.code == 0 {
		t.Fatalf("up --detach succeeded with a crashing service")
	}
	for _, want := range []string{"service db exited with code", "no_such_setting"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	t.Logf("failed after %s (timeout was 10m)", time.Since(start).Round(time.Millisecond))
}

func TestDockerUnpinnedImageWarns(t *testing.T) {
	e := newEnv(t)
	r := e.mustRun("testdata/unpinned/compose.yaml", "env")
	if !strings.Contains(r.stderr, "not pinned") || !strings.Contains(r.stderr, "cache") {
		t.Errorf("no unpinned warning naming the service:\n%s", r.stderr)
	}
}

func TestDockerContainersParityDidNotCreateAreNeverTouched(t *testing.T) {
	e := newEnv(t)
	// A stranger holding the name parity would use, labelled only so the
	// harness can clean it up.
	name := "parity-" + e.project + "-db"
	docker(t, "run", "-d", "--name", name, "--label", testbed.TestLabel+"=1", "--label", "dev.parity.project.not="+e.project,
		"--entrypoint", "sleep", e.registry+"/library/postgres:15", "600")
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
	e.mustRun(quickstartManifest(), "up", "--detach")
	e.mustRun(quickstartManifest(), "down", "--volumes")
	state := docker(t, "inspect", "-f", "{{.State.Running}} {{index .Config.Labels \"dev.parity.project\"}}", name)
	if state != "true" {
		t.Errorf("stranger container after up and down: %q, want running and unlabelled", state)
	}
}

func TestDockerForegroundUpRunsTheAppAndCtrlCStopsEverything(t *testing.T) {
	e := newEnv(t)
	port := freePortT(t)
	e.extra = []string{"PORT=" + fmt.Sprint(port)}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := e.command(ctx, quickstartManifest(), "up", "--no-tui", "--", bins.quickstart)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	body := ""
	testbed.WaitFor(t, 3*time.Minute, func() (bool, string) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil {
			return false, err.Error() + "\n" + out.String()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == 200, body
	})
	if !strings.HasPrefix(body, "visits=") {
		t.Fatalf("app answered %q", body)
	}
	if !strings.Contains(out.String(), "app ") || !strings.Contains(out.String(), "listening on") {
		t.Errorf("app output not prefixed in the log stream:\n%s", out.String())
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("exit after Ctrl-C: %v, want 130\n%s", err, out.String())
	}
	for name, c := range e.containers() {
		if c["State"].(map[string]any)["Running"] == true {
			t.Errorf("%s still running after Ctrl-C", name)
		}
	}
}

func TestDockerCtrlCDuringStartLeavesNothingUnlabelled(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := e.command(ctx, quickstartManifest(), "up", "--detach")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	testbed.WaitFor(t, 2*time.Minute, func() (bool, string) {
		s := out.String()
		return strings.Contains(s, "creating") || strings.Contains(s, "starting") || strings.Contains(s, "waiting"), s
	})
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("exit after Ctrl-C during start: %v, want 130\n%s", err, out.String())
	}
	prefix := "parity-" + e.project
	for _, kind := range []string{"container", "volume", "network"} {
		args := []string{kind, "ls", "-q", "--filter", "name=" + prefix}
		if kind == "container" {
			args = []string{"ps", "-aq", "--filter", "name=" + prefix}
		}
		for _, id := range strings.Fields(docker(t, args...)) {
			var label string
			if kind == "container" {
				label = docker(t, "inspect", "-f", `{{index .Config.Labels "dev.parity.project"}}`, id)
			} else {
				label = docker(t, kind, "inspect", "-f", `{{index .Labels "dev.parity.project"}}`, id)
			}
			if label != e.project {
				t.Errorf("%s %s left without parity's project label (%q)", kind, id, label)
			}
		}
	}
	// The next down finds it all.
	e.mustRun(quickstartManifest(), "down", "--volumes")
	if left := docker(t, "ps", "-aq", "--filter", "name="+prefix); left != "" {
		t.Errorf("containers left after down: %s", left)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePortT(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestDockerGenericServicesWaitForTheirPortOrHealthcheck(t *testing.T) {
	e := newEnv(t)
	// Stand-ins for third-party images parity does not recognise, pushed
	// under test-only names so no other test's tags move.
	tag := strings.TrimPrefix(e.project, "pt-")
	for _, name := range []string{"acme/mailcatcher", "acme/queue"} {
		ref := e.registry + "/" + name + ":" + tag
		docker(t, "tag", e.registry+"/library/redis:7", ref)
		docker(t, "push", ref)
		t.Cleanup(func() { _ = exec.Command("docker", "rmi", ref).Run() })
	}
	e.extra = []string{"MAILER_TAG=" + tag, "QUEUE_TAG=" + tag}
	e.mustRun("testdata/generic/compose.yaml", "up", "--detach")
	st := e.mustRun("testdata/generic/compose.yaml", "status", "--json")
	var statuses []map[string]any
	if err := json.Unmarshal([]byte(st.stdout), &statuses); err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, s := range statuses {
		roles[s["name"].(string)] = s["role"].(string)
		if s["role"] == "generic" && (s["ready"] != true || !strings.HasPrefix(s["address"].(string), "127.0.0.1:")) {
			t.Errorf("generic service not ready on loopback: %v", s)
		}
	}
	if roles["mailer"] != "generic" || roles["queue"] != "generic" || roles["web"] != "app" {
		t.Errorf("roles %v", roles)
	}
	c := e.containers()["parity-"+e.project+"-queue"]
	if health := c["State"].(map[string]any)["Health"].(map[string]any)["Status"]; health != "healthy" {
		t.Errorf("queue health %v, want healthy (its healthcheck is kept)", health)
	}
	env := e.mustRun("testdata/generic/compose.yaml", "env", "--format", "json")
	var vars map[string]string
	_ = json.Unmarshal([]byte(env.stdout), &vars)
	conn, err := net.Dial("tcp", net.JoinHostPort(vars["SMTP_HOST"], vars["SMTP_PORT"]))
	if err != nil {
		t.Fatalf("SMTP_HOST/SMTP_PORT %s:%s do not reach the mailer: %v", vars["SMTP_HOST"], vars["SMTP_PORT"], err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "PING\r\n")
	buf := make([]byte, 7)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "+PONG\r\n" {
		t.Errorf("mailer answered %q, %v", buf, err)
	}
}

func TestDockerStatusNamesTheParityProjectHoldingTheUsualPort(t *testing.T) {
	first, second := newEnv(t), newEnv(t)
	port := freePortT(t)
	first.extra = []string{fmt.Sprintf("HELD_PORT=%d", port)}
	second.extra = first.extra
	const manifest = "testdata/heldport/compose.yaml"
	first.mustRun(manifest, "up", "--detach")

	note := fmt.Sprintf("%d held by parity project %s, service cache", port, first.project)
	up := second.mustRun(manifest, "up", "--detach")
	if !strings.Contains(up.stdout, "("+note+")") {
		t.Errorf("up --detach of the second project does not say who holds %d:\n%s", port, up.stdout)
	}

	cache := func(e *env) map[string]any {
		t.Helper()
		r := e.mustRun(manifest, "status", "--json")
		var statuses []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &statuses); err != nil {
			t.Fatalf("status --json: %v\n%s", err, r.stdout)
		}
		for _, s := range statuses {
			if s["name"] == "cache" {
				return s
			}
		}
		t.Fatalf("no cache in status --json:\n%s", r.stdout)
		return nil
	}
	usual := fmt.Sprintf("127.0.0.1:%d", port)
	if s := cache(first); s["address"] != usual || s["portNote"] != nil || s["usualPort"] != float64(port) {
		t.Errorf("first project's cache: %v, want on %s without a note", s, usual)
	}
	s := cache(second)
	held, _ := s["portHeldBy"].(map[string]any)
	if s["address"] == usual || s["ready"] != true || s["usualPort"] != float64(port) || s["portNote"] != note ||
		held["project"] != first.project || held["service"] != "cache" || held["container"] != "parity-"+first.project+"-cache" {
		t.Errorf("second project's cache: %v, want off %s with the note %q", s, usual, note)
	}
	if table := second.mustRun(manifest, "status").stdout; !strings.Contains(table, s["address"].(string)+" ("+note+")") {
		t.Errorf("status table does not say who holds %d:\n%s", port, table)
	}
}
