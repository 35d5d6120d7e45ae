"""The code passes the project's checks: ruff's lint rules and formatting, and mypy (pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=900)


def test_ruff_finds_nothing() -> None:
    done = _run(str(BIN / "ruff"), "check", "--no-cache", str(ROOT))
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_changes_nothing() -> None:
    done = _run(str(BIN / "ruff"), "format", "--check", "--no-cache", str(ROOT))
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_with_no_arguments_passes() -> None:
    """`mypy` alone checks what [tool.mypy] names: the product strictly, tests and scripts for mistakes."""
    done = _run(str(BIN / "mypy"))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr
    assert "Success: no issues found" in done.stdout
