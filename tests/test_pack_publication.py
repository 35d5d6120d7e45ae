"""Publication dates, the late-publication warning and supplementary agendas."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from sqlmodel import select

from scrutiny.pack.assemble import assemble_pack
from scrutiny.pack.ooxml import all_text
from scrutiny.pack.publication import late_publication_warning
from tests.pack_fixtures import TEMPLATES, base_spec, front_rows, late_responses, outline, page_text, pdf_response

STATUTORY = date(2024, 11, 29)  # Friday, five clear working days before Monday 9 December 2024


def test_no_warning_when_published_on_or_before_the_statutory_date(tmp_path: Path) -> None:
    spec = base_spec(tmp_path, with_pdf=False)
    assert late_publication_warning(spec) is None  # published on the day
    assert late_publication_warning(replace(spec, published_on=date(2024, 11, 25))) is None
    assert (
        late_publication_warning(replace(spec, statutory_publication_date=None, published_on=date(2024, 12, 5))) is None
    )


def test_warning_names_the_missed_date_and_the_chairs_urgency_test(tmp_path: Path) -> None:
    spec = replace(base_spec(tmp_path, with_pdf=False), published_on=date(2024, 12, 2))
    warning = late_publication_warning(spec)
    assert warning == (
        "Published late: this agenda was published on Monday 2 December 2024, after the statutory "
        "publication date of Friday 29 November 2024 (five clear working days before the meeting), so "
        "items 4, 5 and 6 can only be taken if the Chair agrees they are urgent (Local Government Act 1972 s100B(4))."
    )
    assert "\n" not in warning


def test_a_pack_made_three_days_late_carries_that_day_and_the_warning(tmp_path: Path) -> None:
    made = STATUTORY + dt.timedelta(days=3)
    spec = replace(base_spec(tmp_path), published_on=made)
    pack = assemble_pack(spec, TEMPLATES, tmp_path / "out")
    assert pack.late_warning == late_publication_warning(spec)
    assert pack.late_warning is not None
    assert pack.pdf is not None
    front = page_text(pack.pdf, 1)
    assert "Published Monday 2 December 2024" in front
    assert "Friday 29 November 2024" not in front.replace(pack.late_warning, "")  # only inside the warning
    assert pack.late_warning in front
    assert Document(str(pack.docx)).core_properties.created.date() == made


def test_supplementary_agenda_refers_to_the_original_pack_not_a_version(tmp_path: Path) -> None:
    panel = pdf_response(tmp_path, "panel", "Local Policing Scrutiny Panel", "Heliotrope review of grounds", pages=2)
    # Version 3 is the second supplementary agenda: v2 was the first, so "version 2" is no reference.
    spec = replace(
        late_responses(base_spec(tmp_path), panel),
        supplementary_of=2,
        version=3,
        supplementary_number=2,
        published_on=date(2024, 12, 4),
        original_published_on=STATUTORY,
    )
    pack = assemble_pack(spec, TEMPLATES, tmp_path / "out")
    assert pack.docx.name == "2024-12-09-supplementary-agenda-v3.docx"
    text = all_text(Document(str(pack.docx)))
    assert "Supplementary agenda 2 — adding to the agenda pack published on Friday 29 November 2024" in text
    assert "version" not in text.lower()
    assert pack.pdf is not None
    front = page_text(pack.pdf, 1)
    assert "Supplementary agenda 2 — adding to the agenda pack published on Friday 29 November 2024" in front
    assert "Published Wednesday 4 December 2024" in front
    # Late (after 29 November): the line names supplementary agenda 2 and its one item.
    assert pack.late_warning is not None and "supplementary agenda 2" in pack.late_warning
    assert "so item 5 can only be taken if the Chair agrees it is urgent" in pack.late_warning
    # Its PDF response is inside, under the item's number from the original agenda.
    assert [(title, [t for t, _ in kids]) for title, _, kids in outline(pack.pdf)] == [
        (
            "5. Stop and search: annual update",
            ["5.1 Written response from Hackney Local Policing Scrutiny Panel (received 3 December 2024)"],
        )
    ]
    rows = front_rows(Document(str(pack.docx)))
    assert [number for number, _, _ in rows] == [5]
    start = pack.response_pages[(5, 1)]
    assert "Heliotrope review of grounds (response page 2)" in page_text(pack.pdf, start + 1)
    assert rows[0][2] == f"{pack.pages[5]}–{start + 1}"


def test_the_first_supplementary_defaults_to_number_one(tmp_path: Path) -> None:
    panel = pdf_response(tmp_path, "panel", "Panel", "Late panel text", pages=1)
    spec = replace(late_responses(base_spec(tmp_path, with_pdf=False), panel), supplementary_of=1, version=2)
    pack = assemble_pack(spec, TEMPLATES, tmp_path / "out", with_pdf=False)
    text = all_text(Document(str(pack.docx)))
    assert "Supplementary agenda 1 — adding to the original agenda pack" in text
    # A PDF response in a Word-only pack is still named, with its page count from pypdf.
    assert (
        "Written response from Hackney Local Policing Scrutiny Panel: supplied as a PDF (1 page), included in the PDF agenda pack."
        in text
    )


# ---------------------------------------------------------------- from the database


@pytest.fixture
def planned_home(sqlite_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCRUTINY_PDF", "false")
    from scrutiny.services.home import open_workspace
    from scrutiny.services.planning import plan_annual_updates

    workspace = open_workspace()
    with workspace.session() as session:
        plan_annual_updates(session, workspace.only_or_named(None), date(2026, 11, 21))
    return sqlite_home


def test_the_service_fills_publication_dates_presenters_and_the_whole_year(planned_home: Path) -> None:
    from scrutiny.services.home import open_workspace
    from scrutiny.services.packs import assemble_meeting_pack
    from state import models

    workspace = open_workspace()
    with workspace.session() as session:
        meetings = session.exec(select(models.Meeting).order_by(models.Meeting.date)).all()
        january = next(m for m in meetings if m.date == date(2027, 1, 25))
        meeting_id, dates = january.id, [m.date for m in meetings]
    statutory = workspace.only_or_named(None).timetable(date(2027, 1, 25)).publication_date
    made = statutory + dt.timedelta(days=3)
    result = assemble_meeting_pack(workspace, meeting_id, made)
    doc = Document(result.docx)
    text = all_text(doc)
    assert f"{made:%A} {made.day} {made:%B %Y}" in text  # the day it was made
    assert f"after the statutory publication date of {statutory:%A} {statutory.day} {statutory:%B %Y}" in text
    assert "Chief Superintendent James Conway, Central East BCU Commander" in text
    programme = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["Item", "Source", "Status"])
    meeting_rows = [row.cells[0].text for row in programme.rows[1:] if len({c.text for c in row.cells}) == 1]
    year = [d for d in dates if date(2026, 5, 1) <= d < date(2027, 5, 1)]
    assert len(year) == 10  # June 2026 to April 2027, the bundled committee's municipal year
    assert [line.split(" (")[0] for line in meeting_rows if not line.startswith(("No items", "Cancelled"))] == [
        f"{d:%A} {d.day} {d:%B %Y}" for d in year
    ]
    assert "Monday 25 January 2027 (this meeting)" in meeting_rows
    assert "Every meeting of the municipal year 2026/27, its items and their status." in text
    statuses = {row.cells[2].text for row in programme.rows[1:] if len({c.text for c in row.cells}) == 3}
    assert any(status.startswith("this meeting\n0 of ") for status in statuses)
