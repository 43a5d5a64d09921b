package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/engine/manifest"
)

// `parity env > .env.local` must give the app the same values back when
// parity (or Compose) reads the file: Compose's dotenv expands $ in unquoted
// and double-quoted values, cuts " #" comments and trims spaces.
func TestDotenvFormatReadsBackIdentically(t *testing.T) {
	values := []string{
		"plain", "", "postgres://app:p%40ss@127.0.0.1:5432/app?sslmode=disable",
		`it's`, `say "hi"`, `'single'`, `"double"`, `'`, `"`, `\"`, `\'`,
		"$HOME", "${X}", "$$", `\$X`, "${X:-default}", "cost: 5$",
		"a #b", "#start", "a#b",
		`back\slash`, `trailing\`, `\\`, `\n is not a newline`, `\0123`,
		" leading space", "trailing space ", "  ", "\ttab", "tab\tinside",
		"multi\nline", "\n", "crlf\r\n", "cr\rinside", "trailing cr\r", "x\r", "\vx", "x\f", "nul\x00byte",
		"k=v=w", "=", "a: b",
		"日本語 ünïcödé", "\u00a0nbsp\u00a0", "em\u2003space\u2003", "emoji 🚀",
		"export X", "${", "}",
	}
	vars := make([]engine.EnvVar, len(values))
	for i, v := range values {
		vars[i] = engine.EnvVar{Key: "V" + string(rune('A'+i/26)) + string(rune('A'+i%26)), Value: v}
	}
	io, out, _ := testStreams()
	if err := writeEnv(io, vars, "dotenv"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// A shell that sets the names the values mention must change nothing.
	lookup := func(k string) (string, bool) { return "from-shell-" + k, k == "HOME" || k == "X" }
	got, err := manifest.ReadEnvFile(path, lookup)
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, out)
	}
	if len(got) != len(vars) {
		t.Errorf("read back %d variables, wrote %d:\n%s", len(got), len(vars), out)
	}
	for _, v := range vars {
		if got[v.Key] != v.Value {
			t.Errorf("%s: wrote %q, read back %q", v.Key, v.Value, got[v.Key])
		}
	}
}
