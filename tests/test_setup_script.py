"""scripts/setup.sh ends with status 0 when it installs, for a plain run as for the tests.

It once ended a plain first install with the status of `[ -n "$extras" ] && ...` (1), so on a fresh
clone `./scripts/run.sh` stopped after setting up, silently. pip is the edge of the outside world
here: a stand-in `.venv/bin/python` records what it was asked and succeeds (or fails, on request).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FAKE_PYTHON = """#!/bin/sh
echo "$*" >> "$(dirname "$0")/../calls.log"
[ -z "$FAIL_PIP" ]
"""


def _checkout(tmp_path: Path) -> Path:
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", checkout / "scripts" / "setup.sh")
    shutil.copy(ROOT / "pyproject.toml", checkout / "pyproject.toml")
    python = checkout / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(_FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    return checkout


def _setup(checkout: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("SCRUTINY_SETUP_TESTS", "FAIL_PIP")} | env
    return subprocess.run(
        ["bash", "scripts/setup.sh"], cwd=checkout, env=environment, capture_output=True, text=True, timeout=600
    )


def _calls(checkout: Path) -> list[str]:
    log = checkout / ".venv" / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_a_plain_first_install_ends_with_status_zero_and_is_not_repeated(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    first = _setup(checkout)
    assert first.returncode == 0, first.stderr
    assert _calls(checkout)[-1] == "-m pip install -e ."
    assert len(list((checkout / ".venv").glob(".installed-*"))) == 1
    again = _setup(checkout)
    assert again.returncode == 0, again.stderr
    assert len(_calls(checkout)) == 2  # nothing installed the second time


def test_a_test_install_ends_with_status_zero_and_also_serves_a_plain_run(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    done = _setup(checkout, SCRUTINY_SETUP_TESTS="1")
    assert done.returncode == 0, done.stderr
    assert _calls(checkout)[-1] == "-m pip install -e .[test]"
    stamps = sorted(p.name for p in (checkout / ".venv").glob(".installed-*"))
    assert len(stamps) == 2 and stamps[1] == stamps[0] + "-test"
    plain = _setup(checkout)
    assert plain.returncode == 0 and len(_calls(checkout)) == 2, plain.stderr


def test_a_failed_install_says_so_and_leaves_no_stamp(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    failed = _setup(checkout, FAIL_PIP="1")
    assert failed.returncode == 1
    assert "setup: pip install failed; the whole log is in .venv/pip-install.log" in failed.stderr
    assert list((checkout / ".venv").glob(".installed-*")) == []
