package sources

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

// infra is what a Terraform reader makes of an RDS Postgres and an ECS
// task: versions, and an app whose URL names the RDS resource.
func infra() *manifest.Project {
	return &manifest.Project{Source: "terraform", Files: []string{"/repo/infra/main.tf"}, Services: []manifest.Service{
		{Name: "main", Image: "postgres:15.4", Origin: "infra/main.tf:3", Managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres", Version: "15.4"},
			Environment: map[string]manifest.Value{"POSTGRES_PASSWORD": manifest.Unset("RANDOM_PASSWORD_DB")}},
		{Name: "web", App: true, Origin: "infra/ecs.tf:1", Environment: map[string]manifest.Value{"DATABASE_HOST": manifest.Text("main")}},
	}, Unset: []string{"RANDOM_PASSWORD_DB"}}
}

func TestMergeMatchesServicesByKindWhenNamesDiffer(t *testing.T) {
	compose := &manifest.Project{Name: "shop", Source: "compose", Files: []string{"/repo/compose.yaml"}, Services: []manifest.Service{
		{Name: "db", Image: "postgres:15.4", Environment: map[string]manifest.Value{"POSTGRES_DB": manifest.Text("shop")}},
		{Name: "cache", Image: "redis:7"},
	}}
	got, disagreements := merge([]*manifest.Project{infra(), compose})
	if len(disagreements) != 0 {
		t.Errorf("same image, yet disagreements: %v", disagreements)
	}
	if got.Source != "terraform+compose" || got.Name != "shop" { // the Compose file names the project
		t.Errorf("source %q name %q", got.Source, got.Name)
	}
	var names []string
	for _, s := range got.Services {
		names = append(names, s.Name)
	}
	if strings.Join(names, " ") != "cache main web" {
		t.Fatalf("services %v, want cache main web (db folded into main)", names)
	}
	main := got.Service("main")
	if !strings.Contains(strings.Join(main.Aliases, " "), "db") {
		t.Errorf("main's aliases %v lack db, which compose's URLs use", main.Aliases)
	}
	if main.Environment["POSTGRES_DB"].String() != "shop" || main.Environment["POSTGRES_PASSWORD"].UnsetVars()[0] != "RANDOM_PASSWORD_DB" {
		t.Errorf("main's environment %v: want both sources' variables", main.Environment)
	}
	if main.Origin != "infra/main.tf:3" || main.Managed == nil {
		t.Errorf("main keeps origin %q managed %v, want Terraform's", main.Origin, main.Managed)
	}
	if len(got.Files) != 2 || got.Unset[0] != "RANDOM_PASSWORD_DB" {
		t.Errorf("files %v unset %v", got.Files, got.Unset)
	}
}

func TestMergeReportsSourcesThatDisagreeAndRunsTheFirst(t *testing.T) {
	helm := &manifest.Project{Source: "helm", Files: []string{"/repo/chart/values.yaml"}, Services: []manifest.Service{
		{Name: "postgresql", Image: "postgres:16", Origin: "chart/templates/db.yaml:1"},
	}}
	got, disagreements := merge([]*manifest.Project{infra(), helm})
	if len(disagreements) != 1 {
		t.Fatalf("disagreements %v, want one", disagreements)
	}
	d := disagreements[0]
	if d.Service != "main" || d.First != "postgres:15.4" || d.Other != "postgres:16" || d.FirstAt != "infra/main.tf:3" || d.OtherAt != "chart/templates/db.yaml:1" {
		t.Errorf("disagreement %+v", d)
	}
	if got.Service("main").Image != "postgres:15.4" {
		t.Errorf("ran %s, want the first source's image", got.Service("main").Image)
	}
	if msg := d.String(); !strings.Contains(msg, "services.main.image") {
		t.Errorf("message %q does not say how to settle it", msg)
	}
}

func TestMergeDoesNotFoldTwoServicesOfAKindIntoOne(t *testing.T) {
	two := &manifest.Project{Source: "compose", Services: []manifest.Service{
		{Name: "db", Image: "postgres:15.4"}, {Name: "analytics", Image: "postgres:15.4"},
	}}
	got, _ := merge([]*manifest.Project{infra(), two})
	if len(got.Services) != 4 {
		t.Errorf("services %d, want main, web, db and analytics apart: which of two Postgres is RDS's cannot be told", len(got.Services))
	}
}

func TestLoadDispatchesByFormatAndMerges(t *testing.T) {
	dir := t.TempDir()
	tf := filepath.Join(dir, "infra")
	if err := os.Mkdir(tf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tf, "main.tf"), []byte("# rds\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services:\n  cache:\n    image: redis:7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("FROM_DOTENV=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	saved := readers
	t.Cleanup(func() { readers = saved })
	var gotOpts manifest.SourceOptions
	readers = []reader{{format: "terraform",
		detect: func(path string) bool { _, err := os.Stat(filepath.Join(path, "main.tf")); return err == nil },
		load: func(_ context.Context, o manifest.SourceOptions) (*manifest.Project, error) {
			gotOpts = o
			return infra(), nil
		}}}

	opts := Options{LoadOptions: manifest.LoadOptions{WorkingDir: dir, Files: []string{"infra", "compose.yaml"}, Environ: map[string]string{}}, ValueFiles: []string{"prod.tfvars"}}
	p, _, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if gotOpts.Path != tf || gotOpts.WorkingDir != dir || gotOpts.ValueFiles[0] != "prod.tfvars" {
		t.Errorf("the reader got %+v", gotOpts)
	}
	if p.Source != "terraform+compose" || p.Service("cache") == nil || p.Service("main") == nil {
		t.Errorf("merged %s with %v", p.Source, p.Defined())
	}

	// Terraform alone: the project is named after the directory and the
	// .env is read as Compose would have.
	opts.Files = []string{"infra"}
	p, _, err = Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != manifest.NormalizeProjectName(filepath.Base(dir)) || p.DotEnv["FROM_DOTENV"] != "1" {
		t.Errorf("terraform alone: name %q, dotenv %v", p.Name, p.DotEnv)
	}

	// A directory of nothing parity reads.
	empty := filepath.Join(dir, "docs")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	opts.Files = []string{"docs"}
	if _, _, err := Load(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "a directory parity cannot read") {
		t.Errorf("a directory of nothing: %v", err)
	}
}

func TestAFileNamedAsComposeIsComposeWithoutAskingTheReaders(t *testing.T) {
	dir := t.TempDir()
	saved := readers
	t.Cleanup(func() { readers = saved })
	asked := 0
	readers = []reader{{format: "kubernetes", detect: func(string) bool { asked++; return true }}}
	for _, name := range []string{"compose.yaml", "docker-compose.prod.yml", "compose.override.yaml"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("services: {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if f, err := FormatOf(path); err != nil || f != "compose" {
			t.Errorf("%s: %q %v, want compose", name, f, err)
		}
	}
	other := filepath.Join(dir, "db.yaml")
	if err := os.WriteFile(other, []byte("kind: Pod\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if f, _ := FormatOf(other); f != "kubernetes" || asked != 1 {
		t.Errorf("db.yaml: %q after %d detections, want kubernetes after one", f, asked)
	}
}
