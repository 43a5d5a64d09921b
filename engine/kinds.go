package engine

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// What the engine does for the optional stacks interfaces (see
// stacks/optional.go): kinds beyond Postgres and Redis need a container
// that knows its host port (Kafka), a step after readiness (MinIO's
// buckets), variables that are not their URL (MinIO's keys), and a
// DATABASE_URL that goes to MySQL only when Postgres does not claim it.

// configureHost lets a kind that must know its host port finish its
// container settings, once the ports are chosen.
func configureHost(ps *plannedService) {
	if hp, ok := ps.Stack.(stacks.HostPortAware); ok && ps.Role == RoleBacking && ps.MainPort != 0 {
		ps.Config = hp.ConfigureHost(ps.Config, ps.Endpoint())
		ps.Credentials = ps.Config.Credentials
	}
}

// initTimeout bounds one Init call; Init runs again after the next probe
// when it fails.
const initTimeout = 5 * time.Second

// initService runs the kind's Init step on a service that answered its
// probe; nil for kinds without one. With the probe replaced (unit tests
// against the fake engine) there is no real server, so nothing is run.
func (s *Session) initService(ctx context.Context, ps *plannedService) error {
	in, ok := ps.Stack.(stacks.Initializer)
	if !ok || ps.Role != RoleBacking || s.probe != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, initTimeout)
	defer cancel()
	return in.Init(ctx, ps.Endpoint(), initInput(s.plan, ps))
}

// initInput is the service as Init sees it: its container environment,
// plus the app services' variables under names the container does not
// set, since names the app expects (S3_BUCKET) appear there.
func initInput(p *plan, ps *plannedService) stacks.Service {
	env := copyMap(ps.Config.Env)
	for _, app := range p.apps() {
		for k, v := range app.Svc.Environment {
			if _, ok := env[k]; !ok {
				env[k] = manifest.ReplaceUnset(v, p.bound)
			}
		}
	}
	return stacks.Service{Name: ps.Name, Image: ps.Image, Env: env, Command: ps.Config.Command}
}

// claimedVars are the conventional variables some backing kind in the plan
// gives as its own, not as a fallback.
func claimedVars(p *plan) map[string]bool {
	claimed := map[string]bool{}
	for _, ps := range p.containers() {
		if ps.Role != RoleBacking || ps.URL() == "" {
			continue
		}
		for _, k := range ps.Stack.Vars() {
			if !isFallbackVar(ps.Stack, k) {
				claimed[k] = true
			}
		}
	}
	return claimed
}

func isFallbackVar(st stacks.Stack, key string) bool {
	f, ok := st.(stacks.FallbackVarser)
	return ok && slices.Contains(f.FallbackVars(), key)
}

// conventionalValue is the value of a kind's conventional variable key:
// the service's URL unless the kind says otherwise, and whether it holds
// the service's password.
func conventionalValue(ps *plannedService, key, url string) (string, bool) {
	value := url
	if vv, ok := ps.Stack.(stacks.VarValuer); ok {
		if v, ok := vv.VarValues(ps.Endpoint())[key]; ok {
			value = v
		}
	}
	pw := ps.Credentials.Password
	return value, pw != "" && strings.Contains(value, pw)
}

// fillable reports whether parity may set key: the app's manifest does not
// define it, or defines it as a variable unset on this machine.
func fillable(vars map[string]*EnvVar, key string) bool {
	cur, ok := vars[key]
	return !ok || (cur.Source == SourceManifest && cur.Value == "")
}

// rewriteList points the items of a comma-separated list of servers
// (KAFKA_BROKERS=kafka:9092,kafka:9093, NATS_URL=nats://a:4222,nats://b:4222)
// at the local containers, dropping the duplicates that leaves when several
// names lead to one container. Items that name no service stay as they are.
func (r rewriter) rewriteList(key, value string) (rewritten, string, bool) {
	var first *rewritten
	var notes []string
	seen := map[string]bool{}
	var out []string
	for _, item := range strings.Split(value, ",") {
		item = strings.TrimSpace(item)
		if rw, note, ok := r.rewriteValue(key, item); ok {
			if first == nil {
				first = &rw
			}
			first.secret = first.secret || rw.secret
			if note != "" {
				notes = append(notes, note)
			}
			item = rw.value
		}
		if item != "" && !seen[item] {
			seen[item] = true
			out = append(out, item)
		}
	}
	if first == nil {
		return rewritten{}, "", false
	}
	first.value = strings.Join(out, ",")
	return *first, strings.Join(notes, "; "), true
}
