package lockfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

func TestWriteSortsAndReadRoundTrips(t *testing.T) {
	path := filepath.Join(t.TempDir(), Name)
	in := &Lock{Entries: []Entry{{Service: "db", Image: "postgres:15", Digest: d1}, {Service: "cache", Image: "redis:7", Digest: d2}}}
	if err := Write(path, in); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	body := string(data)
	if !strings.HasPrefix(body, "# parity.lock") || !strings.HasSuffix(body, "cache redis:7 "+d2+"\ndb postgres:15 "+d1+"\n") {
		t.Errorf("file:\n%s", body)
	}
	out, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Entries) != 2 || out.Entries[0].Service != "cache" || out.Entries[1].Image != "postgres:15" {
		t.Fatalf("entries %+v", out.Entries)
	}
	if e, ok := out.Entry("db"); !ok || e.Digest != d1 || e.Line != 6 {
		t.Errorf("db entry %+v, want line 6 (after the 4-line header and cache)", e)
	}
	if _, ok := out.Entry("mail"); ok {
		t.Error("entry for a service never locked")
	}
}

func TestParseRejectsMalformedLinesNamingThem(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"db postgres:15\n", "line 1: want"},
		{"# c\ndb postgres:15 sha256:abc\n", "line 2: \"sha256:abc\" is not"},
		{"db postgres:15 " + d1 + "\ndb postgres:16 " + d2 + "\n", "line 2: service db is already locked on line 1"},
		{"db postgres:15 " + strings.ToUpper(d1) + "\n", "is not a sha256"},
	} {
		if _, err := Parse([]byte(tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.body, err, tc.want)
		}
	}
}

func TestReadOfAMissingFileIsNotExist(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), Name))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err %v, want os.ErrNotExist", err)
	}
}

func TestWriteRefusesAnEntryThatWouldNotReadBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), Name)
	if err := Write(path, &Lock{Entries: []Entry{{Service: "db", Image: "postgres 15", Digest: d1}}}); err == nil {
		t.Error("wrote an image with a space")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused write left a file: %v", err)
	}
}

func TestPathForIsBesideTheManifest(t *testing.T) {
	if got := PathFor("/src/shop/deploy/compose.yaml"); got != "/src/shop/deploy/parity.lock" {
		t.Errorf("PathFor = %s", got)
	}
}
