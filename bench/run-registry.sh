#!/usr/bin/env bash
# Registry benchmarks: berth's registry against Debian's docker-registry (distribution 2.8.2) in one run.
# Usage: bash bench/run-registry.sh          — see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
command -v docker-registry >/dev/null || { echo "docker-registry (Debian) is not installed: bash scripts/deps.sh docker-registry" >&2; exit 1; }
npm run build >/dev/null
node bench/registry.ts "$@"
