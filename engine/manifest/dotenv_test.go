package manifest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTree writes files (slash-separated paths relative to a new directory) and returns the directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// appManifest hands the app the .env variables through interpolation, so a
// test sees both what Compose interpolated and what Project.DotEnv says.
const appManifest = `services:
  app:
    build: .
    environment:
      APP_MODE: ${APP_MODE}
      LOG_DIR: ${LOG_DIR}
      LEVEL: ${LEVEL}
`

func loadDir(t *testing.T, dir string, environ map[string]string, envFiles ...string) (*Project, error) {
	t.Helper()
	if environ == nil {
		environ = map[string]string{}
	}
	return Load(context.Background(), LoadOptions{WorkingDir: dir, Environ: environ, EnvFiles: envFiles})
}

func TestDotEnvIsWhatInterpolatedTheManifest(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"compose.yaml": appManifest,
		".env":         "APP_MODE=${MODE:-development}\nLOG_DIR=${HOME}/logs\nLEVEL='${NOT_EXPANDED}'\n",
	})
	p, err := loadDir(t, dir, map[string]string{"HOME": "/home/dev"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"APP_MODE": "development", "LOG_DIR": "/home/dev/logs", "LEVEL": "${NOT_EXPANDED}"}
	equal(t, "DotEnv", p.DotEnv, want)
	equal(t, "EnvFiles", p.EnvFiles, []string{filepath.Join(dir, ".env")})
	app := mustService(t, p, "app")
	for k, v := range want {
		if k == "LEVEL" {
			continue // interpolating the manifest expands the value a second time, as in Compose
		}
		equal(t, "app "+k, shown(app.Environment[k]), v)
	}
	if _, ok := p.DotEnv["HOME"]; ok {
		t.Error("DotEnv holds HOME: the shell environment must not be mixed in")
	}
}

func TestShellWinsOverDotEnvInsideTheFile(t *testing.T) {
	dir := writeTree(t, map[string]string{"compose.yaml": appManifest, ".env": "MODE=file\nAPP_MODE=${MODE}\n"})
	p, err := loadDir(t, dir, map[string]string{"MODE": "shell"})
	if err != nil {
		t.Fatal(err)
	}
	// Compose resolves a variable in .env against the shell before the file's earlier lines.
	equal(t, "APP_MODE", p.DotEnv["APP_MODE"], "shell")
	equal(t, "MODE", p.DotEnv["MODE"], "file")
}

func TestDisableEnvFileDropsOnlyTheImplicitDotEnv(t *testing.T) {
	dir := writeTree(t, map[string]string{"compose.yaml": appManifest, ".env": "APP_MODE=dotenv\n", "ci.env": "APP_MODE=ci\n"})
	disabled := map[string]string{"COMPOSE_DISABLE_ENV_FILE": "true"}
	p, err := loadDir(t, dir, disabled)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "DotEnv", p.DotEnv, map[string]string{})
	equal(t, "EnvFiles", p.EnvFiles, []string(nil))
	equal(t, "Unset", p.Unset, []string{"APP_MODE", "LEVEL", "LOG_DIR"})

	p, err = loadDir(t, dir, disabled, filepath.Join(dir, "ci.env"))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "DotEnv with --env-file", p.DotEnv, map[string]string{"APP_MODE": "ci"})
	equal(t, "app APP_MODE", shown(mustService(t, p, "app").Environment["APP_MODE"]), "ci")
}

func TestSeveralEnvFilesApplyInOrder(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"compose.yaml":   appManifest,
		".env":           "APP_MODE=dotenv\nONLY_IN_DOTENV=1\n",
		"env/base.env":   "APP_MODE=base\nLEVEL=info\nLOG_DIR=/base\n",
		"env/local.env":  "APP_MODE=local\nLOG_DIR=${LOG_DIR}/local\n",
		"sub/.placehold": "",
	})
	// Relative paths are against the working directory, not the project directory.
	wd := filepath.Join(dir, "env")
	p, err := Load(context.Background(), LoadOptions{
		WorkingDir: wd, Files: []string{"../compose.yaml"}, Environ: map[string]string{},
		EnvFiles: []string{"base.env", "local.env"},
	})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "DotEnv", p.DotEnv, map[string]string{"APP_MODE": "local", "LEVEL": "info", "LOG_DIR": "/base/local"})
	equal(t, "EnvFiles", p.EnvFiles, []string{filepath.Join(wd, "base.env"), filepath.Join(wd, "local.env")})
	app := mustService(t, p, "app")
	equal(t, "app APP_MODE", shown(app.Environment["APP_MODE"]), "local")
	equal(t, "app LOG_DIR", shown(app.Environment["LOG_DIR"]), "/base/local")
}

