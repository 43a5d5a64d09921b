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
	case want.managed != nil:
		// The note is stacks.MapManaged's (tested there); a wanted note
		// must be in it.
		got := *s.Managed
		if got.Note != "" && (want.managed.Note == "" || strings.Contains(got.Note, want.managed.Note)) {
			got.Note = want.managed.Note
		}
		if got != *want.managed {
			t.Errorf("%s: Managed = %+v, want %+v", s.Name, *s.Managed, *want.managed)
		}
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

func TestLoadCountForEachAndModules(t *testing.T) {
	pg := func(version, db, password string) wantService {
		return wantService{
			image:   "postgres:" + version,
			env:     map[string]string{"POSTGRES_USER": "app", "POSTGRES_PASSWORD": password, "POSTGRES_DB": db},
			managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres", Version: version},
		}
	}
	memcached := wantService{image: "memcached:1.6.22", managed: &manifest.Managed{Provider: "aws_elasticache_cluster", Engine: "memcached", Version: "1.6.22"}}
	runCases(t, []loadCase{{
		name: "count = 0 is absent, count = 2 and for_each make named instances",
		dir:  "count-foreach",
		services: map[string]wantService{
			"tenant_eu": pg("15.4", "tenant_eu", "${RANDOM_PASSWORD_TENANT_EU}"),
			"tenant_us": pg("16.2", "tenant_us", "${RANDOM_PASSWORD_TENANT_US}"),
			"shard_0":   memcached,
			"shard_1":   memcached,
			"api": {
				app:   true,
				image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:3",
				env: map[string]string{
					"EU_DATABASE_URL": "postgres://app:${RANDOM_PASSWORD_TENANT_EU}@tenant_eu:5432/tenant_eu",
					"US_DB_HOST":      "tenant_us",
					"MEMCACHED":       "shard_0:11211,shard_1:11211",
					"TENANTS":         "eu,us",
					"LEGACY_COUNT":    "0",
				},
			},
		},
		unset: []string{"RANDOM_PASSWORD_TENANT_EU", "RANDOM_PASSWORD_TENANT_US"},
		quiet: true,
	}, {
		name: "a local module is followed with its inputs; a module with count = 0 is not",
		dir:  "module",
		services: map[string]wantService{
			"db": {
				image:   "postgres:16.3",
				env:     map[string]string{"POSTGRES_USER": "orders_owner", "POSTGRES_PASSWORD": "${RANDOM_PASSWORD_DB}", "POSTGRES_DB": "orders"},
				managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres", Version: "16.3"},
				origin:  "module/modules/db/main.tf:25",
			},
			"orders-api": {
				app:   true,
				image: "ghcr.io/example/orders:2.4.0",
				env: map[string]string{
					"DATABASE_URL": "postgres://orders_owner:${RANDOM_PASSWORD_DB}@db:5432/orders",
					"PGHOST":       "db",
					"PGPASSWORD":   "${PGPASSWORD}",
					"FEATURE_A":    "on",
					"FEATURE_B":    "off",
				},
				origin: "module/main.tf:22",
			},
		},
		unset: []string{"PGPASSWORD", "RANDOM_PASSWORD_DB"},
		quiet: true,
	}})
}

