#!/usr/bin/env bash
# Builds the testbed's service images (Postgres, Redis, ...) from Debian
# packages, because no container registry on the internet is reachable here:
# one debootstrap'ed bookworm rootfs becomes parity-testbed/base:<KEY>, and
# each service is a tiny classic-builder `docker build` FROM it that adds
# testbed/entrypoints/<svc>.sh (an entrypoint honouring the official image's
# contract).
#
# Everything is cached by KEY (hash of PACKAGES, this script and the entrypoint
# files): when every parity-testbed/<svc>:<KEY> exists, nothing is built.
#
# Adding a service (e.g. memcached):
#   1. append its Debian package to PACKAGES,
#   2. add one line to SERVICES,
#   3. write testbed/entrypoints/<svc>.sh; its "#@ " header lines are
#      Dockerfile instructions (ENV, EXPOSE, VOLUME, CMD, ...).
#
# Usage: images.sh [--dry-run] [SERVICE...]
#   SERVICE...  build only these (default: all), e.g. `images.sh postgres redis`
#               for the demo. A base holding only their packages is
#               debootstrap'ed when no full base is cached, so two services do
#               not pay for MariaDB's and RabbitMQ's packages.
#   --dry-run   print what would be built (the plan) on stdout and stop.
#
# All logging goes to stderr; the script prints nothing on stdout (except the
# --dry-run plan).
set -euo pipefail

# Bash reads a script while it runs it; these braces make it parse the whole
# body first, so editing this file during a (minutes-long) build cannot break
# that build.
{

PACKAGES="postgresql-15,redis-server,mariadb-server,rabbitmq-server,memcached,nats-server"

# The one place where the image tags live.
#   <svc>|<Debian package whose upstream version is the real version>|<tags>
# "@V" in the tags stands for that real upstream version (15.N, 7.0.N), also
# inside a tag ("@V-management"). These are the tags real Compose files pin;
# they all name the same image, so a tag is only ever one whose upstream
# really is that package (MariaDB is mariadb:*, never mysql:*).
SERVICES=(
  "postgres|postgresql-15|15 15.4 15-alpine 15.4-alpine 15-bookworm @V"
  "redis|redis-server|7 7.0 7-alpine 7.0-alpine 7-bookworm @V"
  "mariadb|mariadb-server|10.11 10 10.11-jammy @V"
  "rabbitmq|rabbitmq-server|3 3.10 3-management 3.10-management 3-alpine 3-management-alpine @V @V-management"
  "memcached|memcached|1.6 1 1.6-alpine 1-alpine 1.6-bookworm @V"
  "nats|nats-server|2 2.9 2-alpine 2.9-alpine @V"
)

# Rough minutes for the first build, to tell the developer before it starts:
# a minbase debootstrap plus each service's packages, plus the docker builds.
# Measured: all six took 10.5 min on a 2-core machine with a cold cache.
EST_BASE_S=90
EST_BUILD_S=45
declare -A EST_PKG_S=([postgres]=30 [redis]=15 [mariadb]=120 [rabbitmq]=240 [memcached]=10 [nats]=20)

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
CACHE="${PARITY_TESTBED_CACHE:-/var/cache/parity-testbed}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENTRYPOINTS="$HERE/entrypoints"
LABEL_KEY=dev.parity.testbed.key
LABEL_VERSION=dev.parity.testbed.version

log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

phase_start=0
phase() { phase_name="$1"; phase_start=$(date +%s.%N); log "phase: $phase_name ..."; }
phase_done() { log "phase: $phase_name done in $(awk -v a="$phase_start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s"; }
total_start=$(date +%s.%N)

svc_name() { printf '%s' "${1%%|*}"; }
svc_pkg() { local r="${1#*|}"; printf '%s' "${r%%|*}"; }
svc_tags() { printf '%s' "${1##*|}"; }

# Expands @V and drops duplicates (e.g. when the real version is 15.4).
expand_tags() {
  local tags="$1" version="$2" t out=()
  for t in $tags; do
    t="${t//@V/$version}"
    [[ " ${out[*]-} " == *" $t "* ]] || out+=("$t")
  done
  printf '%s\n' "${out[@]}"
}

# "5:7.0.15-1~deb12u5" -> "7.0.15"; "15.14-0+deb12u1" -> "15.14"
upstream_version() { local v="${1#*:}"; v="${v%%-*}"; v="${v%%[+~]*}"; printf '%s' "$v"; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

DRY_RUN=
selected=()
for arg in "$@"; do
  case $arg in
    --dry-run) DRY_RUN=1 ;;
    -*) die "unknown flag $arg (usage: images.sh [--dry-run] [SERVICE...])" ;;
    *)
      found=
      for s in "${SERVICES[@]}"; do [[ $(svc_name "$s") == "$arg" ]] && found=1; done
      [[ -n $found ]] || die "unknown service $arg; the testbed has: $(for s in "${SERVICES[@]}"; do printf '%s ' "$(svc_name "$s")"; done)"
      [[ " ${selected[*]-} " == *" $arg "* ]] || selected+=("$arg")
      ;;
  esac
