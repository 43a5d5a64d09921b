package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/engine/drift"
	"github.com/parity-dev/parity/engine/lockfile"
	"github.com/parity-dev/parity/engine/manifest"
)

const (
	pgDigest    = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	redisDigest = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	movedDigest = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
)

// lockProject is the quickstart with its manifest in a directory of its own,
// where parity.lock goes.
func lockProject(t *testing.T) *manifest.Project {
	t.Helper()
	proj := quickstart()
	dir := t.TempDir()
	proj.Files = []string{filepath.Join(dir, "compose.yaml")}
	manifestText := "name: shop\nservices:\n  app:\n    build: .\n  cache:\n    image: redis:7\n  db:\n    image: postgres:15.4\n"
	if err := os.WriteFile(proj.Files[0], []byte(manifestText), 0o644); err != nil {
		t.Fatal(err)
	}
	return proj
}

func lockedFake() *docker.Fake {
	f := docker.NewFake()
	f.AddRegistryImage("127.0.0.1:5959/library/postgres:15.4", pgDigest)
	f.AddRegistryImage("127.0.0.1:5959/library/redis:7", redisDigest)
	f.AddRegistryImage("127.0.0.1:5959/library/postgres@"+pgDigest, pgDigest)
	f.AddRegistryImage("127.0.0.1:5959/library/redis@"+redisDigest, redisDigest)
	return f
}

