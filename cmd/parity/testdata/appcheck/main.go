// Command appcheck connects to an app's backing services exactly the way
// one real application reads its configuration, and does a real round trip
// with each: PostgreSQL and MySQL/MariaDB create a table, insert a row and
// read it back; Redis sets and gets a key; RabbitMQ declares a queue,
// publishes and gets a message.
//
// How the application reads its settings is described in a checks.yaml
// (see testdata/realworld/*/checks.yaml at the repository root): for each
// backing service, the variable holding a URL and/or the split variables
// (host, port, user, password, database), each with the default the
// application uses when the variable is unset. The end-to-end test runs
//
//	parity run -f MANIFEST -- appcheck checks.yaml
//
// appcheck prints one line per check and exits 1 at the first failure,
// naming the check and the values it used (passwords masked).
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v4"
)

// File is a checks.yaml.
type File struct {
	// Manifest is the Compose file, relative to checks.yaml.
	Manifest string `yaml:"manifest"`
	// AppService is the manifest service whose environment is the app's.
	AppService string `yaml:"app_service"`
	// Skip lists third-party services the test bed cannot run; the test
	// leaves them out through parity.yaml.
	Skip   []string `yaml:"skip"`
	Checks []Check  `yaml:"checks"`
}

// Check is one backing service the app connects to.
type Check struct {
	Kind string `yaml:"kind"` // postgres, mysql, redis, rabbitmq
	Name string `yaml:"name"` // optional label for the output

	// URL is a variable holding a URL (or, for postgres, a libpq key/value
	// string). When it is set, its parts win over the split fields, except
	// for a field marked over_url (or all of them with fields_over_url)
	// whose variable is set.
	URL      *Field `yaml:"url"`
	Host     *Field `yaml:"host"`
	Port     *Field `yaml:"port"`
	User     *Field `yaml:"user"`
	Password *Field `yaml:"password"`
	// Database is the database name (postgres, mysql), the database index
	// (redis) or the virtual host (rabbitmq).
	Database *Field `yaml:"database"`

	FieldsOverURL bool `yaml:"fields_over_url"`
	// CreateDatabase: the app creates its database when it is missing
	// (Rails db:prepare, `createdb` entrypoints).
	CreateDatabase bool `yaml:"create_database"`
	// PasswordOptional: the app's client ignores a failed AUTH (phpredis
	// under Laravel), so a server without a password still works.
	PasswordOptional bool `yaml:"password_optional"`
}

// Field says where one connection parameter comes from.
type Field struct {
	Var string `yaml:"var"`
	// Default is what the app uses when Var is unset (or, with OrEmpty,
	// empty). ${NAME} and ${NAME:-default} in it are expanded from the
	// environment, for URLs an app builds from other variables.
	Default *string `yaml:"default"`
	// OrEmpty: an empty value counts as unset (JavaScript `||`, PHP
	// envNonEmpty).
	OrEmpty bool `yaml:"or_empty"`
	// OverURL: a set variable wins over the URL's part.
	OverURL bool `yaml:"over_url"`
	// URLDefault is what the app uses when the URL is set but lacks this
	// part (Firefly III's parse_url fallbacks); without it, the field's
	// own value or default fills the gap.
	URLDefault *string `yaml:"url_default"`
}

// UnmarshalYAML accepts a bare variable name as well as the mapping.
func (f *Field) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		f.Var = n.Value
		return nil
	}
	type plain Field
	return n.Decode((*plain)(f))
}

// value is a resolved field: its value and where it came from.
type value struct {
	v       string
	source  string // "VAR", "default", "url"
	set     bool
	fromVar bool
}

func (f *Field) resolve() value {
	if f == nil {
		return value{}
	}
	if f.Var != "" {
		if v, ok := os.LookupEnv(f.Var); ok && (v != "" || !f.OrEmpty) {
			return value{v: v, source: f.Var, set: true, fromVar: true}
		}
	}
	if f.Default != nil {
		src := "default"
		if f.Var != "" {
			src = f.Var + " unset, default"
		}
		return value{v: expand(*f.Default), source: src, set: true}
	}
	if f.Var != "" {
		return value{source: f.Var + " unset"}
	}
	return value{}
}

