package stacks

import "testing"

// A password the committed manifest gives (or a variable the developer
// set) is what the app is written against: every kind keeps it, and
// generates one only where the value is missing.
func TestEveryKindKeepsProductionsPasswordAndGeneratesAMissingOne(t *testing.T) {
	tests := []struct {
		image string
		env   map[string]string
		cmd   []string
		key   string // the variable that carries the password, "" for a command
	}{
		{"postgres:16", map[string]string{"POSTGRES_PASSWORD": "paperless"}, nil, "POSTGRES_PASSWORD"},
		{"pgvector/pgvector:pg16", map[string]string{"POSTGRES_PASSWORD": "paperless"}, nil, "POSTGRES_PASSWORD"},
		{"bitnami/postgresql:16", map[string]string{"POSTGRESQL_PASSWORD": "paperless"}, nil, "POSTGRESQL_PASSWORD"},
		{"mysql:8.0", map[string]string{"MYSQL_USER": "app", "MYSQL_PASSWORD": "paperless", "MYSQL_ROOT_PASSWORD": "root-pw"}, nil, "MYSQL_PASSWORD"},
		{"mariadb:11", map[string]string{"MARIADB_USER": "app", "MARIADB_PASSWORD": "paperless"}, nil, "MARIADB_PASSWORD"},
		{"bitnami/mariadb:11", map[string]string{"MARIADB_USER": "app", "MARIADB_PASSWORD": "paperless"}, nil, "MARIADB_PASSWORD"},
		{"mongo:7", map[string]string{"MONGO_INITDB_ROOT_USERNAME": "root", "MONGO_INITDB_ROOT_PASSWORD": "paperless"}, nil, "MONGO_INITDB_ROOT_PASSWORD"},
		{"rabbitmq:3.13", map[string]string{"RABBITMQ_DEFAULT_USER": "shop", "RABBITMQ_DEFAULT_PASS": "paperless"}, nil, "RABBITMQ_DEFAULT_PASS"},
		{"bitnami/rabbitmq:3.13", map[string]string{"RABBITMQ_PASSWORD": "paperless"}, nil, "RABBITMQ_PASSWORD"},
		{"bitnami/memcached:1.6", map[string]string{"MEMCACHED_PASSWORD": "paperless"}, nil, "MEMCACHED_PASSWORD"},
		{"minio/minio:RELEASE.2024-01-01T00-00-00Z", map[string]string{"MINIO_ROOT_PASSWORD": "paperless"}, nil, "MINIO_ROOT_PASSWORD"},
		{"elasticsearch:8.13.0", map[string]string{"ELASTIC_PASSWORD": "paperless"}, nil, "ELASTIC_PASSWORD"},
		{"redis:7", nil, []string{"redis-server", "--requirepass", "paperless"}, ""},
		{"nats:2.10", nil, []string{"--user", "app", "--pass", "paperless"}, ""},
	}
	for _, tt := range tests {
		st := ForImage(tt.image)
		cfg := st.Configure(Service{Name: "svc", Image: tt.image, Env: tt.env, Command: tt.cmd}, secret)
		if cfg.Credentials.Password != "paperless" {
			t.Errorf("%s: password %q, want the manifest's %q", tt.image, cfg.Credentials.Password, "paperless")
		}
		if tt.key != "" && cfg.Env[tt.key] != "paperless" {
			t.Errorf("%s: %s = %q, want it kept", tt.image, tt.key, cfg.Env[tt.key])
		}

		// The same service with the value unset on this machine.
		env := cloneEnv(tt.env)
		cmd := cloneArgs(tt.cmd)
		for k, v := range env {
			if v == "paperless" {
				env[k] = ""
			}
		}
		for i, a := range cmd {
			if a == "paperless" {
				cmd[i] = ""
			}
		}
		cfg = st.Configure(Service{Name: "svc", Image: tt.image, Env: env, Command: cmd}, secret)
		if cfg.Credentials.Password != secret {
			t.Errorf("%s, value unset: password %q, want the generated %q", tt.image, cfg.Credentials.Password, secret)
		}
	}
}
