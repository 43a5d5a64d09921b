# parity's developer entry points. `make test` is the one command that runs
# every test, end-to-end ones included (see README.md, "Testing").

SHELL := /bin/bash
PARITY_TESTBED_CACHE ?= /var/cache/parity-testbed
export PARITY_TESTBED_CACHE
REGISTRY_ADDR_FILE := $(PARITY_TESTBED_CACHE)/registry.addr

.PHONY: images test demo clean-testbed

# Builds (or reuses) the testbed's service images and the local registry
# that serves them as 127.0.0.1:PORT/library/<svc>:<tag>.
images:
	bash testbed/ensure.sh

# -p 1: the end-to-end tests of several packages untag and pull the same
# registry images to exercise the real pull path; run packages one at a
# time so one package's pull never races another's container create.
test: images
	PARITY_TEST_REGISTRY=$$(cat $(REGISTRY_ADDR_FILE)) go test -race -count=1 -p 1 -parallel 4 -timeout 25m ./...

demo: images
	go run ./cmd/parity --registry-mirror $$(cat $(REGISTRY_ADDR_FILE)) up -f examples/quickstart/compose.yaml -- go run ./examples/quickstart

bench: images ; go run ./bench/up && go run ./bench/tui

# Removes every container, network and volume a test left behind.
clean-testbed:
	ids=$$(docker ps -aq --filter label=dev.parity.test=1); [ -z "$$ids" ] || docker rm -f -v $$ids
	ids=$$(docker network ls -q --filter label=dev.parity.test=1); [ -z "$$ids" ] || docker network rm $$ids
	ids=$$(docker volume ls -q --filter label=dev.parity.test=1); [ -z "$$ids" ] || docker volume rm -f $$ids
