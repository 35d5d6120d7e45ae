"""Run the CLI in-process (under the session's Prefect harness) and read the state it left."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from cli.main import main
from scrutiny.settings import get_settings, reset_settings
from state import models
from state.db import get_engine


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str, progress: bool = False) -> CliResult:
    """Run one command in-process; without `progress`, as `scrutiny --quiet`, so stderr holds only its errors."""
    reset_settings()
    capsys.readouterr()
    code = main(list(args) if progress else ["--quiet", *args])
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)


def state_counts(home: Path) -> dict[str, int]:
    """How many of each thing exist: rows in the database and files on disk."""
    url = get_settings().effective_database_url
    counts: dict[str, int] = {}
    with Session(get_engine(url)) as session:
        for table in (
            models.AgendaItem,
            models.Request,
            models.Document,
            models.Reminder,
            models.Response,
            models.Pack,
        ):
            counts[table.__name__] = session.exec(select(func.count()).select_from(table)).one()
    for folder in ("letters", "outbox", "packs", "responses"):
        root = home / folder
        counts[f"files:{folder}"] = sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0
    return counts


def install_bundled_without_pattern(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """Install the bundled committee with only its listed meetings: no provisional meetings from its
    meeting pattern, for tests about a calendar that ends (the pattern has tests of its own)."""
    from tests.factories import bundled_config_data, write_config

    data = bundled_config_data()
    data.pop("meeting_pattern", None)
    result = run_cli(capsys, "init", "--config", str(write_config(folder / "listed-meetings.yaml", data)))
    assert result.code == 0, result.err
