package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

func saveSecret(t *testing.T, dir, project, secret string) {
	t.Helper()
	sf, err := openState(context.Background(), dir, project, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	sf.Secrets["db"] = secret
	if err := sf.Save(); err != nil {
		t.Fatal(err)
	}
}

// The old Save wrote <state>.tmp with os.WriteFile, which follows a symlink
// planted under that name: the generated passwords went wherever it pointed.
func TestSaveDoesNotFollowASymlinkPlantedInTheStateDir(t *testing.T) {
	dir := t.TempDir()
	saveSecret(t, dir, "shop", "first")
	path := projectStatePath(dir, "shop")
	target := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(target, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path + ".tmp", path + ".new", filepath.Join(filepath.Dir(path), ".shop.json.tmp")} {
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
	}

	saveSecret(t, dir, "shop", "second")

	if b, _ := os.ReadFile(target); string(b) != "untouched" {
		t.Errorf("the symlink's target now holds %q", b)
	}
	if m := mode(t, target); m.Perm() != 0o644 {
		t.Errorf("the symlink's target mode changed to %v", m)
	}
	if m := mode(t, path); !m.IsRegular() || m.Perm() != 0o600 {
		t.Errorf("state file mode %v, want a regular file 0600", m)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "second") {
		t.Errorf("state file lacks the saved secret:\n%s", b)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".shop.json.*.tmp"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestStateIsCreatedPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "parity")
	saveSecret(t, dir, "shop", "s3cret")
	path := projectStatePath(dir, "shop")
	for p, want := range map[string]os.FileMode{
		dir: 0o700, filepath.Dir(path): 0o700, path: 0o600, path + ".lock": 0o600,
	} {
		if m := mode(t, p).Perm(); m&^want != 0 {
			t.Errorf("%s mode %v, want at most %v", p, m, want)
		}
	}
}

// A state directory an earlier parity, a umask or the user left readable
// by others is made private again before a password is read or written.
func TestOpenStateTightensWiderModes(t *testing.T) {
	dir := t.TempDir()
	projects := filepath.Join(dir, "projects")
	path := projectStatePath(dir, "shop")
	if err := os.MkdirAll(projects, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"secrets":{"db":"old"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".lock", nil, 0o666); err != nil {
		t.Fatal(err)
	}
	for p, m := range map[string]os.FileMode{dir: 0o755, projects: 0o777, path: 0o644, path + ".lock": 0o666} {
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}

	sf, err := openState(context.Background(), dir, "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := sf.Secrets["db"]
	sf.Close()
	if secret != "old" {
		t.Errorf("secret %q, want the one on disk", secret)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, projects: 0o700, path: 0o600, path + ".lock": 0o600} {
		if m := mode(t, p).Perm(); m != want {
			t.Errorf("%s mode %v, want %v", p, m, want)
		}
	}
}

// PARITY_STATE_DIR may name a directory that is not parity's alone: parity
// makes its projects directory private and leaves the shared one as it was.
func TestOpenStateLeavesASharedStateDirAlone(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	saveSecret(t, dir, "shop", "s3cret")
	if m := mode(t, dir).Perm(); m != 0o755 {
		t.Errorf("shared state dir mode %v, want it left 0755", m)
	}
	if m := mode(t, filepath.Join(dir, "projects")).Perm(); m != 0o700 {
		t.Errorf("projects dir mode %v, want 0700", m)
	}
}

func TestOpenStateRefusesASymlinkedStateFile(t *testing.T) {
	dir := t.TempDir()
	saveSecret(t, dir, "shop", "s3cret")
	path := projectStatePath(dir, "shop")
	target := filepath.Join(t.TempDir(), "victim.json")
	if err := os.WriteFile(target, []byte(`{"secrets":{"db":"planted"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if sf, err := openState(context.Background(), dir, "shop", nil); err == nil {
		sf.Close()
		t.Fatal("openState read state through a symlink")
	} else if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("error %q does not name the file and the symlink", err)
	}
	if m := mode(t, target).Perm(); m != 0o644 {
		t.Errorf("the symlink's target mode changed to %v", m)
	}
}
