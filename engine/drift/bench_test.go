package drift

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

// syntheticRepo writes a repository of about 3000 files as an application
// of some size has them — sources in nested packages, a few dev Compose
// files, workflows and .env files — plus a node_modules of 6000 files,
// which check must not enter.
func syntheticRepo(tb testing.TB) (string, *manifest.Project) {
	tb.Helper()
	root := tb.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write(".git/HEAD", "ref: refs/heads/main\n")
	write("compose.yaml", "name: big\nservices:\n  db:\n    image: postgres:15.4\n  cache:\n    image: redis:7.2\n  web:\n    build: .\n")
	source := "package x\n\n// A file of ordinary source code, never read by check.\nfunc F() int { return 42 }\n"
	for i := 0; i < 2900; i++ {
		write(fmt.Sprintf("src/pkg%02d/sub%d/file%d.go", i%40, i%7, i), source)
	}
	for i := 0; i < 40; i++ {
		write(fmt.Sprintf("services/svc%02d/docker-compose.dev.yml", i),
			"services:\n  db:\n    image: postgres:15.4\n  cache:\n    image: ${REDIS:-redis:7.2}\n  app:\n    build: .\n")
		write(fmt.Sprintf("services/svc%02d/.env", i), "DATABASE_URL=postgres://app:app@localhost/app\nREDIS=redis:7.2\n")
	}
	for i := 0; i < 20; i++ {
		write(fmt.Sprintf(".github/workflows/ci%02d.yml", i),
			"on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    services:\n      pg:\n        image: postgres:15.4\n      redis: redis:7.2\n    steps:\n      - run: make\n")
	}
	for i := 0; i < 6000; i++ {
		write(fmt.Sprintf("node_modules/dep%03d/lib/index%d.js", i%300, i), "module.exports = 1\n")
		if i%100 == 0 {
			write(fmt.Sprintf("node_modules/dep%03d/docker-compose.yml", i%300), "services:\n  db:\n    image: mysql:5.7\n")
		}
	}
	proj, err := manifest.Load(context.Background(), manifest.LoadOptions{WorkingDir: root, Files: []string{filepath.Join(root, "compose.yaml")}})
	if err != nil {
		tb.Fatal(err)
	}
	return root, proj
}

// BenchmarkCheck measures check on a repository of a few thousand files;
// the target is well under 200ms.
func BenchmarkCheck(b *testing.B) {
	root, proj := syntheticRepo(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		r, err := Check(ctx, Input{Project: proj, Root: root})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Findings) != 0 || r.Scanned != 100 {
			b.Fatalf("%d findings, %d files read; want 0 and 100", len(r.Findings), r.Scanned)
		}
	}
}
