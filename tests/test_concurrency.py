"""Three whole cycles at once, in three processes, against one empty database: nothing is made twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import state_counts

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_runs_at_once_write_each_letter_and_email_once(home: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "SCRUTINY_PDF": "false"}
    command = [sys.executable, "-m", "scrutiny", "run", "--as-of", "2026-11-21"]
    # An empty database: the runs also race to create the schema and load the committee.
    runs = [
        subprocess.Popen(command, env=env, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert "Traceback" not in err

    counts = state_counts(home)
    assert counts["AgendaItem"] == 2
    assert counts["Request"] == 7
    assert counts["Document"] == 7
    assert counts["files:outbox"] == 7
    assert len(list((home / "letters" / "2027-01-25").glob("*.docx"))) == 7
    # between them the runs wrote each letter once
    written = sum(
        int(line.split(":")[1].split("(")[0])
        for out, _ in outputs
        for line in out.splitlines()
        if line.startswith("Letters written:")
    )
    assert written == 7
