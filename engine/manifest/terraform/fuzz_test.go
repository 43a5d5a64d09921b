package terraform

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parity-dev/parity/engine/manifest"
)

// FuzzLoad loads a one-file configuration: any input is a project or an
// error, never a panic or a hang.
//
// Run it with a short -fuzzminimizetime (go test -run '^$' -fuzz FuzzLoad
// -fuzzminimizetime 0s ...): the seeds are whole configurations, almost
// every early mutation is new coverage, and minimizing each for the default
// 60 s is what looked like a stall at a dozen execs (minimizing runs are not
// counted); without it the target runs about 1000 execs/s.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"testdata/ecs-rds-redis/ecs.tf", "testdata/count-foreach/main.tf", "testdata/module/main.tf",
		"testdata/warnings/main.tf", "testdata/rows/aws.tf", "testdata/rows/gcp.tf", "testdata/heredoc/main.tf",
		"testdata/real-elasticache/module/main.tf", "testdata/real-cloudsql-module/main.tf", "testdata/template-file/main.tf",
		"testdata/real-ecs-module/modules/container-definition/main.tf", "testdata/real-azure-single/module/main.tf",
	} {
		b, err := os.ReadFile(seed)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`module "m" { source = "./" }` + "\n" + `resource "aws_db_instance" "x" { engine = "postgres" }`))
	f.Add([]byte(`locals { a = local.b, b = local.a }` + "\n" + `resource "aws_db_instance" "x" { count = 1e9, engine = local.a }`))
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p, err := Load(ctx, manifest.SourceOptions{Path: dir, WorkingDir: dir})
		if err == nil && len(p.Services) == 0 {
			t.Fatal("Load returned a project without services and no error")
		}
	})
}
