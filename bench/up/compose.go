package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/parity-dev/parity/bench/internal/rig"
)

// composeFile is the quickstart manifest's db and cache as a developer
// would run them with docker-compose: the mirror's images, the manifest's
// own healthcheck (interval 10s, as production manifests write them),
// loopback ports, and the bench labels on everything for cleanup.
const composeFile = `version: "2.4"
services:
  db:
    image: {{registry}}/library/postgres:15
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: {{password}}
      POSTGRES_DB: app
    ports: ["127.0.0.1::5432"]
    volumes: ["pgdata:/var/lib/postgresql/data"]
    labels: {{labels}}
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U app -d app"]
      interval: 10s
      timeout: 5s
      retries: 5
  cache:
    image: {{registry}}/library/redis:7
    command: redis-server --requirepass {{password}} --appendonly yes
    ports: ["127.0.0.1::6379"]
    volumes: ["cache-data:/data"]
    labels: {{labels}}
volumes:
  pgdata: {labels: {{labels}}}
  cache-data: {labels: {{labels}}}
networks:
  default: {labels: {{labels}}}
`

// describeCompose names the docker-compose in use and whether it can wait
// for health itself (`up --wait` came with Compose v2).
func describeCompose(ctx context.Context) (string, error) {
	v, err := exec.CommandContext(ctx, "docker-compose", "version", "--short").Output()
	if err != nil {
		return "", fmt.Errorf("docker-compose version: %w (install Debian's docker-compose)", err)
	}
	help, _ := exec.CommandContext(ctx, "docker-compose", "up", "--help").Output()
	wait := "no `up --wait`: the bench polls docker inspect every 100ms"
	if strings.Contains(string(help), "--wait") {
		wait = "has `up --wait`, but the bench polls docker inspect every 100ms as with v1"
	}
	return fmt.Sprintf("docker-compose %s (%s)", strings.TrimSpace(string(v)), wait), nil
}

// compose is `docker-compose up -d` and then waiting until db's
// healthcheck says healthy and cache runs. The manifest gives cache no
// healthcheck and its app depends on it with service_started, so running
// is all Compose can know of it.
func (b *bench) compose(ctx context.Context, rep int) (time.Duration, error) {
	// docker-compose v1 keeps only [a-z0-9] of a project name.
	project := fmt.Sprintf("paritybench%sc%d", b.runID, rep)
	dir := filepath.Join(b.tmp, project)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	labels := fmt.Sprintf("{%q: %q, %q: %q}", rig.TestLabel, "1", rig.RunLabel, b.runID)
	text := strings.NewReplacer("{{registry}}", b.registry, "{{password}}", rig.RunID()+rig.RunID(), "{{labels}}", labels).Replace(composeFile)
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		return 0, err
	}
	dc := func(args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, "docker-compose", append([]string{"-p", project, "-f", file}, args...)...)
		cmd.Dir = dir
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 30 * time.Second
		return cmd
	}

	start := time.Now()
	took, err := func() (time.Duration, error) {
		if out, err := dc("up", "-d").CombinedOutput(); err != nil {
			return 0, fmt.Errorf("docker-compose up -d: %w\n%s", err, out)
		}
		names := []string{project + "_db_1", project + "_cache_1"}
		deadline := time.Now().Add(readyTimeout)
		for {
			out, err := rig.Docker(ctx, append([]string{"inspect", "--format",
				"{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}"}, names...)...)
			if err != nil {
				return 0, err
			}
			lines := strings.Split(out, "\n")
			if len(lines) == 2 && lines[0] == "running healthy" && strings.HasPrefix(lines[1], "running ") {
				return time.Since(start), nil
			}
			if strings.Contains(out, "exited") || strings.Contains(out, "dead") {
				return 0, fmt.Errorf("a container stopped: %q", lines)
			}
			if time.Now().After(deadline) {
				return 0, fmt.Errorf("not healthy after %s: %q", readyTimeout, lines)
			}
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	// Untimed: remove the project, and by label whatever `down` missed.
	var downErr error
	if ctx.Err() == nil {
		if out, err := dc("down", "-v", "--timeout", "1").CombinedOutput(); err != nil {
			downErr = fmt.Errorf("docker-compose down: %w\n%s", err, out)
		}
	}
	if err != nil {
		return 0, err
	}
	return took, downErr
}
