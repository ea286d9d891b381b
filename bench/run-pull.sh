#!/usr/bin/env bash
# Registry client benchmarks (pull, push), berthd against a scratch dockerd 20.10 in one run,
# both talking to one local docker-registry (see bench/README.md).
command -v docker-registry >/dev/null || { echo "docker-registry is not installed" >&2; exit 1; }
exec bash "$(dirname "$0")/peer-run.sh" pull "$@"
