"""The README's "A year in commands" runs verbatim in a clean shell after ./scripts/run.sh (issue #13).

The block is taken from the README as written, so an example that stops working, or a command
renamed without updating the README, fails here. The shell is clean: `env -i` with only PATH, a
fresh HOME, SCRUTINY_HOME and PREFECT_HOME in temporary folders, and no PDFs (LibreOffice is
slow and the README's commands do not depend on it).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# The preview the block writes (`scrutiny letters preview lih-R15-1-mopac ... --out /tmp/preview`).
PREVIEW = Path("/tmp/preview/lih-2027-01-25-mopac-preview.docx")

pytestmark = pytest.mark.prefect  # every flow command in the block starts a temporary Prefect server


def year_in_commands() -> str:
    """The first ```sh block under the heading "A year in commands"."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## A year in commands\n(.*?)(?=^## |\Z)", text, flags=re.DOTALL | re.MULTILINE)
    assert section is not None, "README.md has no '## A year in commands' section"
    block = re.search(r"^```sh\n(.*?)^```", section.group(1), flags=re.DOTALL | re.MULTILINE)
    assert block is not None, "README.md: 'A year in commands' has no ```sh block"
    return block.group(1)


def _clean_environment(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "user").mkdir()
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(tmp_path / "user"),
        "SCRUTINY_HOME": str(tmp_path / "home"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "SCRUTINY_PDF": "false",
    }


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # `env -i` so nothing of this process's environment (a virtualenv, PREFECT_API_URL, SCRUTINY_*) leaks in.
    assignments = [f"{name}={value}" for name, value in env.items()]
    return subprocess.run(
        ["env", "-i", *assignments, *command], cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )


def test_the_block_starts_by_activating_the_environment() -> None:
    first = next(line for line in year_in_commands().splitlines() if line.strip())
    assert first.strip() == "source .venv/bin/activate", first


def test_a_year_in_commands_runs_verbatim_after_run_sh(tmp_path: Path) -> None:
    env = _clean_environment(tmp_path)
    first_run = _run(["./scripts/run.sh", "--as-of", "2026-11-21"], env)
    assert first_run.returncode == 0, first_run.stdout[-2000:] + first_run.stderr[-2000:]
    assert "Traceback" not in first_run.stdout + first_run.stderr

    PREVIEW.unlink(missing_ok=True)
    block = year_in_commands()
    done = _run(["bash", "-e", "-c", block], env)
    output = done.stdout + done.stderr
    try:
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        assert "Traceback" not in output and "internal error" not in output, output[-3000:]
        # Each command did its job: the meetings, the timetable, the preview, the tracker, the chasers, the pack.
        assert "lih-2027-01-25" in done.stdout and "Escalation Wed 13 Jan 2027" in done.stdout
        assert PREVIEW.is_file(), "'scrutiny letters preview ... --out /tmp/preview' wrote no preview"
        assert "lih-R15-1-mopac" in done.stdout and "chaser(s) written" in done.stdout
        assert "Agenda pack v1 for lih-2027-01-25" in done.stdout
        assert "Cycle as of 2027-01-15" in done.stdout
    finally:
        PREVIEW.unlink(missing_ok=True)
