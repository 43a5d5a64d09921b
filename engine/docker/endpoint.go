package docker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultEndpoint is where the engine listens on Linux when nothing says otherwise.
const DefaultEndpoint = "unix:///var/run/docker.sock"

// ErrUnsupportedEndpoint is returned (wrapped) when DOCKER_HOST or the current
// docker context points at an engine parity cannot dial itself (ssh://, which
// needs the docker CLI's connection helper).
var ErrUnsupportedEndpoint = errors.New("unsupported docker endpoint")

// unsupportedEndpointError names where the endpoint came from and the fix.
type unsupportedEndpointError struct {
	context string // "" when the endpoint is DOCKER_HOST
	host    string
}

func (u *unsupportedEndpointError) Error() string {
	const fix = "use a local engine (docker context use default) or set DOCKER_HOST=" + DefaultEndpoint
	if u.context == "" {
		return fmt.Sprintf("DOCKER_HOST=%s, which parity cannot use yet; unset it to %s", u.host, fix)
	}
	return fmt.Sprintf("docker context %q points at %s, which parity cannot use yet; %s", u.context, u.host, fix)
}

func (u *unsupportedEndpointError) Is(target error) bool { return target == ErrUnsupportedEndpoint }

// dialable reports whether the SDK can reach host without the docker CLI.
func dialable(host string) bool {
	for _, scheme := range []string{"unix://", "tcp://", "npipe://", "http://", "https://"} {
		if strings.HasPrefix(host, scheme) {
			return true
		}
	}
	return false
}

// resolveEndpoint finds the engine address the docker CLI would use:
// DOCKER_HOST, else the host of the current docker context (DOCKER_CONTEXT or
// config.json's currentContext), else the default socket. The docker CLI is
// what developers check against, so parity must agree with it: a context
// whose metadata cannot be read falls back to the default, but one that
// points at an engine parity cannot dial (ssh://) is an error matching
// ErrUnsupportedEndpoint, never a quiet switch to another engine.
func resolveEndpoint(getenv func(string) string, home string) (string, error) {
	if host := getenv("DOCKER_HOST"); host != "" {
		if !dialable(host) {
			return "", &unsupportedEndpointError{host: host}
		}
		return host, nil
	}
	configDir := getenv("DOCKER_CONFIG")
	if configDir == "" {
		if home == "" {
			return DefaultEndpoint, nil
		}
		configDir = filepath.Join(home, ".docker")
	}
	name := getenv("DOCKER_CONTEXT")
	if name == "" {
		name = currentContext(configDir)
	}
	if name == "" || name == "default" {
		return DefaultEndpoint, nil
	}
	host := contextHost(configDir, name)
	switch {
	case host == "":
		return DefaultEndpoint, nil
	case !dialable(host):
		return "", &unsupportedEndpointError{context: name, host: host}
	}
	return host, nil
}

// currentContext reads the context name the docker CLI last switched to.
func currentContext(configDir string) string {
	data, err := os.ReadFile(filepath.Join(configDir, "config.json"))
	if err != nil {
		return ""
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if json.Unmarshal(data, &cfg) != nil {
		return ""
	}
	return cfg.CurrentContext
}

// contextHost reads a docker context's engine address, "" when the context
// or its docker endpoint cannot be read. The CLI stores each context under
// the sha256 of its name.
func contextHost(configDir, name string) string {
	sum := sha256.Sum256([]byte(name))
	data, err := os.ReadFile(filepath.Join(configDir, "contexts", "meta", hex.EncodeToString(sum[:]), "meta.json"))
	if err != nil {
		return ""
	}
	var meta struct {
		Endpoints map[string]struct {
			Host string `json:"Host"`
		} `json:"Endpoints"`
	}
	if json.Unmarshal(data, &meta) != nil {
		return ""
	}
	return meta.Endpoints["docker"].Host
}
