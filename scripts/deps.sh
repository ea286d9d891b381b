#!/usr/bin/env bash
# Install the Debian packages Berth needs (only those missing). Usage: deps.sh [extra packages...]
set -euo pipefail
need=(runc conmon iproute2 iptables busybox-static attr tar xz-utils bzip2 tini gcc libc6-dev python3-docker "$@")
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "berth: installing Debian packages: ${missing[*]}"
  # Never let a package start services (dockerd, containerd) on its own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
