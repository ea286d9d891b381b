#!/usr/bin/env bash
# Build the native addon (native/*.c) into dist/native/berth_sys.node.
# It needs a C compiler and Node's headers (from the pinned `node` package, or
# the system's). Without them berthd still works: it falls back to spawning
# mount(8) and umount(8), which is slower. BERTH_REQUIRE_NATIVE=1 makes a
# failed build an error.
set -uo pipefail
cd "$(dirname "$0")/.."
out=dist/native/berth_sys.node
inc=""
for d in node_modules/node/node_modules/node-linux-*/include/node /usr/include/node /usr/local/include/node; do
  if [ -f "$d/node_api.h" ]; then inc=$d; break; fi
done
cc=$(command -v cc || command -v gcc || command -v clang || true)
fail() {
  echo "berth: native addon not built ($1); berthd will spawn mount/umount instead" >&2
  rm -f "$out"
  [ -n "${BERTH_REQUIRE_NATIVE:-}" ] && exit 1
  exit 0
}
[ -n "$inc" ] || fail "no node_api.h found"
[ -n "$cc" ] || fail "no C compiler"
mkdir -p dist/native
"$cc" -O2 -Wall -Wextra -Werror -std=gnu11 -shared -fPIC -pthread -I"$inc" \
  -o "$out.tmp" native/*.c || { rm -f "$out.tmp"; fail "the compiler failed"; }
mv "$out.tmp" "$out"
