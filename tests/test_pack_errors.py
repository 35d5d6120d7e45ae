"""The agenda's order, pack errors (one line each), the Word pack without LibreOffice, the templates' variables."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docxtpl import DocxTemplate

from scrutiny.errors import ScrutinyError
from scrutiny.letters.render import make_jinja_env
from scrutiny.pack import assemble as assemble_module
from scrutiny.pack.assemble import assemble_pack
from scrutiny.pack.ooxml import all_text
from scrutiny.pack.spec import PackItem, PackResponse, standard_agenda
from scrutiny.pack.template_builder import COVER_SHEET, FRONT_SHEET, build_pack_templates
from tests.pack_fixtures import REPO, STOP_SEARCH_TITLE, TEMPLATES, TRUST_TITLE, base_spec, front_rows, word_response

# ---------------------------------------------------------------- the agenda


def test_standard_agenda_puts_items_in_council_order() -> None:
    substantive = [PackItem("A", "substantive"), PackItem("B", "substantive")]
    titles = [item.title for item in standard_agenda(substantive, previous_meeting_date=date(2024, 11, 11))]
    assert titles == [
        "Apologies for absence",
        "Urgent items / order of business",
        "Declarations of interest",
        "A",
        "B",
        "Minutes of the previous meeting",
        "Work programme",
        "Any other business",
    ]
    minutes = standard_agenda([])[3]
    assert minutes.role == "minutes" and "previous meeting" in minutes.purpose
    assert "11 November 2024" in standard_agenda([], previous_meeting_date=date(2024, 11, 11))[3].purpose


def test_standard_agenda_refuses_a_standard_item_as_substantive() -> None:
    with pytest.raises(ScrutinyError, match="Stray"):
        standard_agenda([PackItem("Stray", "standard")])


# ---------------------------------------------------------------- without LibreOffice, errors


@pytest.fixture
def no_libreoffice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assemble_module, "libreoffice_available", lambda: False)


def test_without_libreoffice_the_docx_is_written_and_stable(tmp_path: Path, no_libreoffice: None) -> None:
    minutes = word_response(tmp_path / "minutes.docx", "Minutes of 11 November 2024", "Minutes were agreed")
    spec = replace(base_spec(tmp_path), previous_minutes=minutes)
    first = assemble_pack(spec, TEMPLATES, tmp_path / "a")
    second = assemble_pack(spec, TEMPLATES, tmp_path / "b")
    assert first.pdf is None and first.pages == {} and first.response_pages == {}
    assert first.sha256 == second.sha256  # same spec, same bytes
    assert first.to_follow == [
        f"Item 4, {TRUST_TITLE}: written response from Mayor's Office for Policing and Crime (MOPAC)",
        f"Item 5, {STOP_SEARCH_TITLE}: written response from Hackney Local Policing Scrutiny Panel",
        f"Item 5, {STOP_SEARCH_TITLE}: written response from Young People's Stop and Search Monitoring Group",
    ]
    doc = Document(str(first.docx))
    text = all_text(doc)
    assert "Minutes were agreed (response page 1)." in text
    # The PDF response is named, its pages counted, without page numbers to quote.
    assert (
        "Written response from Metropolitan Police Service: supplied as a PDF (3 pages), "
        "included in the PDF agenda pack." in text
    )
    assert [label for _, _, label in front_rows(doc)] == [""] * 9
    assert not list(tmp_path.joinpath("a").glob(".*"))  # no temporary files left behind


def test_missing_response_file_is_a_scrutiny_error(tmp_path: Path, no_libreoffice: None) -> None:
    spec = base_spec(tmp_path, with_pdf=False)
    item = replace(spec.items[3], responses=[PackResponse("MOPAC", tmp_path / "nowhere.docx", date(2024, 12, 1))])
    with pytest.raises(ScrutinyError, match="nowhere.docx does not exist"):
        assemble_pack(replace(spec, items=[*spec.items[:3], item, *spec.items[4:]]), TEMPLATES, tmp_path / "out")
    not_word = tmp_path / "response.docx"
    not_word.write_text("a PDF renamed")
    item = replace(item, responses=[PackResponse("MOPAC", not_word, None)])
    with pytest.raises(ScrutinyError, match="not a Word .docx"):
        assemble_pack(replace(spec, items=[*spec.items[:3], item, *spec.items[4:]]), TEMPLATES, tmp_path / "out")


def test_unsafe_or_unknown_template_tag_is_a_scrutiny_error(tmp_path: Path, no_libreoffice: None) -> None:
    spec = base_spec(tmp_path, with_pdf=False)
    for bad in ("{{ ''.__class__.__mro__ }}", "{{ no_such_variable }}"):
        templates = tmp_path / f"templates{len(bad)}"
        build_pack_templates(templates)
        doc = Document(str(templates / COVER_SHEET))
        doc.add_paragraph(bad)
        doc.save(str(templates / COVER_SHEET))
        with pytest.raises(ScrutinyError, match="cover_sheet.docx"):
            assemble_pack(spec, templates, tmp_path / "out")


def test_supplementary_with_nothing_new_is_refused(tmp_path: Path, no_libreoffice: None) -> None:
    spec = base_spec(tmp_path, with_pdf=False)
    bare = [replace(item, responses=[r for r in item.responses if r.document is None]) for item in spec.items]
    with pytest.raises(ScrutinyError, match="nothing to add"):
        assemble_pack(replace(spec, items=bare, supplementary_of=1, version=2), TEMPLATES, tmp_path / "out")
    with pytest.raises(ScrutinyError, match="earlier pack version"):
        assemble_pack(replace(spec, supplementary_of=2, version=2), TEMPLATES, tmp_path / "out")
    with pytest.raises(ScrutinyError, match="supplementary_number 3: must be from 1 to 2"):
        assemble_pack(replace(spec, supplementary_of=2, version=3, supplementary_number=3), TEMPLATES, tmp_path / "out")


# ---------------------------------------------------------------- templates and docs

FRONT_VARIABLES = {
    "late_publication_warning",
    "original_publication_date",
    "supplementary_number",
    "council_name",
    "committee_name",
    "meeting_title",
    "meeting_date",
    "start_time",
    "venue",
    "members",
    "contact_officer",
    "contact_email",
    "publication_date",
    "supplementary",
    "items",
    "still_to_follow",
}
COVER_VARIABLES = {
    "committee_name",
    "meeting_date",
    "number",
    "title",
    "purpose",
    "presenters",
    "source",
    "responses",
    "supplementary",
    "supplementary_number",
    "original_publication_date",
}


def test_bundled_templates_are_current_and_documented(tmp_path: Path) -> None:
    build_pack_templates(tmp_path)
    env = make_jinja_env()
    for name, expected in ((FRONT_SHEET, FRONT_VARIABLES), (COVER_SHEET, COVER_VARIABLES)):
        bundled = DocxTemplate(str(TEMPLATES / name)).get_undeclared_template_variables(jinja_env=env)
        fresh = DocxTemplate(str(tmp_path / name)).get_undeclared_template_variables(jinja_env=env)
        assert bundled == fresh == expected, name
    guide = (REPO / "docs" / "letters.md").read_text()
    for variable in (
        FRONT_VARIABLES | COVER_VARIABLES | {"item.pages", "item.to_follow", "r.to_follow", "r.received_on"}
    ):
        assert f"`{variable}`" in guide, variable
