"""`responses due --xlsx`: the tracker as a workbook, row for row the same as --json."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cli_helpers import run_cli

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_the_workbook_matches_the_json_row_for_row(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "run", "--as-of", "2026-11-21").code == 0
    assert run_cli(capsys, "remind", "--as-of", "2027-01-11").code == 0
    book = sqlite_home / "tracker.xlsx"
    written = run_cli(capsys, "responses", "due", "--as-of", "2027-01-11", "--xlsx", str(book))
    assert written.code == 0 and f"Tracker written to {book} (7 rows)" in written.out
    rows = run_cli(capsys, "responses", "due", "--as-of", "2027-01-11", "--json").json()
    sheet = load_workbook(book).active
    header, *data = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(data) == len(rows) == 7 and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    keys = list(rows[0])
    assert len(header) == len(keys)
    for row, values in zip(rows, data, strict=True):
        for key, value in zip(keys, values, strict=True):
            expected = row[key]
            if isinstance(value, dt.datetime):
                value = value.date().isoformat()
            assert (value if value is not None else None) == (expected if expected != "" else None), key
    assert all(r["working_days_left"] == -1 for r in rows)  # due Fri 8 Jan, as of Mon 11 Jan
    status_column = keys.index("status") + 1
    assert sheet.cell(row=2, column=status_column).fill.start_color.rgb.endswith("F8CBAD")  # overdue colour

    refused = run_cli(capsys, "responses", "due", "--xlsx", str(sqlite_home / "no" / "t.xlsx"))
    assert refused.code == 2 and "does not exist" in refused.err
