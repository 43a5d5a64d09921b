package testbed

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeDocker answers only what images.sh --dry-run may ask (docker info,
// docker image inspect); the images that "exist" are shell patterns in
// FAKE_DOCKER_IMAGES. Any other call (build, import, tag) fails the run.
const fakeDocker = `#!/usr/bin/env bash
set -f
case "$1 ${2-}" in
  "info "*) exit 0 ;;
  "image inspect")
    if [[ $3 == -f ]]; then echo 1.0; exit 0; fi
    for p in $FAKE_DOCKER_IMAGES; do [[ $3 == $p ]] && exit 0; done
    exit 1 ;;
  "tag "*) [[ -n ${FAKE_DOCKER_TAGS-} ]] && echo "$2 $3" >>"$FAKE_DOCKER_TAGS" && exit 0 ;;
esac
echo "fake docker: unexpected call: docker $*" >&2
exit 2
`

// dryRun runs testbed/images.sh --dry-run with a fake docker to which the
// given image patterns exist, and returns its plan (stdout) and log (stderr).
func dryRun(t *testing.T, existing string, args ...string) (plan, log string, err error) {
	t.Helper()
	return runImages(t, t.TempDir(), existing, nil, append([]string{"--dry-run"}, args...)...)
}

func runImages(t *testing.T, cache, existing string, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(fakeDocker), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{"../../testbed/images.sh"}, args...)...)
	cmd.Env = append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"PARITY_TESTBED_CACHE="+cache,
		"FAKE_DOCKER_IMAGES="+existing)
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// After `make demo` built postgres and redis, a run for them builds
// nothing and lists for the registry just the images that exist.
func TestImagesScriptListsOnlyBuiltImages(t *testing.T) {
	cache := t.TempDir()
	tags := filepath.Join(t.TempDir(), "tags")
	_, log, err := runImages(t, cache, "parity-testbed/postgres:* parity-testbed/redis:*",
		[]string{"FAKE_DOCKER_TAGS=" + tags, "PARITY_TESTBED_KEEP_OLD=1"}, "postgres", "redis")
	if err != nil {
		t.Fatalf("images.sh postgres redis: %v\n%s", err, log)
	}
	if !strings.Contains(log, "cached; skipping the build") || strings.Contains(log, "building") {
		t.Errorf("log:\n%s", log)
	}
	list, err := os.ReadFile(filepath.Join(cache, "images.list"))
	if err != nil {
		t.Fatal(err)
	}
	var repos []string
	for _, line := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		_, ref, _ := strings.Cut(line, " ")
		repo, _, _ := strings.Cut(ref, ":")
		if !slices.Contains(repos, repo) {
			repos = append(repos, repo)
		}
	}
	if !slices.Equal(repos, []string{"library/postgres", "library/redis"}) {
		t.Errorf("images.list names %v, want postgres and redis only:\n%s", repos, list)
	}
	tagged, _ := os.ReadFile(tags)
	if !strings.Contains(string(tagged), "parity-testbed/postgres:15\n") || strings.Contains(string(tagged), "mariadb") {
		t.Errorf("docker tag calls:\n%s", tagged)
	}
}

func TestImagesScriptSelection(t *testing.T) {
	const all = "postgres redis mariadb rabbitmq memcached nats"
	tests := []struct {
		name     string
		existing string
		args     []string
		plan     []string // lines the plan must hold
		log      []string // fragments the log must hold
	}{
		{"demo on a fresh machine", "", []string{"postgres", "redis"},
			[]string{"selected: postgres redis", "build: postgres redis", "base: parity-testbed/base-postgres-redis:"},
			[]string{"building 2 image(s) from Debian packages (postgresql-15,redis-server), about 3 minutes the first time"}},
		{"everything on a fresh machine", "", nil,
			[]string{"selected: " + all, "build: " + all, "debootstrap postgresql-15,redis-server,mariadb-server,rabbitmq-server,memcached,nats-server"},
			[]string{"building 6 image(s) from Debian packages", "about 10 minutes the first time"}},
		{"everything after the demo", "parity-testbed/postgres:* parity-testbed/redis:* parity-testbed/base-postgres-redis:*", nil,
			[]string{"build: mariadb rabbitmq memcached nats", "base: parity-testbed/base-mariadb-rabbitmq-memcached-nats:", "debootstrap mariadb-server,rabbitmq-server,memcached,nats-server"},
			[]string{"building 4 image(s) from Debian packages"}},
		{"demo with the full base cached", "parity-testbed/base:*", []string{"redis", "postgres"},
			[]string{"selected: redis postgres", "build: redis postgres", "cached"},
			[]string{"from the cached base parity-testbed/base:"}},
		{"demo after make test", "parity-testbed/*", []string{"postgres", "redis"},
			[]string{"build: "}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, log, err := dryRun(t, tt.existing, tt.args...)
			if err != nil {
				t.Fatalf("images.sh --dry-run: %v\n%s", err, log)
			}
			for _, want := range tt.plan {
				if !strings.Contains(plan, want) {
					t.Errorf("plan lacks %q:\n%s", want, plan)
				}
			}
			for _, want := range tt.log {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q:\n%s", want, log)
				}
			}
			if tt.log == nil && strings.Contains(log, "building") {
				t.Errorf("nothing to build, yet the log says:\n%s", log)
			}
		})
	}
}

func TestImagesScriptRejectsUnknownService(t *testing.T) {
	_, log, err := dryRun(t, "", "postgres", "mysql")
	if err == nil || !strings.Contains(log, "unknown service mysql") || !strings.Contains(log, "postgres redis mariadb") {
		t.Fatalf("err = %v, log:\n%s", err, log)
	}
}

// make demo builds only the quickstart's two images; make test all of them.
func TestMakefileDemoBuildsTwoImages(t *testing.T) {
	out := func(target string) string {
		cmd := exec.Command("make", "-n", "-C", "../..", target)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make -n %s: %v\n%s", target, err, b)
		}
		return string(b)
	}
	if demo := out("demo"); !strings.Contains(demo, "bash testbed/ensure.sh postgres redis\n") {
		t.Errorf("make demo does not build just postgres and redis:\n%s", demo)
	}
	if test := out("test"); !strings.Contains(test, "bash testbed/ensure.sh\n") {
		t.Errorf("make test does not build every image:\n%s", test)
	}
}
