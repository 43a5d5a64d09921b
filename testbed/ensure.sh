#!/usr/bin/env bash
# The testbed's one entry point: builds (or reuses) the service images, makes
# sure the local registry runs and holds them, and prints the line to eval:
#   eval "$(testbed/ensure.sh)"    # -> export PARITY_TEST_REGISTRY=127.0.0.1:PORT
#   testbed/ensure.sh postgres redis   # only these images (default: all)
# Progress goes to stderr.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
t0=$(date +%s.%N)
bash "$HERE/images.sh" "$@"
addr=$(bash "$HERE/registry.sh")
printf '[ensure] testbed ready in %ss; registry %s\n' \
  "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')" "$addr" >&2
printf 'export PARITY_TEST_REGISTRY=%s\n' "$addr"
