package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestPreviewPlansWithoutSavingOrLocking(t *testing.T) {
	state := t.TempDir()
	s := testSession(t, quickstart(), fakeWithImages(), &recorder{}, state)
	// An earlier up remembered 54321 for db.
	if err := os.MkdirAll(filepath.Join(state, "projects"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(projectStatePath(state, "shop"), []byte(`{"ports":{"db/5432":54321},"secrets":{"db":"s3cret"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(projectStatePath(state, "shop"))

	// A running up holds the lock; Preview must not wait for it.
	held, err := openState(context.Background(), state, "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	pv, err := s.Preview()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]ServicePreview{}
	for _, sp := range pv.Services {
		byName[sp.Name] = sp
	}
	db, cache, app := byName["db"], byName["cache"], byName["app"]
	if db.Role != RoleBacking || db.Kind != "postgres" || db.PullRef != "127.0.0.1:5959/library/postgres:15.4" {
		t.Errorf("db %+v", db)
	}
	if len(db.Ports) != 1 || db.Ports[0] != (PortPreview{ContainerPort: 5432, HostPort: 54321, Remembered: true}) {
		t.Errorf("db ports %+v, want the remembered 54321", db.Ports)
	}
	if len(cache.Ports) != 1 || cache.Ports[0] != (PortPreview{ContainerPort: 6379, HostPort: 6379}) {
		t.Errorf("cache ports %+v, want the usual 6379, not remembered", cache.Ports)
	}
	if app.Role != RoleApp || len(app.Ports) != 0 {
		t.Errorf("app %+v", app)
	}
	after, _ := os.ReadFile(projectStatePath(state, "shop"))
	if string(after) != string(before) {
		t.Errorf("Preview changed the state:\n%s", after)
	}
}
