#!/usr/bin/env bash
# Build benchmarks, berthd against a scratch dockerd 20.10 in one run.
# Usage (root): bash bench/run.sh          — see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
command -v dockerd >/dev/null || { echo "dockerd (Debian docker.io) is not installed" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
npm run build >/dev/null

BENCH_DIR=$(mktemp -d /tmp/berth-bench-XXXXXX)
export BENCH_DIR
# Safety net: whatever build.ts left running or mounted under BENCH_DIR
# (it stops both daemons itself), then the directory.
cleanup() {
  for f in "$BENCH_DIR"/berthd/berthd.pid "$BENCH_DIR"/dockerd/docker.pid "$BENCH_DIR"/dockerd/exec/containerd/containerd.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; sleep 2; kill -KILL "$pid" 2>/dev/null || true; fi
  done
  { grep -o " $BENCH_DIR[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  if ! grep -q " $BENCH_DIR" /proc/mounts; then rm -rf "$BENCH_DIR"; fi
}
trap cleanup EXIT
node bench/build.ts "$@"
