#!/usr/bin/env bash
# Make this machine run binaries of a foreign Debian architecture (arm64, as on a Raspberry Pi) in containers:
# qemu-user-static registered with binfmt_misc. Usage: tools/ensure-qemu.sh ARCH. Needs root.
#
# The registration needs two flags beyond Debian's default: F, so the kernel opens the emulator at
# registration and containers use it without a copy inside; and C, so setuid programs (sudo, which Ansible
# uses to become root) run with the credentials of the program rather than of the emulator. C changes how
# setuid binaries of that one foreign architecture are started on this machine, which suits a test machine.
set -euo pipefail

log() { printf '[qemu] %s\n' "$*" >&2; }

case ${1:?usage: tools/ensure-qemu.sh ARCH} in
  arm64) qemu=aarch64 ;;
  armhf) qemu=arm ;;
  *) log "no emulator known for $1"; exit 1 ;;
esac
entry=/proc/sys/fs/binfmt_misc/qemu-$qemu

if [[ ! -e /usr/bin/qemu-$qemu-static ]] || ! command -v update-binfmts >/dev/null; then
  log "installing qemu-user-static"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null
fi
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
[[ -e $entry ]] || update-binfmts --enable "qemu-$qemu"
[[ -e $entry ]] || { log "binfmt_misc has no qemu-$qemu entry"; exit 1; }

flags=$(sed -n 's/^flags: //p' "$entry")
if [[ $flags != *F* || $flags != *C* ]]; then
  interpreter=$(sed -n 's/^interpreter //p' "$entry")
  magic=$(sed -n 's/^magic //p' "$entry" | sed 's/../\\x&/g')
  mask=$(sed -n 's/^mask //p' "$entry" | sed 's/../\\x&/g')
  log "registering qemu-$qemu with flags POCF (was ${flags:-none})"
  echo -1 > "$entry"
  printf ':qemu-%s:M:0:%s:%s:%s:POCF' "$qemu" "$magic" "$mask" "$interpreter" > /proc/sys/fs/binfmt_misc/register
fi
