#!/usr/bin/env bash
# Make sure a Docker Engine answers: install docker.io from Debian and start dockerd when it is missing.
# Idempotent and quiet when Docker already runs. Needs root for the install and start.
set -euo pipefail

log() { printf '[docker] %s\n' "$*" >&2; }

docker info >/dev/null 2>&1 && exit 0

if ! command -v dockerd >/dev/null; then
  log "installing docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
  log "starting docker.service"
  systemctl start docker
else
  log "starting dockerd (log: /var/log/picluster-dockerd.log)"
  nohup dockerd >/var/log/picluster-dockerd.log 2>&1 &
fi

for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && { log "Docker Engine is up"; exit 0; }
  sleep 1
done
log "dockerd did not come up within 60 s; see /var/log/picluster-dockerd.log"
exit 1
