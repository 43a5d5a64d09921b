package scaffold

import (
	"os"

	"github.com/parity-dev/parity/engine/sources"
	"path/filepath"
	"sort"
	"strings"
)

// Rank orders manifest candidates: lower is better.
type Rank int

const (
	// RankGiven is a file the user named with -f.
	RankGiven Rank = iota
	// RankProduction is named for production (compose.prod.yaml, docker-compose.production.yml).
	RankProduction
	// RankPlain is a plain Compose name (compose.yaml, docker-compose.yml).
	RankPlain
	// RankOther has another qualifier (compose.staging.yaml): closer to
	// production than a dev file, but not what production runs.
	RankOther
	// RankIgnored is dev-only (compose.dev.yaml, compose.override.yml,
	// compose.local.yaml): never chosen, since dev-only is what drifts.
	RankIgnored
)

// Manifest is one candidate production manifest.
type Manifest struct {
	Path string // relative to the repository directory, with forward slashes
	Rank Rank
	Why  string
}

// manifestDirs are where teams keep deployment files, searched in this
// order; "" is the repository directory itself.
var manifestDirs = []string{"", "deploy", "deployment", "ops", "infra", "docker", ".deploy"}

var (
	productionWords = map[string]bool{"prod": true, "production": true, "live": true}
	devWords        = map[string]bool{"dev": true, "develop": true, "development": true, "override": true, "local": true, "test": true, "testing": true, "ci": true, "e2e": true, "debug": true}
)

// findManifests lists the Compose files in dir and its deployment folders,
// best first: named for production, then plain, then other qualifiers; then
// by folder (the repository directory first) and by Compose's own order of
// names. Dev-only files come last, marked ignored.
func findManifests(dir string) []Manifest {
	type cand struct {
		Manifest
		folder, name int
	}
	var cands []cand
	for fi, sub := range manifestDirs {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			rank, why, order, ok := classifyName(e.Name())
			if !ok {
				continue
			}
			p := e.Name()
			if sub != "" {
				p = sub + "/" + e.Name()
			}
			cands = append(cands, cand{Manifest{Path: p, Rank: rank, Why: why}, fi, order})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.Rank != b.Rank {
			return a.Rank < b.Rank
		}
		if a.folder != b.folder {
			return a.folder < b.folder
		}
		if a.name != b.name {
			return a.name < b.name
		}
		return a.Path < b.Path
	})
	out := make([]Manifest, len(cands))
	for i, c := range cands {
		out[i] = c.Manifest
	}
	return out
}

// classifyName decides whether a file name is a Compose file and how it
// ranks. order follows Compose's preference: compose.* before
// docker-compose.*, .yaml before .yml.
func classifyName(name string) (rank Rank, why string, order int, ok bool) {
	lower := strings.ToLower(name)
	var stem string
	switch {
	case strings.HasSuffix(lower, ".yaml"):
		stem = strings.TrimSuffix(lower, ".yaml")
	case strings.HasSuffix(lower, ".yml"):
		stem, order = strings.TrimSuffix(lower, ".yml"), 1
	default:
		return 0, "", 0, false
	}
	var rest string
	switch {
	case stem == "docker-compose" || hasQualifier(stem, "docker-compose"):
		rest, order = stem[len("docker-compose"):], order+2
	case stem == "compose" || hasQualifier(stem, "compose"):
		rest = stem[len("compose"):]
	default:
		return 0, "", 0, false
	}
	words := strings.FieldsFunc(rest, func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	for _, w := range words {
		if devWords[w] {
			return RankIgnored, "dev-only (" + w + "): never used, dev-only settings are what drifts from production", order, true
		}
	}
	for _, w := range words {
		if productionWords[w] {
			return RankProduction, "named for production", order, true
		}
	}
	if len(words) == 0 {
		return RankPlain, "the plain Compose name", order, true
	}
	return RankOther, "named for " + strings.Join(words, "."), order, true
}

func hasQualifier(stem, prefix string) bool {
	if !strings.HasPrefix(stem, prefix) || len(stem) == len(prefix) {
		return false
	}
	switch stem[len(prefix)] {
	case '.', '-', '_':
		return true
	}
	return false
}

// sourceCandidates are the production sources other than Compose in dir's
// usual places (render.yaml, .do/app.yaml, app.json, terraform/, infra/,
// deploy/, k8s/, kubernetes/, charts/, helm/), each ranked as production.
func sourceCandidates(dir string) []Manifest {
	var out []Manifest
	for _, path := range sources.Candidates(dir) {
		format, err := sources.FormatOf(path)
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			continue
		}
		out = append(out, Manifest{Path: filepath.ToSlash(rel), Rank: RankProduction, Why: "production's " + format + " description"})
	}
	return out
}
