package stacks

import "testing"

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseImage(t *testing.T) {
	tests := []struct {
		ref    string
		want   Image
		pinned bool
		major  int
	}{
		{"postgres:15.4", Image{Repo: "postgres", Tag: "15.4"}, true, 15},
		{"docker.io/library/postgres:15", Image{Registry: "docker.io", Repo: "postgres", Tag: "15"}, true, 15},
		{"index.docker.io/library/redis:7", Image{Registry: "index.docker.io", Repo: "redis", Tag: "7"}, true, 7},
		{"127.0.0.1:5959/library/postgres:15-alpine", Image{Registry: "127.0.0.1:5959", Repo: "library/postgres", Tag: "15-alpine"}, true, 15},
		{"ghcr.io/acme/pg:1", Image{Registry: "ghcr.io", Repo: "acme/pg", Tag: "1"}, true, 1},
		{"postgres@" + testDigest, Image{Repo: "postgres", Digest: testDigest}, true, -1},
		{"postgres:15@" + testDigest, Image{Repo: "postgres", Tag: "15", Digest: testDigest}, true, 15},
		{"localhost/foo", Image{Registry: "localhost", Repo: "foo"}, false, -1},
		{"localhost:5000/foo/bar:2.1", Image{Registry: "localhost:5000", Repo: "foo/bar", Tag: "2.1"}, true, 2},
		{"postgres", Image{Repo: "postgres"}, false, -1},
		{"postgres:latest", Image{Repo: "postgres", Tag: "latest"}, false, -1},
		{"postgres:latest@" + testDigest, Image{Repo: "postgres", Tag: "latest", Digest: testDigest}, true, -1},
		{"bitnami/postgresql:16.2.0-debian-12-r5", Image{Repo: "bitnami/postgresql", Tag: "16.2.0-debian-12-r5"}, true, 16},
		{"pgvector/pgvector:pg16", Image{Repo: "pgvector/pgvector", Tag: "pg16"}, true, -1},
		// "library" is only Docker Hub's; a one-word first component is a namespace, not a host.
		{"acme/library/postgres:1", Image{Repo: "acme/library/postgres", Tag: "1"}, true, 1},
		{"public.ecr.aws/docker/library/postgres:16", Image{Registry: "public.ecr.aws", Repo: "docker/library/postgres", Tag: "16"}, true, 16},
		{"Registry/app:1", Image{Registry: "Registry", Repo: "app", Tag: "1"}, true, 1},
		{"[::1]:5000/redis:7.2", Image{Registry: "[::1]:5000", Repo: "redis", Tag: "7.2"}, true, 7},
		{"  redis:7  ", Image{Repo: "redis", Tag: "7"}, true, 7},
		{"", Image{}, false, -1},
	}
	for _, tt := range tests {
		got := ParseImage(tt.ref)
		if got != tt.want {
			t.Errorf("ParseImage(%q) = %+v, want %+v", tt.ref, got, tt.want)
		}
		if got.Pinned() != tt.pinned {
			t.Errorf("ParseImage(%q).Pinned() = %v, want %v", tt.ref, got.Pinned(), tt.pinned)
		}
		if got.Major() != tt.major {
			t.Errorf("ParseImage(%q).Major() = %d, want %d", tt.ref, got.Major(), tt.major)
		}
	}
}

func TestMirrorRef(t *testing.T) {
	const mirror = "127.0.0.1:5959"
	tests := []struct{ ref, mirror, want string }{
		{"postgres:15", mirror, "127.0.0.1:5959/library/postgres:15"},
		{"docker.io/library/postgres:15", mirror, "127.0.0.1:5959/library/postgres:15"},
		{"docker.io/redis:7", mirror, "127.0.0.1:5959/library/redis:7"},
		{"bitnami/postgresql:16", mirror, "127.0.0.1:5959/bitnami/postgresql:16"},
		{"postgres", mirror, "127.0.0.1:5959/library/postgres"},
		{"postgres:15@" + testDigest, mirror, "127.0.0.1:5959/library/postgres:15@" + testDigest},
		{"postgres@" + testDigest, mirror, "127.0.0.1:5959/library/postgres@" + testDigest},
		{"postgres:15", "http://127.0.0.1:5959/", "127.0.0.1:5959/library/postgres:15"},
		// Not Docker Hub: untouched.
		{"ghcr.io/acme/pg:1", mirror, "ghcr.io/acme/pg:1"},
		{"localhost/foo", mirror, "localhost/foo"},
		{"127.0.0.1:5959/library/postgres:15", mirror, "127.0.0.1:5959/library/postgres:15"},
		{"public.ecr.aws/docker/library/postgres:16", mirror, "public.ecr.aws/docker/library/postgres:16"},
		// No mirror: untouched.
		{"postgres:15", "", "postgres:15"},
	}
	for _, tt := range tests {
		if got := MirrorRef(tt.ref, tt.mirror); got != tt.want {
			t.Errorf("MirrorRef(%q, %q) = %q, want %q", tt.ref, tt.mirror, got, tt.want)
		}
	}
}

func TestNamespaceAndVendors(t *testing.T) {
	tests := []struct {
		ref, ns string
		vendor  bool
	}{
		{"ghcr.io/immich-app/immich-server:v1.132.3", "immich-app", false},
		{"ghcr.io/immich-app/immich-machine-learning:v1.132.3-cuda", "immich-app", false},
		{"acme/web:1", "acme", false},
		{"registry.gitlab.com/acme/team/web:1", "acme/team", false},
		{"postgres:16", "library", true},
		{"docker.io/library/node:20", "library", true},
		{"127.0.0.1:5959/library/redis:7", "library", true},
		{"bitnami/postgresql:16", "bitnami", true},
		{"bitnamilegacy/redis:7", "bitnamilegacy", true},
		{"harbor.acme.io/proxy/bitnami/kafka:3", "proxy/bitnami", true},
		{"confluentinc/cp-zookeeper:7.6.0", "confluentinc", true},
		{"tensorchord/pgvecto-rs:pg14-v0.2.0", "tensorchord", true},
		{"ghcr.io/app:1", "", false},
	}
	for _, tt := range tests {
		img := ParseImage(tt.ref)
		if got := img.Namespace(); got != tt.ns {
			t.Errorf("Namespace(%q) = %q, want %q", tt.ref, got, tt.ns)
		}
		if got := img.VendorNamespace(); got != tt.vendor {
			t.Errorf("VendorNamespace(%q) = %v, want %v", tt.ref, got, tt.vendor)
		}
	}
	same := [][2]string{{"acme/web", "docker.io/acme/worker"}, {"ghcr.io/a/b", "GHCR.io/a/c"}}
	for _, p := range same {
		if !ParseImage(p[0]).SameRegistry(ParseImage(p[1])) {
			t.Errorf("%s and %s: not the same registry", p[0], p[1])
		}
	}
	if ParseImage("acme/web").SameRegistry(ParseImage("ghcr.io/acme/web")) {
		t.Error("Docker Hub and ghcr.io are the same registry")
	}
}
