package scaffold

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

const appManifest = `services:
  web:
    build: .
    environment:
      DATABASE_URL: postgres://app:${DB_PASSWORD}@db:5432/app
  db:
    image: postgres:15
`

func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func detect(t *testing.T, dir string) *Findings {
	t.Helper()
	f, err := Detect(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDetectFindsTheAppCommandFromEachSource(t *testing.T) {
	const goMain = "package main\n\nfunc main() {}\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string // nil: no command chosen
		why   string
	}{
		{"procfile", map[string]string{"Procfile": "release: bin/migrate\nweb: bundle exec puma -C config/puma.rb\n"},
			[]string{"bundle", "exec", "puma", "-C", "config/puma.rb"}, "Procfile line 2 (web:)"},
		{"procfile needing a shell", map[string]string{"Procfile": "web: gunicorn app:app --bind 0.0.0.0:$PORT\n"},
			[]string{"sh", "-c", "gunicorn app:app --bind 0.0.0.0:$PORT"}, "Procfile line 1"},
		{"Procfile.dev before Procfile", map[string]string{"Procfile": "web: bundle exec puma\n", "Procfile.dev": "web: bin/rails server -p 3000\ncss: bin/rails tailwindcss:watch\n", "bin/rails": "#!/usr/bin/env ruby\n"},
			[]string{"bin/rails", "server", "-p", "3000"}, "Procfile.dev line 1"},
		{"package.json dev", map[string]string{"package.json": `{"scripts": {"dev": "next dev", "start": "next start"}}`},
			[]string{"npm", "run", "dev"}, "package.json scripts.dev"},
		{"package.json start", map[string]string{"package.json": `{"scripts": {"start": "node server.js", "test": "jest"}}`},
			[]string{"npm", "start"}, "package.json scripts.start"},
		{"pnpm", map[string]string{"package.json": `{"scripts": {"dev": "vite"}}`, "pnpm-lock.yaml": "lockfileVersion: 9\n"},
			[]string{"pnpm", "dev"}, "with pnpm (pnpm-lock.yaml)"},
		{"yarn", map[string]string{"package.json": `{"scripts": {"start": "node ."}}`, "yarn.lock": ""},
			[]string{"yarn", "start"}, "with yarn (yarn.lock)"},
		{"bun", map[string]string{"package.json": `{"scripts": {"dev": "bun --watch index.ts"}}`, "bun.lock": ""},
			[]string{"bun", "run", "dev"}, "with bun (bun.lock)"},
		{"package.json without scripts", map[string]string{"package.json": `{"name": "lib"}`}, nil, ""},
		{"go module root", map[string]string{"go.mod": "module example.com/shop\n", "main.go": goMain, "main_test.go": "package main\n"},
			[]string{"go", "run", "."}, "module root is package main"},
		{"go cmd named like the module", map[string]string{"go.mod": "module example.com/shop/v2\n", "cmd/shop/main.go": goMain, "cmd/migrate/main.go": goMain, "lib.go": "package shop\n"},
			[]string{"go", "run", "./cmd/shop"}, "named like the module"},
		{"go only cmd", map[string]string{"go.mod": "module example.com/shop\n", "cmd/web/main.go": goMain, "cmd/web/routes.go": "package main\n"},
			[]string{"go", "run", "./cmd/web"}, "the only main package"},
		{"go cmd named like a server", map[string]string{"go.mod": "module example.com/shop\n", "cmd/server/main.go": goMain, "cmd/migrate/main.go": goMain},
			[]string{"go", "run", "./cmd/server"}, "named like a server"},
		{"go cmds ambiguous", map[string]string{"go.mod": "module example.com/shop\n", "cmd/worker/main.go": goMain, "cmd/migrate/main.go": goMain}, nil, ""},
		{"django", map[string]string{"manage.py": "#!/usr/bin/env python\n", "requirements.txt": "django\n"},
			[]string{"python", "manage.py", "runserver"}, "manage.py"},
		{"rails before package.json", map[string]string{"bin/rails": "#!/usr/bin/env ruby\n", "Gemfile": "gem 'rails'\n", "config.ru": "run Rails.application\n", "package.json": `{"scripts": {"dev": "vite"}}`},
			[]string{"bin/rails", "server"}, "bin/rails"},
		{"phoenix", map[string]string{"mix.exs": "defp deps do\n  [{:phoenix, \"~> 1.7\"}]\nend\n"},
			[]string{"mix", "phx.server"}, "phoenix"},
		{"mix without phoenix", map[string]string{"mix.exs": "defp deps do\n  [{:jason, \"~> 1.4\"}]\nend\n"}, nil, ""},
		{"cargo", map[string]string{"Cargo.toml": "[package]\nname = \"shop\"\n"},
			[]string{"cargo", "run"}, "Cargo.toml"},
		{"spring boot maven wrapper", map[string]string{"pom.xml": "<artifactId>spring-boot-starter-web</artifactId>", "mvnw": "#!/bin/sh\n"},
			[]string{"./mvnw", "spring-boot:run"}, "Maven wrapper"},
		{"spring boot gradle", map[string]string{"build.gradle.kts": "plugins { id(\"org.springframework.boot\") version \"3.3.0\" }"},
			[]string{"gradle", "bootRun"}, "build.gradle.kts"},
		{"rack", map[string]string{"Gemfile": "gem 'sinatra'\n", "config.ru": "run App\n"},
			[]string{"bundle", "exec", "rackup"}, "config.ru"},
		{"nothing", map[string]string{"README.md": "hello\n"}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.files["compose.yaml"] = appManifest
			f := detect(t, repo(t, tc.files))
			if tc.want == nil {
				if f.Command != nil {
					t.Fatalf("chose %v (%s), want none", f.Command.Args, f.Command.Why)
				}
				if !strings.Contains(strings.Join(f.Notes, "\n"), "app.command") {
					t.Errorf("no note says to set app.command: %q", f.Notes)
				}
				return
			}
			if f.Command == nil {
				t.Fatalf("no command; notes %q", f.Notes)
			}
			if !reflect.DeepEqual(f.Command.Args, tc.want) {
				t.Errorf("command %q, want %q", f.Command.Args, tc.want)
			}
			if !strings.Contains(f.Command.Why, tc.why) {
				t.Errorf("why %q lacks %q", f.Command.Why, tc.why)
			}
		})
	}
}

