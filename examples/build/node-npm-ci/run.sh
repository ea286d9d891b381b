#!/usr/bin/env bash
# A Node.js app whose build runs `npm ci` against the npm registry, on a
# Debian bookworm base made with debootstrap (see ../apt-curl), against a
# running berthd (or dockerd):
#   DOCKER_HOST=unix:///path/berth.sock bash examples/build/node-npm-ci/run.sh [ROOTFS_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=()
trap 'rm -rf "${tmp[@]}"' EXIT
if ! docker image inspect debian:bookworm >/dev/null 2>&1; then
  rootfs=${1:-}
  if [ -z "$rootfs" ]; then
    rootfs=$(mktemp -d /tmp/berth-debian-XXXXXX)
    tmp+=("$rootfs")
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian
  fi
  tar -C "$rootfs" --numeric-owner -c . | docker import -c 'CMD ["bash"]' - debian:bookworm
fi
# The build context: this directory plus the host's CA bundle (for a TLS-intercepting proxy, if any).
ctx=$(mktemp -d /tmp/berth-npm-ci-XXXXXX)
tmp+=("$ctx")
cp "$here"/Dockerfile "$here"/package.json "$here"/package-lock.json "$here"/index.js "$ctx"/
cp "${EXTRA_CA:-/etc/ssl/certs/ca-certificates.crt}" "$ctx"/extra-ca.crt 2>/dev/null || : > "$ctx"/extra-ca.crt
DOCKER_BUILDKIT=0 docker build -t node-npm-ci "$ctx"
docker run --rm node-npm-ci
