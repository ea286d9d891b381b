#!/usr/bin/env bash
# npm start: set up a fresh Debian machine (as root), build Berth, start berthd,
# create busybox:latest and show it working.
set -euo pipefail
cd "$(dirname "$0")/.."
SOCK=${BERTH_SOCK:-/run/berth/berth.sock}
bash scripts/deps.sh
npm ci --no-audit --no-fund
npm run build
NODE="$PWD/node_modules/.bin/node"
berth() { "$NODE" bin/berth.js -H "unix://$SOCK" "$@"; }

if berth version >/dev/null 2>&1; then
  echo "berthd already answers on $SOCK"
else
  mkdir -p /var/log
  echo "starting berthd (log: /var/log/berthd.log)"
  nohup "$NODE" --disable-warning=ExperimentalWarning bin/berthd.js -H "unix://$SOCK" >>/var/log/berthd.log 2>&1 &
  for _ in $(seq 1 100); do berth version >/dev/null 2>&1 && break; sleep 0.1; done
  berth version >/dev/null || { echo "berthd did not start; see /var/log/berthd.log" >&2; tail -20 /var/log/berthd.log >&2; exit 1; }
fi

if ! berth image inspect busybox:latest >/dev/null 2>&1; then
  echo "creating busybox:latest from busybox-static"
  bash scripts/busybox-rootfs.sh | berth import -c 'CMD ["sh"]' - busybox:latest
fi

berth images
echo
berth run --rm busybox echo "Hello from a Berth container (busybox, runc + conmon)"
echo
echo "Point the docker CLI at Berth with:"
echo "  export DOCKER_HOST=unix://$SOCK"
echo "  docker images"