func TestDetectPrefersAProductionManifestOverAPlainOneAndNeverADevOne(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		want  string
	}{
		{"production in deploy/ over plain at the root", []string{"compose.yaml", "deploy/compose.prod.yaml"}, "deploy/compose.prod.yaml"},
		{"plain over dev", []string{"compose.dev.yaml", "compose.override.yml", "compose.yaml"}, "compose.yaml"},
		{"compose.yaml over docker-compose.yml", []string{"docker-compose.yml", "compose.yaml"}, "compose.yaml"},
		{".yaml over .yml", []string{"compose.yml", "compose.yaml"}, "compose.yaml"},
		{"docker-compose.production.yml in ops/", []string{"ops/docker-compose.production.yml", "infra/compose.staging.yaml", "docker-compose.local.yml"}, "ops/docker-compose.production.yml"},
		{"another qualifier over dev", []string{"compose.staging.yaml", "compose.local.yaml", "docker-compose.development.yml"}, "compose.staging.yaml"},
		{"the root before folders at the same rank", []string{"infra/compose.prod.yaml", "compose.production.yml"}, "compose.production.yml"},
		{"folders in order", []string{"docker/docker-compose.prod.yaml", "infra/compose.prod.yml", ".deploy/compose.prod.yaml"}, "infra/compose.prod.yml"},
		{"dash and underscore qualifiers", []string{"docker-compose-prod.yml", "compose_dev.yaml"}, "docker-compose-prod.yml"},
		{"not a compose file", []string{"composer.yaml", "docker-compose.yaml"}, "docker-compose.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for _, f := range tc.files {
				files[f] = appManifest
			}
			f := detect(t, repo(t, files))
			if f.Manifest.Path != tc.want {
				var seen []string
				for _, m := range f.Manifests {
					seen = append(seen, m.Path+" ("+m.Why+")")
				}
				t.Errorf("chose %s, want %s; ranked %q", f.Manifest.Path, tc.want, seen)
			}
			last := f.Manifests[len(f.Manifests)-1]
			for _, m := range f.Manifests {
				if strings.Contains(m.Path, "dev") || strings.Contains(m.Path, "override") || strings.Contains(m.Path, "local") {
					if m.Rank != RankIgnored || last.Rank != RankIgnored {
						t.Errorf("%s ranked %d, want ignored and last", m.Path, m.Rank)
					}
				}
			}
		})
	}
}

func TestDetectFailsWithoutAProductionManifest(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"none":          {"README.md": "x"},
		"only dev ones": {"compose.dev.yaml": appManifest, "deploy/compose.override.yml": appManifest},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Detect(context.Background(), Options{Dir: repo(t, files)})
			if err == nil || !strings.Contains(err.Error(), "find manifest") || !strings.Contains(err.Error(), "-f") {
				t.Fatalf("err = %v", err)
			}
			if name == "only dev ones" && !strings.Contains(err.Error(), "compose.dev.yaml") {
				t.Errorf("the error should name the dev-only files it ignored: %v", err)
			}
		})
	}
}

