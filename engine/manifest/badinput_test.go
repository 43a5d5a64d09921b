package manifest

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test when f does not return by the deadline: a read of a
// FIFO or of /dev/urandom would otherwise hang the test run instead.
func within[T any](t *testing.T, d time.Duration, f func() (T, error)) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(d):
		t.Fatalf("did not return within %v", d)
		panic("unreachable")
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs on Windows")
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
}

func fixture(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const minimal = "services:\n  db:\n    image: postgres:16\n"

func TestReadInputRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	sock := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer l.Close()
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.Symlink(b, a); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(a, b); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		path string
		want []string
		is   error
	}{
		{"/dev/zero", []string{"read manifest /dev/zero", "a character device", "give the Compose file"}, ErrNotRegular},
		{"/dev/urandom", []string{"/dev/urandom", "a character device"}, ErrNotRegular},
		{dir, []string{dir, "a directory"}, ErrNotRegular},
		{fifo, []string{fifo, "a FIFO"}, ErrNotRegular},
		{sock, []string{sock, "a socket"}, ErrNotRegular},
		{loop, []string{loop, "a loop of symbolic links"}, syscall.ELOOP},
		{a, []string{a, "a loop of symbolic links"}, syscall.ELOOP},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			_, err := within(t, 5*time.Second, func() ([]byte, error) { return readInput(tt.path, manifestInput) })
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			errorContains(t, err, tt.want...)
		})
	}
}

func TestReadInputFollowsSymlinksToARegularFile(t *testing.T) {
	dir := t.TempDir()
	real := fixture(t, filepath.Join(dir, "real", "compose.yaml"), minimal)
	link := filepath.Join(dir, "compose.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	data, err := readInput(link, manifestInput)
	if err != nil || string(data) != minimal {
		t.Fatalf("readInput(link) = %q, %v", data, err)
	}
}

func TestReadInputCapsTheSizeBeforeReading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: the size says 20 GiB, no disk is used, and reading it would
	// take minutes; the cap refuses it from the size alone.
	if err := f.Truncate(20 << 30); err != nil {
		t.Skipf("truncate: %v", err)
	}
	f.Close()
	_, err = within(t, 5*time.Second, func() ([]byte, error) { return readInput(path, manifestInput) })
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	errorContains(t, err, path, "20 GiB", "16 MiB")

	env := fixture(t, filepath.Join(t.TempDir(), ".env"), strings.Repeat("A=1\n", MaxEnvFileSize/4+1))
	_, err = readInput(env, envInput)
	errorContains(t, err, env, "4 MiB", "env file")
}

func TestReadInputReportsInvalidUTF8ByLineAndOffset(t *testing.T) {
	path := fixture(t, filepath.Join(t.TempDir(), "compose.yaml"), "services:\n  db:\n    image: caf\xe9\n")
	_, err := readInput(path, manifestInput)
	if !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("err = %v, want ErrInvalidUTF8", err)
	}
	errorContains(t, err, path, "line 3", "byte 30", "0xe9")

	// A byte order mark is valid UTF-8 and is let through.
	bom := fixture(t, filepath.Join(t.TempDir(), "compose.yaml"), "\ufeff"+minimal)
	if _, err := readInput(bom, manifestInput); err != nil {
		t.Fatalf("UTF-8 BOM: %v", err)
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 4 << 20: "4 MiB", 23 << 30: "23 GiB", 3 << 19: "1.5 MiB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// loadIn loads the manifest files of dir (written by the test) with no
// environment, failing the test if Load does not return promptly.
func loadIn(t *testing.T, dir string, mutate ...func(*LoadOptions)) (*Project, error) {
	t.Helper()
	opts := LoadOptions{WorkingDir: dir, Environ: map[string]string{}}
	for _, m := range mutate {
		m(&opts)
	}
	return within(t, 10*time.Second, func() (*Project, error) { return Load(context.Background(), opts) })
}

func TestLoadRefusesDevicesFIFOsAndDirectoriesWhereFilesBelong(t *testing.T) {
	dir := t.TempDir()
	fixture(t, filepath.Join(dir, "compose.yaml"), minimal)
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)

	tests := []struct {
		name string
		opts func(*LoadOptions)
		want []string
	}{
		{"-f /dev/zero", func(o *LoadOptions) { o.Files = []string{"/dev/zero"} }, []string{"manifest /dev/zero", "character device"}},
		{"-f /dev/urandom", func(o *LoadOptions) { o.Files = []string{"/dev/urandom"} }, []string{"manifest /dev/urandom", "character device"}},
		{"-f FIFO", func(o *LoadOptions) { o.Files = []string{fifo} }, []string{"manifest " + fifo, "FIFO"}},
		{"-f directory", func(o *LoadOptions) { o.Files = []string{dir} }, []string{"manifest " + dir, "a directory"}},
		{"--env-file FIFO", func(o *LoadOptions) { o.EnvFiles = []string{fifo} }, []string{"env file " + fifo, "FIFO"}},
		{"--env-file /dev/zero", func(o *LoadOptions) { o.EnvFiles = []string{"/dev/zero"} }, []string{"env file /dev/zero", "character device"}},
		{"--env-file directory", func(o *LoadOptions) { o.EnvFiles = []string{dir} }, []string{"env file " + dir, "a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := loadIn(t, dir, tt.opts)
			if err == nil {
				t.Fatalf("loaded %v, want an error", serviceNames(p))
			}
			errorContains(t, err, tt.want...)
		})
	}
}

