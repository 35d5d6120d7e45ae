"""scrutiny timetable: the dates per meeting, as a table, as JSON, and explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_cli


def test_timetable_json_for_the_january_meeting(sqlite_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_cli(capsys, "timetable", "--meeting", "lih-2027-01-25", "--json").json()
    assert rows == [
        {
            "committee": "living-in-hackney",
            "meeting_id": "lih-2027-01-25",
            "date": "2027-01-25",
            "cancelled": False,
            "letter_window_opens": "2026-11-13",
            "request_by_date": "2026-11-27",
            "reminder_date": "2026-12-31",
            "response_due_date": "2027-01-08",
            "overdue_date": "2027-01-11",
            "escalation_date": "2027-01-13",
            "publication_date": "2027-01-15",
        }
    ]


def test_timetable_lists_every_meeting(sqlite_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "timetable")
    assert result.code == 0
    lines = result.out.strip().splitlines()
    assert lines[0].split()[:4] == ["COMMITTEE", "MEETING_ID", "DATE", "LETTER_WINDOW_OPENS"]
    assert len(lines) == 1 + 10
    assert all(line.split()[:2] == ["living-in-hackney", f"lih-{line.split()[2]}"] for line in lines[1:])
    # --committee takes the committee's ID or its prefix, and scopes the listing to it.
    for name in ("living-in-hackney", "lih"):
        scoped = run_cli(capsys, "timetable", "--committee", name)
        assert scoped.code == 0 and scoped.out == result.out, scoped.err


def test_explain_names_the_holidays_it_stepped_over(sqlite_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = run_cli(capsys, "timetable", "--meeting", "lih-2027-01-25", "--explain").out
    assert text.startswith("lih-2027-01-25 (2027-01-25):")
    assert "New Year's Day" in text
    explained = run_cli(capsys, "timetable", "--meeting", "lih-2027-01-25", "--explain", "--json").json()
    assert len(explained[0]["explanation"]) == 8
    assert any("Publication" in line and "15 Jan 2027" in line for line in explained[0]["explanation"])