func TestDetectUsesTheManifestsGivenWithF(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": appManifest, "prod/stack.yml": appManifest})
	f, err := Detect(context.Background(), Options{Dir: dir, Files: []string{filepath.Join(dir, "prod/stack.yml")}, Project: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Manifest.Path != "prod/stack.yml" || f.Manifest.Rank != RankGiven || len(f.Manifests) != 1 {
		t.Errorf("manifests %+v", f.Manifests)
	}
	if f.AppService != "web" {
		t.Errorf("app service %q", f.AppService)
	}
}

func TestDetectNamesTheAppService(t *testing.T) {
	for _, tc := range []struct {
		name, manifest, want, why string
	}{
		{"one built", appManifest, "web", "the only service with build:"},
		{"several built", "services:\n  worker:\n    build: .\n  api:\n    build: .\n  db:\n    image: postgres:15\n", "api", "worker"},
		{"none built", "services:\n  shop:\n    image: acme/shop:1\n    depends_on: [db]\n  db:\n    image: postgres:15\n", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := detect(t, repo(t, map[string]string{"compose.yaml": tc.manifest}))
			if f.AppService != tc.want || !strings.Contains(f.AppServiceWhy, tc.why) {
				t.Errorf("app %q (%s), want %q (%s)", f.AppService, f.AppServiceWhy, tc.want, tc.why)
			}
			if tc.want == "" && !strings.Contains(strings.Join(f.Notes, "\n"), "app.service") {
				t.Errorf("notes %q", f.Notes)
			}
		})
	}
}

// TestConfigRoundTripsThroughLoadConfig proves parity.yaml as written is
// read back by the loader parity uses, with the same values.
func TestConfigRoundTripsThroughLoadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Findings
	}{
		{"full", Findings{Project: "shop", Manifests: []Manifest{{Path: "deploy/compose.prod.yaml", Why: "named for production"}},
			AppService: "web", AppServiceWhy: "the only service with build:",
			Command: &Command{Args: []string{"go", "run", "./cmd/web"}, Why: "go.mod"}}},
		{"shell command", Findings{Manifests: []Manifest{{Path: "compose.yaml"}},
			Command: &Command{Args: []string{"sh", "-c", `gunicorn app:app --bind "0.0.0.0:$PORT" # web`}, Why: "Procfile"}}},
		{"odd names", Findings{Project: "true", Manifests: []Manifest{{Path: "my deploy/compose: prod.yaml"}, {Path: "x.yml", Rank: RankGiven}},
			AppService: "123", Command: &Command{Args: []string{"8080"}}}},
		{"colon words", Findings{Manifests: []Manifest{{Path: "compose.yaml"}}, AppService: "@web",
			Command: &Command{Args: []string{"./mvnw", "spring-boot:run", "-Dx=a,b", "%v", "trail:"}}}},
		{"nothing found", Findings{Manifests: []Manifest{{Path: "compose.yaml"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			f.Dir = t.TempDir()
			f.Manifest = &f.Manifests[0]
			path, err := Write(&f, false)
			if err != nil {
				t.Fatal(err)
			}
			cfg, got, err := manifest.LoadConfig(f.Dir)
			if err != nil {
				t.Fatalf("%v\n%s", err, f.Config())
			}
			if got != path {
				t.Errorf("LoadConfig read %s, wrote %s", got, path)
			}
			var wantFiles []string
			for _, m := range f.Manifests {
				if m.Rank == RankGiven || m.Path == f.Manifest.Path {
					wantFiles = append(wantFiles, m.Path)
				}
			}
			var wantCmd manifest.Command
			if f.Command != nil {
				wantCmd = f.Command.Args
			}
			if cfg.Project != f.Project || !reflect.DeepEqual(cfg.Files, wantFiles) ||
				cfg.App.Service != f.AppService || !reflect.DeepEqual(cfg.App.Command, wantCmd) {
				t.Errorf("read back project=%q files=%q service=%q command=%q\nfrom:\n%s", cfg.Project, cfg.Files, cfg.App.Service, cfg.App.Command, f.Config())
			}
		})
	}
}

func TestWriteNeverOverwritesWithoutForce(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": appManifest, "parity.yaml": "project: mine\n"})
	f := detect(t, dir)
	path, err := Write(f, false)
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("err = %v, want ErrExists naming --force", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "project: mine\n" {
		t.Fatalf("parity.yaml changed without --force:\n%s", data)
	}
	if _, err := Write(f, true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "files: [\"compose.yaml\"]") {
		t.Errorf("--force did not replace it:\n%s", data)
	}
}

func TestDetectFindsProductionDescribedBeyondCompose(t *testing.T) {
	tf := `resource "aws_db_instance" "main" {
  engine         = "postgres"
  engine_version = "15.4"
}
resource "aws_ecs_task_definition" "web" {
  family = "web"
  container_definitions = jsonencode([{ name = "web", image = "app:1", environment = [] }])
}
`
	dir := repo(t, map[string]string{"infra/main.tf": tf})
	f, err := Detect(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if f.Manifest == nil || f.Manifest.Path != "infra" || !strings.Contains(f.Manifest.Why, "terraform") {
		t.Fatalf("manifest %+v, want infra (terraform)", f.Manifest)
	}
	if f.AppService != "web" {
		t.Errorf("app service %q, want the ECS task's web", f.AppService)
	}

	// Beside a Compose file, the Compose file stays the choice and the
	// developer is told about the Terraform.
	dir = repo(t, map[string]string{"infra/main.tf": tf, "compose.yaml": "services:\n  db:\n    image: postgres:15.4\n"})
	f, err = Detect(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if f.Manifest.Path != "compose.yaml" || !slices.ContainsFunc(f.Notes, func(n string) bool { return strings.Contains(n, "also described in infra") }) {
		t.Errorf("manifest %s, notes %q", f.Manifest.Path, f.Notes)
	}
}