func TestLoadRefusesADotEnvOrEnvFileThatIsAFIFO(t *testing.T) {
	t.Run(".env", func(t *testing.T) {
		dir := t.TempDir()
		fixture(t, filepath.Join(dir, "compose.yaml"), minimal)
		mkfifo(t, filepath.Join(dir, ".env"))
		_, err := loadIn(t, dir)
		errorContains(t, err, filepath.Join(dir, ".env"), "FIFO")
	})
	t.Run("env_file", func(t *testing.T) {
		dir := t.TempDir()
		fixture(t, filepath.Join(dir, "compose.yaml"), minimal+"    env_file: db.env\n")
		mkfifo(t, filepath.Join(dir, "db.env"))
		_, err := loadIn(t, dir)
		errorContains(t, err, "service db", filepath.Join(dir, "db.env"), "FIFO")
	})
	t.Run("env_file /dev/zero", func(t *testing.T) {
		dir := t.TempDir()
		fixture(t, filepath.Join(dir, "compose.yaml"), minimal+"    env_file: /dev/zero\n")
		_, err := loadIn(t, dir)
		errorContains(t, err, "service db", "/dev/zero", "character device")
	})
	t.Run("parity.yaml", func(t *testing.T) {
		dir := t.TempDir()
		mkfifo(t, filepath.Join(dir, ConfigName))
		_, err := within(t, 5*time.Second, func() (*Config, error) {
			cfg, _, err := LoadConfig(dir)
			return cfg, err
		})
		errorContains(t, err, "parity config", filepath.Join(dir, ConfigName), "FIFO")
	})
}

func TestDiscoverReportsASymlinkLoopRatherThanPassingOverIt(t *testing.T) {
	root := t.TempDir()
	fixture(t, filepath.Join(root, "compose.yaml"), minimal) // a parent's manifest
	dir := filepath.Join(root, "app")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "compose.yaml")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	_, err := loadIn(t, dir)
	errorContains(t, err, loop, "loop of symbolic links")

	if err := os.Symlink(filepath.Join(dir, ConfigName), filepath.Join(dir, ConfigName)); err != nil {
		t.Fatal(err)
	}
	_, _, err = LoadConfig(dir)
	errorContains(t, err, filepath.Join(dir, ConfigName), "loop of symbolic links")
}

