package docker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"

	"github.com/parity-dev/parity/internal/testbed"
)

func TestFakeDigestAnswersForRegistryImagesOnly(t *testing.T) {
	f := NewFake()
	f.AddRegistryImage("127.0.0.1:5959/library/redis:7", "sha256:bbb")
	ctx := context.Background()
	if d, err := f.Digest(ctx, "127.0.0.1:5959/library/redis:7"); err != nil || d != "sha256:bbb" {
		t.Errorf("Digest = %q, %v", d, err)
	}
	if _, err := f.Digest(ctx, "127.0.0.1:5959/library/redis:8"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tag: %v, want ErrNotFound", err)
	}
	f.SetUnreachable(true)
	if _, err := f.Digest(ctx, "127.0.0.1:5959/library/redis:7"); !errors.Is(err, ErrUnreachable) {
		t.Errorf("engine down: %v, want ErrUnreachable", err)
	}
	if f.CallCount("Digest") != 3 {
		t.Errorf("%d Digest calls recorded", f.CallCount("Digest"))
	}
}

func TestRegistryAuthReadsInlineCredentialsOnly(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	cfg := `{"auths": {
		"registry.corp:5000": {"auth": "` + base64.StdEncoding.EncodeToString([]byte("ci:s3cret:with-colon")) + `"},
		"https://index.docker.io/v1/": {"auth": "` + base64.StdEncoding.EncodeToString([]byte("hubuser:hubpass")) + `"},
		"ghcr.io": {}
	}, "credsStore": "desktop"}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for domain, want := range map[string]string{"registry.corp:5000": "ci:s3cret:with-colon", "docker.io": "hubuser:hubpass", "ghcr.io": "", "quay.io": ""} {
		enc := registryAuth(domain)
		if want == "" {
			if enc != "" {
				t.Errorf("%s: auth %q, want none", domain, enc)
			}
			continue
		}
		ac, err := authconfig.Decode(enc)
		if err != nil {
			t.Fatalf("%s: %v", domain, err)
		}
		if ac.Username+":"+ac.Password != want {
			t.Errorf("%s: %s:%s, want %s", domain, ac.Username, ac.Password, want)
		}
	}
}

func TestDockerDigestResolvesATagInTheRegistryWithoutPulling(t *testing.T) {
	e := newEngine(t)
	reg := testbed.Registry(t)
	ctx := testCtx(t)
	ref := reg + "/library/redis:7"
	d, err := e.Digest(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
		t.Fatalf("digest %q", d)
	}
	// The registry's digest is the one the engine records for the image it pulls.
	ensureImage(t, ctx, e, ref)
	if local, err := e.ImageDigest(ctx, ref); err != nil || local != d {
		t.Errorf("local repo digest %q (%v), registry says %q", local, err, d)
	}
	if _, err := e.Digest(ctx, reg+"/library/redis:no-such-tag"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no-such-tag") {
		t.Errorf("missing tag: %v, want ErrNotFound naming the image", err)
	}
}

func TestRegistryAuthRunsTheConfiguredCredentialHelper(t *testing.T) {
	cfgDir, binDir := t.TempDir(), t.TempDir()
	t.Setenv("DOCKER_CONFIG", cfgDir)
	t.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(`{"credsStore":"partest","credHelpers":{"ghcr.io":"partoken"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	helper := func(name, answer string) {
		script := "#!/bin/sh\nread server\necho \"$server\" > " + filepath.Join(binDir, name+".asked") + "\necho '" + answer + "'\n"
		if err := os.WriteFile(filepath.Join(binDir, "docker-credential-"+name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	helper("partest", `{"ServerURL":"https://index.docker.io/v1/","Username":"dev","Secret":"s3cret"}`)
	helper("partoken", `{"ServerURL":"ghcr.io","Username":"<token>","Secret":"tok"}`)

	decode := func(enc string) registry.AuthConfig {
		t.Helper()
		var ac registry.AuthConfig
		raw, err := base64.URLEncoding.DecodeString(enc)
		if err != nil {
			t.Fatalf("decode %q: %v", enc, err)
		}
		if err := json.Unmarshal(raw, &ac); err != nil {
			t.Fatal(err)
		}
		return ac
	}
	if ac := decode(registryAuth("docker.io")); ac.Username != "dev" || ac.Password != "s3cret" {
		t.Errorf("docker.io auth %+v, want the credsStore helper's", ac)
	}
	if asked, _ := os.ReadFile(filepath.Join(binDir, "partest.asked")); strings.TrimSpace(string(asked)) != "https://index.docker.io/v1/" {
		t.Errorf("helper asked for %q, want Docker Hub's server key", asked)
	}
	if ac := decode(registryAuth("ghcr.io")); ac.IdentityToken != "tok" || ac.Username != "" {
		t.Errorf("ghcr.io auth %+v, want the credHelpers entry's identity token", ac)
	}
	os.Remove(filepath.Join(binDir, "docker-credential-partest"))
	if got := registryAuth("docker.io"); got != "" {
		t.Errorf("a missing helper gave %q, want anonymous", got)
	}
}
