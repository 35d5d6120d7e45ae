#!/usr/bin/env bash
# The test command: set up, make sure PostgreSQL is running, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRUTINY_SETUP_TESTS=1 ./scripts/setup.sh

# The suite runs every database test on SQLite and on the local PostgreSQL server.
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

export PREFECT_SERVER_ANALYTICS_ENABLED=false
# Independent test files run side by side (most of their time is spent waiting on servers and LibreOffice);
# SCRUTINY_TEST_WORKERS=1 runs them one after another.
workers=${SCRUTINY_TEST_WORKERS:-3}
if [ "$workers" -gt 1 ]; then
  exec .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
fi
exec .venv/bin/python -m pytest "$@"
