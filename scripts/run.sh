#!/usr/bin/env bash
# The main job: installs the peer runtimes when missing, then runs the whole
# benchmark suite on its defaults and writes the report. Extra arguments go
# to `reactorbench run` (e.g. -quick, -reactor epoll, -out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-peers.sh
go run ./cmd/reactorbench run "$@"
