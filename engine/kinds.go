package engine

import (
	"context"
	"time"

	"github.com/parity-dev/parity/stacks"
)

// What the engine does for the optional stacks interfaces (see
// stacks/optional.go): kinds beyond Postgres and Redis need a container
// that knows its host port (Kafka) and a step after readiness (MinIO's
// buckets). Variables that are not their URL (MinIO's keys) and a
// DATABASE_URL that goes to MySQL only when Postgres does not claim it are
// the app environment's (appenv.go).

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
	return in.Init(ctx, ps.Endpoint(), initInput(s.currentPlan(), ps))
}

// initInput is the service as Init sees it: its container environment,
// plus the app services' variables under names the container does not
// set, since names the app expects (S3_BUCKET) appear there.
func initInput(p *plan, ps *plannedService) stacks.Service {
	env := copyMap(ps.Config.Env)
	for _, app := range p.apps() {
		for k, v := range app.Svc.Environment {
			if _, ok := env[k]; !ok {
				env[k] = v.Resolve(p.bound)
			}
		}
	}
	return stacks.Service{Name: ps.Name, Image: ps.Image, Env: env, Command: ps.Config.Command}
}
