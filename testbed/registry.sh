#!/usr/bin/env bash
# Ensures a real registry (Debian's docker-registry, distribution 2.8) on
# 127.0.0.1 and pushes every testbed image tag into it as
# 127.0.0.1:PORT/library/<svc>:<tag>, so tests can `docker pull` exactly the
# references a Compose file names, through a mirror, with no internet.
# The engine treats 127.0.0.0/8 as an insecure registry without any daemon
# configuration, so plain HTTP works.
#
# Reuses a registry that is already running (pidfile) and answering GET /v2/.
# Prints the address (127.0.0.1:PORT) on stdout and writes it to
# $PARITY_TESTBED_CACHE/registry.addr; everything else goes to stderr.
set -euo pipefail

CACHE="${PARITY_TESTBED_CACHE:-/var/cache/parity-testbed}"
STORAGE="$CACHE/registry"
CONFIG="$CACHE/registry.yml"
PIDFILE="$CACHE/registry.pid"
LOGFILE="$CACHE/registry.log"
ADDRFILE="$CACHE/registry.addr"
LIST="$CACHE/images.list"
PREFERRED_PORT=5959

log() { printf '[registry] %s\n' "$*" >&2; }
die() { printf '[registry] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

answers() { curl -fsS -o /dev/null --max-time 2 "http://$1/v2/" 2>/dev/null; }
port_free() { [[ -z $(ss -Hltn "sport = :$1" 2>/dev/null) ]]; }
running_pid() {
  local pid
  [[ -s $PIDFILE ]] || return 1
  pid=$(<"$PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == docker-registry* ]] || return 1
  printf '%s' "$pid"
}

command -v docker-registry >/dev/null || die "docker-registry not installed (apt-get install -y docker-registry)"
[[ -s $LIST ]] || die "$LIST missing: run testbed/images.sh first"
mkdir -p "$STORAGE"
# One registry.sh at a time: two would both start a registry.
exec 8>"$CACHE/registry.lock"
if ! flock -n 8; then
  log "another registry.sh is running; waiting for it"
  flock -w 600 8 || die "timed out waiting for $CACHE/registry.lock"
fi

t0=$(now)
addr=
if pid=$(running_pid) && [[ -s $ADDRFILE ]] && answers "$(<"$ADDRFILE")"; then
  addr=$(<"$ADDRFILE")
  log "reusing the registry at $addr (pid $pid)"
else
  if pid=$(running_pid); then
    log "registry pid $pid does not answer; stopping it"
    kill "$pid" 2>/dev/null || true
  fi
  port=
  if port_free "$PREFERRED_PORT"; then
    port=$PREFERRED_PORT
  else
    for _ in $(seq 1 50); do
      p=$((20000 + RANDOM % 40000))
      if port_free "$p"; then port=$p; break; fi
    done
  fi
  [[ -n $port ]] || die "no free port found"
  addr="127.0.0.1:$port"
  cat >"$CONFIG" <<EOC
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $STORAGE
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $addr
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: false
EOC
  # setsid: the registry outlives this script (and make, and go test).
  setsid docker-registry serve "$CONFIG" >>"$LOGFILE" 2>&1 </dev/null 8>&- &
  pid=$!
  echo "$pid" >"$PIDFILE"
  log "started docker-registry pid $pid on $addr (log: $LOGFILE)"
  deadline=$(($(date +%s) + 30))
  until answers "$addr"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$LOGFILE" >&2
      die "docker-registry exited (log: $LOGFILE)"
    fi
    if (($(date +%s) >= deadline)); then
      tail -n 20 "$LOGFILE" >&2
      die "docker-registry on $addr did not answer GET /v2/ within 30s"
    fi
    sleep 0.1
  done
fi
printf '%s\n' "$addr" >"$ADDRFILE.tmp" && mv -f "$ADDRFILE.tmp" "$ADDRFILE"
log "phase: registry up in $(since "$t0")s"

# Push. A tag whose manifest in the registry is already the one this engine
# pushed for the same image (its RepoDigest) is skipped; otherwise docker
# push, which only sends layers the registry lacks.
t0=$(now)
pushed=0 skipped=0
# One listing of every local image instead of an inspect per tag.
declare -A img_id=() img_digest=()
while read -r ref id digest; do
  img_id[$ref]=$id img_digest[$ref]=$digest
done < <(docker images --digests --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Digest}}')
while read -r local_ref repo_ref; do
  [[ -n $local_ref ]] || continue
  remote="$addr/$repo_ref"
  repo="${repo_ref%:*}" tag="${repo_ref##*:}"
  id=${img_id[$local_ref]:-}
  [[ -n $id ]] || die "image $local_ref missing"
  if [[ ${img_id[$remote]:-} == "$id" ]]; then
    want=${img_digest[$remote]:-}
    have=$(curl -fsS -o /dev/null -D - --max-time 5 \
      -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
      -I "http://$addr/v2/$repo/manifests/$tag" 2>/dev/null |
      tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
    if [[ $want == sha256:* && $want == "$have" ]]; then
      skipped=$((skipped + 1))
      continue
    fi
  fi
  docker tag "$local_ref" "$remote"
  docker push -q "$remote" >/dev/null || die "docker push $remote failed"
  pushed=$((pushed + 1))
  log "pushed $remote"
done <"$LIST"
log "phase: push done in $(since "$t0")s ($pushed pushed, $skipped already there)"

printf '%s\n' "$addr"
