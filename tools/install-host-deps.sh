#!/usr/bin/env bash
# Install the Debian packages the project uses on this machine, when they are missing:
# Docker Engine (running), debootstrap for the node image, an SSH client for the controller, python3-venv,
# Open MPI with mpi4py and NumPy for running the job scripts under a real local mpirun, systemd (its fstab generator
# and systemd-analyze check the NFS mount the shared_storage role writes), nfs-kernel-server (its exportfs checks
# the role's /etc/exports block; the tests run it in a mount namespace of their own, and without NFS in the kernel
# the server itself does nothing), prometheus (its promtool checks the monitoring role's configuration, rules and the
# collector's metrics; Docker's policy-rc.d keeps the server itself from starting), prometheus-alertmanager (its
# amtool checks the role's Alertmanager configuration; its server does not start either), chromium (a real browser
# opens the monitoring console page, headless), and shellcheck, without which
# tools/sanity skips its shellcheck test with a warning.
set -euo pipefail

log() { printf '[host-deps] %s\n' "$*" >&2; }

wanted=(debootstrap openssh-client openmpi-bin python3-mpi4py python3-numpy python3-venv make shellcheck systemd nfs-kernel-server prometheus prometheus-alertmanager chromium)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) != 0 ]]; then
    log "missing Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})"
    exit 1
  fi
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$(dirname "$0")/ensure-docker.sh"
