package main

import (
	"testing"

	yaml "go.yaml.in/yaml/v4"
)

func checkFrom(t *testing.T, src string) Check {
	t.Helper()
	var c Check
	if err := yaml.Unmarshal([]byte(src), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFieldsResolveAsTheAppReadsThem(t *testing.T) {
	t.Setenv("SET", "value")
	t.Setenv("EMPTY", "")
	t.Setenv("RABBITMQ_USER", "taiga")
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		name string
		f    *Field
		want value
	}{
		{"set", &Field{Var: "SET", Default: str("d")}, value{v: "value", source: "SET", set: true, fromVar: true}},
		{"unset takes the default", &Field{Var: "UNSET", Default: str("d")}, value{v: "d", source: "UNSET unset, default", set: true}},
		{"empty is a value", &Field{Var: "EMPTY", Default: str("d")}, value{v: "", source: "EMPTY", set: true, fromVar: true}},
		{"or_empty: empty takes the default", &Field{Var: "EMPTY", Default: str("d"), OrEmpty: true}, value{v: "d", source: "EMPTY unset, default", set: true}},
		{"unset, no default", &Field{Var: "UNSET"}, value{source: "UNSET unset"}},
		{"default expands variables", &Field{Default: str("amqp://${RABBITMQ_USER}:${RABBITMQ_PASS:-guest}@h/")}, value{v: "amqp://taiga:guest@h/", source: "default", set: true}},
	} {
		if got := c.f.resolve(); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestURLPartsWinOverFieldsUnlessTheAppSaysOtherwise(t *testing.T) {
	t.Setenv("DATABASE_URL", "mysql://root:pw@127.0.0.1:33060")
	t.Setenv("DB_HOST", "db")
	parts, err := parseURL("mysql://root:pw@127.0.0.1:33060")
	if err != nil {
		t.Fatal(err)
	}
	rails := checkFrom(t, `{kind: mysql, url: DATABASE_URL, host: {var: DB_HOST}, database: {var: DB_DATABASE, default: app}}`)
	e := rails.merge(parts, "DATABASE_URL")
	if e.host.v != "127.0.0.1" || e.port.v != "33060" || e.database.v != "app" {
		t.Errorf("URL first: host %q port %q database %q", e.host.v, e.port.v, e.database.v)
	}
	firefly := checkFrom(t, `{kind: mysql, url: DATABASE_URL, fields_over_url: true, host: {var: DB_HOST}, database: {var: DB_DATABASE, url_default: firefly}}`)
	e = firefly.merge(parts, "DATABASE_URL")
	if e.host.v != "db" || e.port.v != "33060" || e.database.v != "firefly" || e.database.source != "DATABASE_URL lacks it, app default" {
		t.Errorf("fields first: host %q port %q database %q (%s)", e.host.v, e.port.v, e.database.v, e.database.source)
	}
}

func TestLibpqKeyValueStrings(t *testing.T) {
	p, err := parseDSN(`user=postgres password='p w\'x' dbname=miniflux2 sslmode=disable`)
	if err != nil {
		t.Fatal(err)
	}
	if p.host != nil || *p.user != "postgres" || *p.password != `p w'x` || *p.database != "miniflux2" || p.params["sslmode"] != "disable" {
		t.Errorf("parsed %+v", p)
	}
}
