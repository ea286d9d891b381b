#!/usr/bin/env bash
# Runs one benchmark of bench/ (berthd against a scratch dockerd 20.10 in one
# run) inside a safety net that removes whatever the run left behind.
# Usage (root): bash bench/peer-run.sh images|containers|network|build|pull [ARGS]
#   (the run-*.sh scripts call it) — see bench/README.md.
set -euo pipefail
bench=${1:?usage: peer-run.sh images|containers|network|build|pull [ARGS]}
shift
[ -f "$(dirname "$0")/$bench.ts" ] || { echo "no benchmark bench/$bench.ts" >&2; exit 1; }
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
command -v dockerd >/dev/null || { echo "dockerd (Debian docker.io) is not installed" >&2; exit 1; }
command -v conmon >/dev/null || { echo "conmon is not installed" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "busybox-static is not installed" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
npm run build >/dev/null

BENCH_DIR=$(mktemp -d /tmp/berth-bench-XXXXXX)
export BENCH_DIR
# Safety net for whatever the benchmark left behind (it removes its containers
# and stops both daemons itself). Only things of this run are touched: the
# daemons in BENCH_DIR's pid files, processes whose command line names
# BENCH_DIR (by PID), containers in the runc state roots under BENCH_DIR,
# processes in dockerd's cgroup parent named after BENCH_DIR, mounts under it.
CG="berthbench-$(basename "$BENCH_DIR")"
stop_pids() {
  [ $# -gt 0 ] || return 0
  echo "[bench] left running, stopping by PID: $*" >&2
  kill -TERM "$@" 2>/dev/null || true; sleep 2; kill -KILL "$@" 2>/dev/null || true
}
cleanup() {
  # 1. the daemons first, so that nothing new starts
  local pids=()
  for f in "$BENCH_DIR"/berthd/berthd.pid "$BENCH_DIR"/dockerd/docker.pid "$BENCH_DIR"/dockerd/exec/containerd/containerd.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then pids+=("$pid"); fi
  done
  stop_pids "${pids[@]}"
  # 2. supervisors and anything else naming BENCH_DIR (conmon, containerd-shim)
  pids=()
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" = $$ ] && continue
    if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF "$BENCH_DIR"; then pids+=("$pid"); fi
  done
  stop_pids "${pids[@]}"
  # 3. containers: runc state roots are directories holding <id>/state.json
  #    (berthd: exec/runc; dockerd's shims: exec/runtime-runc/<namespace>)
  for root in $(find "$BENCH_DIR" -xdev -name state.json -printf '%h\n' 2>/dev/null | xargs -r -n1 dirname | sort -u); do
    for id in $(runc --root "$root" list -q 2>/dev/null); do echo "[bench] runc delete -f $id" >&2; runc --root "$root" delete -f "$id" >/dev/null 2>&1 || true; done
  done
  # 4. dockerd's cgroup parent is this run's alone: stop what is still in it, then remove it
  pids=()
  for d in /sys/fs/cgroup/pids/"$CG" /sys/fs/cgroup/memory/"$CG"; do
    [ -d "$d" ] && while read -r pid; do pids+=("$pid"); done < <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
  done
  stop_pids "${pids[@]}"
  for d in /sys/fs/cgroup/*/"$CG"; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true; done
  # 5. mounts, then the directory
  { grep -o " $BENCH_DIR[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  if ! grep -q " $BENCH_DIR" /proc/mounts; then rm -rf "$BENCH_DIR"; fi
}
trap cleanup EXIT
node "bench/$bench.ts" "$@"