// expand replaces ${NAME}, ${NAME:-default}, ${NAME-default} and $NAME.
func expand(s string) string {
	return os.Expand(s, func(name string) string {
		for _, sep := range []string{":-", "-"} {
			if i := strings.Index(name, sep); i > 0 {
				v, ok := os.LookupEnv(name[:i])
				if !ok || (sep == ":-" && v == "") {
					return name[i+len(sep):]
				}
				return v
			}
		}
		return os.Getenv(name)
	})
}

// endpoint is the connection a check ends up using.
type endpoint struct {
	host, port, user, password, database value
	params                               map[string]string
}

// describe prints the endpoint for a message, the password masked.
func (e endpoint) describe() string {
	pw := "(none)"
	if e.password.set {
		pw = "***"
		if e.password.v == "" {
			pw = "(empty)"
		}
	}
	part := func(name string, v value, shown string) string {
		if !v.set {
			shown = "(unset)"
		}
		src := v.source
		if src == "" {
			src = "driver default"
		}
		return fmt.Sprintf("%s=%s [%s]", name, shown, src)
	}
	return strings.Join([]string{
		part("host", e.host, e.host.v),
		part("port", e.port, e.port.v),
		part("user", e.user, e.user.v),
		part("password", e.password, pw),
		part("database", e.database, e.database.v),
	}, " ")
}

// urlParts are the parts a parsed URL names.
type urlParts struct {
	host, port, user, password, database *string
	params                               map[string]string
}

// merge combines the URL (when its variable is set) with the split fields.
func (c Check) merge(u *urlParts, src string) endpoint {
	pick := func(f *Field, part *string) value {
		fv := f.resolve()
		if u == nil {
			return fv
		}
		if fv.fromVar && (c.FieldsOverURL || (f != nil && f.OverURL)) {
			return fv
		}
		if part != nil {
			return value{v: *part, source: src, set: true}
		}
		if f != nil && f.URLDefault != nil && !fv.fromVar {
			return value{v: *f.URLDefault, source: src + " lacks it, app default", set: true}
		}
		return fv
	}
	e := endpoint{params: map[string]string{}}
	var up urlParts
	if u != nil {
		up = *u
		for k, v := range u.params {
			e.params[k] = v
		}
	}
	e.host = pick(c.Host, up.host)
	e.port = pick(c.Port, up.port)
	e.user = pick(c.User, up.user)
	e.password = pick(c.Password, up.password)
	e.database = pick(c.Database, up.database)
	return e
}

func (c Check) label(i int) string {
	l := fmt.Sprintf("check %d (%s", i+1, c.Kind)
	if c.Name != "" {
		l += ", " + c.Name
	}
	return l + ")"
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: appcheck checks.yaml")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "appcheck:", err)
		os.Exit(2)
	}
	var f File
	if err := yaml.Unmarshal(data, &f); err != nil {
		fmt.Fprintf(os.Stderr, "appcheck: %s: %v\n", os.Args[1], err)
		os.Exit(2)
	}
	if len(f.Checks) == 0 {
		fmt.Fprintf(os.Stderr, "appcheck: %s has no checks\n", os.Args[1])
		os.Exit(2)
	}
	for i, c := range f.Checks {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		line, err := run(ctx, c)
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", c.label(i), err)
			os.Exit(1)
		}
		fmt.Printf("ok   %s: %s\n", c.label(i), line)
	}
}

func run(ctx context.Context, c Check) (string, error) {
	var url value
	if c.URL != nil {
		url = c.URL.resolve()
	}
	switch c.Kind {
	case "postgres":
		return checkPostgres(ctx, c, url)
	case "mysql":
		return checkMySQL(ctx, c, url)
	case "redis":
		return checkRedis(ctx, c, url)
	case "rabbitmq":
		return checkRabbitMQ(ctx, c, url)
	}
	return "", fmt.Errorf("unknown kind %q", c.Kind)
}

// failed wraps err with the endpoint that was used.
func failed(e endpoint, err error) error {
	return fmt.Errorf("%w\n    used: %s", err, e.describe())
}

// urlSource names the URL variable for messages.
func urlSource(c Check, u value) string {
	if c.URL != nil && c.URL.Var != "" && u.fromVar {
		return c.URL.Var
	}
	return u.source
}
