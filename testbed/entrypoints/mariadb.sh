#!/usr/bin/env bash
# Entrypoint of parity-testbed/mariadb: Debian's mariadb-server behind the
# contract of the official mariadb image's docker-entrypoint.sh:
# MARIADB_ROOT_PASSWORD / MARIADB_ALLOW_EMPTY_ROOT_PASSWORD /
# MARIADB_RANDOM_ROOT_PASSWORD / MARIADB_ROOT_HOST / MARIADB_USER /
# MARIADB_PASSWORD / MARIADB_DATABASE, each also read under its MYSQL_* name
# (MARIADB_* wins) and as a *_FILE secret; /docker-entrypoint-initdb.d; and a
# socket-only temporary server for initialisation, then the real server.
#
# Lines starting with "#@ " are Dockerfile instructions used by images.sh.
# images.sh also does what the official image does at build time: comments
# out bind-address (Debian's is 127.0.0.1) and turns off reverse lookups.
#@ ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
#@ VOLUME /var/lib/mysql
#@ EXPOSE 3306
#@ CMD ["mariadbd"]
set -Eeo pipefail

log() { printf '%s [Note] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*"; }
error() {
	printf '%s [ERROR] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*" >&2
	exit 1
}

# usage: file_env VAR [DEFAULT] -- VAR, else the content of the file VAR_FILE
# names (docker secrets), else DEFAULT.
file_env() {
	local var="$1" fileVar="${1}_FILE" def="${2:-}"
	if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
		error "both $var and $fileVar are set (but are exclusive)"
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

# usage: mariadb_file_env MYSQL_X [DEFAULT] -- MARIADB_X wins over its
# MYSQL_X alias; afterwards both hold the value in force.
mariadb_file_env() {
	local var="$1"
	shift
	local maria="MARIADB_${var#MYSQL_}"
	file_env "$var" "$@"
	file_env "$maria" "${!var}"
	if [ "${!maria:-}" ]; then
		export "$var"="${!maria}"
	fi
}

setup_env() {
	mariadb_file_env MYSQL_ROOT_HOST '%'
	mariadb_file_env MYSQL_DATABASE
	mariadb_file_env MYSQL_USER
	mariadb_file_env MYSQL_PASSWORD
	mariadb_file_env MYSQL_ROOT_PASSWORD
	: "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:=${MYSQL_ALLOW_EMPTY_PASSWORD:-}}"
	: "${MARIADB_RANDOM_ROOT_PASSWORD:=${MYSQL_RANDOM_ROOT_PASSWORD:-}}"
	# The data directory the server will really use (a --datadir argument
	# or the configuration files), as upstream reads it.
	DATADIR="$("$@" --verbose --help 2>/dev/null | awk '$1 == "datadir" { print $2; exit }')"
	DATADIR="${DATADIR:-/var/lib/mysql}"
	DATADIR="${DATADIR%/}"
	SOCKET=/run/mysqld/mysqld.sock
	DATABASE_ALREADY_EXISTS=
	if [ -d "$DATADIR/mysql" ]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

verify_minimum_env() {
	if [ -z "$MARIADB_ROOT_PASSWORD" ] && [ -z "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ] && [ -z "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
		error $'Database is uninitialized and password option is not specified\n\tYou need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD'
	fi
	if [ "$MARIADB_USER" = root ]; then
		error 'MARIADB_USER="root", MARIADB_USER and MARIADB_PASSWORD are for configuring the regular user and cannot be used for the root user. Use MARIADB_ROOT_PASSWORD for the root password.'
	fi
}

# SQL string literal contents: backslashes and single quotes escaped.
sql_escape() {
	local s="${1//\\/\\\\}"
	printf '%s' "${s//\'/\\\'}"
}

process_sql() {
	local pw=()
	if [ -n "$MARIADB_ROOT_PASSWORD" ]; then
		pw=(--password="$MARIADB_ROOT_PASSWORD")
	fi
	mariadb --no-defaults --protocol=socket --socket="$SOCKET" -uroot -hlocalhost "${pw[@]}" --comments "$@"
}

temp_server_start() {
	# No TCP at all: nothing outside the container can connect before the
	# users and the database exist.
	"$@" --skip-networking --default-time-zone=SYSTEM --socket="$SOCKET" --wsrep_on=OFF \
		--expire-logs-days=0 --skip-slave-start --loose-innodb_buffer_pool_load_at_startup=0 &
	TEMP_PID=$!
	local i
	for i in $(seq 300); do
		if mariadb --no-defaults --protocol=socket --socket="$SOCKET" -uroot -hlocalhost --database=mysql -e 'SELECT 1' &>/dev/null; then
			return 0
		fi
		kill -0 "$TEMP_PID" 2>/dev/null || error "the temporary server exited during initialisation"
		sleep 0.1
	done
	error "the temporary server did not start within 30 s"
}

temp_server_stop() {
	kill "$TEMP_PID"
	wait "$TEMP_PID" || :
}

setup_db() {
	local rootPassword="$MARIADB_ROOT_PASSWORD"
	if [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
		rootPassword="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
		log "GENERATED ROOT PASSWORD: $rootPassword"
	fi
	local rootpw userpw
	rootpw="$(sql_escape "$rootPassword")"
	userpw="$(sql_escape "$MARIADB_PASSWORD")"

	local rootCreate=
	if [ -n "$MARIADB_ROOT_HOST" ] && [ "$MARIADB_ROOT_HOST" != localhost ]; then
		rootCreate="CREATE USER 'root'@'${MARIADB_ROOT_HOST}' IDENTIFIED BY '${rootpw}';
			GRANT ALL ON *.* TO 'root'@'${MARIADB_ROOT_HOST}' WITH GRANT OPTION;
			GRANT PROXY ON ''@'%' TO 'root'@'${MARIADB_ROOT_HOST}' WITH GRANT OPTION;"
	fi
	local createDatabase=
	if [ -n "$MARIADB_DATABASE" ]; then
		log "Creating database ${MARIADB_DATABASE}"
		createDatabase="CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE}\`;"
	fi
	local createUser= grantUser=
	if [ -n "$MARIADB_USER" ] && [ -n "$MARIADB_PASSWORD" ]; then
		log "Creating user ${MARIADB_USER}"
		createUser="CREATE USER '${MARIADB_USER}'@'%' IDENTIFIED BY '${userpw}';"
		if [ -n "$MARIADB_DATABASE" ]; then
			log "Giving user ${MARIADB_USER} access to schema ${MARIADB_DATABASE}"
			grantUser="GRANT ALL ON \`${MARIADB_DATABASE//_/\\_}\`.* TO '${MARIADB_USER}'@'%';"
		fi
	fi

	log "Securing system users (equivalent to running mysql_secure_installation)"
	# No password yet: the freshly installed root@localhost has none.
	MARIADB_ROOT_PASSWORD='' process_sql --database=mysql --binary-mode <<-EOSQL
		SET @@SESSION.SQL_LOG_BIN=0;
		SET @@SESSION.SQL_MODE=REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');
		DROP USER IF EXISTS root@'127.0.0.1', root@'::1';
		EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\'', @@hostname,'\'');
		SET PASSWORD FOR 'root'@'localhost'= PASSWORD('${rootpw}');
		${rootCreate}
		DROP DATABASE IF EXISTS test;
		${createDatabase}
		${createUser}
		${grantUser}
	EOSQL
	MARIADB_ROOT_PASSWORD="$rootPassword"
}

process_init_files() {
	local f
	for f; do
		[ -e "$f" ] || continue # an empty directory leaves the glob itself
		case "$f" in
		*.sh)
			if [ -x "$f" ]; then
				log "running $f"
				"$f"
			else
				log "sourcing $f"
				# shellcheck disable=SC1090
				. "$f"
			fi
			;;
		*.sql) log "running $f"; process_sql --database="$MARIADB_DATABASE" <"$f" ;;
		*.sql.gz) log "running $f"; gunzip -c "$f" | process_sql --database="$MARIADB_DATABASE" ;;
		*.sql.xz) log "running $f"; xz -dc "$f" | process_sql --database="$MARIADB_DATABASE" ;;
		*.sql.zst) log "running $f"; zstd -dc "$f" | process_sql --database="$MARIADB_DATABASE" ;;
		*) log "ignoring $f" ;;
		esac
	done
}

