package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// The app's .env layer is the one reading Compose made to interpolate the
// manifest: `${MODE:-development}` and `${HOME}/logs` reach the app
// expanded, as Compose expanded them, not as another dotenv dialect reads them.
func TestAppSeesDotEnvAsComposeInterpolatedIt(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("compose.yaml", "services:\n  app:\n    build: .\n    environment:\n      APP_MODE: ${APP_MODE}\n")
	write(".env", "APP_MODE=${MODE:-development}\nLOG_DIR=${HOME}/logs\nGREETING='quoted # kept'\n")
	write("local.env", "LOG_DIR=/var/log/app\n")

	open := func(envFiles ...string) map[string]EnvVar {
		t.Helper()
		s, err := Open(context.Background(), Options{
			WorkingDir: dir, StateDir: t.TempDir(), Environ: []string{"HOME=/home/dev"}, EnvFiles: envFiles,
		}, false)
		if err != nil {
			t.Fatal(err)
		}
		vars, _, err := s.Env(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return envMap(vars)
	}

	env := open()
	for k, want := range map[string]string{"APP_MODE": "development", "LOG_DIR": "/home/dev/logs", "GREETING": "quoted # kept"} {
		if got := env[k]; got.Value != want || got.Source != SourceDotenv {
			t.Errorf("%s = %q from %q, want %q from %q", k, got.Value, got.Source, want, SourceDotenv)
		}
	}

	// --env-file replaces .env for both uses, as in Compose.
	env = open("local.env")
	if got := env["LOG_DIR"]; got.Value != "/var/log/app" || got.Source != SourceDotenv {
		t.Errorf("LOG_DIR with --env-file = %q from %q, want /var/log/app from %q", got.Value, got.Source, SourceDotenv)
	}
	if got, ok := env["GREETING"]; ok {
		t.Errorf("GREETING = %q from %q: .env must not be read when --env-file is given", got.Value, got.Source)
	}
}
