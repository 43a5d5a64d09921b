package dockerfile

import (
	"slices"
	"strings"
	"testing"
)

func TestBaseIsTheTargetStagesImageWithArgsSubstituted(t *testing.T) {
	cases := []struct {
		name, dockerfile string
		args             map[string]string
		target           string
		want             string
	}{
		{"plain", "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n", nil, "", "postgres:16"},
		{"lower-case instruction and comments", "# syntax=docker/dockerfile:1\n# a comment\nfrom postgres:15.4-alpine\n", nil, "", "postgres:15.4-alpine"},
		{"ARG default", "ARG PG=16\nFROM postgres:${PG}\n", nil, "", "postgres:16"},
		{"ARG overridden by a build arg", "ARG PG=16\nFROM postgres:${PG}-bookworm\n", map[string]string{"PG": "15"}, "", "postgres:15-bookworm"},
		{"bare $VAR", "ARG PG_MAJOR=14\nFROM postgres:$PG_MAJOR\n", nil, "", "postgres:14"},
		{"ARG without default takes the build arg", "ARG BASE\nFROM ${BASE}\n", map[string]string{"BASE": "pgvector/pgvector:pg16"}, "", "pgvector/pgvector:pg16"},
		{"default in ${:-}", "ARG PG\nFROM postgres:${PG:-13}\n", nil, "", "postgres:13"},
		{"ARG defaults use earlier ARGs", "ARG PG=16\nARG IMAGE=postgres:${PG}-alpine\nFROM $IMAGE\n", nil, "", "postgres:16-alpine"},
		{"undeclared build arg is not used", "FROM postgres:${PG:-12}\n", map[string]string{"PG": "16"}, "", "postgres:12"},
		{"ARG inside a stage does not reach FROM", "FROM alpine:3 AS tools\nARG PG=99\nFROM postgres:16\n", nil, "", "postgres:16"},
		{"stage reference", "FROM postgres:16 AS base\nRUN echo hi\nFROM base AS final\nCOPY x /x\n", nil, "", "postgres:16"},
		{"stage reference, case-insensitive, chained", "FROM postgres:15 AS Base\nFROM base AS mid\nFROM MID\n", nil, "", "postgres:15"},
		{"builder stage then the base", "FROM rust:1.80 AS build\nRUN cargo build\nFROM postgres:16\nCOPY --from=build /out /usr/lib/postgresql/16/lib/\n", nil, "", "postgres:16"},
		{"target picks a stage", "FROM postgres:16 AS db\nFROM node:20 AS web\n", nil, "db", "postgres:16"},
		{"platform flag", "FROM --platform=linux/amd64 postgres:16 AS db\n", nil, "", "postgres:16"},
		{"continued line", "FROM \\\n  postgres:16 \\\n  AS db\n", nil, "", "postgres:16"},
		{"escape directive", "# escape=`\nFROM `\n  postgres:17\n", nil, "", "postgres:17"},
		{"scratch", "FROM scratch\nCOPY x /\n", nil, "", ""},
		{"CRLF", "ARG PG=16\r\nFROM postgres:${PG}\r\n", nil, "", "postgres:16"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse([]byte(c.dockerfile))
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.Base(c.args, c.target)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("Base = %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseErrs(t *testing.T) {
	if _, err := Parse([]byte("# nothing\nRUN true\n")); err == nil {
		t.Error("a Dockerfile without FROM parsed")
	}
	f, _ := Parse([]byte("FROM postgres:16 AS db\n"))
	if _, err := f.Base(nil, "web"); err == nil || !strings.Contains(err.Error(), `"web"`) {
		t.Errorf("unknown target: %v", err)
	}
}

func TestImagesListsEveryExternalImageUpToTheTarget(t *testing.T) {
	const df = `ARG PG=16
FROM rust:1.80 AS build
RUN cargo build
FROM postgres:${PG} AS base
COPY --from=build /out /lib/
COPY --from=0 /out /lib2/
COPY --from=busybox:1.36 /bin/busybox /bin/
FROM base AS final
FROM node:20 AS web
`
	f, err := Parse([]byte(df))
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Images(nil, "final")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"rust:1.80", "postgres:16", "busybox:1.36"}; !slices.Equal(got, want) {
		t.Errorf("Images = %q, want %q", got, want)
	}
}

func TestRewriteRenamesExternalImagesOnly(t *testing.T) {
	const df = `# syntax=docker/dockerfile:1
ARG PG=16
FROM rust:1.80 AS build
FROM --platform=linux/amd64 \
    postgres:${PG} AS base
# comment kept
COPY --from=build /out /lib/
COPY --chown=postgres --from=busybox:1.36 /bin/busybox /bin/
FROM base AS final
COPY init.sql /docker-entrypoint-initdb.d/
`
	f, err := Parse([]byte(df))
	if err != nil {
		t.Fatal(err)
	}
	mirror := func(ref string) string {
		if ref == "rust:1.80" {
			return ref // left alone
		}
		return "127.0.0.1:5959/library/" + ref
	}
	got := string(f.Rewrite(map[string]string{"PG": "15"}, mirror))
	want := `# syntax=docker/dockerfile:1
ARG PG=16
FROM rust:1.80 AS build
FROM --platform=linux/amd64 127.0.0.1:5959/library/postgres:15 AS base
# comment kept
COPY --from=build /out /lib/
COPY --chown=postgres --from=127.0.0.1:5959/library/busybox:1.36 /bin/busybox /bin/
FROM base AS final
COPY init.sql /docker-entrypoint-initdb.d/
`
	if got != want {
		t.Errorf("Rewrite:\n%s\nwant:\n%s", got, want)
	}
	// The rewritten file resolves to the renamed base.
	g, err := Parse([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	if base, _ := g.Base(nil, ""); base != "127.0.0.1:5959/library/postgres:15" {
		t.Errorf("rewritten base %q", base)
	}
}
