package manifest

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseEnvFile: whatever parses, written back with FormatEnvFile,
// parses to the same map; ReadEnvFile of the same bytes agrees with
// ParseEnvFile, refusing exactly the bytes that are not UTF-8; errors name
// the file. The seeds are in testdata/fuzz/FuzzParseEnvFile.
func FuzzParseEnvFile(f *testing.F) {
	f.Add([]byte("A=1\nB='x y'\nC=\"a\\nb\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.env"
		vars, err := ParseEnvFile(name, data, nil)
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error does not name the file: %v", err)
			}
		} else {
			out := FormatEnvFile(vars)
			again, err := ParseEnvFile(name, out, nil)
			if err != nil {
				t.Fatalf("%q parsed to %q, written as %q, which does not parse: %v", data, vars, out, err)
			}
			if !maps.Equal(vars, again) {
				t.Fatalf("%q parsed to %q, written as %q, parsed back to %q", data, vars, out, again)
			}
		}

		path := filepath.Join(t.TempDir(), ".env")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		read, rerr := ReadEnvFile(path, nil)
		switch {
		case !utf8.Valid(data) && !hasUTF16BOM(data):
			if !errors.Is(rerr, ErrInvalidUTF8) {
				t.Fatalf("ReadEnvFile of invalid UTF-8: %v", rerr)
			}
		case (rerr == nil) != (err == nil):
			t.Fatalf("ReadEnvFile: %v; ParseEnvFile: %v", rerr, err)
		case rerr == nil && !maps.Equal(read, vars):
			t.Fatalf("ReadEnvFile %q, ParseEnvFile %q", read, vars)
		}
	})
}

func hasUTF16BOM(data []byte) bool {
	return len(data) >= 2 && (data[0] == 0xfe && data[1] == 0xff || data[0] == 0xff && data[1] == 0xfe)
}

// FuzzLoad: a manifest of any bytes loads or fails with an error naming
// it, without panicking; a project that loads has services with names
// Compose allows, and loading it again gives the same services. The seeds
// are in testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(minimal))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "compose.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		opts := LoadOptions{WorkingDir: dir, Environ: map[string]string{}}
		p, err := Load(context.Background(), opts)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name %s: %v", path, err)
			}
			return
		}
		if len(p.Services) == 0 {
			t.Fatal("loaded with no services and no error")
		}
		for _, s := range p.Services {
			if s.Name == "" || strings.Trim(s.Name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
				t.Fatalf("service name %q", s.Name)
			}
		}
		again, err := Load(context.Background(), opts)
		if err != nil {
			t.Fatalf("loaded once, then: %v", err)
		}
		if a, b := serviceNames(p), serviceNames(again); strings.Join(a, ",") != strings.Join(b, ",") {
			t.Fatalf("services %v, then %v", a, b)
		}
	})
}