main() {
	# "docker run IMAGE --character-set-server=utf8mb4" means mariadbd with that flag.
	if [ "${1:0:1}" = '-' ]; then
		set -- mariadbd "$@"
	fi
	if [ "$1" = mariadbd ] || [ "$1" = mysqld ]; then
		setup_env "$@"
		if [ "$(id -u)" = 0 ]; then
			mkdir -p "$DATADIR" /run/mysqld /docker-entrypoint-initdb.d
			find "$DATADIR" /run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
			# Re-run this script as the mysql user.
			exec setpriv --reuid=mysql --regid=mysql --init-groups "${BASH_SOURCE[0]}" "$@"
		fi
		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			verify_minimum_env
			ls /docker-entrypoint-initdb.d/ >/dev/null
			log "Initializing database files"
			mariadb-install-db --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal \
				--skip-test-db --default-time-zone=SYSTEM --skip-log-bin --expire-logs-days=0 \
				--loose-innodb_buffer_pool_load_at_startup=0 --loose-innodb_buffer_pool_dump_at_shutdown=0 >/dev/null
			log "Starting temporary server"
			temp_server_start "$@"
			setup_db
			process_init_files /docker-entrypoint-initdb.d/*
			log "Stopping temporary server"
			temp_server_stop
			log "MariaDB init process done. Ready for start up."
		fi
	fi
	# exec: the server replaces this shell and gets docker's stop signal.
	exec "$@"
}

main "$@"
