#!/usr/bin/env bash
# Entrypoint of parity-testbed/rabbitmq: Debian's rabbitmq-server behind the
# contract of the official rabbitmq image. RABBITMQ_DEFAULT_USER,
# RABBITMQ_DEFAULT_PASS and RABBITMQ_DEFAULT_VHOST are read by RabbitMQ itself
# (since 3.9 the official entrypoint leaves them to it) when it creates its
# database on first boot; this script adds what the official image bakes in:
# the guest user allowed from other hosts and logs on stdout. The test bed
# serves this one image under the plain and the -management tags, so the
# management plugin is always enabled (15672).
#
# Lines starting with "#@ " are Dockerfile instructions used by images.sh.
#@ ENV PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/var/lib/rabbitmq RABBITMQ_LOGS=-
#@ VOLUME /var/lib/rabbitmq
#@ EXPOSE 4369 5671 5672 15671 15672 15691 15692 25672
#@ CMD ["rabbitmq-server"]
set -Eeo pipefail

# "docker run IMAGE -s" style arguments mean rabbitmq-server with them.
if [ "${1:0:1}" = '-' ]; then
	set -- rabbitmq-server "$@"
fi

if [ "$1" = rabbitmq-server ] && [ "$(id -u)" = 0 ]; then
	mkdir -p /etc/rabbitmq/conf.d /var/lib/rabbitmq /var/log/rabbitmq
	# The official image's conf.d/10-defaults.conf; a mounted file wins.
	if [ ! -e /etc/rabbitmq/conf.d/10-defaults.conf ]; then
		printf '%s\n' \
			'## allow access to the guest user from anywhere on the network' \
			'loopback_users.guest = false' \
			'## send all logs to stdout, where docker logs finds them' \
			'log.console = true' >/etc/rabbitmq/conf.d/10-defaults.conf
	fi
	if [ ! -e /etc/rabbitmq/enabled_plugins ]; then
		printf '[rabbitmq_management,rabbitmq_prometheus].\n' >/etc/rabbitmq/enabled_plugins
	fi
	find /var/lib/rabbitmq /var/log/rabbitmq /etc/rabbitmq \! -user rabbitmq -exec chown rabbitmq:rabbitmq '{}' +
	# Re-run this script as the rabbitmq user.
	exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "${BASH_SOURCE[0]}" "$@"
fi

# exec: the server replaces this shell and gets docker's stop signal.
exec "$@"
