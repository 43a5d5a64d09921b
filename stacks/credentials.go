package stacks

import (
	"maps"
	"strings"
)

// Credential handling shared by every kind. A service's environment
// arrives with the manifest's values resolved: literal text and variables
// set on this machine as they are, variables unset here as "" (the engine
// has already bound the password-like ones to generated secrets). The
// kinds read production's choices from it and fill in what is missing.

// password is the first non-empty value among vars, else secret. A
// password production's manifest gives — a literal committed with it, or a
// variable the developer set — is what the app is written against and what
// its own variables say; it is kept. Only where the repository does not
// have production's value (an unset variable, a _FILE secret, an empty
// value the image refuses) does parity generate one.
func password(env map[string]string, secret string, vars ...string) string {
	if v := firstSet(env, vars...); v != "" {
		return v
	}
	return secret
}

// firstSet is the first non-empty value among vars. Values of unset
// variables arrive empty, and images treat an empty variable as unset.
func firstSet(env map[string]string, vars ...string) string {
	for _, v := range vars {
		if s := strings.TrimSpace(env[v]); s != "" {
			return env[v]
		}
	}
	return ""
}

// fillEmpty sets those of vars that are present but empty to value, the one
// the image uses in their place. An empty value is a variable unset on this
// machine; filled in, the engine can bind that variable to what the
// container really uses, for the app's own references to it.
func fillEmpty(env map[string]string, value string, vars ...string) {
	for _, v := range vars {
		if s, ok := env[v]; ok && strings.TrimSpace(s) == "" {
			env[v] = value
		}
	}
}

// setPresent sets those of vars that are present to value.
func setPresent(env map[string]string, value string, vars ...string) {
	for _, v := range vars {
		if _, ok := env[v]; ok {
			env[v] = value
		}
	}
}

// anySet reports whether any of vars is present, even empty: an empty value
// is a variable production sets and this machine does not.
func anySet(env map[string]string, vars ...string) bool {
	for _, v := range vars {
		if _, ok := env[v]; ok {
			return true
		}
	}
	return false
}

func suffixed(vars []string, suffix string) []string {
	out := make([]string, len(vars))
	for i, v := range vars {
		out[i] = v + suffix
	}
	return out
}

func cloneArgs(args []string) []string {
	if args == nil {
		return nil
	}
	return append([]string{}, args...)
}

// cloneEnv is the manifest's environment as a map of the stack's own to
// change, never nil.
func cloneEnv(env map[string]string) map[string]string {
	out := maps.Clone(env)
	if out == nil {
		out = map[string]string{}
	}
	return out
}

// credentialsInData are the kinds that write their users and passwords
// into the data directory when they initialise it and ignore the
// variables afterwards: a volume initialised with one password keeps it.
// OpenSearch's security plugin is one: it fills its index, admin's
// password hash included, from OPENSEARCH_INITIAL_ADMIN_PASSWORD on the
// first start only. The others (Redis, NATS, Memcached, MinIO) read their
// password at every start.
var credentialsInData = map[string]bool{
	"postgres": true, "mysql": true, "mongo": true, "rabbitmq": true, "elasticsearch": true, "opensearch": true,
}

// CredentialsInData reports whether kind keeps its credentials with its data.
func CredentialsInData(kind string) bool { return credentialsInData[kind] }
