package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/consts"
)

// ManifestNames are the file names Discover looks for, in Compose's order of
// preference.
var ManifestNames = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// Discover returns the production manifest files to load, as absolute paths:
//
//  1. COMPOSE_FILE from environ, split by COMPOSE_PATH_SEPARATOR (default
//     the OS list separator, ":" on Unix), relative to workingDir;
//  2. else cfg.Files from parity.yaml, relative to the parity.yaml;
//  3. else the first of ManifestNames in workingDir or, like Compose, in
//     its parents, stopping at the filesystem root or at a directory that
//     contains .git (the repository root is searched, not its parents).
//
// Unlike Compose, compose.override.yaml and docker-compose.override.yml are
// not merged: overrides are the developer-only layer (bind mounts, debug
// ports, relaxed settings) and exactly what drifts from production, while
// parity exists to run what production runs. Pass them with -f to opt in.
func Discover(workingDir string, environ map[string]string, cfg *Config) ([]string, error) {
	wd, err := absDir(workingDir)
	if err != nil {
		return nil, err
	}
	if list, ok := environ[consts.ComposeFilePath]; ok && list != "" {
		sep := environ[consts.ComposePathSeparator]
		if sep == "" {
			sep = string(os.PathListSeparator)
		}
		var files []string
		for _, f := range strings.Split(list, sep) {
			if f == "" {
				continue
			}
			files = append(files, f)
		}
		files = absPaths(wd, files)
		if err := requireFiles(files, "COMPOSE_FILE"); err != nil {
			return nil, err
		}
		return files, nil
	}
	if cfg != nil && len(cfg.Files) > 0 {
		dir := wd
		if cfg.Path != "" {
			dir = filepath.Dir(cfg.Path)
		}
		files := absPaths(dir, cfg.Files)
		origin := "files in parity.yaml"
		if cfg.Path != "" {
			origin = "files in " + cfg.Path
		}
		if err := requireFiles(files, origin); err != nil {
			return nil, err
		}
		return files, nil
	}

	var found string
	var searched []string
	walkUp(wd, func(dir string) bool {
		searched = append(searched, dir)
		for _, name := range ManifestNames {
			if path := filepath.Join(dir, name); present(path) {
				found = path
				return true
			}
		}
		return false
	})
	if found != "" {
		return []string{found}, nil
	}
	where := wd
	if len(searched) > 1 {
		where = fmt.Sprintf("%s or its parents up to %s", wd, searched[len(searched)-1])
	}
	return nil, fmt.Errorf("find manifest: none of %s in %s; pass the production manifest with -f or run `parity init`",
		strings.Join(ManifestNames, ", "), where)
}

// walkUp calls visit for dir and then each parent until visit reports true,
// a directory containing .git has been visited, or the root is reached.
func walkUp(dir string, visit func(dir string) bool) {
	for {
		if visit(dir) {
			return
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return
		}
		dir = parent
	}
}

// present reports whether something is at path, without following a
// symlink: a compose.yaml that is a symlink loop, a dangling link or a
// directory is found, and the read then says what is wrong with it, rather
// than discovery passing over it to a parent's manifest.
func present(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// requireFiles reports the first of files that is neither a regular file
// nor a directory (a Terraform or Kubernetes source), naming where the
// list came from.
func requireFiles(files []string, origin string) error {
	for _, f := range files {
		fi, err := os.Stat(f)
		switch {
		case err != nil:
			return fmt.Errorf("find manifest: %s: %w", origin, err)
		case !fi.Mode().IsRegular() && !fi.IsDir():
			return fmt.Errorf("find manifest: %s: %s is not a file", origin, f)
		}
	}
	return nil
}

func absDir(dir string) (string, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("get working directory: %w", err)
		}
		return wd, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve working directory: %w", err)
	}
	return abs, nil
}

func absPaths(dir string, paths []string) []string {
	var out []string
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		out = append(out, filepath.Clean(p))
	}
	return out
}
