package manifest

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// DisplayPath is path relative to dir when it is inside dir, else path as
// given, with forward slashes: how a service's Origin and the readers'
// messages name a file ("infra/rds.tf", "k8s/db.yaml").
func DisplayPath(dir, path string) string {
	if dir == "" {
		return filepath.ToSlash(path)
	}
	rel, err := filepath.Rel(dir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}

// AbsFiles makes files absolute, sorted and without repeats: a Project's
// Files as a reader of a directory found them.
func AbsFiles(files []string) []string {
	out := make([]string, 0, len(files))
	for _, f := range files {
		if a, err := filepath.Abs(f); err == nil {
			f = a
		}
		out = append(out, f)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// FromCompose reports whether the project was read from Compose files
// only, whose services carry no Origin (their lines are in Files).
func (p *Project) FromCompose() bool { return p.Source == "" || p.Source == "compose" }

// SplitOrigin splits an Origin ("infra/rds.tf:12") into file and line; ok
// is false when it names no line.
func SplitOrigin(origin string) (file string, line int, ok bool) {
	i := strings.LastIndexByte(origin, ':')
	if i <= 0 {
		return "", 0, false
	}
	line, err := strconv.Atoi(origin[i+1:])
	if err != nil {
		return "", 0, false
	}
	return origin[:i], line, true
}
