"""The whole cycle end to end, on SQLite and on PostgreSQL, through the CLI and real Prefect flows."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest
from docx import Document

from tests.cli_helpers import run_cli, state_counts

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _docx_text(path: Path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_run_in_an_empty_home_places_items_writes_one_letter_per_respondent(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")  # PDFs have their own tests; this one is about the cycle
    result = run_cli(capsys, "run", "--as-of", "2026-11-21")
    assert result.code == 0, result.err
    assert str(home / "letters") in result.out
    draft = home / "packs" / "lih-2026-12-07" / "draft" / "2026-12-07-agenda-pack-v1.docx"
    assert str(draft) in result.out and draft.exists()

    plan = {row["commitment"]: row for row in run_cli(capsys, "plan", "--as-of", "2026-11-21", "--json").json()}
    assert plan["R15"]["meeting_id"] == "lih-2027-01-25"
    assert plan["R16"]["meeting_id"] == "lih-2027-01-25"
    assert "overdue" in plan["R15"]["reason"] and "25 Jan 2027" in plan["R15"]["reason"]

    # One letter per organisation for the meeting, covering both items where it is asked about both.
    letters = sorted((home / "letters" / "lih-2027-01-25").glob("*.docx"))
    assert [p.name for p in letters] == [
        "lih-2027-01-25-hackney-csp-v1.docx",
        "lih-2027-01-25-local-policing-scrutiny-panel-v1.docx",
        "lih-2027-01-25-met-ce-bcu-v1.docx",
        "lih-2027-01-25-mopac-v1.docx",
        "lih-2027-01-25-young-peoples-ssmg-v1.docx",
    ]
    texts = {path.name.removesuffix("-v1.docx"): _docx_text(path) for path in letters}
    for both in ("lih-2027-01-25-mopac", "lih-2027-01-25-met-ce-bcu"):
        text = texts[both]
        assert "Stop and search annual update (Recommendation 15)" in text
        assert "Trust and Confidence Action Plan annual update (Recommendation 16)" in text
        assert text.count("Our request") == 2
        assert text.count("at its meeting on Monday 25 January 2027 at 7.00 pm") == 1
    police = texts["lih-2027-01-25-met-ce-bcu"]
    for topic in (
        "body worn camera dip sampling",
        "engagement of the community in training",
        "Section 60 communications",
    ):
        assert topic in police
    # A first update asks the review's points, not progress since a last update.
    r15 = police.split("Recommendation 16")[0]
    assert "progress on the points the Commission raised at its last update" not in r15
    assert "Friday 8 January 2027" in police and "Cllr Sharon Patrick" in police
    # Thanks only the bodies that gave the last update.
    mopac_r16 = texts["lih-2027-01-25-mopac"].split("Trust and Confidence Action Plan annual update")[1]
    assert "Thank you for the update you gave" not in mopac_r16.split("Our request")[0]
    assert "Thank you for the update you gave the Commission on 9 December 2024." in texts["lih-2027-01-25-hackney-csp"]
    # CC lines use display names; a contact known by a role only is named by it.
    assert (
        "Chief Superintendent James Conway, Central East BCU Commander (Central East BCU)"
        in texts["lih-2027-01-25-mopac"]
    )
    assert "The Chair of the Hackney Local Policing Scrutiny Panel" in texts["lih-2027-01-25-mopac"]
    assert not any("{{" in text or "{%" in text for text in texts.values())

    # Each e-mail is To the contact, Cc everyone the letter copies, Reply-To the officer.
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in (home / "outbox").glob("*.eml")
    ]
    assert len(messages) == 5
    to_mopac = next(m for m in messages if "natasha.plummer@mopac.example" in str(m["To"]))
    cc = str(to_mopac["Cc"])
    assert "ce.bcu.commander@met-police.example" in cc and "cabinet.community-safety@hackney.example" in cc
    assert str(to_mopac["Reply-To"]) == "tracey.anderson@hackney.example"
    assert "(ref lih-2027-01-25-mopac)" in str(to_mopac["Subject"])

    due = run_cli(capsys, "responses", "due", "--as-of", "2026-11-21", "--json").json()
    assert {row["status"] for row in due} == {"issued"}
    assert {row["due_date"] for row in due} == {"2027-01-08"}
    assert {row["letter_id"] for row in due if row["organisation"].startswith("Mayor")} == {"lih-2027-01-25-mopac"}
    organisations = {row["organisation"] for row in due}
    assert "Mayor's Office for Policing and Crime (MOPAC)" in organisations
    # the community monitoring group ended in 2023: its successor is asked instead
    assert "Hackney Local Policing Scrutiny Panel" in organisations
    assert "Hackney Community Stop and Search Monitoring Group" not in organisations
    assert len(due) == 7

    before = state_counts(home)
    again = run_cli(capsys, "run", "--as-of", "2026-11-21")
    assert again.code == 0, again.err
    assert state_counts(home) == before
    assert "Agenda packs written: 0" in again.out

    pack = run_cli(capsys, "pack", "lih-2027-01-25", "--as-of", "2027-01-15")
    assert pack.code == 0, pack.err
    packs = list((home / "packs" / "lih-2027-01-25").glob("*.docx"))
    assert len(packs) == 1
    front = _docx_text(packs[0])
    assert "to follow" in front.lower() and "Stop and search annual update" in front


def test_a_new_contact_gets_the_letter_and_old_letters_keep_theirs(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.factories import bundled_config_data, write_config

    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "plan", "--as-of", "2026-11-01").code == 0  # planned, window not yet open
    data = bundled_config_data()
    mopac = next(o for o in data["organisations"] if o["id"] == "mopac")
    mopac["contact"] = {"name": "Jo Bloggs", "role": "Head of Oversight", "email": "jo.bloggs@mopac.example"}
    config = write_config(sqlite_home.parent / "committee.yaml", data)
    assert run_cli(capsys, "init", "--config", str(config)).code == 0
    assert run_cli(capsys, "letters", "--as-of", "2026-11-21").code == 0
    letter = _docx_text(sqlite_home / "letters" / "lih-2027-01-25" / "lih-2027-01-25-mopac-v1.docx")
    assert "Dear Jo Bloggs" in letter and "Natasha Plummer" not in letter.split("Dear")[0]
