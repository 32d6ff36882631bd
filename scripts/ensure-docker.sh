#!/usr/bin/env bash
# A Docker engine for the `containers` target and docker-compose.test.yml.
#   scripts/ensure-docker.sh [start]   an engine answers afterwards, or this says the one command that gives one
#   scripts/ensure-docker.sh stop      stop dockerd again, only if `start` started it
# As root with no engine answering: installs Debian's docker.io if dockerd is missing, starts
# dockerd in the background (log: /var/log/vdb-dockerd.log) and records its pid in $STATE so
# that `stop` stops only what `start` started. Not root: prints the command and exits 1.
set -euo pipefail

STATE=${VDB_DOCKERD_STATE:-/run/vdb-readiness-dockerd.pid}
LOG=${VDB_DOCKERD_LOG:-/var/log/vdb-dockerd.log}
SOCK=/var/run/docker.sock
WAIT_S=${VDB_DOCKERD_WAIT_S:-60}

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start() {
  if ! command -v docker >/dev/null; then
    need_client=1
  else
    need_client=0
    if answers; then
      echo "docker engine: $(docker version --format '{{.Server.Version}}') answers"
      return 0
    fi
  fi
  if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" = "$DOCKER_HOST" ]; then
    echo "docker engine: none answers at DOCKER_HOST=$DOCKER_HOST: start it there, or unset DOCKER_HOST" >&2
    return 1
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "docker engine: none answers; as root run: sudo bash $0 start (installs Debian's docker.io and starts dockerd)" >&2
    return 1
  fi
  if ! command -v dockerd >/dev/null || [ "$need_client" = 1 ]; then
    echo "docker engine: installing Debian's docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io iptables >/dev/null
  fi
  # A socket left by a killed dockerd would make the new one refuse to start.
  if [ -S "$SOCK" ] && ! answers; then rm -f "$SOCK"; fi
  echo "docker engine: starting dockerd (log: $LOG)"
  # Published ports on loopback only, unless a run asks for another address.
  setsid dockerd --ip 127.0.0.1 >"$LOG" 2>&1 </dev/null &
  echo $! >"$STATE"
  for _ in $(seq 1 "$WAIT_S"); do
    if answers; then
      echo "docker engine: $(docker version --format '{{.Server.Version}}') started (pid $(cat "$STATE"))"
      return 0
    fi
    if ! kill -0 "$(cat "$STATE")" 2>/dev/null; then break; fi
    sleep 1
  done
  echo "docker engine: dockerd did not answer within ${WAIT_S} s; its last lines ($LOG):" >&2
  tail -n 5 "$LOG" >&2 || true
  return 1
}

stop() {
  if [ ! -s "$STATE" ]; then
    echo "docker engine: not started by this script; left as it is"
    return 0
  fi
  pid=$(cat "$STATE")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
    echo "docker engine: stopped dockerd (pid $pid)"
  fi
  rm -f "$STATE"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
