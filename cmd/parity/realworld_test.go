package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestRealWorldImagesMapOntoTheTestBed(t *testing.T) {
	const reg = "127.0.0.1:5959"
	manifest := strings.Join([]string{
		"x-db: &db",
		"  image: postgres:16-alpine",
		"services:",
		"  broker:",
		"    image: docker.io/library/redis:8",
		"  cache:",
		"    image: docker.io/valkey/valkey:8-bookworm@sha256:a137a2b60aca1a75130022d6bb96af423fefae4eb55faf395732db3544803280",
		"  db:",
		`    image: "ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0@sha256:3232"`,
		"  vec:",
		"    image: pgvector/pgvector:pg16 # comment stays",
		"  my:",
		"    image: mysql:8.0",
		"  mq:",
		"    image: rabbitmq:3.8-management-alpine",
		"  pg:",
		"    image: postgres:${POSTGRES_IMAGE_TAG}",
		"  app:",
		"    image: ghcr.io/paperless-ngx/paperless-ngx:latest",
		"  # image: postgres:9",
	}, "\n")
	got, changes, aliases := mapImages(manifest, reg)
	want := strings.Join([]string{
		"x-db: &db",
		"  image: postgres:15-alpine",
		"services:",
		"  broker:",
		"    image: docker.io/library/redis:7",
		"  cache:",
		"    image: docker.io/valkey/valkey:7-bookworm",
		"  db:",
		`    image: "ghcr.io/immich-app/postgres:15-vectorchord0.4.3-pgvectors0.2.0"`,
		"  vec:",
		"    image: pgvector/pgvector:pg15 # comment stays",
		"  my:",
		"    image: mariadb:10.11",
		"  mq:",
		"    image: rabbitmq:3-management-alpine",
		"  pg:",
		"    image: postgres:15",
		"  app:",
		"    image: ghcr.io/paperless-ngx/paperless-ngx:latest",
		"  # image: postgres:9",
	}, "\n")
	if got != want {
		t.Errorf("mapped manifest:\n%s\nwant:\n%s", got, want)
	}
	if len(changes) != 8 {
		t.Errorf("%d changes, want 8: %q", len(changes), changes)
	}
	wantAliases := [][2]string{
		{reg + "/library/redis:7", reg + "/valkey/valkey:7-bookworm"},
		{reg + "/library/postgres:15", "ghcr.io/immich-app/postgres:15-vectorchord0.4.3-pgvectors0.2.0"},
		{reg + "/library/postgres:15", reg + "/pgvector/pgvector:pg15"},
	}
	if !reflect.DeepEqual(aliases, wantAliases) {
		t.Errorf("aliases %q, want %q", aliases, wantAliases)
	}
}

func TestRealWorldFailureReasonIsOneLine(t *testing.T) {
	for _, c := range []struct {
		stderr, want string
	}{
		{"parity: starting\nFAIL check 1 (postgres): connect: failed to connect to `user=x database=y`:\n\t127.0.0.1:5432 (localhost): tls error: server refused TLS connection\n\t127.0.0.1:5432 (localhost): server error: FATAL: password authentication failed (SQLSTATE 28P01)\n    used: host=localhost [DB_HOST unset, default]\n",
			"appcheck check 1 (postgres): connect: failed to connect to `user=x database=y`: 127.0.0.1:5432 (localhost): server error: FATAL: password authentication failed (SQLSTATE 28P01)"},
		{"FAIL check 2 (redis): SET: WRONGPASS invalid\n    used: host=localhost\n", "appcheck check 2 (redis): SET: WRONGPASS invalid"},
		{"parity: warning: x\nparity: manifest compose.yml: services.db: bad\n", "parity: manifest compose.yml: services.db: bad"},
		{"parity: warning: x\n", "exit 1: parity: warning: x"},
	} {
		if got := failureReason(result{stderr: c.stderr, code: 1}); got != c.want {
			t.Errorf("failureReason(%q) = %q, want %q", c.stderr, got, c.want)
		}
	}
}
