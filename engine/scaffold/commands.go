package scaffold

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Command is one way to run the app locally.
type Command struct {
	Args []string
	// Why names the file (and line or key) it comes from.
	Why string
	// Ambiguous marks one of several equally good candidates (several
	// cmd/<name> packages): listed, never chosen on its own.
	Ambiguous bool
}

// String is the command as a shell would show it.
func (c Command) String() string {
	if len(c.Args) == 3 && c.Args[0] == "sh" && c.Args[1] == "-c" {
		return c.Args[2]
	}
	return strings.Join(c.Args, " ")
}

// commandSources are tried in order; the first that finds a command wins.
// A Procfile says outright how the team runs the app; after it, backend
// frameworks come before package.json, which a Rails, Django or Go app often
// has for its front-end assets only.
var commandSources = []func(dir string) []Command{
	procfile("Procfile.dev"),
	procfile("Procfile"),
	rails,
	django,
	phoenix,
	goModule,
	cargo,
	springBoot,
	nodePackage,
	rack,
}

// findCommands returns every command candidate found in dir, best first.
func findCommands(dir string) []Command {
	var out []Command
	for _, src := range commandSources {
		out = append(out, src(dir)...)
	}
	return out
}

// chooseCommand picks the first unambiguous candidate, or none when the best
// source offers several equally good ones.
func chooseCommand(cmds []Command, notes []string) (*Command, []string) {
	if len(cmds) == 0 {
		return nil, append(notes, "no app command found (Procfile, package.json, go.mod, manage.py, bin/rails, mix.exs, Cargo.toml, pom.xml, build.gradle, config.ru); set app.command, or run `parity up -- CMD`")
	}
	if cmds[0].Ambiguous {
		var names []string
		for _, c := range cmds {
			if c.Ambiguous {
				names = append(names, c.String())
			}
		}
		return nil, append(notes, fmt.Sprintf("several commands could run the app (%s); set app.command to the one that serves requests", strings.Join(names, ", ")))
	}
	return &cmds[0], notes
}

func exists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

func readFile(dir, name string) ([]byte, bool) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	return data, err == nil
}

// shellSyntax matches what needs a shell to mean what it says: expansions,
// operators, redirections, quotes, globs.
var shellSyntax = regexp.MustCompile("[$&|;<>(){}`'\"*?\\\\~]")

// procfile reads the web: process of a Procfile. A command that needs a
// shell ($PORT, &&) runs through sh -c, as foreman and Heroku run it.
func procfile(name string) func(dir string) []Command {
	return func(dir string) []Command {
		data, ok := readFile(dir, name)
		if !ok {
			return nil
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			proc, cmd, found := strings.Cut(sc.Text(), ":")
			cmd = strings.TrimSpace(cmd)
			if !found || strings.TrimSpace(proc) != "web" || cmd == "" {
				continue
			}
			args := strings.Fields(cmd)
			if shellSyntax.MatchString(cmd) {
				args = []string{"sh", "-c", cmd}
			}
			return []Command{{Args: args, Why: fmt.Sprintf("%s line %d (web:)", name, n)}}
		}
		return nil
	}
}

func rails(dir string) []Command {
	if !exists(dir, "bin/rails") {
		return nil
	}
	return []Command{{Args: []string{"bin/rails", "server"}, Why: "bin/rails (a Rails app)"}}
}

func django(dir string) []Command {
	if !exists(dir, "manage.py") {
		return nil
	}
	return []Command{{Args: []string{"python", "manage.py", "runserver"}, Why: "manage.py (a Django app)"}}
}

func phoenix(dir string) []Command {
	data, ok := readFile(dir, "mix.exs")
	if !ok || !bytes.Contains(data, []byte(":phoenix")) {
		return nil
	}
	return []Command{{Args: []string{"mix", "phx.server"}, Why: "mix.exs depends on phoenix"}}
}

func cargo(dir string) []Command {
	if !exists(dir, "Cargo.toml") {
		return nil
	}
	return []Command{{Args: []string{"cargo", "run"}, Why: "Cargo.toml"}}
}

func springBoot(dir string) []Command {
	if data, ok := readFile(dir, "pom.xml"); ok && bytes.Contains(data, []byte("spring-boot")) {
		if exists(dir, "mvnw") {
			return []Command{{Args: []string{"./mvnw", "spring-boot:run"}, Why: "pom.xml uses Spring Boot (with the Maven wrapper)"}}
		}
		return []Command{{Args: []string{"mvn", "spring-boot:run"}, Why: "pom.xml uses Spring Boot"}}
	}
	for _, name := range []string{"build.gradle.kts", "build.gradle"} {
		if data, ok := readFile(dir, name); ok && bytes.Contains(data, []byte("org.springframework.boot")) {
			if exists(dir, "gradlew") {
				return []Command{{Args: []string{"./gradlew", "bootRun"}, Why: name + " uses Spring Boot (with the Gradle wrapper)"}}
			}
			return []Command{{Args: []string{"gradle", "bootRun"}, Why: name + " uses Spring Boot"}}
		}
	}
	return nil
}

