package docker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"
)

// Digest asks the registry, through the engine, which manifest digest ref's
// tag points at now (for a multi-platform image, the index's digest, which
// is what `docker pull` records). Nothing is pulled. Credentials for the
// registry are taken from the docker CLI's config.json when it holds them
// inline (`docker login` without a credential helper); public images need
// none. A tag or repository the registry does not have is ErrNotFound.
func (e *Engine) Digest(ctx context.Context, ref string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("resolve image %s: %w", ref, err)
	}
	auth := registryAuth(reference.Domain(named))
	di, err := e.cli.DistributionInspect(ctx, ref, client.DistributionInspectOptions{EncodedRegistryAuth: auth})
	if err != nil {
		if !client.IsErrConnectionFailed(err) && (cerrdefs.IsNotFound(err) || isMissingImage(err.Error())) {
			return "", missingImage(ref, err.Error())
		}
		return "", e.fail(err, "resolve image "+ref)
	}
	d := di.Descriptor.Digest.String()
	if d == "" {
		return "", fmt.Errorf("resolve image %s: the registry returned no digest", ref)
	}
	return d, nil
}

// registryAuth returns the X-Registry-Auth value for domain from the docker
// CLI's config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json):
// inline credentials (`docker login` without a helper), else the credential
// helper the config names for it (credHelpers, credsStore), run as the
// docker CLI runs it. "" asks anonymously, which public images need.
func registryAuth(domain string) string {
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".docker")
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return ""
	}
	var cfg struct {
		Auths map[string]struct {
			Auth          string `json:"auth"`
			IdentityToken string `json:"identitytoken"`
		} `json:"auths"`
		CredsStore  string            `json:"credsStore"`
		CredHelpers map[string]string `json:"credHelpers"`
	}
	if json.Unmarshal(data, &cfg) != nil {
		return ""
	}
	keys := []string{domain, "https://" + domain, "http://" + domain}
	if domain == "docker.io" {
		keys = []string{"https://index.docker.io/v1/", "index.docker.io", "docker.io"}
	}
	for _, k := range keys {
		a, ok := cfg.Auths[k]
		if !ok {
			continue
		}
		ac := registry.AuthConfig{ServerAddress: k, IdentityToken: a.IdentityToken}
		if raw, err := base64.StdEncoding.DecodeString(a.Auth); err == nil {
			ac.Username, ac.Password, _ = strings.Cut(string(raw), ":")
		}
		if ac.Username == "" && ac.IdentityToken == "" {
			continue
		}
		enc, err := authconfig.Encode(ac)
		if err != nil {
			return ""
		}
		return enc
	}
	helper := cfg.CredHelpers[domain]
	if helper == "" {
		helper = cfg.CredsStore
	}
	if helper == "" {
		return ""
	}
	server := keys[0]
	ac, ok := helperCredentials(helper, server)
	if !ok {
		return ""
	}
	enc, err := authconfig.Encode(ac)
	if err != nil {
		return ""
	}
	return enc
}

// helperCredentials runs `docker-credential-<helper> get` with the server
// on stdin, as the docker CLI does. Any failure (no helper installed, no
// credentials stored) means asking anonymously.
func helperCredentials(helper, server string) (registry.AuthConfig, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker-credential-"+helper, "get")
	cmd.Stdin = strings.NewReader(server)
	out, err := cmd.Output()
	if err != nil {
		return registry.AuthConfig{}, false
	}
	var c struct{ ServerURL, Username, Secret string }
	if json.Unmarshal(out, &c) != nil || c.Secret == "" {
		return registry.AuthConfig{}, false
	}
	ac := registry.AuthConfig{ServerAddress: server, Username: c.Username, Password: c.Secret}
	if c.Username == "<token>" { // the helpers' convention for identity tokens
		ac = registry.AuthConfig{ServerAddress: server, IdentityToken: c.Secret}
	}
	return ac, true
}

// Digest returns the digest AddRegistryImage gave ref; a ref never added is
// ErrNotFound, as a missing tag is.
func (f *Fake) Digest(ctx context.Context, ref string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Digest", ref); err != nil {
		return "", err
	}
	d, ok := f.registry[ref]
	if !ok {
		return "", missingImage(ref, "manifest unknown")
	}
	return d, nil
}
