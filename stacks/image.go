package stacks

import (
	"strconv"
	"strings"
	"sync"
)

// Image is an image reference taken apart. It is parsed by hand, following
// the grammar Docker uses, so that stacks stays free of Docker libraries.
type Image struct {
	// Registry is the registry host as written ("ghcr.io", "127.0.0.1:5959",
	// "localhost"); "" when the reference names none, which means Docker Hub.
	Registry string
	// Repo is the repository path. Docker Hub's "library/" namespace is
	// stripped, because "postgres" and "docker.io/library/postgres" name the
	// same image; on other registries the path is kept as written, since
	// there "library/postgres" and "postgres" are different repositories.
	Repo   string
	Tag    string // "" when none
	Digest string // "sha256:..." or ""
}

// ParseImage splits an image reference into its parts. It does not validate:
// a reference Docker would reject still comes back split as best it can be.
func ParseImage(ref string) Image {
	var img Image
	rest := strings.TrimSpace(ref)
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		rest, img.Digest = rest[:i], rest[i+1:]
	}
	// The first path component is a registry only if it looks like a host:
	// it has a dot or a port, is "localhost", or has upper case (repository
	// names are lower case). Otherwise "acme/app" would read as host "acme".
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		first := rest[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first {
			img.Registry, rest = first, rest[i+1:]
		}
	}
	// A tag's colon comes after the last slash; an earlier one is a port.
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && i > strings.LastIndexByte(rest, '/') {
		rest, img.Tag = rest[:i], rest[i+1:]
	}
	if img.DockerHub() {
		rest = strings.TrimPrefix(rest, "library/")
	}
	img.Repo = rest
	return img
}

// DockerHub reports whether the image comes from Docker Hub.
func (i Image) DockerHub() bool {
	switch i.Registry {
	case "", "docker.io", "index.docker.io", "registry-1.docker.io":
		return true
	}
	return false
}

// Pinned reports whether the reference names one version. A missing tag and
// "latest" move under the team's feet (and differ between a developer who
// pulled last year and one who pulled today) unless a digest fixes them.
func (i Image) Pinned() bool {
	if i.Digest != "" {
		return true
	}
	return i.Tag != "" && i.Tag != "latest"
}

// Major is the number the tag starts with ("15.4" and "15-alpine" give 15),
// or -1 when the tag does not start with a digit.
func (i Image) Major() int {
	return leadingInt(i.Tag)
}

// String reassembles the reference, without Docker Hub's "library/".
func (i Image) String() string {
	var b strings.Builder
	if i.Registry != "" {
		b.WriteString(i.Registry + "/")
	}
	b.WriteString(i.Repo)
	if i.Tag != "" {
		b.WriteString(":" + i.Tag)
	}
	if i.Digest != "" {
		b.WriteString("@" + i.Digest)
	}
	return b.String()
}

// MirrorRef rewrites a Docker Hub reference to pull through mirror (a
// registry host such as "127.0.0.1:5959", optionally with a scheme), e.g.
// "postgres:15" -> "127.0.0.1:5959/library/postgres:15". A pull-through
// mirror serves Docker Hub's paths, so official images need "library/" back.
// References to other registries, and an empty mirror, are returned as is.
func MirrorRef(ref, mirror string) string {
	mirror = strings.TrimPrefix(strings.TrimPrefix(mirror, "https://"), "http://")
	mirror = strings.TrimRight(mirror, "/")
	img := ParseImage(ref)
	if mirror == "" || img.Repo == "" || !img.DockerHub() {
		return ref
	}
	repo := img.Repo
	if !strings.Contains(repo, "/") {
		repo = "library/" + repo
	}
	return Image{Registry: mirror, Repo: repo, Tag: img.Tag, Digest: img.Digest}.String()
}

// leadingInt parses the decimal number s starts with, or returns -1.
func leadingInt(s string) int {
	n := 0
	for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 {
		return -1
	}
	v, err := strconv.Atoi(s[:n])
	if err != nil {
		return -1
	}
	return v
}

