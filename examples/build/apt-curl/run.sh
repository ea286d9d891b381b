#!/usr/bin/env bash
# FROM debian:bookworm (made with debootstrap and `docker import`, as there is
# no registry to pull from) with `RUN apt-get install curl` through NAT,
# against a running berthd (or dockerd):
#   DOCKER_HOST=unix:///path/berth.sock bash examples/build/apt-curl/run.sh [ROOTFS_DIR]
# ROOTFS_DIR: a Debian bookworm tree (made with debootstrap when absent; needs
# root, debootstrap and Debian's archive).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rootfs=${1:-}
if [ -z "$rootfs" ]; then
  rootfs=$(mktemp -d /tmp/berth-debian-XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian
fi
tar -C "$rootfs" --numeric-owner -c . | docker import -c 'CMD ["bash"]' - debian:bookworm
DOCKER_BUILDKIT=0 docker build -t apt-curl "$here"
docker run --rm apt-curl
