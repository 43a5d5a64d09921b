package main

// End-to-end test of parity lock against the test bed's registry: a tag
// that moves upstream after it was locked.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parity-dev/parity/engine/lockfile"
	"github.com/parity-dev/parity/internal/testbed"
)

// TestDockerLockedDigestSurvivesAMovedTagAndCheckReportsTheMove pushes the
// test bed's redis image under a tag of its own, locks it, then re-points
// that tag at the postgres image, as an upstream rebuild would. up must
// still run the redis image (the locked digest); check --remote must
// report the move; lock --update must take it. Only the test's own tag
// moves: the tags other tests pull (redis:7, postgres:15) are untouched.
func TestDockerLockedDigestSurvivesAMovedTagAndCheckReportsTheMove(t *testing.T) {
	e := newEnv(t)
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	tag := "7.0-parity-moved-" + hex.EncodeToString(b[:])
	redis, postgres := e.registry+"/library/redis:7", e.registry+"/library/postgres:15"
	moved := e.registry + "/library/redis:" + tag
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", moved).Run() }) // untags only: the images keep their other names
	redisID := pushAs(t, redis, moved)

	dir := t.TempDir()
	manifest := filepath.Join(dir, "compose.yaml")
	body := "services:\n  cache:\n    image: redis:" + tag + "\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n"
	if err := os.WriteFile(manifest, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}

	r := e.mustRun(manifest, "lock")
	if !strings.Contains(r.stdout, "cache") || !strings.Contains(r.stdout, "added") || !strings.Contains(r.stdout, "wrote") {
		t.Errorf("lock output:\n%s", r.stdout)
	}
	locked := lockedDigest(t, dir, "cache")

	// The tag moves upstream: it now names the postgres image.
	postgresID := pushAs(t, postgres, moved)
	if redisID == postgresID {
		t.Fatalf("the test bed's redis and postgres images are one image (%s): a moved tag would not show", redisID)
	}
	// Nothing local may stand in for the lock: only the digest can find redis.
	testbed.MustDocker(t, "rmi", moved)

	// check without --remote reads files only: the lock still matches the manifest.
	if r := e.run(manifest, "check"); r.code != 0 || !strings.Contains(r.stdout, "no drift") {
		t.Errorf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// check --remote asks the registry and reports the move, as a warning.
	r = e.run(manifest, "check", "--remote", "--json")
	if r.code != 0 {
		t.Errorf("check --remote: exit %d, want 0 (a moved tag is a warning)\n%s%s", r.code, r.stdout, r.stderr)
	}
	var rep struct {
		Findings []struct{ File, Service, Production, Found, Severity, Fix string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("check --remote --json: %v\n%s", err, r.stdout)
	}
	if len(rep.Findings) != 1 {
		t.Fatalf("findings %+v, want the moved tag", rep.Findings)
	}
	f := rep.Findings[0]
	if f.File != lockfile.Name || f.Service != "cache" || f.Severity != "warning" ||
		!strings.Contains(f.Found, locked[:len("sha256:")+12]) || strings.Contains(f.Production, locked[:len("sha256:")+12]) ||
		!strings.Contains(f.Fix, "parity lock --update") {
		t.Errorf("moved-tag finding %+v (locked %s)", f, locked)
	}
	if r := e.run(manifest, "check", "--remote", "--strict"); r.code != 1 {
		t.Errorf("check --remote --strict: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}

	// up runs the locked digest, not what the tag names now.
	e.mustRun(manifest, "up", "--detach")
	cs := e.containers()
	if len(cs) != 1 {
		t.Fatalf("%d containers, want cache", len(cs))
	}
	for name, c := range cs {
		cfg := c["Config"].(map[string]any)
		if cfg["Image"] != e.registry+"/library/redis@"+locked {
			t.Errorf("%s created from %v, want %s/library/redis@%s", name, cfg["Image"], e.registry, locked)
		}
		if c["Image"] != redisID {
			t.Errorf("%s runs image %v, want the locked redis image %s (the moved tag names %s)", name, c["Image"], redisID, postgresID)
		}
		if label := cfg["Labels"].(map[string]any)["dev.parity.image"]; label != "redis:"+tag {
			t.Errorf("%s labelled %v, want the pinned tag", name, label)
		}
	}
	if r := e.run(manifest, "check", "--running"); r.code != 0 || !strings.Contains(r.stdout, "no drift") {
		t.Errorf("check --running on the locked container: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Plain lock keeps the reviewed digest; --update takes the moved one.
	if r := e.mustRun(manifest, "lock"); !strings.Contains(r.stdout, "up to date") || lockedDigest(t, dir, "cache") != locked {
		t.Errorf("plain lock changed the lock:\n%s", r.stdout)
	}
	r = e.mustRun(manifest, "lock", "--update")
	if now := lockedDigest(t, dir, "cache"); now == locked || !strings.Contains(r.stdout, "moved from") {
		t.Errorf("lock --update kept %s:\n%s", now, r.stdout)
	}
}

// pushAs pushes the registry image src under the name dst and returns its
// image ID. Other tests may untag src locally at any moment (to make parity
// pull), so it is pulled right before tagging, and again if it vanished.
func pushAs(t *testing.T, src, dst string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if _, err = testbed.Docker(ctx, "pull", "-q", src); err != nil {
			continue
		}
		if _, err = testbed.Docker(ctx, "tag", src, dst); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	testbed.MustDocker(t, "push", "-q", dst)
	return testbed.MustDocker(t, "image", "inspect", "-f", "{{.Id}}", dst)
}

func lockedDigest(t *testing.T, dir, service string) string {
	t.Helper()
	l, err := lockfile.Read(filepath.Join(dir, lockfile.Name))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := l.Entry(service)
	if !ok {
		t.Fatalf("no %s in the lock: %+v", service, l.Entries)
	}
	return e.Digest
}
