package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
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
	Files []string  `yaml:"files"`
	App   AppConfig `yaml:"app"`
	// Services holds per-service settings, keyed by manifest service name.
	Services map[string]ServiceSettings `yaml:"services"`
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
	return cfg, nil
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
