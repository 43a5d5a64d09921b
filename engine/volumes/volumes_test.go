package volumes

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/docker"
)

func TestKeyChangesWithEveryInputThatDecidesTheData(t *testing.T) {
	base := KeyInput{
		ImageID: "sha256:aaa", Kind: "postgres", DataDir: "/var/lib/postgresql/data",
		Env:   map[string]string{"POSTGRES_USER": "app", "POSTGRES_DB": "app"},
		Files: map[string]string{"/docker-entrypoint-initdb.d": "h1"},
	}
	clone := func(change func(*KeyInput)) KeyInput {
		in := base
		in.Env = map[string]string{}
		for k, v := range base.Env {
			in.Env[k] = v
		}
		in.Files = map[string]string{}
		for k, v := range base.Files {
			in.Files[k] = v
		}
		change(&in)
		return in
	}
	want := Key(base)
	if Key(clone(func(*KeyInput) {})) != want {
		t.Fatal("the same input gave another key")
	}
	for name, change := range map[string]func(*KeyInput){
		"image":          func(in *KeyInput) { in.ImageID = "sha256:bbb" },
		"kind":           func(in *KeyInput) { in.Kind = "mysql" },
		"data dir":       func(in *KeyInput) { in.DataDir = "/data" },
		"user":           func(in *KeyInput) { in.Env["POSTGRES_USER"] = "other" },
		"initdb args":    func(in *KeyInput) { in.Env["POSTGRES_INITDB_ARGS"] = "--locale=C" },
		"init script":    func(in *KeyInput) { in.Files["/docker-entrypoint-initdb.d"] = "h2" },
		"another mount":  func(in *KeyInput) { in.Files["/etc/postgresql"] = "h1" },
		"command":        func(in *KeyInput) { in.Cmd = []string{"postgres", "-c", "fsync=off"} },
		"entrypoint":     func(in *KeyInput) { in.Entrypoint = []string{"/init"} },
		"container user": func(in *KeyInput) { in.User = "999" },
		// Length-prefixed: moving a character between key and value is another input.
		"split": func(in *KeyInput) {
			delete(in.Env, "POSTGRES_DB")
			in.Env["POSTGRES_D"] = "Bapp"
		},
	} {
		if Key(clone(change)) == want {
			t.Errorf("changing the %s kept the key", name)
		}
	}
}

func TestFilesHashSeesContentModesNamesAndLinks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("01.sql", "CREATE TABLE a (x int);", 0o644)
	h := func() string {
		t.Helper()
		s, err := FilesHash(dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := h()
	if h() != first {
		t.Fatal("hashing twice differs")
	}
	steps := []struct {
		name string
		do   func()
	}{
		{"content", func() { write("01.sql", "CREATE TABLE b (x int);", 0o644) }},
		{"mode", func() {
			write("01.sql", "CREATE TABLE b (x int);", 0o755)
			_ = os.Chmod(filepath.Join(dir, "01.sql"), 0o755)
		}},
		{"new file", func() { write("02.sh", "echo", 0o644) }},
		{"symlink", func() { _ = os.Symlink("01.sql", filepath.Join(dir, "03.sql")) }},
		{"rename", func() { _ = os.Rename(filepath.Join(dir, "02.sh"), filepath.Join(dir, "02b.sh")) }},
	}
	prev := first
	for _, st := range steps {
		st.do()
		if got := h(); got == prev {
			t.Errorf("a changed %s kept the hash", st.name)
		} else {
			prev = got
		}
	}
	// One file is hashed as itself.
	if _, err := FilesHash(filepath.Join(dir, "01.sql")); err != nil {
		t.Fatal(err)
	}
	if _, err := FilesHash(filepath.Join(dir, "nosuch")); err == nil {
		t.Error("a missing path hashed")
	}
}

func TestCheckSnapshotName(t *testing.T) {
	for _, ok := range []string{"one", "before-migration", "v1.2_x", "A"} {
		if err := CheckSnapshotName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", ".x", "a/b", "a b", "ü", strings.Repeat("a", 64)} {
		if err := CheckSnapshotName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTemplateSecretsRoundTripAndRefuseGarbage(t *testing.T) {
	labels := map[string]string{}
	in := map[string]string{"POSTGRES_PASSWORD": `a"b\c`}
	if err := SetTemplateSecrets(labels, in); err != nil {
		t.Fatal(err)
	}
	got, ok := TemplateSecrets(docker.Volume{Labels: labels})
	if !ok || got["POSTGRES_PASSWORD"] != in["POSTGRES_PASSWORD"] {
		t.Fatalf("got %v %v", got, ok)
	}
	if _, ok := TemplateSecrets(docker.Volume{Labels: map[string]string{LabelTemplateSecrets: "{"}}); ok {
		t.Error("a broken label was read")
	}
	if _, ok := TemplateSecrets(docker.Volume{}); ok {
		t.Error("a volume without the label was read")
	}
}

// Copy runs one container of the service's image, as root, without a
// network, with the source read-only, reads the size it prints, and
// removes it however the copy ends.
func TestCopyRunsOneContainerAndRemovesIt(t *testing.T) {
	f := docker.NewFake()
	f.AddImage("pg:15", "sha256:1")
	f.ScriptCopies()
	code := 0
	var spec docker.ContainerSpec
	f.OnStart(func(c docker.Container) {
		spec, _ = f.Spec(c.ID)
		f.Log(c.ID, "stdout", "42")
		if code != 0 {
			f.Log(c.ID, "stderr", "cp: no space left on device")
		}
		f.Exit(c.ID, code)
	})
	ctx := context.Background()
	size, err := Copy(ctx, f, CopySpec{Image: "pg:15", From: "src", To: "dst", Labels: map[string]string{"dev.parity.test": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if size != 42*1024 {
		t.Errorf("size %d, want %d", size, 42*1024)
	}
	if spec.User != "0:0" || spec.Network != "none" || spec.Labels[LabelHelper] != "copy" || spec.Labels["dev.parity.test"] != "1" {
		t.Errorf("copy container spec: %+v", spec)
	}
	ro := map[string]bool{}
	for _, m := range spec.Mounts {
		ro[m.Source+":"+m.Target] = m.ReadOnly
	}
	if v, ok := ro["src:/from"]; !ok || !v {
		t.Errorf("source not mounted read-only at /from: %v", spec.Mounts)
	}
	if v, ok := ro["dst:/to"]; !ok || v {
		t.Errorf("destination not mounted writable at /to: %v", spec.Mounts)
	}
	if cs, _ := f.Containers(ctx, map[string]string{LabelHelper: "copy"}); len(cs) != 0 {
		t.Errorf("copy containers left: %v", cs)
	}

	code = 1
	_, err = Copy(ctx, f, CopySpec{Image: "pg:15", From: "src", To: "dst"})
	if err == nil || !strings.Contains(err.Error(), "exited 1") || !strings.Contains(err.Error(), "no space left") {
		t.Errorf("a failed copy: %v", err)
	}
	if cs, _ := f.Containers(ctx, map[string]string{LabelHelper: "copy"}); len(cs) != 0 {
		t.Errorf("a failed copy left its container: %v", cs)
	}
	if _, err := Copy(ctx, f, CopySpec{Image: "missing:1", To: "dst"}); !errors.Is(err, docker.ErrNotFound) {
		t.Errorf("a missing image: %v", err)
	}
}
