package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBuildContextLeavesOutWhatDockerignoreExcludesAndAddsTheDockerfileText(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		".dockerignore":               "node_modules\n*.log\ninit/*.sql\n!init/01-schema.sql\n",
		"Dockerfile":                  "FROM postgres:16\n",
		"init/01-schema.sql":          "CREATE TABLE t (id int);",
		"init/02-scratch.sql":         "DROP TABLE t;",
		"node_modules/x/index.js":     "x",
		"debug.log":                   "noise",
		"conf/postgresql.conf":        "max_connections = 50",
		"conf/nested/deep/extra.conf": "x",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("conf/postgresql.conf", filepath.Join(dir, "link.conf")); err != nil {
		t.Fatal(err)
	}
	spec := BuildSpec{ContextDir: dir, Tag: "t", DockerfileContent: []byte("FROM mirror/library/postgres:16\n")}
	name, content, err := spec.dockerfile()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeBuildContext(&buf, dir, name, content); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	tr := tar.NewReader(&buf)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		got[hdr.Name] = string(b)
		if hdr.Typeflag == tar.TypeSymlink {
			got[hdr.Name] = "-> " + hdr.Linkname
		}
		if hdr.Uid != 0 || hdr.Gid != 0 {
			t.Errorf("%s owned by %d:%d, want root", hdr.Name, hdr.Uid, hdr.Gid)
		}
	}
	var names []string
	for n := range got {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{".dockerignore", "Dockerfile", name, "conf/", "conf/nested/", "conf/nested/deep/", "conf/nested/deep/extra.conf", "conf/postgresql.conf", "init/", "init/01-schema.sql", "link.conf"}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("context holds %q\nwant %q", names, want)
	}
	if got[name] != "FROM mirror/library/postgres:16\n" || !strings.HasPrefix(name, ".parity.Dockerfile.") {
		t.Errorf("Dockerfile sent as %s: %q", name, got[name])
	}
	if got["link.conf"] != "-> conf/postgresql.conf" {
		t.Errorf("symlink sent as %q", got["link.conf"])
	}
}

func TestBuildSpecDockerfileNameWithoutText(t *testing.T) {
	for _, tt := range []struct{ dockerfile, want string }{
		{"", "Dockerfile"},
		{"docker/db.Dockerfile", "docker/db.Dockerfile"},
		{"/ctx/docker/Dockerfile", "docker/Dockerfile"},
	} {
		name, content, err := BuildSpec{ContextDir: "/ctx", Dockerfile: tt.dockerfile}.dockerfile()
		if err != nil || name != tt.want || content != nil {
			t.Errorf("%q: %q %q %v, want %q", tt.dockerfile, name, content, err, tt.want)
		}
	}
	if _, _, err := (BuildSpec{ContextDir: "/ctx", Dockerfile: "/elsewhere/Dockerfile"}).dockerfile(); err == nil {
		t.Error("a Dockerfile outside the context without its text was accepted")
	}
}

func TestReadBuildStreamReturnsTheIDOrTheErrorWithTheLastLines(t *testing.T) {
	ok := `{"stream":"Step 1/2 : FROM postgres:16\n"}
{"stream":" ---\u003e 5f2b\n"}
{"stream":"Step 2/2 : COPY init.sql /docker-entrypoint-initdb.d/\n"}
{"aux":{"ID":"sha256:abc123"}}
{"stream":"Successfully built abc123\n"}
`
	var lines []string
	id, err := readBuildStream(strings.NewReader(ok), func(l string) { lines = append(lines, l) })
	if err != nil || id != "sha256:abc123" {
		t.Fatalf("id %q err %v", id, err)
	}
	if len(lines) != 4 || lines[0] != "Step 1/2 : FROM postgres:16" {
		t.Errorf("output lines %q", lines)
	}

	failed := `{"stream":"Step 1/2 : FROM postgres:16\n"}
{"stream":"Step 2/2 : COPY missing.sql /docker-entrypoint-initdb.d/\n"}
{"errorDetail":{"message":"COPY failed: file not found in build context"},"error":"COPY failed: file not found in build context"}
`
	_, err = readBuildStream(strings.NewReader(failed), func(string) {})
	if err == nil || !strings.Contains(err.Error(), "COPY failed") || !strings.Contains(err.Error(), "Step 2/2 : COPY missing.sql") {
		t.Errorf("err = %v, want the builder's error and the step that failed", err)
	}
}

func TestFakeBuildNeedsItsBaseImagesLocally(t *testing.T) {
	f := NewFake()
	ctx := context.Background()
	spec := BuildSpec{ContextDir: t.TempDir(), Tag: "parity-shop-db:latest",
		DockerfileContent: []byte("FROM rust:1 AS ext\nFROM 127.0.0.1:5959/library/postgres:16 AS base\nFROM base\n")}
	if _, err := f.Build(ctx, spec, nil); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "rust:1") {
		t.Fatalf("err = %v, want the missing base named", err)
	}
	f.AddImage("rust:1", "sha256:r")
	f.AddImage("127.0.0.1:5959/library/postgres:16", "sha256:p")
	var out []string
	id, err := f.Build(ctx, spec, func(l string) { out = append(out, l) })
	if err != nil || !strings.HasPrefix(id, "sha256:") || len(out) == 0 {
		t.Fatalf("id %q err %v output %q", id, err, out)
	}
	if ok, _ := f.ImagePresent(ctx, spec.Tag); !ok {
		t.Error("the built tag is not present")
	}
	if b := f.Builds(); len(b) != 1 || b[0].Tag != spec.Tag {
		t.Errorf("builds %+v", b)
	}
	spec.Args = map[string]string{"X": "1"}
	if id2, _ := f.Build(ctx, spec, nil); id2 == id {
		t.Error("other build args gave the same image ID")
	}
}