func TestAMissingEnvFileFlagIsAnErrorNamingIt(t *testing.T) {
	dir := writeTree(t, map[string]string{"compose.yaml": appManifest})
	_, err := loadDir(t, dir, nil, "nope.env")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "nope.env")) || !strings.Contains(err.Error(), "--env-file") {
		t.Fatalf("err = %v, want one naming %s and --env-file", err, filepath.Join(dir, "nope.env"))
	}
}

func TestEnvFileErrorsNameFileAndLine(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"syntax.env":   "A=1\n\nB C=2\n",
		"required.env": "A=1\n# comment\nB=${MUST:?set MUST}\n",
		"quote.env":    "A=1\nB=\"open\n",
	})
	for name, want := range map[string]string{
		"syntax.env":   "line 3",
		"required.env": "line 3",
		"quote.env":    "line 2",
	} {
		path := filepath.Join(dir, name)
		_, err := ReadEnvFile(path, nil)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadEnvFile(%s) error = %v, want it to name the file and %q", name, err, want)
		}
	}
	// Through Load too, where Compose's own reader is used.
	mdir := writeTree(t, map[string]string{"compose.yaml": appManifest, ".env": "A=1\nB=${MUST:?set MUST}\n"})
	_, err := loadDir(t, mdir, nil)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(mdir, ".env")) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("Load error = %v, want it to name .env and line 2", err)
	}
}

func TestReadEnvFileHasComposeSemantics(t *testing.T) {
	dir := writeTree(t, map[string]string{"x.env": `export A=plain # comment
B='single ${A} \n $X'
C="double ${A}\n\$X \"q\""
D=${UNSET:-fallback}
E=${A}-${FROM_LOOKUP}
FROM_LOOKUP
F: yaml-style
`})
	lookup := func(k string) (string, bool) {
		if k == "FROM_LOOKUP" {
			return "looked-up", true
		}
		return "", false
	}
	got, err := ReadEnvFile(filepath.Join(dir, "x.env"), lookup)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "vars", got, map[string]string{
		"A":           "plain",
		"B":           `single ${A} \n $X`,
		"C":           "double plain\n$X \"q\"",
		"D":           "fallback",
		"E":           "plain-looked-up",
		"FROM_LOOKUP": "looked-up",
		"F":           "yaml-style",
	})
	if _, err := ReadEnvFile(filepath.Join(dir, "missing.env"), nil); err == nil || !strings.Contains(err.Error(), "missing.env") {
		t.Errorf("missing file error = %v, want it to name the file", err)
	}
}

func TestMissingEnvFilesAreRecordedOnTheService(t *testing.T) {
	p, err := Load(context.Background(), LoadOptions{WorkingDir: "testdata/missing-envfile", Environ: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("testdata/missing-envfile")
	web := mustService(t, p, "web")
	if len(web.MissingEnvFiles) != 1 || filepath.Base(web.MissingEnvFiles[0]) != ".env.production" || !strings.HasPrefix(web.MissingEnvFiles[0], abs) {
		t.Errorf("web.MissingEnvFiles = %q, want the absolute path of .env.production", web.MissingEnvFiles)
	}
	for _, s := range p.Services {
		if s.Name != "web" && len(s.MissingEnvFiles) > 0 {
			t.Errorf("%s.MissingEnvFiles = %q, want none", s.Name, s.MissingEnvFiles)
		}
	}
}

func TestFindSamplesOrdersSiblingsThenProjectSamples(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"config/.env.production.example": "",
		"config/.env.production.dist":    "",
		".env.worker.sample":             "",
		".env.example":                   "",
		".env.production.example":        "",
		"env.example":                    "",
		"sample.env/oops":                "", // a directory, not a sample
		".env.sample.bak":                "",
	})
	missing := []string{filepath.Join(dir, "config/.env.production"), filepath.Join(dir, ".env.worker"), filepath.Join(dir, ".env.production")}
	got := FindSamples(dir, missing)
	want := []string{
		filepath.Join(dir, "config/.env.production.example"),
		filepath.Join(dir, "config/.env.production.dist"),
		filepath.Join(dir, ".env.worker.sample"),
		filepath.Join(dir, ".env.production.example"), // its first place: a sibling of the missing file
		filepath.Join(dir, ".env.example"),
		filepath.Join(dir, "env.example"),
	}
	equal(t, "FindSamples", got, want)
	equal(t, "FindSamples of an empty dir", FindSamples(t.TempDir(), nil), []string(nil))
}

func TestFillInValues(t *testing.T) {
	for v, want := range map[string]bool{
		"": true, "your_postgres_user": true, "your_secure_password_here": true, "changeme": true, "CHANGE_ME": true,
		"<password>": true, "REPLACE_ME": true, "xxxx": true, "****": true,
		"postgres": false, "mmuser_password": false, "1234": false, "REPLACE_WITH_SECURE_REDIS_PASSWORD": false, "here": false, "secret": false,
	} {
		if got := FillIn(v); got != want {
			t.Errorf("FillIn(%q) = %v, want %v", v, got, want)
		}
	}
}
