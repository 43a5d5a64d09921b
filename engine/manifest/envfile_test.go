package manifest

import (
	"context"
	"strings"
	"testing"
)

func TestAnEnvFileThatExistsOnlyOnTheServersDoesNotStopLoading(t *testing.T) {
	p, err := Load(context.Background(), LoadOptions{WorkingDir: "testdata/missing-envfile", Environ: map[string]string{}})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	web := p.Service("web")
	if shown(web.Environment["FEATURE_FLAGS"]) != "on" || shown(web.Environment["LOG_LEVEL"]) != "info" {
		t.Errorf("web environment %v, want the existing env file's and the manifest's variables", web.Environment)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], ".env.production") || !strings.Contains(p.Warnings[0], "web") {
		t.Errorf("warnings %q, want one naming web's missing .env.production", p.Warnings)
	}
}
