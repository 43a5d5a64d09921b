package paas

import (
	"os"

	"github.com/parity-dev/parity/engine/manifest"
	"path/filepath"
	"slices"
	"testing"
)

// fuzzLoad loads data as the spec file name and checks what a loaded
// project promises: services in name order with unique names, each
// backing service with an image, every one with an origin, Unset sorted.
func fuzzLoad(f *testing.F, name string, seeds ...string) {
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := fromData(filepath.Join("/work", name), data, manifest.SourceOptions{WorkingDir: "/work"})
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for i, s := range p.Services {
			if seen[s.Name] || (i > 0 && p.Services[i-1].Name > s.Name) {
				t.Fatalf("services not unique and sorted: %v", names(p))
			}
			seen[s.Name] = true
			if s.Origin == "" || (!s.App && s.Image == "") {
				t.Fatalf("service %+v has no origin or image", s)
			}
		}
		if !slices.IsSorted(p.Unset) || len(slices.Compact(slices.Clone(p.Unset))) != len(p.Unset) {
			t.Fatalf("unset not sorted and unique: %v", p.Unset)
		}
	})
}

func FuzzRender(f *testing.F) {
	fuzzLoad(f, "render.yaml", "testdata/render-django/render.yaml", "testdata/render-full/render.yaml", "testdata/render-projects/render.yaml")
}

func FuzzDigitalOcean(f *testing.F) {
	fuzzLoad(f, filepath.Join(".do", "app.yaml"), "testdata/do-full/.do/app.yaml", "testdata/do-template/.do/deploy.template.yaml")
}

func FuzzHeroku(f *testing.F) {
	fuzzLoad(f, "app.json", "testdata/heroku-full/app.json", "testdata/heroku-chatwoot/app.json", "testdata/expo/app.json")
}
