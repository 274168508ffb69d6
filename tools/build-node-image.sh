#!/usr/bin/env bash
# Build the virtual Raspberry Pi node image from Debian packages: no container registry is needed.
#
# Usage: tools/build-node-image.sh [--force]
#   NODE_ARCH     Debian architecture of the image (default: the host's, e.g. amd64)
#   NODE_SUITE    Debian suite (default: bookworm, the base of Raspberry Pi OS 12)
#   DEBIAN_MIRROR where debootstrap fetches packages (default: http://deb.debian.org/debian)
#   NODE_CLOUD_INIT=1  a node that boots like Raspberry Pi OS 13 flashed by Raspberry Pi Imager 2: Debian's
#                 cloud-init runs at every boot from a NoCloud seed (the Pi's boot partition; tools/vcluster
#                 writes one per node), which names the node, makes the sudo user and manages /etc/hosts
#
# The image is a plain Debian system as a fresh Pi boots it: systemd, sshd and a sudo user `pi`. It carries
# no SSH host keys: every node makes its own at first boot, so nodes never share an identity. It carries no
# login key either: tools/vcluster installs the controller's key when it starts a node. The image is
# labelled with a hash of its recipe and is only rebuilt when the recipe changes (or with --force).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
arch=${NODE_ARCH:-$(dpkg --print-architecture)}
suite=${NODE_SUITE:-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cloud_init=${NODE_CLOUD_INIT:-0}
image=picluster/node:${suite}-${arch}
packages=systemd,systemd-sysv,dbus,openssh-server,python3,sudo,iproute2,procps,ca-certificates,libpam-systemd
if [[ $cloud_init == 1 ]]; then
  image+=-cloud-init
  packages+=,cloud-init,python3-cffi-backend  # debootstrap does not resolve the virtual python3-cffi-backend-api-max
fi

log() { printf '[node-image] %s\n' "$*" >&2; }

recipe=$( { cat "$0"; echo "$arch $suite $mirror $packages $cloud_init"; } | sha256sum | cut -c1-16)

"$here/ensure-docker.sh"
# A foreign architecture (arm64, as on a Raspberry Pi) runs under qemu-user-static through binfmt_misc; set up
# before the cache check, since a cached image needs the emulator as much as a new one.
[[ $arch == "$(dpkg --print-architecture)" ]] || "$here/ensure-qemu.sh" "$arch"

if [[ ${1:-} != --force ]]; then
  current=$(docker image inspect --format '{{ index .Config.Labels "picluster.recipe" }}' "$image" 2>/dev/null || true)
  if [[ $current == "$recipe" ]]; then
    log "$image is up to date (recipe $recipe)"
    exit 0
  fi
fi

command -v debootstrap >/dev/null || {
  log "installing debootstrap"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}

workdir=$(mktemp -d "${TMPDIR:-/var/tmp}/picluster-node.XXXXXX")
trap 'rm -rf --one-file-system "$workdir"' EXIT
root=$workdir/rootfs

log "debootstrap $suite/$arch from $mirror into $root (a few minutes; much longer under emulation)"
debootstrap --variant=minbase --arch="$arch" --include="$packages" "$suite" "$root" "$mirror" \
  | grep --line-buffered -E '^I: (Retrieving Release|Validating Packages|Resolving|Extracting|Installing core|Configuring|Base system)' >&2 || true
[[ -x $root/lib/systemd/systemd ]] || { log "debootstrap failed"; exit 1; }
# A package left unconfigured (a dependency debootstrap did not resolve) would make a broken node.
unconfigured=$(chroot "$root" dpkg --audit)
[[ -z $unconfigured ]] || { log "packages left unconfigured: $unconfigured"; exit 1; }

log "configuring the node"
cat > "$root/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
SOURCES

# A unique identity per node: no host keys and no machine-id in the image, both made at first boot.
rm -f "$root"/etc/ssh/ssh_host_*
: > "$root/etc/machine-id"
cat > "$root/etc/systemd/system/ssh-host-keys.service" <<'UNIT'
[Unit]
Description=Generate this node's own SSH host keys at first boot
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/ssh-host-keys.service "$root/etc/systemd/system/multi-user.target.wants/ssh-host-keys.service"

# Units that have nothing to do in a container and only slow the boot down or spin.
for unit in getty@tty1.service console-getty.service systemd-udevd.service systemd-udev-trigger.service \
  systemd-remount-fs.service systemd-firstboot.service apt-daily.timer apt-daily-upgrade.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done

if [[ $cloud_init == 1 ]]; then
  # As Raspberry Pi OS 13: no user in the image, cloud-init makes it from the seed's user-data at first boot. The
  # seed is a NoCloud one in /var/lib/cloud/seed/nocloud (on a Pi it is the boot partition); the container's
  # network is Docker's, so cloud-init leaves it alone (a Pi's comes from NetworkManager and the Imager's
  # network-config, which holds only Wi-Fi).
  cat > "$root/etc/cloud/cloud.cfg.d/90_vcluster.cfg" <<'CFG'
# tools/build-node-image.sh: a virtual Pi's seed is on its disk, and Docker configures its network.
datasource_list: [NoCloud, None]
network:
  config: disabled
CFG
else
  # The sudo user a fresh Raspberry Pi OS 12 image has: login by key only, passwordless sudo.
  chroot "$root" useradd --create-home --shell /bin/bash --groups sudo pi
  chroot "$root" passwd --lock pi >/dev/null
  echo 'pi ALL=(ALL) NOPASSWD: ALL' > "$root/etc/sudoers.d/010_pi-nopasswd"
  chmod 0440 "$root/etc/sudoers.d/010_pi-nopasswd"
fi
echo raspberrypi > "$root/etc/hostname"

rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/tmp/* "$root"/var/log/*.log

log "importing $image"
# The tag names the architecture; Docker 20.10 records the host's whatever import is told, and binfmt_misc runs
# the foreign binaries all the same.
tar --numeric-owner -C "$root" -c . | docker import \
  --change 'CMD ["/lib/systemd/systemd"]' \
  --change 'ENV container=docker' \
  --change "LABEL picluster.recipe=$recipe" \
  - "$image" >/dev/null
log "built $image (recipe $recipe)"
