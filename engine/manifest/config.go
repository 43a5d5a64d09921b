package manifest

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/mattn/go-shellwords"
	"go.yaml.in/yaml/v4"
)

// ConfigName is the file name of parity's own configuration.
const ConfigName = "parity.yaml"

// Config is parity.yaml: what parity needs to know that the production
// manifest cannot say (where the manifest is, which service is the app and
// how to run it locally).
type Config struct {
	// Path is the parity.yaml this was read from, "" when there is none.
	Path string `yaml:"-"`
	// Project overrides the Compose project name.
	Project string `yaml:"project"`
	// Files are the production manifest(s), relative to parity.yaml.
	Files []string `yaml:"files"`
	// Values are Terraform -var-file files and Helm values files for the
	// sources in Files, relative to parity.yaml, applied in order.
	Values []string  `yaml:"values"`
	App    AppConfig `yaml:"app"`
	// Seed runs once on fresh data (a new volume, or after parity reset
	// with no seeded snapshot yet), with the app's environment, in the app's
	// directory: migrations and seed data. parity keeps the result as
	// snapshot "seeded", which reset goes back to.
	Seed Command `yaml:"seed"`
	// Services holds per-service settings, keyed by manifest service name.
	Services map[string]ServiceSettings `yaml:"services"`

	// lines are where names of services were written, for Check's errors.
	lines configLines
}

// configLines are the parity.yaml lines of the names Check verifies; 0 when
// not known (a Config built in code).
type configLines struct {
	appService int
	services   map[string]int
}

// AppConfig describes the developer's app, which parity runs on the host
// rather than in a container.
type AppConfig struct {
	// Service is the manifest service the app replaces; "" means detect it.
	Service string `yaml:"service"`
	// Command runs the app. Written as a string it is split with shell
	// quoting rules (no shell runs it); written as a list it is used as is.
	Command Command `yaml:"command"`
	// Env is extra environment for the app; it wins over .env and loses to
	// everything else.
	Env map[string]string `yaml:"env"`
}

// ServiceSettings adjusts how parity treats one manifest service.
type ServiceSettings struct {
	// Skip leaves the service out (e.g. a mail relay the app can live without).
	Skip bool `yaml:"skip"`
	// Image pins the exact image to run instead of what the source says:
	// a managed version (RDS 15) maps to the nearest upstream tag, and a
	// team may know production's exact patch release.
	Image string `yaml:"image"`
}

// Command is an argv. In YAML it is a list, or a string split like a shell
// would split it (quotes and backslashes, no expansion).
type Command []string

// UnmarshalYAML accepts a string or a list of strings.
func (c *Command) UnmarshalYAML(node *yaml.Node) error {
	switch node.Kind {
	case yaml.ScalarNode:
		var s string
		if err := node.Decode(&s); err != nil {
			return err
		}
		args, err := shellwords.Parse(s)
		if err != nil {
			return fmt.Errorf("split command %q: %w", s, err)
		}
		*c = args
		return nil
	case yaml.SequenceNode:
		var args []string
		if err := node.Decode(&args); err != nil {
			return err
		}
		*c = args
		return nil
	}
	return errors.New("command must be a string or a list of strings")
}

// LoadConfig finds parity.yaml in dir or, as Discover does for manifests,
// in its parents up to the filesystem root or a directory containing .git.
// With none found it returns an empty Config and path "": the file is
// optional. An unknown key is an error naming the file and line, so a typo
// does not silently do nothing.
func LoadConfig(dir string) (*Config, string, error) {
	start, err := absDir(dir)
	if err != nil {
		return nil, "", err
	}
	var path string
	walkUp(start, func(d string) bool {
		if p := filepath.Join(d, ConfigName); present(p) {
			path = p
			return true
		}
		return false
	})
	if path == "" {
		return &Config{}, "", nil
	}
	data, err := readInput(path, configInput)
	if err != nil {
		return nil, "", err
	}
	cfg, err := parseConfig(data)
	if err != nil {
		return nil, "", configError(path, err)
	}
	cfg.Path = path
	return cfg, path, nil
}

func parseConfig(data []byte) (*Config, error) {
	cfg := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 1 {
		root := doc.Content[0]
		if app := mappingValue(root, "app"); app != nil {
			if svc := mappingValue(app, "service"); svc != nil {
				cfg.lines.appService = svc.Line
			}
		}
		if services := mappingValue(root, "services"); services != nil && services.Kind == yaml.MappingNode {
			cfg.lines.services = map[string]int{}
			for i := 0; i+1 < len(services.Content); i += 2 {
				cfg.lines.services[services.Content[i].Value] = services.Content[i].Line
			}
		}
	}
	return cfg, nil
}

// mappingValue is the value node of key in a mapping node, nil when absent.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// Check verifies that the service names parity.yaml uses (app.service, the
// keys of services) are services of the manifest, given all the names it
// defines (active or behind a profile). A misspelt name would otherwise do
// nothing: the app would be detected instead, the service not skipped. The
// error names parity.yaml:LINE and lists the manifest's services.
func (c *Config) Check(services []string) error {
	if c == nil {
		return nil
	}
	type problem struct {
		line int
		msg  string
	}
	var problems []problem
	known := func(name string) bool { return slices.Contains(services, name) }
	if name := c.App.Service; name != "" && !known(name) {
		problems = append(problems, problem{c.lines.appService, fmt.Sprintf("app.service %q is not a service of the manifest", name)})
	}
	for _, name := range slices.Sorted(maps.Keys(c.Services)) {
		if !known(name) {
			problems = append(problems, problem{c.lines.services[name], fmt.Sprintf("services.%s is not a service of the manifest", name)})
		}
	}
	if len(problems) == 0 {
		return nil
	}
	slices.SortStableFunc(problems, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	path := cmp.Or(c.Path, ConfigName)
	var lines []string
	for _, p := range problems {
		where := path
		if p.line > 0 {
			where = fmt.Sprintf("%s:%d", path, p.line)
		}
		lines = append(lines, where+": "+p.msg)
	}
	have := slices.Sorted(slices.Values(services))
	return fmt.Errorf("check parity config: %s; the manifest's services are %s: fix the name in %s",
		strings.Join(lines, "; "), strings.Join(have, ", "), filepath.Base(path))
}

var unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// configError renders YAML decoding errors as "file:line: message".
func configError(path string, err error) error {
	var loadErrs *yaml.LoadErrors
	if !errors.As(err, &loadErrs) || len(loadErrs.Errors) == 0 {
		return fmt.Errorf("read parity config %s: %w", path, err)
	}
	var lines []string
	for _, e := range loadErrs.Errors {
		msg := e.Err.Error()
		if m := unknownField.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("unknown key %q", m[1])
		}
		lines = append(lines, fmt.Sprintf("%s:%d: %s", path, e.Line, msg))
	}
	return fmt.Errorf("read parity config: %s", strings.Join(lines, "; "))
}
