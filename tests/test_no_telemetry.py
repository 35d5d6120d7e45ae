"""A council's tool sends nothing about its use: Prefect's SDK telemetry is off in the CLI and its worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prefect._internal.analytics.ci_detection import CI_ENV_VARS

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import cli.main
from prefect._internal.analytics import is_telemetry_enabled
print(is_telemetry_enabled())
"""


def _clean_environment() -> dict[str, str]:
    # Prefect also turns telemetry off in CI: take those markers away too, so the CLI's own setting is tested.
    markers = CI_ENV_VARS | {"DO_NOT_TRACK"}
    return {k: v for k, v in os.environ.items() if k not in markers and not k.startswith("PREFECT_")}


def test_the_cli_turns_prefect_sdk_telemetry_off() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=_clean_environment(), cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_an_operator_who_chose_otherwise_is_not_overruled() -> None:
    env = _clean_environment() | {"DO_NOT_TRACK": "0"}
    done = subprocess.run(
        [sys.executable, "-c", "import cli.main, os; print(os.environ['DO_NOT_TRACK'])"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "0", done.stderr
