"""Chasing and recording responses across a meeting's timetable, then the pack and a supplementary pack."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest
from docx import Document

from tests.cli_helpers import run_cli, state_counts
from tests.factories import write_response_docx

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _statuses(capsys: pytest.CaptureFixture[str], as_of: str) -> dict[str, str]:
    rows = run_cli(capsys, "responses", "due", "--as-of", as_of, "--json").json()
    return {row["request_id"]: row["status"] for row in rows}


def _respond(capsys: pytest.CaptureFixture[str], home: Path, request_id: str, received: str) -> str:
    path = write_response_docx(
        home.parent / "inbox" / f"{request_id}.docx",
        organisation=request_id,
        meeting_date="25 January 2027",
        body=f"Written response for {request_id}.",
    )
    result = run_cli(capsys, "responses", "record", request_id, str(path), "--received", received, "--as-of", received)
    assert result.code == 0, result.err
    return result.out


def test_a_meeting_from_letters_to_supplementary_pack(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")  # LibreOffice is tested elsewhere; keep this one quick
    assert run_cli(capsys, "run", "--as-of", "2026-11-21").code == 0
    assert "received" in _respond(capsys, home, "lih-R15-1-mopac", "2026-12-20")

    # Reminders go out from 31 Dec 2026 (5 working days before Fri 8 Jan; New Year's Day skipped):
    # one per letter, and MOPAC's lists only what it still owes.
    assert "No chasers due" in run_cli(capsys, "remind", "--as-of", "2026-12-30").out
    reminded = run_cli(capsys, "remind", "--as-of", "2027-01-04")
    assert reminded.code == 0 and "5 chaser(s)" in reminded.out
    mopac = _text(next((home / "letters" / "lih-2027-01-25").glob("lih-2027-01-25-mopac-reminder-*.docx")))
    assert "Trust and Confidence Action Plan annual update (Recommendation 16)" in mopac
    assert "Stop and search annual update" not in mopac
    statuses = _statuses(capsys, "2027-01-04")
    assert statuses.pop("lih-R15-1-mopac") == "received"
    assert set(statuses.values()) == {"reminded"}
    before = state_counts(home)
    assert "No chasers due" in run_cli(capsys, "remind", "--as-of", "2027-01-04").out
    assert state_counts(home) == before

    # Overdue notices on the first working day after the due date; a late response is marked late.
    assert "5 chaser(s)" in run_cli(capsys, "remind", "--as-of", "2027-01-11").out
    _respond(capsys, home, "lih-R16-2-hackney-csp", "2027-01-12")
    statuses = _statuses(capsys, "2027-01-12")
    assert statuses["lih-R16-2-hackney-csp"] == "received_late"
    assert list(statuses.values()).count("overdue") == 5

    # Escalations three working days after the due date, copied to the Chair and the letter's CC list.
    assert "4 chaser(s)" in run_cli(capsys, "remind", "--as-of", "2027-01-13").out
    escalations = sorted((home / "letters" / "lih-2027-01-25").glob("*-escalation-*.docx"))
    assert len(escalations) == 4
    text = _text(escalations[0])
    assert "Cllr Sharon Patrick" in text.split("CC", 1)[1]
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in (home / "outbox").glob("*.eml")
    ]
    escalation_mails = [m for m in messages if "copied to the Chair" in str(m["Subject"])]
    assert len(escalation_mails) == 4
    for mail in escalation_mails:
        assert "sharon.patrick@hackney.example" in str(mail["Cc"])
        assert "cabinet.community-safety@hackney.example" in str(mail["Cc"])
    assert len(messages) == 5 + 5 + 5 + 4  # letters, reminders, overdue notices, escalations: each once

    # The pack: responses received so far appended, the rest "to follow".
    first = run_cli(capsys, "pack", "lih-2027-01-25", "--as-of", "2027-01-15")
    assert first.code == 0, first.err
    assert "Agenda pack v1" in first.out and "To follow" in first.out
    # A late response makes a supplementary pack with only what is new; nothing new makes nothing.
    _respond(capsys, home, "lih-R15-1-met-ce-bcu", "2027-01-18")
    second = run_cli(capsys, "pack", "lih-2027-01-25", "--as-of", "2027-01-18")
    assert "Supplementary agenda v2" in second.out
    supplementary = next((home / "packs" / "lih-2027-01-25").glob("*supplementary*.docx"))
    body = _text(supplementary)
    assert "Written response for lih-R15-1-met-ce-bcu." in body
    assert "Written response for lih-R15-1-mopac." not in body
    third = run_cli(capsys, "pack", "lih-2027-01-25", "--as-of", "2027-01-19")
    assert "nothing new written" in third.out
    assert len(list((home / "packs" / "lih-2027-01-25").glob("*.docx"))) == 2

    history = run_cli(capsys, "responses", "history", "lih-R15-1-met-ce-bcu", "--json").json()
    assert [(row["new_status"], row["cause"]) for row in history] == [
        ("planned", "planned"),
        ("issued", "letter"),
        ("reminded", "chaser"),
        ("overdue", "chaser"),
        ("escalated", "chaser"),
        ("received_late", "response"),
    ]


def _text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def test_a_late_first_run_sends_only_the_most_advanced_chaser(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "run", "--as-of", "2026-11-21").code == 0
    result = run_cli(capsys, "remind", "--as-of", "2027-01-14")
    assert result.code == 0
    names = [path.name for path in (sqlite_home / "letters" / "lih-2027-01-25").glob("*.docx")]
    assert len([n for n in names if "-escalation-" in n]) == 5
    assert len(names) == 10 and not any("-reminder-" in n or "-overdue-" in n for n in names)
    assert set(_statuses(capsys, "2027-01-14").values()) == {"escalated"}


def test_recording_the_same_response_twice_changes_nothing(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "run", "--as-of", "2026-11-21").code == 0
    path = write_response_docx(
        sqlite_home.parent / "mopac.docx", organisation="MOPAC", meeting_date="25 January 2027", body="Response."
    )
    recorded = run_cli(
        capsys, "responses", "record", "lih-R16-2-mopac", str(path), "--received", "2027-01-05", "--as-of", "2027-01-05"
    )
    assert recorded.code == 0, recorded.err
    before = state_counts(sqlite_home)
    again = run_cli(
        capsys, "responses", "record", "lih-R16-2-mopac", str(path), "--received", "2027-01-06", "--as-of", "2027-01-06"
    )
    assert again.code == 0 and "already recorded" in again.out
    assert state_counts(sqlite_home) == before


def test_a_withdrawn_request_is_not_chased(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "run", "--as-of", "2026-11-21").code == 0
    withdrawn = run_cli(capsys, "responses", "withdraw", "lih-R15-1-young-peoples-ssmg", "--as-of", "2026-12-01")
    assert withdrawn.code == 0 and "withdrawn" in withdrawn.out
    assert "4 chaser(s)" in run_cli(capsys, "remind", "--as-of", "2027-01-04").out  # that letter asked nothing else
    assert _statuses(capsys, "2027-01-04")["lih-R15-1-young-peoples-ssmg"] == "withdrawn"
    _respond(capsys, sqlite_home, "lih-R16-2-mopac", "2027-01-05")
    refused = run_cli(capsys, "responses", "withdraw", "lih-R16-2-mopac")
    assert refused.code == 2 and "already has a response" in refused.err
    pack = run_cli(capsys, "pack", "lih-2027-01-25", "--as-of", "2027-01-15")
    assert "To follow" in pack.out and "Young People" not in pack.out  # withdrawn: not awaited

    # Letters are out, so a pin cannot move the item; a pin is also refused for a past meeting.
    moved = run_cli(capsys, "plan", "pin", "R16", "lih-2027-02-22", "--as-of", "2026-11-22")
    assert moved.code == 2 and "its letters have gone out" in moved.err
    past = run_cli(capsys, "plan", "pin", "R16", "lih-2026-07-13", "--as-of", "2026-11-22")
    assert past.code == 2 and "has already taken place" in past.err


def test_minutes_go_in_the_next_pack_or_a_supplementary_one(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "run", "--as-of", "2026-11-21").code == 0
    first = run_cli(capsys, "pack", "lih-2027-01-25", "--as-of", "2027-01-15")
    assert "Agenda pack v1" in first.out and "Minutes of the previous meeting" in first.out  # listed as to follow

    minutes = write_response_docx(
        sqlite_home.parent / "minutes-2026-12-07.docx",
        organisation="Minutes",
        meeting_date="7 December 2026",
        body="Minutes of the meeting held on 7 December 2026.",
    )
    recorded = run_cli(capsys, "minutes", "record", "lih-2026-12-07", str(minutes))
    assert recorded.code == 0, recorded.err
    assert "already recorded" in run_cli(capsys, "minutes", "record", "lih-2026-12-07", str(minutes)).out

    second = run_cli(capsys, "pack", "lih-2027-01-25", "--as-of", "2027-01-18")
    assert "Supplementary agenda v2" in second.out
    supplementary = next((sqlite_home / "packs" / "lih-2027-01-25").glob("*supplementary*.docx"))
    assert "Minutes of the meeting held on 7 December 2026." in "\n".join(
        p.text for p in Document(str(supplementary)).paragraphs
    )
    assert "nothing new written" in run_cli(capsys, "pack", "lih-2027-01-25", "--as-of", "2027-01-19").out

    bad = sqlite_home.parent / "minutes.pdf"
    bad.write_bytes(b"%PDF-1.7")
    refused = run_cli(capsys, "minutes", "record", "lih-2026-12-07", str(bad))
    assert refused.code == 2 and "the minutes must be a Word document (.docx)" in refused.err
