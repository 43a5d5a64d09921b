package terraform

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// wantService is what a test expects of one service. Env and command
// values are rendered with ${NAME} for an unset variable.
type wantService struct {
	image   string
	app     bool
	env     map[string]string
	command []string
	managed *manifest.Managed
	origin  string // checked when set
}

type loadCase struct {
	name     string
	dir      string // under testdata
	environ  map[string]string
	varFiles []string // relative to testdata
	services map[string]wantService
	unset    []string
	warnings []string // each must be part of some warning
	// quiet says the load must warn about nothing beyond warnings.
	quiet bool
}

// render is v with each unset variable as ${NAME}.
func render(v manifest.Value) string {
	var b strings.Builder
	for _, p := range v {
		if p.Unset != "" {
			b.WriteString("${" + p.Unset + "}")
			continue
		}
		b.WriteString(p.Text)
	}
	return b.String()
}

func load(t *testing.T, dir string, environ map[string]string, varFiles []string) (*manifest.Project, error) {
	t.Helper()
	td, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return Load(context.Background(), manifest.SourceOptions{
		Path:       filepath.Join(td, dir),
		WorkingDir: td,
		Environ:    environ,
		ValueFiles: varFiles,
	})
}

func runCases(t *testing.T, cases []loadCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := load(t, tc.dir, tc.environ, tc.varFiles)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if p.Source != "terraform" {
				t.Errorf("Source = %q", p.Source)
			}
			var names []string
			for _, s := range p.Services {
				names = append(names, s.Name)
			}
			if want := slices.Sorted(maps.Keys(tc.services)); !slices.Equal(names, want) {
				t.Fatalf("services = %v, want %v\nwarnings: %q", names, want, p.Warnings)
			}
			for _, s := range p.Services {
				checkService(t, s, tc.services[s.Name])
			}
			if tc.unset != nil && !slices.Equal(p.Unset, tc.unset) {
				t.Errorf("Unset = %v, want %v", p.Unset, tc.unset)
			}
			for _, w := range tc.warnings {
				if !slices.ContainsFunc(p.Warnings, func(got string) bool { return strings.Contains(got, w) }) {
					t.Errorf("no warning contains %q; warnings: %q", w, p.Warnings)
				}
			}
			if tc.quiet && len(p.Warnings) != len(tc.warnings) {
				t.Errorf("warnings = %q, want only ones containing %q", p.Warnings, tc.warnings)
			}
		})
	}
}

func checkService(t *testing.T, s manifest.Service, want wantService) {
	t.Helper()
	if s.Image != want.image {
		t.Errorf("%s: Image = %q, want %q", s.Name, s.Image, want.image)
	}
	if s.App != want.app {
		t.Errorf("%s: App = %v, want %v", s.Name, s.App, want.app)
	}
	env := map[string]string{}
	for k, v := range s.Environment {
		env[k] = render(v)
	}
	if want.env == nil {
		want.env = map[string]string{}
	}
	if !maps.Equal(env, want.env) {
		t.Errorf("%s: Environment =\n  %v\nwant\n  %v", s.Name, env, want.env)
	}
	var cmd []string
	for _, v := range s.Command {
		cmd = append(cmd, render(v))
	}
	if !slices.Equal(cmd, want.command) {
		t.Errorf("%s: Command = %q, want %q", s.Name, cmd, want.command)
	}
	switch {
	case want.managed == nil && s.Managed != nil:
		t.Errorf("%s: Managed = %+v, want none", s.Name, *s.Managed)
	case want.managed != nil && s.Managed == nil:
		t.Errorf("%s: Managed = nil, want %+v", s.Name, *want.managed)
	case want.managed != nil && *s.Managed != *want.managed:
		t.Errorf("%s: Managed = %+v, want %+v", s.Name, *s.Managed, *want.managed)
	}
	if want.origin != "" && s.Origin != want.origin {
		t.Errorf("%s: Origin = %q, want %q", s.Name, s.Origin, want.origin)
	}
}