func TestLockResolvesTagsThroughTheMirrorAndWritesASortedLock(t *testing.T) {
	proj := lockProject(t)
	f := lockedFake()
	s := testSession(t, proj, f, &recorder{}, "")
	res, err := s.Lock(context.Background(), LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Written || res.Path != filepath.Join(filepath.Dir(proj.Files[0]), "parity.lock") {
		t.Errorf("result %+v", res)
	}
	data, _ := os.ReadFile(res.Path)
	if !strings.HasSuffix(string(data), "cache redis:7 "+redisDigest+"\ndb postgres:15.4 "+pgDigest+"\n") {
		t.Errorf("lock file:\n%s", data)
	}
	if f.CallCount("Digest") != 2 || f.CallCount("Pull") != 0 {
		t.Errorf("%d Digest and %d Pull calls; want 2 and none", f.CallCount("Digest"), f.CallCount("Pull"))
	}
	// Unchanged: nothing written, nothing asked.
	res, err = s.Lock(context.Background(), LockOptions{})
	if err != nil || res.Written || f.CallCount("Digest") != 2 {
		t.Errorf("second lock: written=%v err=%v, %d Digest calls", res.Written, err, f.CallCount("Digest"))
	}
}

func TestLockKeepsValidEntriesAndUpdateMovesThem(t *testing.T) {
	proj := lockProject(t)
	f := lockedFake()
	s := testSession(t, proj, f, &recorder{}, "")
	if _, err := s.Lock(context.Background(), LockOptions{}); err != nil {
		t.Fatal(err)
	}
	// The redis:7 tag moves upstream and production bumps Postgres.
	f.AddRegistryImage("127.0.0.1:5959/library/redis:7", movedDigest)
	f.AddRegistryImage("127.0.0.1:5959/library/postgres:16", pgDigest)
	proj.Service("db").Image = "postgres:16"
	res, err := s.Lock(context.Background(), LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, ls := range res.Services {
		status[ls.Service] = ls.Status + " " + ls.Digest
	}
	if status["cache"] != "kept "+redisDigest || status["db"] != "relocked "+pgDigest {
		t.Errorf("plain lock: %v; want cache kept on its old digest, db relocked", status)
	}
	res, err = s.Lock(context.Background(), LockOptions{Update: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, ls := range res.Services {
		if ls.Service == "cache" && (ls.Status != "moved" || ls.Digest != movedDigest || ls.Previous != redisDigest) {
			t.Errorf("update: %+v", ls)
		}
	}
}

func TestUpRunsLockedDigestsAndKeepsThePinnedTagInLabels(t *testing.T) {
	proj := lockProject(t)
	f := lockedFake()
	rec := &recorder{}
	s := testSession(t, proj, f, rec, "")
	if _, err := s.Lock(context.Background(), LockOptions{}); err != nil {
		t.Fatal(err)
	}
	up(t, s)
	db, _ := f.Spec(s.id("db"))
	if db.Image != "127.0.0.1:5959/library/postgres@"+pgDigest || db.Labels[LabelImage] != "postgres:15.4" {
		t.Errorf("db runs %s labelled %s; want the locked digest through the mirror, labelled with the tag", db.Image, db.Labels[LabelImage])
	}
	for _, ss := range s.Summary().Services {
		if ss.Name == "db" && ss.Image != "postgres:15.4" {
			t.Errorf("summary shows %s, want the pinned tag", ss.Image)
		}
	}
	for _, c := range f.Calls() {
		if c.Method == "Pull" && !strings.Contains(c.Arg, "@sha256:") {
			t.Errorf("pulled %s by tag", c.Arg)
		}
	}
}

func TestUpWorksFromTheLockWithoutTheRegistryWhenImagesArePresent(t *testing.T) {
	proj := lockProject(t)
	l := &lockfile.Lock{Entries: []lockfile.Entry{
		{Service: "db", Image: "postgres:15.4", Digest: pgDigest},
		{Service: "cache", Image: "redis:7", Digest: redisDigest},
	}}
	if err := lockfile.Write(lockfile.PathFor(proj.Files[0]), l); err != nil {
		t.Fatal(err)
	}
	f := docker.NewFake() // a registry that has nothing: as good as unreachable
	f.AddImage("127.0.0.1:5959/library/postgres@"+pgDigest, pgDigest)
	f.AddImage("127.0.0.1:5959/library/redis@"+redisDigest, redisDigest)
	s := testSession(t, proj, f, &recorder{}, "")
	up(t, s)
	if n := f.CallCount("Pull") + f.CallCount("Digest"); n != 0 {
		t.Errorf("%d registry calls; the locked images were present", n)
	}
}

func TestAStaleLockEntryIsIgnoredWithAWarning(t *testing.T) {
	proj := lockProject(t)
	l := &lockfile.Lock{Entries: []lockfile.Entry{{Service: "db", Image: "postgres:14", Digest: pgDigest}}}
	if err := lockfile.Write(lockfile.PathFor(proj.Files[0]), l); err != nil {
		t.Fatal(err)
	}
	f := lockedFake()
	rec := &recorder{}
	s := testSession(t, proj, f, rec, "")
	up(t, s)
	db, _ := f.Spec(s.id("db"))
	if db.Image != "127.0.0.1:5959/library/postgres:15.4" {
		t.Errorf("db runs %s; want the manifest's tag, the lock entry being for postgres:14", db.Image)
	}
	warned := false
	for _, ev := range rec.of(EventWarning, "") {
		warned = warned || strings.Contains(ev.Line, "locks service db to postgres:14 but the manifest pins postgres:15.4")
	}
	if !warned {
		t.Errorf("no warning about the stale lock entry: %+v", rec.of(EventWarning, ""))
	}
}

func TestCheckComparesRunningContainersAndTheRegistryOnlyWhenAsked(t *testing.T) {
	proj := lockProject(t)
	f := lockedFake()
	s := testSession(t, proj, f, &recorder{}, "")
	if _, err := s.Lock(context.Background(), LockOptions{}); err != nil {
		t.Fatal(err)
	}
	up(t, s)
	before := len(f.Calls())
	r, err := s.Check(context.Background(), CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 0 || len(f.Calls()) != before {
		t.Errorf("plain check: findings %+v, %d engine calls; want none of either", r.Findings, len(f.Calls())-before)
	}
	// The tag moves upstream; production bumps Postgres without an up.
	f.AddRegistryImage("127.0.0.1:5959/library/redis:7", movedDigest)
	proj.Service("db").Image = "postgres:16"
	r, err = s.Check(context.Background(), CheckOptions{Running: true, Remote: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fd := range r.Findings {
		got = append(got, fd.Where()+" "+string(fd.Severity))
	}
	want := []string{
		"parity.lock:5 warning", // redis:7 moved in the registry
		"parity.lock:6 error",   // db locked for postgres:15.4, the manifest says 16
		"container parity-shop-db error",
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("no finding %q in %v", w, got)
		}
	}
	if r.ExitCode(false) != 1 || r.Count(drift.Error) != 2 {
		t.Errorf("exit %d with %d errors", r.ExitCode(false), r.Count(drift.Error))
	}
}
