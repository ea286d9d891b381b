#!/usr/bin/env bash
# The multi-stage C build against a running berthd (or dockerd):
#   DOCKER_HOST=unix:///path/berth.sock bash examples/build/c-multistage/run.sh [ROOTFS_DIR]
# ROOTFS_DIR: a Debian bookworm tree with gcc (made with debootstrap when absent;
# needs root, debootstrap and Debian's archive).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
rootfs=${1:-}
if [ -z "$rootfs" ]; then
  rootfs=$(mktemp -d /tmp/berth-debian-XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --include=gcc,libc6-dev bookworm "$rootfs" http://deb.debian.org/debian
fi
tar -C "$rootfs" --numeric-owner -c . | docker import - debian-gcc:bookworm
docker image inspect busybox >/dev/null 2>&1 || bash "$root/scripts/busybox-rootfs.sh" | docker import -c 'CMD ["sh"]' - busybox:latest
DOCKER_BUILDKIT=0 docker build -t hello-c "$here"
docker run --rm hello-c