func TestLoadECSWithRDSAndRedis(t *testing.T) {
	dbURL := "postgres://shop:${RANDOM_PASSWORD_DB}@main:5432/shop"
	runCases(t, []loadCase{{
		name: "rds postgres, elasticache redis, ecs jsonencode",
		dir:  "ecs-rds-redis",
		services: map[string]wantService{
			"main": {
				image:   "postgres:15.4",
				env:     map[string]string{"POSTGRES_USER": "shop", "POSTGRES_PASSWORD": "${RANDOM_PASSWORD_DB}", "POSTGRES_DB": "shop"},
				managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres", Version: "15.4"},
				origin:  "ecs-rds-redis/rds.tf:6",
			},
			"cache": {
				image:   "redis:7.0",
				command: []string{"redis-server", "--requirepass", "${RANDOM_PASSWORD_CACHE}"},
				managed: &manifest.Managed{Provider: "aws_elasticache_replication_group", Engine: "redis", Version: "7.0"},
				origin:  "ecs-rds-redis/redis.tf:1",
			},
			"web": {
				app: true, // the image is an ECR repository's URL, known only after apply
				env: map[string]string{
					"APP_ENV":        "prod",
					"LOG_LEVEL":      "INFO",
					"DATABASE_URL":   dbURL,
					"DB_HOST":        "main",
					"DB_PORT":        "5432",
					"DB_PASSWORD":    "${RANDOM_PASSWORD_DB}",
					"REDIS_URL":      "rediss://:${RANDOM_PASSWORD_CACHE}@cache:6379",
					"STRIPE_KEY":     "${TF_VAR_stripe_key}",
					"SESSION_SECRET": "${SESSION_SECRET}",
				},
				origin: "ecs-rds-redis/ecs.tf:13",
			},
			"worker": {app: true, env: map[string]string{"DATABASE_URL": dbURL}},
		},
		unset: []string{"RANDOM_PASSWORD_CACHE", "RANDOM_PASSWORD_DB", "SESSION_SECRET", "TF_VAR_stripe_key"},
		warnings: []string{
			"ecs-rds-redis/ecs.tf:13: BUCKET_ARN of aws_ecs_task_definition.web cannot be evaluated",
			"parity does not run these resource types, so they have no local service: aws_s3_bucket (ecs-rds-redis/ecs.tf:43)",
		},
		quiet: true,
	}, {
		name:    "an image set through TF_VAR_ is the app's image",
		dir:     "ecs-rds-redis",
		environ: map[string]string{"TF_VAR_app_image": "registry.example.com/shop/worker:1.2", "TF_VAR_stripe_key": "sk_test_1"},
		services: map[string]wantService{
			"main":  {image: "postgres:15.4", env: map[string]string{"POSTGRES_USER": "shop", "POSTGRES_PASSWORD": "${RANDOM_PASSWORD_DB}", "POSTGRES_DB": "shop"}, managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres", Version: "15.4"}},
			"cache": {image: "redis:7.0", command: []string{"redis-server", "--requirepass", "${RANDOM_PASSWORD_CACHE}"}, managed: &manifest.Managed{Provider: "aws_elasticache_replication_group", Engine: "redis", Version: "7.0"}},
			"web": {app: true, env: map[string]string{
				"APP_ENV": "prod", "LOG_LEVEL": "INFO", "DATABASE_URL": dbURL, "DB_HOST": "main", "DB_PORT": "5432",
				"DB_PASSWORD": "${RANDOM_PASSWORD_DB}", "REDIS_URL": "rediss://:${RANDOM_PASSWORD_CACHE}@cache:6379",
				"STRIPE_KEY": "sk_test_1", "SESSION_SECRET": "${SESSION_SECRET}",
			}},
			"worker": {app: true, image: "registry.example.com/shop/worker:1.2", env: map[string]string{"DATABASE_URL": dbURL}},
		},
		unset: []string{"RANDOM_PASSWORD_CACHE", "RANDOM_PASSWORD_DB", "SESSION_SECRET"},
	}})
}

// mapped is the image stacks.MapManaged gives, so rows for engines whose
// mapping another part of parity owns follow it.
func mapped(t *testing.T, engine, version string) string {
	t.Helper()
	img, err := stacks.MapManaged(engine, version)
	if err != nil {
		return ""
	}
	return img.Image
}

var _ = errors.Is
