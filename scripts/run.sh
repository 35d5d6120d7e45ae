#!/usr/bin/env bash
# The main job: set up, then run the whole cycle on the bundled committee (embedded SQLite).
# Extra arguments go to `scrutiny run`, e.g. ./scripts/run.sh --as-of 2026-11-21
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export SCRUTINY_HOME=${SCRUTINY_HOME:-$PWD}
exec .venv/bin/scrutiny run "$@"
