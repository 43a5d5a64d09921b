#!/usr/bin/env bash
# onboard.sh: a new team member's first run, in one command.
#
# Copy this file into your repository (e.g. as scripts/onboard.sh), set
# MIGRATE below to your migration command, and tell new people to run it.
# It checks the machine (parity doctor), starts production's backing services
# at production's versions (parity up --detach), runs the migrations against
# them (parity run -- ...), and prints what to do next. It stops with a clear
# message at the first step that fails.
#
# Settings, from the environment:
#   PARITY        the parity binary (default: parity on PATH)
#   PARITY_FLAGS  global flags for every parity call, e.g.
#                 PARITY_FLAGS="-f deploy/compose.prod.yaml -p shop"
#   MIGRATE       the migration command, run with the app's environment
#                 (DATABASE_URL, REDIS_URL, ...); empty skips the step
#   APP_COMMAND   shown in the next steps (default: app.command from parity.yaml)
# parity itself reads PARITY_REGISTRY_MIRROR (pull Docker Hub images through a
# mirror), PARITY_STATE_DIR, DOCKER_HOST and the docker context.
set -Eeuo pipefail # -E: the ERR trap below also fires inside functions

# The migration command: edit this line for your project, for instance
#   MIGRATE="${MIGRATE-bin/rails db:migrate}"
#   MIGRATE="${MIGRATE-python manage.py migrate}"
#   MIGRATE="${MIGRATE-npx prisma migrate deploy}"
# The quickstart's "migration" is one round trip through Postgres and Redis.
MIGRATE="${MIGRATE-go run ./examples/quickstart -check}"

PARITY="${PARITY:-parity}"
read -r -a flags <<<"${PARITY_FLAGS:-}"

step="start"
on_error() {
	local code=$1
	{
		echo
		echo "onboarding stopped: step \"$step\" failed (exit $code)."
		case "$step" in
		doctor) echo "Fix the checks marked ✗ above, then run this script again." ;;
		up) echo "The services did not all start; the messages above say which and why. 'parity status' shows where they are." ;;
		migrate) echo "The services are up, but the migration failed: fix it and run this script again (the services are reused)." ;;
		esac
	} >&2
	exit "$code"
}
trap 'on_error $?' ERR

# run_parity runs parity with the global flags; "command" so that PARITY=parity
# never finds a shell function of that name.
run_parity() { command "$PARITY" ${flags[@]+"${flags[@]}"} "$@"; }

step="find parity"
if ! command -v "$PARITY" >/dev/null 2>&1; then
	echo "onboarding stopped: parity is not installed ($PARITY not found)." >&2
	echo "Install it: go install github.com/parity-dev/parity/cmd/parity@latest (or set PARITY=/path/to/parity)." >&2
	exit 1
fi

echo "==> 1/3 checking this machine (parity doctor)"
step="doctor"
run_parity doctor

echo
echo "==> 2/3 starting the backing services (parity up --detach)"
step="up"
run_parity up --detach

echo
step="migrate"
if [[ -n "$MIGRATE" ]]; then
	echo "==> 3/3 migrating (parity run -- $MIGRATE)"
	read -r -a migrate <<<"$MIGRATE"
	run_parity run -- "${migrate[@]}"
else
	echo "==> 3/3 no MIGRATE set: skipping migrations"
fi

step="done"
shown="parity${PARITY_FLAGS:+ $PARITY_FLAGS}"
next_step() { printf '  %s:\n    %s\n' "$2" "$shown $1"; }
echo
echo "Onboarding done: the backing services run, at production's versions."
echo "Next steps:"
if [[ -n "${APP_COMMAND:-}" ]]; then
	next_step "up -- $APP_COMMAND" "run the app against them (Ctrl-C stops it all)"
else
	next_step "up" "run the app (app.command in parity.yaml) against them"
fi
next_step "status" "where each service is and whether it answers"
next_step "env --explain" "the app's environment and where each value comes from"
next_step "run -- CMD" "run tests or scripts with that environment"
next_step "down" "stop the services; the data stays"
next_step "down --volumes" "stop them and delete their data and passwords"
