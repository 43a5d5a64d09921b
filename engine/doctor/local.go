package doctor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/engine/manifest"
)

// checkState writes and removes a file where up keeps ports and generated
// passwords: without it up cannot remember a password, so it fails.
func (d *run) checkState() {
	dir := d.opts.Engine.StateDir
	if dir == "" && d.preview != nil {
		dir = d.preview.StateDir
	}
	if dir == "" {
		var err error
		if dir, err = engine.StateDir(); err != nil {
			d.add(CheckState, Fail, "set PARITY_STATE_DIR to a writable directory", "%v", err)
			return
		}
	}
	projects := filepath.Join(dir, "projects")
	if err := os.MkdirAll(projects, 0o700); err != nil {
		d.add(CheckState, Fail, "make it writable, or set PARITY_STATE_DIR to a writable directory outside the repository",
			"state directory %s cannot be created: %v", dir, err)
		return
	}
	f, err := os.CreateTemp(projects, ".doctor-*")
	if err != nil {
		d.add(CheckState, Fail, "make it writable, or set PARITY_STATE_DIR to a writable directory outside the repository",
			"state directory %s is not writable: %v", dir, err)
		return
	}
	f.Close()
	os.Remove(f.Name())
	d.add(CheckState, OK, "", "%s is writable (ports and generated passwords live here, outside the repository)", dir)
}

// checkDotenv looks for the two ways a .env undoes parity's work: a SQLite
// DATABASE_URL (the dev/prod gap itself) and secrets committed to git. It
// reads the env files up reads (--env-file, else .env), as up reads them.
func (d *run) checkDotenv() {
	dir, files, explicit := d.envFiles()
	shell := map[string]string{}
	for _, kv := range d.opts.Engine.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			shell[k] = v
		}
	}
	// As Compose: a variable in a later file resolves against the shell,
	// then against the earlier files.
	merged := map[string]string{}
	lookup := func(k string) (string, bool) {
		if v, ok := shell[k]; ok {
			return v, true
		}
		v, ok := merged[k]
		return v, ok
	}
	var read []string
	var problems, fixes []string
	for _, path := range files {
		env, err := manifest.ReadEnvFile(path, lookup)
		switch {
		case errors.Is(err, os.ErrNotExist) && !explicit:
			continue
		case errors.Is(err, os.ErrNotExist):
			d.add(CheckDotenv, Fail, "fix the --env-file path", "env file %s does not exist", path)
			return
		case err != nil:
			d.add(CheckDotenv, Fail, "fix its syntax: KEY=VALUE lines, # comments", "%v", err)
			return
		}
		read = append(read, path)
		maps.Copy(merged, env)
		name := d.relFiles([]string{path})
		for _, k := range sortedKeys(env) {
			v := strings.ToLower(strings.TrimSpace(env[k]))
			if isDatabaseURL(k) && strings.HasPrefix(v, "sqlite") {
				if d.hasKind("postgres") {
					problems = append(problems, fmt.Sprintf("%s sets %s to SQLite; parity replaces it with its Postgres's URL when it runs the app", path, k))
					fixes = append(fixes, fmt.Sprintf("remove %s from %s so nothing runs on SQLite outside parity", k, name))
				} else {
					problems = append(problems, fmt.Sprintf("%s sets %s to SQLite and the manifest runs no database parity recognises, so the app uses SQLite", path, k))
					fixes = append(fixes, fmt.Sprintf("point %s at the database production uses", k))
				}
			}
		}
		if secrets := committedSecrets(path, env); len(secrets) > 0 {
			problems = append(problems, fmt.Sprintf("%s is committed to git and sets %s", path, strings.Join(secrets, ", ")))
			fixes = append(fixes, fmt.Sprintf("`git rm --cached %s`, add it to .gitignore and rotate those secrets; parity generates its own passwords and keeps them outside the repository", name))
		}
	}
	switch {
	case len(problems) > 0:
		d.add(CheckDotenv, Warn, strings.Join(fixes, "; "), "%s", strings.Join(problems, "; "))
	case len(read) == 0:
		d.add(CheckDotenv, OK, "", "no .env in %s", dir)
	default:
		d.add(CheckDotenv, OK, "", "%s: %d variables, no SQLite URL, no committed secret", strings.Join(read, ", "), len(merged))
	}
}

// envFiles are the env files up reads: the manifest's own list when it
// loaded, else --env-file or the working directory's .env. explicit says
// they must exist.
func (d *run) envFiles() (dir string, files []string, explicit bool) {
	dir = d.opts.Engine.WorkingDir
	if d.preview != nil {
		return d.preview.WorkingDir, d.preview.EnvFiles, true
	}
	if len(d.opts.Engine.EnvFiles) == 0 {
		return dir, []string{filepath.Join(dir, ".env")}, false
	}
	for _, f := range d.opts.Engine.EnvFiles {
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
		}
		files = append(files, f)
	}
	return dir, files, true
}

func (d *run) hasKind(kind string) bool {
	if d.preview == nil {
		return false
	}
	for _, s := range d.preview.Services {
		if s.Role == engine.RoleBacking && s.Kind == kind {
			return true
		}
	}
	return false
}

func isDatabaseURL(key string) bool {
	k := strings.ToUpper(key)
	return strings.HasSuffix(k, "DATABASE_URL") || k == "DB_URL" || strings.HasSuffix(k, "_DB_URL")
}

// committedSecrets lists the secret-looking keys with values in an env
// file that git tracks; nothing when git is missing or the file is outside
// a repository.
func committedSecrets(path string, env map[string]string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "ls-files", "--error-unmatch", "--", filepath.Base(path))
	cmd.Dir = filepath.Dir(path)
	if err := cmd.Run(); err != nil {
		return nil // untracked, not a repository, or no git
	}
	var keys []string
	for _, k := range sortedKeys(env) {
		if looksSecret(k) && strings.TrimSpace(env[k]) != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// looksSecret matches the names teams give passwords, tokens and keys.
func looksSecret(key string) bool {
	up := strings.ToUpper(key)
	for _, s := range []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "PRIVATE_KEY", "API_KEY", "ACCESS_KEY", "CREDENTIAL"} {
		if strings.Contains(up, s) {
			return true
		}
	}
	return up == "PASS" || strings.HasSuffix(up, "_PASS") || strings.HasSuffix(up, "_PWD")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