done
if ((${#selected[@]} == 0)); then
  for s in "${SERVICES[@]}"; do selected+=("$(svc_name "$s")"); done
fi
# svc_line NAME: the SERVICES line of a service.
svc_line() { local s; for s in "${SERVICES[@]}"; do [[ $(svc_name "$s") == "$1" ]] && { printf '%s' "$s"; return; }; done; }

command -v docker >/dev/null || die "docker CLI not found"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (docker info failed)"

# Two runs at once (two `make test`s on one machine) must not debootstrap into
# the same directory: the second waits for the first, then finds its images.
mkdir -p "$CACHE"
exec 8>"$CACHE/images.lock"
if [[ -z $DRY_RUN ]] && ! flock -n 8; then
  log "another images.sh is running; waiting for it (up to 30 min)"
  flock -w 1800 8 || die "timed out waiting for $CACHE/images.lock"
fi

# ---- KEY -------------------------------------------------------------------
phase "key"
for s in "${SERVICES[@]}"; do
  [[ -f "$ENTRYPOINTS/$(svc_name "$s").sh" ]] || die "missing entrypoint $ENTRYPOINTS/$(svc_name "$s").sh"
done
KEY=$({
  printf 'packages=%s suite=%s\n' "$PACKAGES" "$SUITE"
  cat "${BASH_SOURCE[0]}"
  for f in "$ENTRYPOINTS"/*.sh; do printf '\n== %s\n' "$(basename "$f")"; cat "$f"; done
} | sha256sum | cut -c1-12)
log "KEY=$KEY"
phase_done

# ---- cache check -------------------------------------------------------------
missing=()
for svc in "${selected[@]}"; do
  image_exists "parity-testbed/$svc:$KEY" || missing+=("$svc")
done

# The base the missing services are built from: the full one (every
# package) when cached or when all are missing, else one holding only the
# missing services' packages (parity-testbed/base-postgres-redis:KEY). Its
# tag is KEY, so pruning old keys removes it too.
BASE="parity-testbed/base:$KEY"
base_packages="$PACKAGES"
if ((${#missing[@]} > 0 && ${#missing[@]} < ${#SERVICES[@]})) && ! image_exists "$BASE"; then
  BASE="parity-testbed/base-$(IFS=-; echo "${missing[*]}"):$KEY"
  base_packages=$(for svc in "${missing[@]}"; do svc_pkg "$(svc_line "$svc")"; echo; done | paste -sd,)
fi

if ((${#missing[@]} > 0)); then
  if image_exists "$BASE"; then
    log "building ${#missing[@]} image(s) from the cached base $BASE, about a minute"
  else
    est=$((EST_BASE_S + EST_BUILD_S))
    for svc in "${missing[@]}"; do est=$((est + ${EST_PKG_S[$svc]:-30})); done
    log "building ${#missing[@]} image(s) from Debian packages ($base_packages), about $(((est + 30) / 60)) minutes the first time"
  fi
fi

if [[ -n $DRY_RUN ]]; then
  printf 'selected: %s\n' "${selected[*]}"
  printf 'build: %s\n' "${missing[*]-}"
  if ((${#missing[@]} > 0)); then
    if image_exists "$BASE"; then
      printf 'base: %s cached\n' "$BASE"
    else
      printf 'base: %s debootstrap %s\n' "$BASE" "$base_packages"
    fi
  fi
  exit 0
fi

if ((${#missing[@]} == 0)); then
  log "the images of ${selected[*]} for KEY=$KEY are cached; skipping the build"
else
  log "to build: ${missing[*]}"
  if image_exists "$BASE"; then
    log "base image $BASE is cached"
  else
    # ---- debootstrap -----------------------------------------------------------
    phase "debootstrap ($base_packages)"
    command -v debootstrap >/dev/null || die "debootstrap not installed (apt-get install -y debootstrap)"
    ((EUID == 0)) || die "building the base image needs root (debootstrap)"
    ROOTFS="$CACHE/rootfs-$KEY"
    # A rootfs left by an interrupted run is not trusted.
    if [[ -e $ROOTFS ]]; then
      for m in proc sys dev/pts dev; do umount -l "$ROOTFS/$m" 2>/dev/null || true; done
      rm -rf --one-file-system "$ROOTFS"
    fi
    # The .debs are kept between runs so that a KEY change (an edited
    # entrypoint) does not download everything again.
    mkdir -p "$CACHE/debs"
    if ! debootstrap --variant=minbase --include="$base_packages" --cache-dir="$CACHE/debs" \
        "$SUITE" "$ROOTFS" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
      tail -n 30 "$CACHE/debootstrap.log" >&2
      [[ -f $ROOTFS/debootstrap/debootstrap.log ]] && tail -n 30 "$ROOTFS/debootstrap/debootstrap.log" >&2
      die "debootstrap failed (log: $CACHE/debootstrap.log)"
    fi
    phase_done

    phase "trim rootfs"
    # The Debian packages create and configure a cluster of their own; the
    # entrypoint runs initdb itself into PGDATA, so drop it.
    rm -rf "$ROOTFS/var/lib/postgresql/15/main" "$ROOTFS/etc/postgresql/15/main"
    # Likewise MariaDB's system tables: the entrypoint initialises the data
    # directory with the manifest's root password, user and database. And
    # what the official mariadb image does to its configuration at build
    # time: listen on every interface (Debian binds 127.0.0.1) and do no
    # reverse lookups of clients, which are other containers.
    # (A base without MariaDB has no /etc/mysql/mariadb.conf.d.)
    rm -rf "$ROOTFS"/var/lib/mysql/*
    if [[ -d $ROOTFS/etc/mysql/mariadb.conf.d ]]; then
      # (-type f: my.cnf is a symlink through /etc/alternatives, which
      # resolves on the host, not in the rootfs.)
      find "$ROOTFS/etc/mysql" -type f -name '*.cnf' -exec sed -Ei 's/^(bind-address|log|user\s)/#&/' '{}' +
      printf '[mariadb]\nhost-cache-size=0\nskip-name-resolve\n' >"$ROOTFS/etc/mysql/mariadb.conf.d/05-skipcache.cnf"
    fi
    rm -rf "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
           "$ROOTFS"/usr/share/locale/* "$ROOTFS"/usr/share/lintian "$ROOTFS"/usr/share/linda \
           "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
           "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/debconf/*-old \
           "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/* "$ROOTFS"/debootstrap
    # Only C.UTF-8 (built into glibc) is used; keep no locale archive.
    rm -f "$ROOTFS/usr/lib/locale/locale-archive"
    # Real versions, read from the rootfs' dpkg database, kept as image labels.
    : >"$CACHE/versions-$KEY"
    for svc in "${missing[@]}"; do
      s=$(svc_line "$svc")
      v=$(chroot "$ROOTFS" dpkg-query -W -f='${Version}' "$(svc_pkg "$s")") || die "package $(svc_pkg "$s") not in rootfs"
      printf '%s %s\n' "$(svc_name "$s")" "$(upstream_version "$v")" >>"$CACHE/versions-$KEY"
    done
    log "versions: $(tr '\n' ' ' <"$CACHE/versions-$KEY")"
    log "rootfs size: $(du -sh --one-file-system "$ROOTFS" | cut -f1)"
    phase_done

    phase "docker import $BASE"
    tar -C "$ROOTFS" --numeric-owner -c . |
      docker import --change "LABEL $LABEL_KEY=$KEY" - "$BASE" >/dev/null
    rm -rf --one-file-system "$ROOTFS"
    phase_done
  fi

  # ---- per-service images -------------------------------------------------------
  # Each Dockerfile instruction costs ~2 s (a container commit on this storage
  # driver), mostly waiting on I/O, so the services are built in parallel.
  phase "docker build ${missing[*]}"
  builddir=$(mktemp -d)
  pids=()
  for svc in "${missing[@]}"; do
    s=$(svc_line "$svc")
    version=$(awk -v s="$svc" '$1==s{print $2}' "$CACHE/versions-$KEY" 2>/dev/null || true)
    if [[ -z $version ]]; then
      # Base image cached but versions file gone: ask the base image itself.
      version=$(upstream_version "$(docker run --rm --entrypoint dpkg-query "$BASE" -W -f='${Version}' "$(svc_pkg "$s")")")
    fi
    ctx="$builddir/$svc"
    mkdir -p "$ctx"
    cp "$ENTRYPOINTS/$svc.sh" "$ctx/docker-entrypoint.sh"
    chmod 0755 "$ctx/docker-entrypoint.sh"
    {
      printf 'FROM %s\n' "$BASE"
      printf 'COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh\n'
      sed -n 's/^#@ //p' "$ENTRYPOINTS/$svc.sh"
      printf 'ENTRYPOINT ["docker-entrypoint.sh"]\n'
      printf 'LABEL %s=%s %s=%s dev.parity.testbed.service=%s\n' "$LABEL_KEY" "$KEY" "$LABEL_VERSION" "$version" "$svc"
    } >"$ctx/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -t "parity-testbed/$svc:$KEY" "$ctx" >"$ctx/build.log" 2>&1 &
    pids+=("$!")
  done
  failed=()
  for i in "${!missing[@]}"; do
    wait "${pids[$i]}" || failed+=("${missing[$i]}")
  done
  for svc in "${failed[@]}"; do
    cat "$builddir/$svc/Dockerfile" "$builddir/$svc/build.log" >&2
  done
  rm -rf "$builddir"
  ((${#failed[@]} == 0)) || die "docker build failed for: ${failed[*]}"
  phase_done
  rm -f "$CACHE/versions-$KEY"
fi

# ---- tags (cheap; also repairs tags removed by hand) ------------------------------
# images.list tells registry.sh what to push: "<local image> <repository path>".
phase "tag"
list=$(mktemp "$CACHE/images.list.XXXXXX")
# Every service whose image exists for KEY, selected or built by an earlier run.
for s in "${SERVICES[@]}"; do
  svc=$(svc_name "$s")
  img="parity-testbed/$svc:$KEY"
  image_exists "$img" || continue
  version=$(docker image inspect -f "{{index .Config.Labels \"$LABEL_VERSION\"}}" "$img")
  tags=$(expand_tags "$(svc_tags "$s")" "$version")
  for t in $tags; do
    docker tag "$img" "parity-testbed/$svc:$t"
    # The key tag, not the version tag, which a run from another checkout may move.
    printf '%s library/%s:%s\n' "$img" "$svc" "$t" >>"$list"
  done
  log "parity-testbed/$svc ($version): $(echo $tags)"
done
mv -f "$list" "$CACHE/images.list"
phase_done

# ---- prune other keys --------------------------------------------------------------
# Each key's base is a separate ~370 MB layer, and every edit of this script
# or an entrypoint makes a new key. Another checkout on this machine may be
# building or testing with its own key, so only keys that are neither among
# the two newest others nor younger than an hour go; an image a container
# still uses stays (rmi refuses; ignored). PARITY_TESTBED_KEEP_OLD=1 keeps all.
if [[ ${PARITY_TESTBED_KEEP_OLD:-} != 1 ]]; then
  phase "prune old keys"
  now_s=$(date +%s)
  key_refs=$(docker images --format '{{.Repository}}:{{.Tag}}' |
    grep -E '^parity-testbed/[a-z0-9_-]+:[0-9a-f]{12}$' | grep -v ":$KEY\$" || true)
  declare -A key_age=()
  for ref in $key_refs; do
    k=${ref##*:}
    c=$(date -d "$(docker image inspect -f '{{.Created}}' "$ref" 2>/dev/null)" +%s 2>/dev/null || echo 0)
    ((c > ${key_age[$k]:-0})) && key_age[$k]=$c
  done
  rank=0
  for k in $(for k in "${!key_age[@]}"; do echo "${key_age[$k]} $k"; done | sort -rn | awk '{print $2}'); do
    rank=$((rank + 1))
    ((rank <= 2 || now_s - key_age[$k] < 3600)) && continue
    for ref in $key_refs; do
      [[ $ref == *":$k" ]] || continue
      docker rmi "$ref" >/dev/null 2>&1 && log "removed $ref" || log "kept $ref (in use)"
    done
  done
  docker image prune -f --filter "label=$LABEL_KEY" >/dev/null 2>&1 || true
  phase_done
fi

log "total $(awk -v a="$total_start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s"

exit 0
}
