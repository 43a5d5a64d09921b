package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

// shellManifest has a Postgres that asks for its password on the Unix
// socket too (so psql in the container must really use it) and a Redis
// with requirepass; parity generates both passwords.
const shellManifest = `services:
  db:
    image: postgres:15
    environment:
      POSTGRES_USER: shop
      POSTGRES_DB: shop
      POSTGRES_INITDB_ARGS: --auth-local=scram-sha-256
  cache:
    image: redis:7
    command: ["redis-server", "--requirepass", "${REDIS_PASSWORD}"]
`

// The live view's shell key, run for real against Postgres and Redis: while
// each client is connected and authenticated, no command line on the host
// (the docker CLI's, the client's inside the container) holds a password.
func TestDockerShellKeepsPasswordsOutOfEveryCommandLine(t *testing.T) {
	testbed.RequireEngine(t)
	reg := testbed.Registry(t)
	project := testbed.Project(t)
	dir, stateDir := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(shellManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s, err := Open(ctx, Options{
		WorkingDir: dir, ProjectName: project, Mirror: reg, StateDir: stateDir,
		ExtraLabels: map[string]string{testbed.TestLabel: "1"},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.startAndWait(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	secrets := stateSecrets(t, stateDir, project)
	if len(secrets) < 2 {
		t.Fatalf("state holds %d generated passwords, want db's and cache's", len(secrets))
	}

	for _, tc := range []struct{ service, input, answer, client string }{
		{"db", "select 'logged' || ' in' as probe;\n", "logged in", "psql"},
		{"cache", "PING\n", "PONG", "redis-cli"},
	} {
		t.Run(tc.service, func(t *testing.T) {
			cmd, err := s.shellCommand(tc.service)
			if err != nil {
				t.Fatal(err)
			}
			// The live view runs it on a terminal (-it); a test has none,
			// so only -t goes. Everything else is the command as built.
			for i, a := range cmd.Args {
				if a == "-it" {
					cmd.Args[i] = "-i"
				}
			}
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			if _, err := io.WriteString(stdin, tc.input); err != nil {
				t.Fatal(err)
			}
			out := &lockedLines{}
			go out.collect(stdout)
			testbed.WaitFor(t, time.Minute, func() (bool, string) {
				return strings.Contains(out.String(), tc.answer), "client output so far: " + out.String() + "\nstderr: " + stderr.String()
			})

			// The client is connected, authenticated, and still running
			// (its stdin is open): every command line now.
			psOut, err := exec.Command("ps", "-eww", "-o", "args=").Output()
			if err != nil {
				t.Fatal(err)
			}
			ps := string(psOut)
			if !strings.Contains(ps, "docker exec") || !strings.Contains(ps, tc.client) {
				t.Fatalf("ps shows neither the docker CLI nor %s, so it proves nothing:\n%s", tc.client, ps)
			}
			for _, secret := range secrets {
				for _, line := range strings.Split(ps, "\n") {
					if strings.Contains(line, secret) {
						t.Errorf("a password is on a command line: %s", line)
					}
				}
			}
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("%s exited: %v\n%s", tc.client, err, stderr.String())
			}
		})
	}
}

// stateSecrets are the passwords parity generated for project, read from
// its state file.
func stateSecrets(t *testing.T, stateDir, project string) []string {
	t.Helper()
	data, err := os.ReadFile(projectStatePath(stateDir, project))
	if err != nil {
		t.Fatal(err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range []map[string]string{st.Secrets, st.VarSecrets} {
		for _, v := range m {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// lockedLines gathers a reader's output for polling from another goroutine.
type lockedLines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLines) collect(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l.mu.Lock()
		l.b.WriteString(sc.Text() + "\n")
		l.mu.Unlock()
	}
}

func (l *lockedLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
