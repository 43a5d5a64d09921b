#!/usr/bin/env bash
# Entrypoint of parity-testbed/redis: Debian's redis-server behind the
# contract of the official redis image's docker-entrypoint.sh.
#
# Lines starting with "#@ " are Dockerfile instructions used by images.sh
# (few of them: each costs a container commit in the classic builder).
#@ ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
#@ VOLUME /data
#@ WORKDIR /data
#@ EXPOSE 6379
#@ CMD ["redis-server"]
set -Eeo pipefail

# "docker run IMAGE --requirepass x" or "docker run IMAGE /etc/redis.conf"
# both mean redis-server with those arguments.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

# Drop root: chown what the server writes, then re-run this script as redis.
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
	find /data \! -user redis -exec chown redis '{}' + 2>/dev/null || :
	exec setpriv --reuid=redis --regid=redis --init-groups "${BASH_SOURCE[0]}" "$@"
fi

# Inserted before the user's options (but after a config file, which must be
# the first argument), so an option the user gives explicitly still wins:
# for redis the last occurrence of an option is the one in force.
if [ "$1" = redis-server ]; then
	configFile=
	if [ -f "${2:-}" ]; then
		configFile="$2"
	fi
	extra=()
	# Containers are reached through the bridge, never over loopback, so
	# protected mode would refuse every client when no password is set.
	if [ -z "$configFile" ] || ! grep -q '^protected-mode' "$configFile"; then
		extra+=(--protected-mode no)
	fi
	if [ -z "$configFile" ] || ! grep -q '^dir' "$configFile"; then
		extra+=(--dir /data)
	fi
	if ((${#extra[@]})); then
		shift # redis-server
		if [ -n "$configFile" ]; then shift; fi
		set -- "${extra[@]}" "$@"
		if [ -n "$configFile" ]; then set -- "$configFile" "$@"; fi
		set -- redis-server "$@"
	fi
fi

# Like upstream: keep the server's files private unless a umask was chosen.
if [ "$(umask)" = 0022 ]; then
	umask 0077
fi
exec "$@"
