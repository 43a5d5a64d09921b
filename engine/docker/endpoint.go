package docker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// DefaultEndpoint is where the engine listens on Linux when nothing says otherwise.
const DefaultEndpoint = "unix:///var/run/docker.sock"

// resolveEndpoint finds the engine address the docker CLI would use:
// DOCKER_HOST, else the host of the current docker context (DOCKER_CONTEXT or
// config.json's currentContext), else the default socket. The docker CLI is
// what developers check against, so parity must agree with it; a context
// whose metadata cannot be read falls back to the default rather than failing.
func resolveEndpoint(getenv func(string) string, home string) string {
	if host := getenv("DOCKER_HOST"); host != "" {
		return host
	}
	configDir := getenv("DOCKER_CONFIG")
	if configDir == "" {
		if home == "" {
			return DefaultEndpoint
		}
		configDir = filepath.Join(home, ".docker")
	}
	name := getenv("DOCKER_CONTEXT")
	if name == "" {
		name = currentContext(configDir)
	}
	if name == "" || name == "default" {
		return DefaultEndpoint
	}
	if host := contextHost(configDir, name); host != "" {
		return host
	}
	return DefaultEndpoint
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

// contextHost reads a docker context's engine address. The CLI stores each
// context under the sha256 of its name; only hosts the SDK can dial itself are
// returned (an ssh:// context needs the CLI's connection helper).
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
	host := meta.Endpoints["docker"].Host
	for _, scheme := range []string{"unix://", "tcp://", "npipe://"} {
		if strings.HasPrefix(host, scheme) {
			return host
		}
	}
	return ""
}
