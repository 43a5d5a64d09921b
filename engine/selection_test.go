package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// selectionProject writes a manifest with an app that needs db (depends_on)
// and cache (its REDIS_URL), a search service nothing needs, and a worker
// job chain: migrate must complete before web.
func selectionProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	yaml := `name: shop
services:
  web:
    build: .
    depends_on: [db]
    environment:
      REDIS_URL: redis://cache:6379/0
  db:
    image: postgres:15.4
    environment:
      POSTGRES_PASSWORD: pw
  cache:
    image: redis:7
  search:
    image: redis:7
    depends_on: [db]
`
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM golang:1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestNamingServicesSelectsThemAndWhatTheyDependOn(t *testing.T) {
	dir := selectionProject(t)
	for _, tc := range []struct {
		names []string
		want  string // the containers the plan runs
	}{
		{nil, "cache db search"},
		{[]string{"db"}, "db"},
		{[]string{"search"}, "db search"},     // depends_on db
		{[]string{"web"}, "cache db"},         // depends_on db; its REDIS_URL names cache
		{[]string{"cache", "cache"}, "cache"}, // a name twice is once
		{[]string{"search", "cache"}, "cache db search"},
	} {
		s, err := Open(context.Background(), Options{WorkingDir: dir, StateDir: t.TempDir(), Services: tc.names}, false)
		if err != nil {
			t.Fatalf("%v: %v", tc.names, err)
		}
		if _, _, err := s.Env(context.Background()); err != nil {
			t.Fatalf("%v: plan: %v", tc.names, err)
		}
		var got []string
		for _, ps := range s.currentPlan().containers() {
			got = append(got, ps.Name)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("services %v run %v, want %s", tc.names, got, tc.want)
		}
		for _, ps := range s.currentPlan().Services {
			if ps.Unselected && !strings.Contains(ps.Why, "not named on the command line") {
				t.Errorf("%s left out without saying why: %q", ps.Name, ps.Why)
			}
		}
	}
}

func TestNamingAnUnknownOrSkippedServiceFailsBeforeAnythingStarts(t *testing.T) {
	dir := selectionProject(t)
	if err := os.WriteFile(filepath.Join(dir, "parity.yaml"), []byte("services:\n  search:\n    skip: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"nosuch": "no service nosuch in the manifest (its services: cache, db, search, web); a command to run goes after --, as in parity up -- nosuch",
		"search": "service search: parity does not run it (skipped in parity.yaml)",
	} {
		_, err := Open(context.Background(), Options{WorkingDir: dir, StateDir: t.TempDir(), Services: []string{name}}, false)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("up %s: %v, want an error containing %q", name, err, want)
		}
	}
}

func TestTheConfiguredAppCommandRunsOnlyWhenTheAppIsNamed(t *testing.T) {
	dir := selectionProject(t)
	if err := os.WriteFile(filepath.Join(dir, "parity.yaml"), []byte("app:\n  command: [go, run, .]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		names   []string
		command []string
		want    string
	}{
		{nil, nil, "go run ."},
		{[]string{"db"}, nil, ""},
		{[]string{"web"}, nil, "go run ."},
		{[]string{"db"}, []string{"./migrate"}, "./migrate"}, // a command given is run
	} {
		s, err := Open(context.Background(), Options{WorkingDir: dir, StateDir: t.TempDir(), Services: tc.names, AppCommand: tc.command}, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(s.AppCommand(), " "); got != tc.want {
			t.Errorf("services %v, command %v: app command %q, want %q", tc.names, tc.command, got, tc.want)
		}
	}
}

func TestUpOfOneServiceLeavesTheOthersRunningContainersAlone(t *testing.T) {
	f := fakeWithImages()
	uo := upProject(t, f)
	uo.Detach = true
	if _, err := Up(context.Background(), uo, nil); err != nil {
		t.Fatal(err)
	}
	before := containerIDs(t, f)
	if len(before) != 2 {
		t.Fatalf("containers after a full up: %v", before)
	}
	// `parity up db` (foreground, ended at once): only db is started and
	// stopped; cache keeps running, as docker compose up db leaves it.
	uo.Detach = false
	uo.Services = []string{"db"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec := &recorder{}
	done := make(chan error, 1)
	go func() { _, err := Up(ctx, uo, rec.sink); done <- err }()
	waitEvent(t, rec, "db ready", func(ev Event) bool { return ev.Source == "db" && ev.Phase == PhaseReady })
	cancel()
	<-done
	after := containerIDs(t, f)
	if after["cache"] != before["cache"] {
		t.Fatalf("cache's container was removed or replaced by up db: %v -> %v", before, after)
	}
	cs, _ := f.Containers(context.Background(), map[string]string{LabelProject: "shop"})
	running := map[string]bool{}
	for _, c := range cs {
		running[c.Labels[LabelService]] = c.State == "running"
	}
	if !running["cache"] || running["db"] {
		t.Errorf("after up db ended: running %v, want cache still running and db stopped", running)
	}
	if slices.ContainsFunc(rec.all(), func(ev Event) bool { return ev.Source == "cache" && ev.Type == EventPhase }) {
		t.Errorf("up db reported on cache: %v", rec.all())
	}
}
