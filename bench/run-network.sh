#!/usr/bin/env bash
# Network benchmarks, berthd against a scratch dockerd 20.10 in one run (see bench/README.md).
exec bash "$(dirname "$0")/peer-run.sh" network "$@"
