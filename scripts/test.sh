#!/usr/bin/env bash
# npm test: install what the tests need, build, lint, run unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# skopeo, podman and docker.io (dockerd 20.10) are the interoperability peers; docker-registry (distribution 2.8.2) is the registry reference
# (apache2-utils: htpasswd for its auth); tmux gives the TTY tests a terminal.
bash scripts/deps.sh skopeo podman docker.io docker-registry apache2-utils tmux curl
if [ -z "${BERTH_SKIP_NPM_CI:-}" ]; then npm ci --no-audit --no-fund; fi
BERTH_REQUIRE_NATIVE=1 npm run build  # the tests cover the native addon: its build must not fail quietly
npm run lint
export PATH="$PWD/node_modules/.bin:$PATH"
node --disable-warning=ExperimentalWarning --test --test-concurrency=2 'dist/**/*.test.js'