func TestLoadVariablePrecedence(t *testing.T) {
	db := func(version string) wantService {
		return wantService{image: "postgres:" + version, managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres", Version: version}}
	}
	environ := map[string]string{"TF_VAR_a": "env", "TF_VAR_b": "env", "TF_VAR_tags": `{ team = "core" }`, "TF_VAR_undeclared": "x"}
	runCases(t, []loadCase{{
		// Terraform's order: default < TF_VAR_ < terraform.tfvars < *.auto.tfvars (lexical) < -var-file.
		name:     "defaults, TF_VAR_, terraform.tfvars, auto.tfvars, var-file",
		dir:      "tfvars",
		environ:  environ,
		varFiles: []string{"prod.tfvars"},
		services: map[string]wantService{
			"db": db("16.1"),
			"job": {app: true, env: map[string]string{
				"A": "env", "B": "tfvars", "C": "auto-a", "D": "auto-b", "E": "var-file", "F": "default", "TEAM": "core",
			}},
		},
		quiet: true,
	}, {
		name:     "a later var-file wins",
		dir:      "tfvars",
		varFiles: []string{"prod.tfvars", "second.tfvars"},
		services: map[string]wantService{
			"db": db("16.4"),
			"job": {app: true, env: map[string]string{
				"A": "default", "B": "tfvars", "C": "auto-a", "D": "auto-b", "E": "second var-file", "F": "default", "TEAM": "none",
			}},
		},
		quiet: true,
	}})
}

func TestLoadProviders(t *testing.T) {
	services := map[string]wantService{
		"orders": {
			image:   "mysql:8.0",
			env:     map[string]string{"MYSQL_USER": "admin", "MYSQL_PASSWORD": "${TF_VAR_orders_password}", "MYSQL_ROOT_PASSWORD": "${TF_VAR_orders_password}", "MYSQL_DATABASE": "orders"},
			managed: &manifest.Managed{Provider: "aws_rds_cluster", Engine: "aurora-mysql", Version: "8.0.mysql_aurora.3.05.2"},
			origin:  "rows/aws.tf:1",
		},
		"ledger": {
			image:   "postgres:15.4",
			env:     map[string]string{"POSTGRES_USER": "ledger", "POSTGRES_PASSWORD": "${LEDGER_MASTER_PASSWORD}", "POSTGRES_DB": "ledger"},
			managed: &manifest.Managed{Provider: "aws_rds_cluster", Engine: "aurora-postgresql", Version: "15.4"},
		},
		"legacy": {
			image:   "mariadb:10.11.6",
			env:     map[string]string{"MARIADB_USER": "legacy", "MARIADB_PASSWORD": "committed-in-the-repo", "MARIADB_ROOT_PASSWORD": "committed-in-the-repo", "MARIADB_DATABASE": "legacy"},
			managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "mariadb", Version: "10.11.6"},
		},
		"reports": {
			image:   "postgres:15",
			env:     map[string]string{"POSTGRES_USER": "reports"},
			managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres", Note: `version from the parameter group family "postgres15" (rows/aws.tf:35)`},
		},
		"events": {
			image:   "rabbitmq:3.13",
			env:     map[string]string{"RABBITMQ_DEFAULT_USER": "events", "RABBITMQ_DEFAULT_PASS": "${RANDOM_PASSWORD_MQ}"},
			managed: &manifest.Managed{Provider: "aws_mq_broker", Engine: "RabbitMQ", Version: "3.13"},
		},
		"sessions": {
			image:   "valkey/valkey:8",
			managed: &manifest.Managed{Provider: "aws_elasticache_serverless_cache", Engine: "valkey", Version: "8"},
		},
		"memstore": {
			image:   "redis:7.0",
			command: []string{"redis-server", "--requirepass", "${MEMORYSTORE_AUTH_MEMSTORE}"},
			managed: &manifest.Managed{Provider: "google_redis_instance", Engine: "redis", Version: "REDIS_7_0"},
		},
		"azure-postgres-billing": {
			image:   "postgres:16",
			env:     map[string]string{"POSTGRES_USER": "billing", "POSTGRES_PASSWORD": "${RANDOM_PASSWORD_AZURE}", "POSTGRES_DB": "billing"},
			managed: &manifest.Managed{Provider: "azurerm_postgresql_flexible_server", Engine: "postgres", Version: "16"},
			origin:  "rows/azure.tf.json:4",
		},
		"azure-redis-billing": {
			image:   "redis:6",
			command: []string{"redis-server", "--requirepass", "${AZURE_REDIS_KEY_BILLING}"},
			managed: &manifest.Managed{Provider: "azurerm_redis_cache", Engine: "redis", Version: "6"},
		},
		"pg": {
			image:   "postgres:15",
			env:     map[string]string{"POSTGRES_USER": "doadmin", "POSTGRES_PASSWORD": "${DO_DATABASE_PASSWORD_PG}", "POSTGRES_DB": "defaultdb"},
			managed: &manifest.Managed{Provider: "digitalocean_database_cluster", Engine: "pg", Version: "15"},
		},
		"kv": {
			image:   "valkey/valkey:8",
			command: []string{"redis-server", "--requirepass", "${DO_DATABASE_PASSWORD_KV}"},
			managed: &manifest.Managed{Provider: "digitalocean_database_cluster", Engine: "valkey", Version: "8"},
		},
		"web": {
			app:   true,
			image: "europe-docker.pkg.dev/p/web/web:1.0",
			env: map[string]string{
				"DB_HOST": "main", "DB_PASS": "${RANDOM_PASSWORD_SQL}", "REDIS_ADDR": "memstore:6379",
				"REDIS_AUTH": "${MEMORYSTORE_AUTH_MEMSTORE}", "API_KEY": "${API_KEY}",
			},
		},
	}
	var warnings []string
	// Engines whose upstream image stacks.MapManaged owns: each row is run
	// when it maps, and a warning naming the resource when it does not.
	for _, row := range []struct {
		name, engine, version, where string
		svc                          wantService
	}{
		{"search", "opensearch", "2.11", "rows/aws.tf:55", wantService{managed: &manifest.Managed{Provider: "aws_opensearch_domain", Engine: "OpenSearch", Version: "2.11"}}},
		{"stream", "kafka", "3.5.1", "rows/aws.tf:60", wantService{managed: &manifest.Managed{Provider: "aws_msk_cluster", Engine: "kafka", Version: "3.5.1"}}},
		{"docs", "docdb", "5.0.0", "rows/aws.tf:66", wantService{
			env:     map[string]string{"MONGO_INITDB_ROOT_USERNAME": "docs", "MONGO_INITDB_ROOT_PASSWORD": "${RANDOM_PASSWORD_MQ}"},
			managed: &manifest.Managed{Provider: "aws_docdb_cluster", Engine: "docdb", Version: "5.0.0"},
		}},
		{"main", "", "POSTGRES_15", "rows/gcp.tf:1", wantService{
			env:     map[string]string{"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "${RANDOM_PASSWORD_SQL}", "POSTGRES_DB": "app"},
			managed: &manifest.Managed{Provider: "google_sql_database_instance", Engine: "POSTGRES_15"},
		}},
	} {
		if img := mapped(t, row.engine, row.version); img != "" {
			row.svc.image = img
			services[row.name] = row.svc
			continue
		}
		warnings = append(warnings, row.where+": "+row.svc.managed.Provider+"."+row.name+": managed engine")
	}
	runCases(t, []loadCase{{
		name:     "aurora, mariadb, parameter group family, mq, serverless valkey, cloud sql, memorystore, azure (.tf.json), digitalocean",
		dir:      "rows",
		services: services,
		warnings: warnings,
		quiet:    true,
	}})
}

func TestLoadWarnings(t *testing.T) {
	runCases(t, []loadCase{{
		name: "remote module, unevaluable expressions, unsupported types",
		dir:  "warnings",
		services: map[string]wantService{
			"main": {
				image:   mapped(t, "postgres", ""),
				env:     map[string]string{"POSTGRES_USER": "shop", "POSTGRES_PASSWORD": "${SECRET_DB}"},
				managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres"},
			},
			"cache": {
				image:   mapped(t, "redis", "7.1"),
				managed: &manifest.Managed{Provider: "aws_elasticache_replication_group", Engine: "redis", Version: "7.1", Note: noteOf(t, "redis", "7.1")},
			},
			"api": {app: true, env: map[string]string{"DB_USER": "shop"}},
		},
		unset: []string{"SECRET_DB"},
		warnings: []string{
			`warnings/main.tf:1: module "vpc" comes from terraform-aws-modules/vpc/aws, which parity does not download`,
			`warnings/main.tf:13:44: invalid function argument: Invalid value for "key" parameter: the map has no key "postgres" and no default is given; parity runs the newest image of postgres`,
			`warnings/main.tf:18: count of aws_elasticache_replication_group.cache cannot be evaluated without applying; read as 1 instance`,
			`warnings/main.tf:35: aws_db_instance.reporting: managed engine "sqlserver-ex"`,
			`warnings/main.tf:40: SUBNETS of aws_lambda_function.api cannot be evaluated without applying`,
			`parity does not run these resource types, so they have no local service: aws_dynamodb_table (warnings/main.tf:27), aws_sqs_queue (warnings/main.tf:31)`,
		},
		quiet: true,
	}})
}

func noteOf(t *testing.T, engine, version string) string {
	t.Helper()
	img, _ := stacks.MapManaged(engine, version)
	return img.Note
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, dir string
		varFiles  []string
		want      string
	}{
		{"hcl syntax error", "syntax", nil, "syntax/main.tf:3:20: invalid expression: Expected the start of an expression"},
		{"json syntax error", "json-syntax", nil, "json-syntax/main.tf.json:1:64: trailing comma in object"},
		{"no backing service", "none", nil, "no backing service found in none: parity reads aws_db_instance, aws_docdb_cluster,"},
		{"no backing service, saying which resources parity does not run", "none", nil, "while reading it:\n  parity does not run these resource types, so they have no local service: aws_s3_bucket (none/main.tf:1)"},
		{"no backing service, saying which module was not read", "none-remote", nil, `while reading it:
  none-remote/main.tf:3: module "db" comes from terraform-aws-modules/rds/aws, which parity does not download`},
		{"missing var-file", "tfvars", []string{"missing.tfvars"}, "terraform variable file missing.tfvars does not exist"},
		{"tfvars syntax error", "tfvars", []string{"bad.tfvars"}, "bad.tfvars:1:5: invalid expression"},
		{"tfvars reference", "tfvars", []string{"reference.tfvars"}, "reference.tfvars:1:5: variables not allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.dir, nil, tc.varFiles)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load error = %v, want one containing %q", err, tc.want)
			}
			if strings.HasPrefix(tc.dir, "none") && !errors.Is(err, ErrNoBackingService) {
				t.Errorf("error %v is not ErrNoBackingService", err)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for path, want := range map[string]bool{
		"testdata/rows":                    true,
		"testdata/rows/aws.tf":             true,
		"testdata/rows/azure.tf.json":      true,
		"testdata/module/modules":          false, // holds a module directory, no .tf file of its own
		"testdata/prod.tfvars":             false,
		"testdata/does-not-exist":          false,
		"testdata/tfvars/terraform.tfvars": false,
	} {
		if got := Detect(path); got != want {
			t.Errorf("Detect(%s) = %v, want %v", path, got, want)
		}
	}
}

func TestLoadContainerDefinitions(t *testing.T) {
	runCases(t, []loadCase{{
		name: "data template_file rendered with vars only known after apply, data aws_db_instance of the managed one",
		dir:  "template-file",
		services: map[string]wantService{
			"mysql": {
				image: "mysql:8.0.32",
				env: map[string]string{"MYSQL_USER": "app", "MYSQL_PASSWORD": "${TF_VAR_rds_password}",
					"MYSQL_ROOT_PASSWORD": "${TF_VAR_rds_password}", "MYSQL_DATABASE": "app"},
				managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "mysql", Version: "8.0.32"},
			},
			"web": {app: true, env: map[string]string{
				"MYSQL_HOST": "mysql", "MYSQL_PORT": "3306", "MYSQL_PASSWORD": "${TF_VAR_rds_password}",
			}},
		},
		unset:    []string{"TF_VAR_rds_password"},
		warnings: []string{"template-file/main.tf:44: AWS_S3_ACCESS_KEY_ID of aws_ecs_task_definition.task_definition cannot be evaluated without applying"},
		quiet:    true,
	}, {
		name: "JSON heredoc, templatefile, ECS secrets from a managed master password and a Secrets Manager version",
		dir:  "heredoc",
		services: map[string]wantService{
			"pg": {
				image:   "postgres:16.2",
				env:     map[string]string{"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "${PG_MASTER_PASSWORD}", "POSTGRES_DB": "app"},
				managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres", Version: "16.2"},
			},
			"api": {
				app:   true,
				image: "example/api:7",
				env: map[string]string{
					"PGHOST": "pg", "PGPORT": "5432", "PGUSER": "app", "WORKERS": "4",
					"PGPASSWORD": "${PG_MASTER_PASSWORD}",  // the same part as the database's password
					"API_TOKEN":  "${RANDOM_PASSWORD_API}", // the token key of the secret's JSON
				},
				origin: "heredoc/main.tf:22",
			},
			"cron": {app: true, image: "example/cron:7", env: map[string]string{"DATABASE_HOST": "pg"}},
		},
		unset: []string{"PG_MASTER_PASSWORD", "RANDOM_PASSWORD_API"},
		quiet: true,
	}})
}

// Excerpts of real modules (see the headers of the fixtures' files).
func TestLoadRealWorld(t *testing.T) {
	pg := wantService{
		image:   "postgres:11.10",
		env:     map[string]string{"POSTGRES_USER": "complete_postgresql", "POSTGRES_DB": "completePostgresql"},
		managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres", Version: "11.10"},
		origin:  "real-rds/modules/db_instance/main.tf:36",
	}
	runCases(t, []loadCase{{
		name: "terraform-aws-rds complete-postgres: count switches, the create = false module, a remote vpc module",
		dir:  "real-rds",
		services: map[string]wantService{
			"db":         pg, // the module's "this" takes the module's name
			"db_default": pg,
		},
		warnings: []string{`real-rds/main.tf:20: module "vpc" comes from terraform-aws-modules/vpc/aws`},
		quiet:    true,
	}, {
		name: "terraform-aws-elasticache: a replication group and a memcached cluster from one module",
		dir:  "real-elasticache",
		services: map[string]wantService{
			"elasticache": {
				image:   mapped(t, "redis", "7.1"),
				command: []string{"redis-server", "--requirepass", "${RANDOM_PASSWORD_REDIS}"},
				managed: &manifest.Managed{Provider: "aws_elasticache_replication_group", Engine: "redis", Version: "7.1", Note: noteOf(t, "redis", "7.1")},
				origin:  "real-elasticache/module/main.tf:62",
			},
			"memcached": {
				image:   "memcached:1.6.17",
				managed: &manifest.Managed{Provider: "aws_elasticache_cluster", Engine: "memcached", Version: "1.6.17"},
				origin:  "real-elasticache/module/main.tf:17",
			},
			"worker": {app: true, env: map[string]string{
				"REDIS_HOST": "elasticache", "REDIS_PASSWORD": "${RANDOM_PASSWORD_REDIS}", "MEMCACHED": "memcached",
			}},
		},
		unset: []string{"RANDOM_PASSWORD_REDIS"},
		quiet: true,
	}, {
		name: "terraform-aws-rds blue-green: the module's own db_instance call inside it, write-only passwords",
		dir:  "real-rds-nested",
		services: map[string]wantService{
			// Named after the root's module blocks, not the inner "db_instance" call.
			"postgres": {
				image: "postgres:17.6",
				env: map[string]string{"POSTGRES_USER": "blue_green_example_postgresql", "POSTGRES_DB": "blueGreenExamplePostgresql",
					"POSTGRES_PASSWORD": "UberSecretPassword"},
				managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres", Version: "17.6"},
				origin:  "real-rds-nested/rds/modules/db_instance/main.tf:55",
			},
			"mysql": {
				image: "mysql:8.0.43",
				env: map[string]string{"MYSQL_USER": "blue_green_example_mysql", "MYSQL_DATABASE": "blueGreenExampleMysql",
					"MYSQL_PASSWORD": "${RANDOM_PASSWORD_MYSQL}", "MYSQL_ROOT_PASSWORD": "${RANDOM_PASSWORD_MYSQL}"},
				managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "mysql", Version: "8.0.43"},
			},
		},
		unset: []string{"RANDOM_PASSWORD_MYSQL"},
		quiet: true,
	}, {
		// The containers come through the module's optional(bool, true)
		// filter, its length(merge(...)) of objects, and jsonencode of a for;
		// the FireLens log router is not the app.
		name: "terraform-aws-ecs fargate: container definitions through the service and container-definition modules",
		dir:  "real-ecs-module",
		services: map[string]wantService{
			"db": {
				image:   "postgres:16.3",
				env:     map[string]string{"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "${DB_MASTER_PASSWORD}"},
				managed: &manifest.Managed{Provider: "aws_db_instance", Engine: "postgres", Version: "16.3"},
			},
			"ecsdemo-frontend": {app: true, image: "public.ecr.aws/aws-containers/ecsdemo-frontend:776fd50",
				env:    map[string]string{"DB_HOST": "db", "DB_PASSWORD": "${DB_MASTER_PASSWORD}"},
				origin: "real-ecs-module/modules/service/main.tf:78"},
		},
		unset: []string{"DB_MASTER_PASSWORD"},
		quiet: true,
	}, {
		// The database names its server by a name only known after apply.
		name: "Azure/terraform-azurerm-postgresql: a single server and its database",
		dir:  "real-azure-single",
		services: map[string]wantService{
			"server": {
				image:   "postgres:11",
				env:     map[string]string{"POSTGRES_USER": "login", "POSTGRES_PASSWORD": "${RANDOM_PASSWORD_PASSWORD}", "POSTGRES_DB": "app"},
				managed: &manifest.Managed{Provider: "azurerm_postgresql_server", Engine: "postgres", Version: "11"},
				origin:  "real-azure-single/module/main.tf:26",
			},
		},
		unset: []string{"RANDOM_PASSWORD_PASSWORD"},
		quiet: true,
	}, {
		name:    "terraform-google-sql-db postgresql: database_version set",
		dir:     "real-cloudsql-module",
		environ: map[string]string{"TF_VAR_database_version": "POSTGRES_15", "TF_VAR_name": "main"},
		services: map[string]wantService{"default": {
			image:   mapped(t, "", "POSTGRES_15"),
			env:     map[string]string{"POSTGRES_USER": "default", "POSTGRES_PASSWORD": "${RANDOM_PASSWORD_USER_PASSWORD}", "POSTGRES_DB": "default"},
			managed: &manifest.Managed{Provider: "google_sql_database_instance", Engine: "POSTGRES_15", Note: noteOf(t, "", "POSTGRES_15")},
		}},
		quiet: true,
	}, {
		// substr and replace cut the variable's token apart; neither it nor
		// its pieces may reach the version or a message.
		name:    "terraform-google-sql-db postgresql: database_version unset",
		dir:     "real-cloudsql-module",
		environ: map[string]string{"TF_VAR_name": "main"},
		services: map[string]wantService{"default": {
			image:   mapped(t, "postgres", ""),
			env:     map[string]string{"POSTGRES_USER": "default", "POSTGRES_PASSWORD": "${RANDOM_PASSWORD_USER_PASSWORD}", "POSTGRES_DB": "default"},
			managed: &manifest.Managed{Provider: "google_sql_database_instance", Engine: "POSTGRES", Note: noteOf(t, "postgres", "")},
		}},
		warnings: []string{`real-cloudsql-module/main.tf:34: the version of google_sql_database_instance.default is TF_VAR_database_version, which nothing sets here`},
		quiet:    true,
	}})
}

// The runnable example the end-to-end tests start: exactly these tags,
// and the app's URLs naming the services.
func TestLoadExample(t *testing.T) {
	root, err := filepath.Abs("../../../examples/terraform")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(context.Background(), manifest.SourceOptions{Path: filepath.Join(root, "infra"), WorkingDir: root})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range p.Services {
		got[s.Name] = s.Image + " " + s.Origin
		for k, v := range s.Environment {
			got[s.Name+"."+k] = render(v)
		}
	}
	want := map[string]string{
		"main":                   "postgres:15.4 infra/rds.tf:6",
		"main.POSTGRES_USER":     "shop",
		"main.POSTGRES_PASSWORD": "${RANDOM_PASSWORD_DB}",
		"main.POSTGRES_DB":       "shop",
		"cache":                  "redis:7.0 infra/redis.tf:1",
		"shop":                   "ghcr.io/example/shop:latest infra/ecs.tf:1",
		"shop.PORT":              "8080",
		"shop.DATABASE_URL":      "postgres://shop:${RANDOM_PASSWORD_DB}@main:5432/shop",
		"shop.REDIS_URL":         "redis://cache:6379/0",
	}
	if !maps.Equal(got, want) {
		t.Errorf("example =\n  %v\nwant\n  %v", got, want)
	}
	if len(p.Warnings) != 0 || !slices.Equal(p.Unset, []string{"RANDOM_PASSWORD_DB"}) {
		t.Errorf("warnings %q, unset %v", p.Warnings, p.Unset)
	}
}
