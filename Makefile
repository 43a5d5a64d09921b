# parity's developer entry points. `make test` is the one command that runs
# every test, end-to-end ones included (see README.md, "Testing").

SHELL := /bin/bash
PARITY_TESTBED_CACHE ?= /var/cache/parity-testbed
export PARITY_TESTBED_CACHE
REGISTRY_ADDR_FILE := $(PARITY_TESTBED_CACHE)/registry.addr

.PHONY: images test fuzz-short demo clean-testbed man

# Builds (or reuses) the testbed's service images and the local registry
# that serves them as 127.0.0.1:PORT/library/<svc>:<tag>.
images:
	bash testbed/ensure.sh

# -p 1: the end-to-end tests of several packages untag and pull the same
# registry images to exercise the real pull path; run packages one at a
# time so one package's pull never races another's container create.
test: images
	PARITY_TEST_REGISTRY=$$(cat $(REGISTRY_ADDR_FILE)) go test -race -count=1 -p 1 -parallel 4 -timeout 40m ./...
	$(MAKE) fuzz-short

# Each fuzz target for a few thousand inputs beyond its seed corpus (which
# plain `go test` already runs): bad input must never crash or hang parity.
# go fuzzes one target per invocation. A count, not a duration: Go 1.26's
# fuzz coordinator can fail a target with a bare "context deadline
# exceeded" when a -fuzztime duration ends under load (golang/go#75804,
# fixed in 1.27; it failed CI once here); a count sets no deadline.
# FUZZTIME=5m for a longer hunt.
FUZZTIME ?= 3000x
# The Kubernetes reader's target is left to longer hunts: instrumenting the
# Kubernetes libraries costs minutes of compiling; its seeds and 1500
# broken variations run in every `go test`. -fuzzminimizetime 0s: with
# whole manifests as seeds almost every early input is new coverage, and
# minimizing each for the default 60 s leaves no time to fuzz.
FUZZ_TARGETS := ./engine/manifest:FuzzLoad ./engine/manifest:FuzzParseEnvFile \
	./engine/connstr:FuzzRoundTrip ./engine/connstr:FuzzSetThenParse \
	./engine/manifest/paas:FuzzRender ./engine/manifest/paas:FuzzDigitalOcean \
	./engine/manifest/paas:FuzzHeroku ./stacks:FuzzMapManaged \
	./engine/manifest/terraform:FuzzLoad
fuzz-short:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($(FUZZTIME))"; \
		go test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 0s -parallel 2 "$${t%%:*}"; \
	done

# The quickstart needs only Postgres and Redis: build just those two images
# (about 3 minutes the first time, not the 10 that all six take).
DEMO_IMAGES := postgres redis
demo:
	bash testbed/ensure.sh $(DEMO_IMAGES)
	go run ./cmd/parity --registry-mirror $$(cat $(REGISTRY_ADDR_FILE)) up -f examples/quickstart/compose.yaml -- go run ./examples/quickstart

bench: images ; go run ./bench/up && go run ./bench/tui

# Man pages, one per command, from the same text as --help (./man is git-ignored).
man:
	go run ./cmd/parity gen-man ./man

# Removes every container, network and volume a test left behind.
clean-testbed:
	ids=$$(docker ps -aq --filter label=dev.parity.test=1); [ -z "$$ids" ] || docker rm -f -v $$ids
	ids=$$(docker network ls -q --filter label=dev.parity.test=1); [ -z "$$ids" ] || docker network rm $$ids
	ids=$$(docker volume ls -q --filter label=dev.parity.test=1); [ -z "$$ids" ] || docker volume rm -f $$ids
