#!/usr/bin/env bash
# Entrypoint of parity-testbed/nats: Debian's nats-server behind the contract
# of the official nats image: arguments are nats-server options
# (--user/--pass, --auth, -js, ...), and the default command reads
# /nats-server.conf, the official image's configuration (clients on 4222,
# monitoring on 8222, cluster routes on 6222), written here when missing.
#
# Lines starting with "#@ " are Dockerfile instructions used by images.sh.
#@ ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
#@ EXPOSE 4222 6222 8222
#@ CMD ["--config", "/nats-server.conf"]
set -Eeo pipefail

# "docker run IMAGE -js" means nats-server with that option.
if [ "${1:0:1}" = '-' ]; then
	set -- nats-server "$@"
fi

if [ ! -e /nats-server.conf ] && [ "$(id -u)" = 0 ]; then
	cat >/nats-server.conf <<'EOC'
# Client port of 4222 on all interfaces
port: 4222

# HTTP monitoring port
monitor_port: 8222

# This is for clustering multiple servers together.
cluster {
  name: "NATS"
  port: 6222
  authorization {
    user: ruser
    password: T0pS3cr3t
    timeout: 2
  }
  routes = []
}
EOC
fi
exec "$@"