// repoIs reports whether the image's repository is name, allowing for
// mirrors and proxy caches: "postgres" also matches ".../library/postgres"
// on any registry (a mirror of Docker Hub, Harbor's proxy projects, ECR
// Public's "docker/library/"), and "bitnami/postgresql" also matches
// ".../bitnami/postgresql". A one-word name does not match "acme/postgres":
// a team's own image under that name may be anything.
func (i Image) repoIs(name string) bool {
	if i.Repo == name {
		return true
	}
	if strings.Contains(name, "/") {
		return strings.HasSuffix(i.Repo, "/"+name)
	}
	return i.Repo == "library/"+name || strings.HasSuffix(i.Repo, "/library/"+name)
}

// imageTable lists the repositories a kind matches, as repoIs reads them,
// each with the variant of the kind (a family, or whether it is Bitnami's
// packaging) that its images run. The first repository that matches wins.
type imageTable[V any] []imageRepo[V]

type imageRepo[V any] struct {
	repo    string
	variant V
}

// match returns the variant of the first repository in t that img is.
func (t imageTable[V]) match(img Image) (V, bool) {
	for _, known := range t {
		if img.repoIs(known.repo) {
			return known.variant, true
		}
	}
	var none V
	return none, false
}

// bitnamiPublishers are the Docker Hub namespaces Bitnami publishes under.
// Bitnami moved its versioned tags to bitnamilegacy in 2025 and keeps a few
// hardened "latest" images in bitnamisecure; all three are the same image.
var bitnamiPublishers = []string{"bitnami", "bitnamilegacy", "bitnamisecure"}

// bitnami is Bitnami's image name under each of its publishers, all of
// variant v: bitnami("redis", v) is bitnami/redis, bitnamilegacy/redis and
// bitnamisecure/redis.
func bitnami[V any](name string, v V) imageTable[V] {
	t := make(imageTable[V], 0, len(bitnamiPublishers))
	for _, p := range bitnamiPublishers {
		t = append(t, imageRepo[V]{p + "/" + name, v})
	}
	return t
}

// Namespace is the repository path without its last component, on the
// image's registry: "immich-app" for ghcr.io/immich-app/immich-server,
// "acme/team" for registry.gitlab.com/acme/team/web, "library" for Docker
// Hub's official images (postgres), "" for a one-component path elsewhere.
func (i Image) Namespace() string {
	if j := strings.LastIndexByte(i.Repo, '/'); j >= 0 {
		return i.Repo[:j]
	}
	if i.DockerHub() && i.Repo != "" {
		return "library"
	}
	return ""
}

// SameRegistry reports whether two images come from the same registry,
// Docker Hub's several names counting as one.
func (i Image) SameRegistry(o Image) bool {
	if i.DockerHub() || o.DockerHub() {
		return i.DockerHub() && o.DockerHub()
	}
	return strings.EqualFold(i.Registry, o.Registry)
}

// VendorNamespace reports whether the image comes from a namespace that
// publishes images for everyone: Docker Hub's official images (library/,
// mirrored paths included) and the namespaces of the backing-service
// images parity knows (bitnami, confluentinc, tensorchord, ...). Two
// images from such a namespace belong to no one project together.
func (i Image) VendorNamespace() bool {
	ns := i.Namespace()
	if ns == "library" || strings.HasSuffix(ns, "/library") {
		return true
	}
	return vendorNamespaces()[ns[strings.LastIndexByte(ns, '/')+1:]]
}

// vendorNamespaces are the namespaces of every kind's image table.
var vendorNamespaces = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, repos := range [][]string{
		postgresImages.repos(), redisImages.repos(), mysqlImages.repos(), mongoImages.repos(),
		rabbitmqImages.repos(), memcachedImages.repos(), kafkaImages.repos(), esImages.repos(),
		minioImages.repos(), {"nats"},
	} {
		for _, r := range repos {
			if j := strings.LastIndexByte(r, '/'); j >= 0 {
				out[r[:j]] = true
			}
		}
	}
	for _, p := range bitnamiPublishers {
		out[p] = true
	}
	return out
})

func (t imageTable[V]) repos() []string {
	out := make([]string, len(t))
	for i, r := range t {
		out[i] = r.repo
	}
	return out
}
