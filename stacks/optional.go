package stacks

import "context"

// Optional interfaces a Stack may implement when its kind needs more than
// Stack says. The engine checks for each with a type assertion; kinds that
// need none (Postgres, Redis) are unaffected.

// HostPortAware is a Stack whose container must know the host port it is
// published on: a Kafka broker tells clients where to connect, and they
// connect from the laptop. The engine calls ConfigureHost once the ports
// are chosen, with the endpoint the app will use, and runs the container
// with the Config it returns.
type HostPortAware interface {
	ConfigureHost(cfg Config, ep Endpoint) Config
}

// Initializer is a Stack that prepares a ready service for the app, as
// production's provisioning does: MinIO creates the buckets the manifest
// names. The engine calls Init after every successful probe, before it
// reports the service ready, so Init must be idempotent; an error is
// retried like a failed probe. svc.Env is the service's container
// environment with the app services' variables added under names the
// container does not set, since the app is often where a name (S3_BUCKET)
// appears.
type Initializer interface {
	Init(ctx context.Context, ep Endpoint, svc Service) error
}

// FallbackVarser is a Stack some of whose Vars are its only when no other
// kind in the project claims them among its own Vars: DATABASE_URL is
// MySQL's when MySQL is the only database, Postgres' when both run.
type FallbackVarser interface {
	FallbackVars() []string
}

// VarValuer is a Stack whose conventional variables are not all its URL:
// MinIO gives S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_REGION. A variable VarValues leaves out gets the URL.
type VarValuer interface {
	VarValues(ep Endpoint) map[string]string
}

// Rekeyer is a Stack whose passwords are written into its data when an
// empty data directory is initialised (Postgres, MySQL, MariaDB). Data
// initialised with other passwords (copied from a template or a snapshot)
// answers to those until Rekey changes them on the running server.
type Rekeyer interface {
	// SecretVars lists the variables of env (the container environment
	// Configure returned) whose values the data keeps: POSTGRES_PASSWORD;
	// MYSQL_ROOT_PASSWORD and MYSQL_PASSWORD; the MARIADB_ names; Bitnami's.
	// Only names set in env, sorted.
	SecretVars(env map[string]string) []string
	// Rekey logs in at ep.Host:ep.Port with the passwords the data holds
	// (old: variable -> value, as SecretVars named them when the data was
	// initialised) and changes each account's password to its value in env,
	// so that afterwards ep.Credentials log in. Idempotent: when the data
	// already holds env's passwords (a rekey that finished before a crash)
	// it returns nil. An error wraps ErrAuth when neither the old nor the
	// new passwords log in.
	Rekey(ctx context.Context, ep Endpoint, env map[string]string, old map[string]string) error
}
