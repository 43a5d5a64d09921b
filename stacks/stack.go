// Package stacks holds per-service-kind knowledge: which images a kind
// matches, how its container is given credentials, where it keeps data, how
// to tell that it really answers, and which URLs and variables the app gets.
// It is pure data and functions: no Docker, no manifest format.
package stacks

import (
	"context"
)

// Service is what a stack sees of a manifest service. Values that referenced
// unset variables arrive as the empty string.
type Service struct {
	Name    string
	Image   string // as pinned in the manifest
	Env     map[string]string
	Command []string // nil when the manifest does not set one
	// Wanted is what the app's own URLs and variables ask of this service
	// (user, database): a stack uses it where the manifest names none, so
	// `postgres://shop@db/shop` finds a user and a database called shop.
	Wanted Credentials
}

// Credentials are how a client logs in to a running service.
type Credentials struct {
	User     string
	Password string
	Database string // database, vhost, bucket... "" when the kind has none
}

// Config is what a stack decides for one service's container.
type Config struct {
	Credentials Credentials
	// Env is the container environment: the manifest's environment with the
	// stack's credential variables set (POSTGRES_PASSWORD=<secret>, ...).
	Env map[string]string
	// Command is the container command: the manifest's, with credential
	// arguments rewritten (redis --requirepass <secret>); nil keeps the image's.
	// When not nil it has the same length as Service.Command where that was set,
	// so the engine can tell which argument became which value.
	Command []string
}

// Endpoint is where a service answers on the developer's machine.
type Endpoint struct {
	Host        string // "127.0.0.1"
	Port        int    // host port
	Credentials Credentials
}

// Stack is one kind of backing service.
type Stack interface {
	// Kind is the short name: "postgres", "redis", "generic".
	Kind() string
	// Port is the container port the service listens on.
	Port() int
	// DataDir is the container path holding the service's data, kept in a
	// named volume; "" when the kind keeps no data.
	DataDir() string
	// Configure decides credentials and container settings. secret is a
	// random password parity generated and persists for this service.
	Configure(svc Service, secret string) Config
	// Probe returns nil once the service answers at protocol level with
	// these credentials (log in, run a trivial command). Its error says why
	// not in a few words. It must honour ctx's deadline.
	Probe(ctx context.Context, ep Endpoint) error
	// URL is the connection URL for the app, e.g.
	// postgres://user:pass@127.0.0.1:5432/db?sslmode=disable.
	URL(ep Endpoint) string
	// Schemes are the URL schemes that point at this kind ("postgres",
	// "postgresql"; "redis", "rediss").
	Schemes() []string
	// Vars are the conventional variables the app gets for the first service
	// of this kind, e.g. DATABASE_URL for Postgres, REDIS_URL for Redis.
	Vars() []string
	// Shell is the command, run inside the container, that opens an
	// authenticated interactive client (psql, redis-cli); its Args are nil
	// when the kind has none.
	Shell(creds Credentials) ShellCommand
}

// ShellCommand is an interactive client run inside a service's container.
// A password never appears in Args: every user of the host sees command
// lines through ps, both the docker CLI's and, the kernel being shared, the
// client's inside the container. It travels in Env, which the engine hands
// to the container through the docker CLI's environment (docker exec -e NAME),
// and which the client reads (PGPASSWORD, REDISCLI_AUTH, MYSQL_PWD).
type ShellCommand struct {
	Args []string
	Env  map[string]string
}
