#!/usr/bin/env bash
# Entrypoint of parity-testbed/memcached: Debian's memcached behind the
# contract of the official memcached image: arguments starting with "-" are
# memcached options, and the server runs as an unprivileged user on every
# interface, port 11211, with no authentication.
#
# Lines starting with "#@ " are Dockerfile instructions used by images.sh.
#@ ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
#@ EXPOSE 11211
#@ CMD ["memcached"]
set -Eeo pipefail

# "docker run IMAGE -m 64" means memcached with that option.
if [ "${1:0:1}" = '-' ]; then
	set -- memcached "$@"
fi

# The official image runs as its memcache user (USER memcache); Debian's
# package has the same user.
if [ "$1" = memcached ] && [ "$(id -u)" = 0 ]; then
	exec setpriv --reuid=memcache --regid=memcache --init-groups "$@"
fi
exec "$@"
