"""Many committees in one home: each from its own file, with its own IDs, letters and packs, none shared."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docx import Document

from tests.cli_helpers import run_cli, state_counts
from tests.factories import health_in_hackney_data, write_config

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _add_health_in_hackney(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    config = write_config(home.parent / "health-in-hackney.yaml", health_in_hackney_data())
    added = run_cli(capsys, "init", "--config", str(config))
    assert added.code == 0, added.err
    assert "Committee health-in-hackney added (IDs start hih-)" in added.out


def test_two_committees_meeting_on_the_same_evenings_run_side_by_side(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "init").code == 0  # the bundled Living in Hackney
    _add_health_in_hackney(capsys, home)
    committees = run_cli(capsys, "committees", "list", "--json").json()
    assert [(c["committee_id"], c["prefix"]) for c in committees] == [
        ("health-in-hackney", "hih"),
        ("living-in-hackney", "lih"),
    ]

    result = run_cli(capsys, "run", "--as-of", "2026-11-21")
    assert result.code == 0, result.err
    assert "Living in Hackney Scrutiny Commission" in result.out and "Health in Hackney" in result.out

    # Each committee has its own meetings (same evening, two IDs), letters and requests.
    meetings = run_cli(capsys, "meetings", "list", "--json").json()
    same_evening = sorted(m["meeting_id"] for m in meetings if m["date"] == "2027-01-25")
    assert same_evening == ["hih-2027-01-25", "lih-2027-01-25"]
    assert sorted(p.name for p in (home / "letters" / "hih-2027-01-25").glob("*.docx")) == [
        "hih-2027-01-25-elft-v1.docx",
        "hih-2027-01-25-hackney-csp-v1.docx",
        "hih-2027-01-25-mopac-v1.docx",
    ]
    assert len(list((home / "letters" / "lih-2027-01-25").glob("*.docx"))) == 5
    hih_letter = "\n".join(
        p.text for p in Document(str(home / "letters" / "hih-2027-01-25" / "hih-2027-01-25-mopac-v1.docx")).paragraphs
    )
    assert "Health in Hackney Scrutiny Commission" in hih_letter and "Cllr Ben Hayhurst" in hih_letter
    assert "Living in Hackney" not in hih_letter

    due = run_cli(capsys, "responses", "due", "--as-of", "2026-11-21", "--json").json()
    ids = [row["request_id"] for row in due]
    assert len(ids) == len(set(ids)) == 10
    assert {row["committee"] for row in due} == {"health-in-hackney", "living-in-hackney"}
    assert all(row["request_id"].startswith(("hih-", "lih-")) for row in due)

    # --committee scopes every listing.
    for command in (["responses", "due", "--as-of", "2026-11-21"], ["meetings", "list"], ["programme"], ["timetable"]):
        scoped = run_cli(capsys, *command, "--committee", "hih", "--json").json()
        rows = scoped if isinstance(scoped, list) else []
        assert rows and all(r.get("committee", "health-in-hackney") == "health-in-hackney" for r in rows), command

    # A command that works on one committee needs to be told which, in one line.
    refused = run_cli(capsys, "plan", "--as-of", "2026-11-21")
    assert refused.code == 2
    assert refused.err.strip() == (
        "scrutiny: error: this home has 2 committees: say which with --committee (health-in-hackney, living-in-hackney)"
    )
    assert run_cli(capsys, "plan", "--as-of", "2026-11-21", "--committee", "hih").code == 0

    before = state_counts(home)
    again = run_cli(capsys, "run", "--as-of", "2026-11-21")
    assert again.code == 0, again.err
    assert state_counts(home) == before

    # Re-installing one committee's file leaves the other alone.
    _ = health_in_hackney_data()
    again_lih = run_cli(capsys, "init", "--config", str(home / "committees" / "living-in-hackney" / "committee.yaml"))
    assert again_lih.code == 0 and "living-in-hackney updated" in again_lih.out
    assert state_counts(home) == before


def test_a_committee_can_override_a_template_and_be_removed(
    sqlite_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    assert run_cli(capsys, "init").code == 0
    _add_health_in_hackney(capsys, sqlite_home)
    own = sqlite_home / "committees" / "health-in-hackney" / "templates"
    own.mkdir()
    template = Path(__file__).resolve().parents[1] / "templates" / "request_letter.docx"
    document = Document(str(template))
    document.add_paragraph("Health in Hackney's own closing line.")
    document.save(str(own / "request_letter.docx"))
    assert run_cli(capsys, "run", "--as-of", "2026-11-21", "--committee", "hih").code == 0
    hih = "\n".join(
        p.text
        for p in Document(str(sqlite_home / "letters" / "hih-2027-01-25" / "hih-2027-01-25-elft-v1.docx")).paragraphs
    )
    assert "Health in Hackney's own closing line." in hih
    assert run_cli(capsys, "run", "--as-of", "2026-11-21", "--committee", "lih").code == 0
    lih = "\n".join(
        p.text
        for p in Document(str(sqlite_home / "letters" / "lih-2027-01-25" / "lih-2027-01-25-mopac-v1.docx")).paragraphs
    )
    assert "own closing line" not in lih

    refused = run_cli(capsys, "committees", "remove", "health-in-hackney")
    assert refused.code == 2 and "has 3 letter(s) on record: add --force" in refused.err
    removed = run_cli(capsys, "committees", "remove", "health-in-hackney", "--force")
    assert removed.code == 0, removed.err
    assert [c["committee_id"] for c in run_cli(capsys, "committees", "list", "--json").json()] == ["living-in-hackney"]
    assert (sqlite_home / "letters" / "hih-2027-01-25" / "hih-2027-01-25-elft-v1.docx").exists()  # documents stay
    assert not (sqlite_home / "committees" / "health-in-hackney").exists()
    assert run_cli(capsys, "plan", "--as-of", "2026-11-21").code == 0  # one committee again: no --committee needed
    shutil.rmtree(sqlite_home / "committees" / ".removed")