func TestLoadBadManifests(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("x-0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		bomb.WriteString("x-" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 9; j++ {
			bomb.WriteString("*a" + string(rune('0'+i-1)) + ", ")
		}
		bomb.WriteString("]\n")
	}
	bomb.WriteString(minimal + "    command: *a9\n")

	tests := []struct {
		name     string
		manifest string
		want     []string
	}{
		{"malformed YAML", "services:\n  db:\n    image: x\n   ports: [1\n", []string{"compose.yaml", "line"}},
		{"tab indentation", "services:\n\tdb:\n\t\timage: x\n", []string{"compose.yaml", "tab"}},
		{"billion laughs", bomb.String(), []string{"compose.yaml", "excessive aliasing"}},
		{"not UTF-8", "services:\n  db:\n    image: postgres\n    environment:\n      A: caf\xe9\n", []string{"compose.yaml", "line 5", "UTF-8"}},
		{"NUL byte", "services:\n  db:\n    image: \x00\n", []string{"compose.yaml"}},
		{"emoji service name", "services:\n  \"\U0001F418db\":\n    image: postgres:16\n", []string{"compose.yaml", "\U0001F418db", "only letters"}},
		{"emoji project name", "name: \"\U0001F418\"\n" + minimal, []string{"compose.yaml", "project name", "pass -p"}},
		{"a list, not a mapping", "- services\n", []string{"compose.yaml"}},
		{"empty", "", []string{"compose.yaml"}},
		{"only a document marker", "---\n", []string{"compose.yaml"}},
		{"deep nesting", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), []string{"compose.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fixture(t, filepath.Join(dir, "compose.yaml"), tt.manifest)
			p, err := loadIn(t, dir)
			if err == nil {
				t.Fatalf("loaded %v, want an error", serviceNames(p))
			}
			errorContains(t, err, tt.want...)
		})
	}
}

func TestLoadRefusesAManifestOverTheCap(t *testing.T) {
	dir := t.TempDir()
	// Valid YAML, a comment padding it over 16 MiB.
	fixture(t, filepath.Join(dir, "compose.yaml"), minimal+"#"+strings.Repeat("x", MaxManifestSize)+"\n")
	_, err := loadIn(t, dir)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	errorContains(t, err, filepath.Join(dir, "compose.yaml"), "16 MiB")
}

func TestLoadKeepsEmojiAndURLSpecialCharactersInValues(t *testing.T) {
	const password = `p@ss:w/rd?#[]%25&=+ !'"\;,{}` + "\U0001F418"
	dir := t.TempDir()
	fixture(t, filepath.Join(dir, "compose.yaml"), `name: café
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${DB_PASSWORD}
      GREETING: "héllo 🐘"
      LITERAL: 'a$$b'
`)
	// From .env (single quotes keep everything but a single quote literal)
	// and from the shell, which wins over .env.
	fixture(t, filepath.Join(dir, ".env"), "DB_PASSWORD='"+strings.ReplaceAll(password, "'", "")+"'\n")
	fromDotEnv, err := loadIn(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustService(t, fromDotEnv, "db").Environment["POSTGRES_PASSWORD"].String(); got != strings.ReplaceAll(password, "'", "") {
		t.Errorf("POSTGRES_PASSWORD from .env = %q", got)
	}
	p, err := loadIn(t, dir, func(o *LoadOptions) { o.Environ = map[string]string{"DB_PASSWORD": password} })
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "caf" {
		t.Errorf("project name %q, want Compose's normalisation %q", p.Name, "caf")
	}
	db := mustService(t, p, "db")
	if got := db.Environment["POSTGRES_PASSWORD"].String(); got != password {
		t.Errorf("POSTGRES_PASSWORD = %q, want %q", got, password)
	}
	if got := db.Environment["GREETING"].String(); got != "héllo 🐘" {
		t.Errorf("GREETING = %q", got)
	}
	if got := db.Environment["LITERAL"].String(); got != "a$b" {
		t.Errorf("LITERAL = %q", got)
	}
}

func TestReadEnvFileIsGuarded(t *testing.T) {
	_, err := within(t, 5*time.Second, func() (map[string]string, error) { return ReadEnvFile("/dev/zero", nil) })
	errorContains(t, err, "env file /dev/zero", "character device")

	path := fixture(t, filepath.Join(t.TempDir(), ".env"), "A=1\nB=\xff\n")
	_, err = ReadEnvFile(path, nil)
	errorContains(t, err, path, "line 2", "UTF-8")
}
