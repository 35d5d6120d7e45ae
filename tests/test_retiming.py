"""When a meeting is cancelled or moved, open requests are asked again against the new date: a new letter
and a fresh chaser ladder, once each however often each day is run; answered requests are left alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from docx import Document

from tests.cli_helpers import run_cli, state_counts
from tests.counts import note
from tests.factories import write_response_docx

pytestmark = pytest.mark.usefixtures("prefect_harness")

UID = "meeting-lih-2027-01-25@living-in-hackney.scrutiny.example"


def _ics(path: Path, *, start: str, cancelled: bool) -> Path:
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Test//EN", "BEGIN:VEVENT", f"UID:{UID}",
        "DTSTAMP:20270101T000000Z", f"DTSTART;TZID=Europe/London:{start}T190000", "SUMMARY:Living in Hackney",
        "LOCATION:Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}", "END:VEVENT", "END:VCALENDAR",
    ]  # fmt: skip
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def _timetable(capsys: pytest.CaptureFixture[str], meeting_id: str) -> dict[str, str]:
    [row] = run_cli(capsys, "timetable", "--meeting", meeting_id, "--json").json()
    return row


def _documents(home: Path, meeting_id: str) -> list[str]:
    return sorted(p.name for p in (home / "letters" / meeting_id).glob("*.docx"))


def test_cancelled_after_escalation_every_unanswered_request_is_asked_again_once(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "run", "--as-of", "2026-11-21").code == 0
    response = write_response_docx(home.parent / "csp.docx", organisation="CSP", meeting_date="25 Jan", body="CSP.")
    recorded = run_cli(
        capsys, "responses", "record", "lih-R16-2-hackney-csp", str(response), "--received", "2027-01-05",
        "--as-of", "2027-01-05",
    )  # fmt: skip
    assert recorded.code == 0, recorded.err
    for chase_day in ("2027-01-04", "2027-01-11", "2027-01-13"):
        assert run_cli(capsys, "remind", "--as-of", chase_day).code == 0
    due = {
        row["request_id"]: row for row in run_cli(capsys, "responses", "due", "--as-of", "2027-01-13", "--json").json()
    }
    assert {row["status"] for key, row in due.items() if key != "lih-R16-2-hackney-csp"} == {"escalated"}

    # The council cancels the meeting; the planner moves both items to the first meeting that still has time.
    cancelled = run_cli(
        capsys, "meetings", "import", str(_ics(home.parent / "c.ics", start="20270125", cancelled=True))
    )
    assert cancelled.code == 0 and "1 cancelled" in cancelled.out, cancelled.out
    plan = {r["commitment"]: r for r in run_cli(capsys, "plan", "--as-of", "2027-01-14", "--json").json()}
    new_meeting = plan["R15"]["meeting_id"]
    assert new_meeting == plan["R16"]["meeting_id"] == "lih-2027-03-22"
    dates = _timetable(capsys, new_meeting)

    # Day by day to the new meeting's escalation: the chasers every working day, and the whole cycle
    # twice on each day something falls due (the new letter, reminder, overdue notice, escalation).
    key_days = {"2027-01-14", dates["reminder_date"], dates["overdue_date"], dates["escalation_date"]}
    day = dt.date(2027, 1, 14)
    last = dt.date.fromisoformat(dates["escalation_date"]) + dt.timedelta(days=1)
    days_run = cycles = 0
    while day <= last:
        if day.weekday() < 5:
            if day.isoformat() in key_days:
                for _ in range(2):
                    assert run_cli(capsys, "run", "--as-of", day.isoformat()).code == 0
                    cycles += 1
            assert run_cli(capsys, "remind", "--as-of", day.isoformat()).code == 0
            days_run += 1
        day += dt.timedelta(days=1)
    note(f"simulated {days_run} working days: chasers every day, the whole cycle twice on {cycles // 2} key days")

    documents = _documents(home, new_meeting)
    # Four letters had something unanswered (the CSP had answered): one new letter each, then one of each chaser.
    for organisation in ("local-policing-scrutiny-panel", "met-ce-bcu", "mopac", "young-peoples-ssmg"):
        mine = [d for d in documents if d.startswith(f"{new_meeting}-{organisation}-")]
        assert [d.split(f"{new_meeting}-{organisation}-")[1].split("-due-")[0].removesuffix(".docx") for d in mine] == [
            "escalation", "overdue", "reminder", "v1",
        ], mine  # fmt: skip
    assert not any("hackney-csp" in d for d in documents)
    letter = Document(str(home / "letters" / new_meeting / f"{new_meeting}-mopac-v1.docx"))
    text = "\n".join(p.text for p in letter.paragraphs)
    assert "The Commission's meeting on Monday 25 January 2027 was cancelled." in text
    assert "Monday 22 March 2027" in text and "Stop and search annual update (Recommendation 15)" in text

    rows = {
        r["request_id"]: r for r in run_cli(capsys, "responses", "due", "--as-of", day.isoformat(), "--json").json()
    }
    csp = run_cli(capsys, "responses", "due", "--meeting", new_meeting, "--json").json()
    answered = next(r for r in csp if r["request_id"] == "lih-R16-2-hackney-csp")
    assert answered["status"] == "received" and answered["action_needed"] == ""
    assert all(r["status"] == "escalated" and r["due_date"] == dates["response_due_date"] for r in rows.values()
               if r["request_id"] != "lih-R16-2-hackney-csp")  # fmt: skip
    history = run_cli(capsys, "responses", "history", "lih-R15-1-mopac", "--json").json()
    causes = [row["cause"] for row in history]
    assert causes.count("re-timing") == 2  # moved, then asked again
    assert causes.count("chaser") == 6  # three against each due date
    assert run_cli(capsys, "run", "--as-of", day.isoformat()).code == 0  # the new meeting's pack is due now
    before = state_counts(home)
    assert run_cli(capsys, "run", "--as-of", day.isoformat()).code == 0
    assert state_counts(home) == before


def test_a_moved_meeting_gets_a_new_letter_version_but_answered_requests_are_not_flagged(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "run", "--as-of", "2026-11-21").code == 0
    response = write_response_docx(sqlite_home.parent / "r.docx", organisation="MOPAC", meeting_date="x", body="R.")
    assert run_cli(
        capsys, "responses", "record", "lih-R15-1-mopac", str(response), "--received", "2026-12-01",
        "--as-of", "2026-12-01",
    ).code == 0  # fmt: skip
    moved = run_cli(
        capsys, "meetings", "import", str(_ics(sqlite_home.parent / "m.ics", start="20270201", cancelled=False)),
        "--as-of", "2026-12-02",
    )  # fmt: skip
    assert moved.code == 0 and "1 moved" in moved.out, moved.out
    rows = {r["request_id"]: r for r in run_cli(capsys, "responses", "due", "--as-of", "2026-12-02", "--json").json()}
    assert rows["lih-R15-1-mopac"]["action_needed"] == ""
    assert rows["lih-R16-2-mopac"]["action_needed"] == "new letter version to go (meeting moved)"
    assert all(r["due_date"] == "2027-01-15" for r in rows.values())

    assert run_cli(capsys, "letters", "--as-of", "2026-12-02").code == 0
    assert "lih-2027-01-25-mopac-v2.docx" in _documents(sqlite_home, "lih-2027-01-25")
    v2 = Document(str(sqlite_home / "letters" / "lih-2027-01-25" / "lih-2027-01-25-mopac-v2.docx"))
    text = "\n".join(p.text for p in v2.paragraphs)
    assert "has moved to Monday 1 February 2027" in text and "Friday 15 January 2027" in text
    assert "Stop and search annual update" not in text  # MOPAC has answered R15: not asked again
    assert "lih-2027-01-25-mopac-v1.docx" in _documents(sqlite_home, "lih-2027-01-25")  # the earlier one kept
    before = state_counts(sqlite_home)
    assert run_cli(capsys, "letters", "--as-of", "2026-12-03").code == 0
    assert state_counts(sqlite_home) == before