func rack(dir string) []Command {
	if !exists(dir, "config.ru") || !exists(dir, "Gemfile") {
		return nil
	}
	return []Command{{Args: []string{"bundle", "exec", "rackup"}, Why: "config.ru and Gemfile (a Rack app)"}}
}

// nodePackage offers package.json's dev script, then its start script, run
// with the package manager whose lock file the repository has.
func nodePackage(dir string) []Command {
	data, ok := readFile(dir, "package.json")
	if !ok {
		return nil
	}
	var pkg struct {
		Scripts map[string]string `json:"scripts"`
	}
	if json.Unmarshal(data, &pkg) != nil {
		return nil
	}
	pm, lock := "npm", ""
	for _, l := range []struct{ file, pm string }{
		{"pnpm-lock.yaml", "pnpm"}, {"yarn.lock", "yarn"}, {"bun.lock", "bun"}, {"bun.lockb", "bun"},
	} {
		if exists(dir, l.file) {
			pm, lock = l.pm, l.file
			break
		}
	}
	var out []Command
	for _, script := range []string{"dev", "start"} {
		if pkg.Scripts[script] == "" {
			continue
		}
		var args []string
		switch {
		case pm == "npm" && script == "start":
			args = []string{"npm", "start"}
		case pm == "npm" || pm == "bun":
			args = []string{pm, "run", script}
		default:
			args = []string{pm, script}
		}
		why := "package.json scripts." + script
		if lock != "" {
			why += fmt.Sprintf(", with %s (%s)", pm, lock)
		}
		out = append(out, Command{Args: args, Why: why})
	}
	return out
}

var (
	moduleLine  = regexp.MustCompile(`(?m)^module\s+"?([^\s"]+)"?`)
	packageMain = regexp.MustCompile(`(?m)^package\s+main\s*$`)
	majorSuffix = regexp.MustCompile(`^v[0-9]+$`)
)

// goModule offers `go run .` when the module root is a main package, else
// the cmd/<name> main packages: the one named like the module, or the only
// one, or one named like a server; several others are ambiguous.
func goModule(dir string) []Command {
	data, ok := readFile(dir, "go.mod")
	if !ok {
		return nil
	}
	if isMainPackage(dir) {
		return []Command{{Args: []string{"go", "run", "."}, Why: "go.mod, and the module root is package main"}}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "cmd"))
	if err != nil {
		return nil
	}
	var mains []string
	for _, e := range entries {
		if e.IsDir() && isMainPackage(filepath.Join(dir, "cmd", e.Name())) {
			mains = append(mains, e.Name())
		}
	}
	sort.Strings(mains)
	module := ""
	if m := moduleLine.FindSubmatch(data); m != nil {
		parts := strings.Split(string(m[1]), "/")
		module = parts[len(parts)-1]
		if majorSuffix.MatchString(module) && len(parts) > 1 {
			module = parts[len(parts)-2]
		}
	}
	run := func(name, why string) Command {
		return Command{Args: []string{"go", "run", "./cmd/" + name}, Why: why}
	}
	switch {
	case len(mains) == 0:
		return nil
	case len(mains) == 1:
		return []Command{run(mains[0], "go.mod, and cmd/"+mains[0]+" is the only main package under cmd/")}
	}
	if name := preferred(mains, module); name != "" {
		return []Command{run(name, fmt.Sprintf("go.mod, and cmd/%s is named like the module", name))}
	}
	if name := preferred(mains, "web", "server", "api", "app"); name != "" {
		return []Command{run(name, fmt.Sprintf("go.mod, and cmd/%s is named like a server (others: cmd/%s)", name, strings.Join(mains, ", cmd/")))}
	}
	var out []Command
	for _, name := range mains {
		c := run(name, "go.mod, cmd/"+name+" (one of several main packages)")
		c.Ambiguous = true
		out = append(out, c)
	}
	return out
}

// isMainPackage reports whether dir holds a non-test Go file of package main.
func isMainPackage(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if data, ok := readFile(dir, name); ok && packageMain.Match(data) {
			return true
		}
	}
	return false
}
