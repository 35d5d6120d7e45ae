#!/usr/bin/env bash
# The main job: set up, then run the whole cycle on the bundled committee (embedded SQLite).
# Extra arguments go to `scrutiny run`, e.g. ./scripts/run.sh --as-of 2026-11-21
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export SCRUTINY_HOME=${SCRUTINY_HOME:-$PWD}
# --demo: on a day with no letter due, the next meeting's letters are issued early (and it says so).
.venv/bin/scrutiny run --demo "$@"
cat <<'EOF'

To use the scrutiny command from here:
  source .venv/bin/activate && scrutiny --help     (or, without activating: ./bin/scrutiny --help)
EOF
