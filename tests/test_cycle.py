"""The whole cycle end to end, on SQLite and on PostgreSQL, through the CLI and real Prefect flows."""

from __future__ import annotations

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


def test_run_in_an_empty_home_places_items_writes_letters_and_lists_responses(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")  # PDFs have their own tests; this one is about the cycle
    result = run_cli(capsys, "run", "--as-of", "2026-11-21")
    assert result.code == 0, result.err
    assert str(home / "letters") in result.out
    draft = home / "packs" / "2026-12-07" / "draft" / "2026-12-07-agenda-pack-v1.docx"
    assert str(draft) in result.out and draft.exists()

    plan = {row["commitment"]: row for row in run_cli(capsys, "plan", "--as-of", "2026-11-21", "--json").json()}
    assert plan["R15"]["meeting_id"] == "2027-01-25"
    assert plan["R16"]["meeting_id"] == "2027-01-25"
    assert "overdue" in plan["R15"]["reason"] and "25 Jan 2027" in plan["R15"]["reason"]

    letters = sorted((home / "letters" / "2027-01-25").glob("*.docx"))
    texts = {path.name: _docx_text(path) for path in letters}
    to_mopac = [name for name, text in texts.items() if "Natasha Plummer" in text and "City Hall" in text]
    to_police = [name for name, text in texts.items() if "Chief Superintendent James Conway" in text.split("Dear")[0]]
    assert to_mopac and to_police
    r15_police = next(text for name, text in texts.items() if name.startswith("r15-1-met-ce-bcu"))
    for topic in (
        "body worn camera dip sampling",
        "engagement of the community in training",
        "Section 60 communications",
    ):
        assert topic in r15_police
    assert "Monday 25 January 2027" in r15_police and "Friday 8 January 2027" in r15_police
    assert "Cllr Sharon Patrick" in r15_police
    assert not any("{{" in text or "{%" in text for text in texts.values())

    due = run_cli(capsys, "responses", "due", "--as-of", "2026-11-21", "--json").json()
    assert {row["status"] for row in due} == {"issued"}
    assert {row["due_date"] for row in due} == {"2027-01-08"}
    organisations = {row["organisation"] for row in due}
    assert "Mayor's Office for Policing and Crime (MOPAC)" in organisations
    # the community monitoring group ended in 2023: its successor is asked instead
    assert "Hackney Local Policing Scrutiny Panel" in organisations
    assert "Hackney Community Stop and Search Monitoring Group" not in organisations
    assert len(due) == 7 and len(list((home / "outbox").glob("*.eml"))) == 7

    before = state_counts(home)
    again = run_cli(capsys, "run", "--as-of", "2026-11-21")
    assert again.code == 0, again.err
    assert state_counts(home) == before

    pack = run_cli(capsys, "pack", "2027-01-25", "--as-of", "2027-01-15")
    assert pack.code == 0, pack.err
    packs = list((home / "packs" / "2027-01-25").glob("*.docx"))
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
    letter = _docx_text(sqlite_home / "letters" / "2027-01-25" / "r15-1-mopac-request-v1.docx")
    assert "Dear Jo Bloggs" in letter and "Natasha Plummer" not in letter.split("Dear")[0]
