#!/usr/bin/env bash
# Entrypoint of parity-testbed/postgres: Debian's postgresql-15 behind the
# contract of the official postgres image's docker-entrypoint.sh
# (POSTGRES_PASSWORD / POSTGRES_USER / POSTGRES_DB / PGDATA /
# POSTGRES_INITDB_ARGS / POSTGRES_HOST_AUTH_METHOD, /docker-entrypoint-initdb.d,
# and the two-phase start: a socket-only temporary server for initialisation,
# then the real server on '*').
#
# Lines starting with "#@ " are Dockerfile instructions used by images.sh.
# (Each instruction costs a container commit in the classic builder, ~2 s on
# this engine's storage driver: keep them few, and no RUN -- directories are
# made here at start-up, as root, instead.)
#@ ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 PG_MAJOR=15 PGDATA=/var/lib/postgresql/data
#@ VOLUME /var/lib/postgresql/data
#@ STOPSIGNAL SIGINT
#@ EXPOSE 5432
#@ CMD ["postgres"]
set -Eeo pipefail

log() { printf '%s\n' "$*"; }

# usage: file_env VAR [DEFAULT] -- supports VAR_FILE (docker secrets) like the official image.
file_env() {
	local var="$1" fileVar="${1}_FILE" def="${2:-}"
	if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
		log >&2 "error: both $var and $fileVar are set (but are exclusive)"
		exit 1
	fi
	local val="$def"
	if [ "${!var:-}" ]; then
		val="${!var}"
	elif [ "${!fileVar:-}" ]; then
		val="$(<"${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

setup_env() {
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=}"
	export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
	DATABASE_ALREADY_EXISTS=
	if [ -s "$PGDATA/PG_VERSION" ]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

create_db_directories() {
	local user
	user="$(id -u)"
	if [ "$user" = 0 ]; then
		mkdir -p /docker-entrypoint-initdb.d
	fi
	mkdir -p "$PGDATA"
	chmod 00700 "$PGDATA" || :
	mkdir -p /var/run/postgresql || :
	chmod 03775 /var/run/postgresql || :
	if [ "$user" = 0 ]; then
		find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
	fi
}

verify_minimum_env() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		cat >&2 <<-'EOE'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

			       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
			       connections without a password. This is *not* recommended.

			       See PostgreSQL documentation about "trust":
			       https://www.postgresql.org/docs/current/auth-trust.html
		EOE
		exit 1
	fi
	if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
		cat >&2 <<-'EOWARN'
			********************************************************************************
			WARNING: POSTGRES_HOST_AUTH_METHOD has been set to "trust". This will allow
			         anyone with access to the Postgres port to access your database without
			         a password, even if POSTGRES_PASSWORD is set.
			********************************************************************************
		EOWARN
	fi
}

init_database_dir() {
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		set -- --waldir "$POSTGRES_INITDB_WALDIR" "$@"
	fi
	# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is split on purpose, as upstream does
	initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS "$@"
	# The final server listens on every interface (the official image does
	# this to postgresql.conf.sample at build time).
	sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$PGDATA/postgresql.conf"
}

setup_hba_conf() {
	local auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
	{
		printf '\n'
		if [ "$auth" = trust ]; then
			printf '# warning trust is enabled for all connections\n'
		fi
		printf 'host all all all %s\n' "$auth"
	} >>"$PGDATA/pg_hba.conf"
}

# Phase 1: unix socket only, so nothing outside the container can connect
# before initialisation is complete.
temp_server_start() {
	if [ "$1" = postgres ]; then shift; fi
	set -- "$@" -c listen_addresses='' -p "${PGPORT:-5432}"
	PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -o "$(printf '%q ' "$@")" -w start
}

temp_server_stop() {
	PGUSER="${PGUSER:-postgres}" pg_ctl -D "$PGDATA" -m fast -w stop
}

process_sql() {
	local query_runner=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
	if [ -n "$POSTGRES_DB" ]; then
		query_runner+=(--dbname "$POSTGRES_DB")
	fi
	PGHOST='' PGHOSTADDR='' "${query_runner[@]}" "$@"
}

setup_db() {
	local dbAlreadyExists
	# The expansion sees the real POSTGRES_DB, process_sql an empty one (on purpose).
	# shellcheck disable=SC2097,SC2098
	dbAlreadyExists="$(POSTGRES_DB='' process_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<-'EOSQL'
		SELECT 1 FROM pg_database WHERE datname = :'db' ;
	EOSQL
	)"
	if [ -z "$dbAlreadyExists" ]; then
		# shellcheck disable=SC2097,SC2098
		POSTGRES_DB='' process_sql --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
		printf '\n'
	fi
}

process_init_files() {
	printf '\n'
	local f
	for f; do
		# An empty directory leaves the glob itself.
		[ -e "$f" ] || continue
		case "$f" in
		*.sh)
			if [ -x "$f" ]; then
				log "$0: running $f"
				"$f"
			else
				log "$0: sourcing $f"
				# shellcheck disable=SC1090
				. "$f"
			fi
			;;
		*.sql) log "$0: running $f"; process_sql -f "$f"; printf '\n' ;;
		*.sql.gz) log "$0: running $f"; gunzip -c "$f" | process_sql; printf '\n' ;;
		*.sql.xz) log "$0: running $f"; xz -dc "$f" | process_sql; printf '\n' ;;
		*.sql.zst) log "$0: running $f"; zstd -dc "$f" | process_sql; printf '\n' ;;
		*) log "$0: ignoring $f" ;;
		esac
		printf '\n'
	done
}

main() {
	# "docker run IMAGE -c shared_buffers=256MB" means postgres with that flag.
	if [ "${1:0:1}" = '-' ]; then
		set -- postgres "$@"
	fi

	if [ "$1" = postgres ]; then
		setup_env
		create_db_directories
		if [ "$(id -u)" = 0 ]; then
			# Re-run this script as the postgres user.
			exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
		fi

		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			verify_minimum_env
			# Check permissions of the initdb directory before starting.
			ls /docker-entrypoint-initdb.d/ >/dev/null
			init_database_dir
			setup_hba_conf

			export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
			temp_server_start "$@"
			setup_db
			process_init_files /docker-entrypoint-initdb.d/*
			temp_server_stop
			unset PGPASSWORD

			cat <<-'EOM'

				PostgreSQL init process complete; ready for start up.

			EOM
		else
			cat <<-'EOM'

				PostgreSQL Database directory appears to contain a database; Skipping initialization

			EOM
		fi
	fi

	# exec: the server replaces this shell, so docker's stop signal (SIGINT,
	# a fast shutdown) reaches postgres directly.
	exec "$@"
}

main "$@"
