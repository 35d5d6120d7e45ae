"""Three whole cycles at once, in three processes, against one empty database: nothing is made twice."""

from __future__ import annotations

import email
import os
import subprocess
import sys
from email import policy
from email.utils import getaddresses
from pathlib import Path

import pytest
from sqlmodel import Session, select

from scrutiny.settings import get_settings
from state import models
from state.db import get_engine
from tests.cli_helpers import state_counts

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_runs_at_once_write_each_letter_and_email_once(home: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "SCRUTINY_PDF": "false"}
    command = [sys.executable, "-m", "cli", "run", "--as-of", "2026-11-21"]
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
    assert counts["Document"] == 5  # one letter per organisation asked about the meeting
    assert counts["files:outbox"] == 5
    assert len(list((home / "letters" / "lih-2027-01-25").glob("*.docx"))) == 5
    # between them the runs wrote each letter once
    written = sum(
        int(line.split(":")[1].split("(")[0])
        for out, _ in outputs
        for line in out.splitlines()
        if line.startswith("Letters written:")
    )
    assert written == 5
    # and e-mailed each to each of its recipients once: every recipient sent, none still claimed
    with Session(get_engine(get_settings().effective_database_url)) as session:
        letters = session.exec(select(models.Letter)).all()
        deliveries = session.exec(select(models.Delivery)).all()
    assert sorted((letter.version, letter.needs_reissue) for letter in letters) == [(1, False)] * 5
    assert {(d.state, d.claim) for d in deliveries} == {("sent", "")}
    assert len({(d.document_id, d.address.lower()) for d in deliveries}) == len(deliveries)
    headers = 0
    for path in (home / "outbox").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        headers += len(getaddresses([str(message["To"]), *([str(message["Cc"])] if message["Cc"] else [])]))
    assert headers == len(deliveries)
