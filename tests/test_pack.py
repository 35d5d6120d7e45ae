"""Agenda pack assembly: front sheet, cover sheets, appended responses, page numbers, PDF."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from pypdf import PdfReader

from scrutiny.pack.assemble import AssembledPack, assemble_pack
from scrutiny.pack.ooxml import all_text
from scrutiny.pack.spec import PackItem, PackResponse, PackSpec, WorkProgrammeRow, standard_agenda

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"

TRUST_TITLE = "Trust and Confidence in Local Policing"
STOP_SEARCH_TITLE = "Stop and search: annual update"
CSP_MARKER = "The supply of controlled drugs and substances misuse is a Community Priority"
POLICE_MARKER = "Body worn camera dip sampling is carried out monthly by the BCU"
PANEL_MARKER = "The Panel reviewed forty stop and search encounters"


# ---------------------------------------------------------------- documents the tests append


def _csp_response(path: Path) -> Path:
    """Shaped like the CSP's written response of 19 September 2023: a cover table, then a
    response per recommendation, long enough to run over several pages."""
    doc = Document()
    table = doc.add_table(rows=0, cols=2)
    for label, value in (
        ("Title of Report", "Community Safety Partnership Response: Trust and Confidence Action Plan"),
        ("Author", "Jason Davis"),
        ("Meeting Date", "9 December 2024"),
        ("Cabinet Member", "Cllr Susan Fajana-Thomas"),
        ("Group Director", "Chief Executive Dawn Carter-McDonald"),
    ):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_paragraph("1. INTRODUCTION", style="Heading 1")
    doc.add_paragraph("1.1. The following is a co-ordinated response to the Commission's recommendations.")
    for number in ("one", "two", "three", "four"):
        doc.add_paragraph(f"Recommendation {number}", style="Heading 2")
        doc.add_paragraph(
            "The Community Safety Partnership gives an annual update on its Trust and Confidence Action Plan."
        )
        doc.add_paragraph("Response", style="Heading 3")
        first = CSP_MARKER + " under the Hackney Community Safety Plan 2023/26." if number == "one" else ""
        doc.add_paragraph(
            first + " Partnership working continues across the BCU-wide Confidence and Satisfaction Board. " * 12
        )
        for point in (
            "Engagement with the Young People's Independent Advisory Group",
            "Communication of engagement events",
        ):
            doc.add_paragraph(point, style="List Number")
    doc.save(str(path))
    return path


def _short_response(path: Path, title: str, marker: str) -> Path:
    doc = Document()
    doc.add_paragraph(title, style="Title")
    doc.add_paragraph(marker + ".")
    doc.add_paragraph("Section 60 communications and consultation are set out in the annex.")
    doc.save(str(path))
    return path


def _minutes(path: Path) -> Path:
    doc = Document()
    doc.add_paragraph("Minutes of the Living in Hackney Scrutiny Commission, 11 November 2024", style="Title")
    doc.add_paragraph("Present: Cllr Sharon Patrick (Chair), Cllr Sade Etti.")
    doc.save(str(path))
    return path


def _spec(docs: Path, *, panel_received: bool, minutes: bool) -> PackSpec:
    trust = PackItem(
        TRUST_TITLE,
        "substantive",
        purpose="To receive an update on the Hackney Trust and Confidence in Policing Action Plan.",
        presenters=["Chief Superintendent James Conway, Central East BCU Commander", "Cllr Susan Fajana-Thomas OBE"],
        source="Recommendation 16 of the 2019 Serious Violence review",
        responses=[
            PackResponse("Hackney Community Safety Partnership", _csp_response(docs / "csp.docx"), date(2024, 11, 20)),
            PackResponse("Mayor's Office for Policing and Crime (MOPAC)", None, None),
        ],
    )
    panel_doc = (
        _short_response(docs / "panel.docx", "Local Policing Scrutiny Panel", PANEL_MARKER) if panel_received else None
    )
    stop_search = PackItem(
        STOP_SEARCH_TITLE,
        "substantive",
        purpose="To receive the annual update on stop and search activity.",
        presenters=["Metropolitan Police Service, Central East BCU"],
        source="Recommendation 15 of the 2019 Serious Violence review",
        responses=[
            PackResponse(
                "Metropolitan Police Service, Central East BCU",
                _short_response(docs / "police.docx", "Central East BCU: stop and search", POLICE_MARKER),
                date(2024, 11, 22),
            ),
            PackResponse(
                "Hackney Local Policing Scrutiny Panel", panel_doc, date(2024, 12, 2) if panel_received else None
            ),
        ],
    )
    # As at the meeting of 9 December 2024: questions to the Cabinet Member, no written evidence.
    question_time = PackItem(
        "Cabinet Question Time",
        "substantive",
        purpose="Questions to the Cabinet Member for Community Safety and Regulatory Services on Hackney Prevent, "
        "the strategic relationship with the Police, and CCTV and public surveillance.",
        presenters=["Cllr Susan Fajana-Thomas OBE, Cabinet Member for Community Safety and Regulatory Services"],
        source="Cabinet Question Time",
    )
    return PackSpec(
        committee_name="Living in Hackney Scrutiny Commission",
        council_name="London Borough of Hackney",
        meeting_title="Living in Hackney Scrutiny Commission: Monday 9 December 2024",
        meeting_date=date(2024, 12, 9),
        start_time_text="7.00 pm",
        venue="Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
        members=["Cllr Sharon Patrick (Chair)", "Cllr Sade Etti (Vice Chair)", "Cllr Ian Rathbone"],
        contact_officer="Tracey Anderson",
        contact_email="tracey.anderson@hackney.example",
        published_on=date(2024, 11, 29),
        items=standard_agenda([trust, stop_search, question_time], previous_meeting_date=date(2024, 11, 11)),
        previous_minutes=_minutes(docs / "minutes.docx") if minutes else None,
        work_programme=[
            WorkProgrammeRow(date(2024, 12, 9), TRUST_TITLE, "Recommendation 16", "Response received"),
            WorkProgrammeRow(
                date(2025, 1, 20), "Community Safety Partnership annual scrutiny", "Statutory", "Letters sent"
            ),
        ],
    )


# ---------------------------------------------------------------- reading the results


def _front_rows(doc: DocxDocument) -> list[tuple[int, str, str]]:
    """(item number, business text, pages) from the front sheet's items table: an item is its
    title row and the rows under it (presenters, written responses) that have no number."""
    table = next(t for t in doc.tables if t.rows[0].cells[0].text.strip() == "Item")
    items: list[tuple[int, str, str]] = []
    for row in table.rows[1:]:
        number, business, pages = (cell.text.strip() for cell in row.cells)
        if number:
            items.append((int(number), business, pages))
        else:
            last_number, last_business, last_pages = items[-1]
            items[-1] = (last_number, f"{last_business}\n{business}", last_pages)
    return items


def _section(business: str, label: str) -> list[str]:
    """The lines under "Presenting:" or "Written responses:" in an item's business text."""
    lines = business.splitlines()
    if label not in lines:
        return []
    following = lines[lines.index(label) + 1 :]
    ends = [i for i, line in enumerate(following) if line.endswith(":")]
    return following[: ends[0]] if ends else following


def _body_index(doc: DocxDocument, needle: str) -> int:
    for index, paragraph in enumerate(doc.paragraphs):
        if needle in paragraph.text:
            return index
    raise AssertionError(f"{needle!r} not in the pack body")


def _page_texts(pdf: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(str(pdf)).pages]


def _outline_titles(pdf: Path) -> list[str]:
    reader = PdfReader(str(pdf))
    titles: list[str] = []

    def walk(nodes: list) -> None:
        for node in nodes:
            if isinstance(node, list):
                walk(node)
            else:
                titles.append(" ".join(str(node.title).split()))

    walk(reader.outline)
    return titles


@pytest.fixture(scope="module")
def full_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[PackSpec, AssembledPack]:
    docs = tmp_path_factory.mktemp("docs")
    spec = _spec(docs, panel_received=False, minutes=False)
    return spec, assemble_pack(spec, TEMPLATES, tmp_path_factory.mktemp("packs"))


@pytest.fixture(scope="module")
def supplementary_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[PackSpec, AssembledPack]:
    docs = tmp_path_factory.mktemp("late")
    full = _spec(docs, panel_received=True, minutes=True)
    # Only what arrived after version 1: the panel's response and the minutes; MOPAC still owes one.
    items = []
    for item in full.items:
        if item.title == STOP_SEARCH_TITLE:
            item = replace(item, responses=[r for r in item.responses if "Panel" in r.organisation])
        elif item.title == TRUST_TITLE:
            item = replace(item, responses=[r for r in item.responses if r.document is None])
        items.append(item)
    spec = replace(
        full,
        items=items,
        supplementary_of=1,
        version=2,
        published_on=date(2024, 12, 4),
        original_published_on=date(2024, 11, 29),
        supplementary_number=1,
    )
    return spec, assemble_pack(spec, TEMPLATES, tmp_path_factory.mktemp("supplementary"))


# ---------------------------------------------------------------- the full pack


def test_front_sheet_lists_meeting_members_and_numbered_items(full_pack: tuple[PackSpec, AssembledPack]) -> None:
    spec, pack = full_pack
    doc = Document(str(pack.docx))
    text = all_text(doc)
    for expected in (
        "London Borough of Hackney",
        "Living in Hackney Scrutiny Commission",
        "Monday 9 December 2024",
        "7.00 pm",
        "Council Chamber, Hackney Town Hall",
        "Cllr Sharon Patrick (Chair), Cllr Sade Etti (Vice Chair), Cllr Ian Rathbone",
        "Tracey Anderson, tracey.anderson@hackney.example",
        "Friday 29 November 2024",
    ):
        assert expected in text
    assert "Supplementary agenda" not in text
    rows = _front_rows(doc)
    assert [number for number, _, _ in rows] == list(range(1, 10))
    assert [business.splitlines()[0] for _, business, _ in rows] == [item.title for item in spec.items]
    trust = rows[3][1]
    assert _section(trust, "Written responses:") == [
        "Hackney Community Safety Partnership",
        "Mayor's Office for Policing and Crime (MOPAC) – to follow",
    ]
    # One presenter a line, as given.
    assert _section(trust, "Presenting:") == [
        "Chief Superintendent James Conway, Central East BCU Commander",
        "Cllr Susan Fajana-Thomas OBE",
    ]
    assert _section(rows[5][1], "Written responses:") == []  # Cabinet Question Time: none requested
    assert "To follow" in rows[6][1]  # minutes not given
    assert pack.to_follow == [
        f"Item 4, {TRUST_TITLE}: written response from Mayor's Office for Policing and Crime (MOPAC)",
        f"Item 5, {STOP_SEARCH_TITLE}: written response from Hackney Local Policing Scrutiny Panel",
        "Item 7, Minutes of the previous meeting",
    ]


def test_responses_follow_their_cover_sheet(full_pack: tuple[PackSpec, AssembledPack]) -> None:
    _, pack = full_pack
    doc = Document(str(pack.docx))
    trust_heading = _body_index(doc, f"4. {TRUST_TITLE}")
    csp = _body_index(doc, CSP_MARKER)
    stop_heading = _body_index(doc, f"5. {STOP_SEARCH_TITLE}")
    police = _body_index(doc, POLICE_MARKER)
    question_time = _body_index(doc, "6. Cabinet Question Time")
    minutes = _body_index(doc, "7. Minutes of the previous meeting")
    assert trust_heading < csp < stop_heading < police < question_time < minutes
    assert "No written responses were requested" in "\n".join(p.text for p in doc.paragraphs[question_time:minutes])
    assert doc.paragraphs[trust_heading].style.name == "Heading 1"
    part = doc.paragraphs[_body_index(doc, "4.1 Written response from Hackney Community Safety Partnership")]
    assert part.style.name == "Heading 2" and part.paragraph_format.page_break_before
    assert "(received 20 November 2024)" in part.text
    # The appended response arrives whole: its cover table, every recommendation, its lists.
    text = all_text(doc)
    for label in ("Title of Report", "Author", "Meeting Date", "Cabinet Member", "Group Director"):
        assert label in text
    assert all(f"Recommendation {n}" in text for n in ("one", "two", "three", "four"))
    assert "Panel reviewed" not in text  # not received: marked to follow, nothing appended
    cover_text = "\n".join(p.text for p in doc.paragraphs[trust_heading:csp])
    assert "Mayor's Office for Policing and Crime (MOPAC): to follow" in cover_text
    assert "Hackney Community Safety Partnership: attached (received 20 November 2024)" in cover_text


def test_work_programme_is_a_word_table_and_no_template_tags_remain(full_pack: tuple[PackSpec, AssembledPack]) -> None:
    _, pack = full_pack
    doc = Document(str(pack.docx))
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["Item", "Source", "Status"])
    # Grouped by meeting: a row naming the meeting (spanning the table), then its items.
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == [
        ["Monday 9 December 2024 (this meeting)"] * 3,
        [TRUST_TITLE, "Recommendation 16", "Response received"],
        ["Monday 20 January 2025"] * 3,
        ["Community Safety Partnership annual scrutiny", "Statutory", "Letters sent"],
    ]
    text = all_text(doc)
    assert "{{" not in text and "{%" not in text and "}}" not in text
    assert "9. Any other business" in text
    assert doc.core_properties.language == "en-GB"
    assert "agenda pack" in doc.core_properties.title
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:4] == [
        "Agenda",
        "1. Apologies for absence",
        "2. Urgent items / order of business",
        "3. Declarations of interest",
    ]
    assert Path(pack.docx).name == "2024-12-09-agenda-pack-v1.docx"
    assert pack.sha256 == hashlib.sha256(pack.docx.read_bytes()).hexdigest()


def test_pdf_has_bookmarks_and_front_sheet_page_numbers_match(full_pack: tuple[PackSpec, AssembledPack]) -> None:
    spec, pack = full_pack
    assert pack.pdf is not None and pack.pdf.is_file()
    reader = PdfReader(str(pack.pdf))
    catalog: Any = reader.trailer["/Root"]  # pypdf's objects are dynamic
    assert "/StructTreeRoot" in catalog  # tagged
    assert catalog["/Lang"] == "en-GB"
    titles = _outline_titles(pack.pdf)
    for number, item in enumerate(spec.items, start=1):
        assert f"{number}. {item.title}" in titles
    assert any(t.startswith("4.1 Written response from Hackney Community Safety Partnership") for t in titles)

    pages = _page_texts(pack.pdf)
    rows = _front_rows(Document(str(pack.docx)))
    assert set(pack.pages) == set(range(1, 10))
    assert pack.pages[1] > 2  # the front sheet runs to two pages: item 1 starts after both
    for number, business, label in rows:
        start = int(re.match(r"\d+", label).group())  # "7" or "7–12"
        heading = f"{number}. {business.splitlines()[0]}"
        first = next(i for i, page in enumerate(pages, start=1) if heading in page)
        assert start == first == pack.pages[number], (heading, label, first)
    # The CSP response runs over more than one page, so item 4 quotes a range ending where 5 begins.
    assert rows[3][2] == f"{pack.pages[4]}–{pack.pages[5] - 1}"
    assert pack.pages[4] < pack.pages[5]
    # Every page carries its number in the footer.
    assert all(page.endswith(f"Page {n}") or f"Page {n}" in page for n, page in enumerate(pages, start=1))


# ---------------------------------------------------------------- supplementary pack


def test_supplementary_pack_carries_only_the_late_documents(supplementary_pack: tuple[PackSpec, AssembledPack]) -> None:
    _, pack = supplementary_pack
    assert pack.docx.name == "2024-12-09-supplementary-agenda-v2.docx"
    doc = Document(str(pack.docx))
    text = all_text(doc)
    assert "Supplementary agenda 1 — adding to the agenda pack published on Friday 29 November 2024" in text
    assert "version" not in text
    rows = _front_rows(doc)
    assert [number for number, _, _ in rows] == [5, 7]  # original numbering kept
    # Only the panel's response is new; the police response was already in version 1.
    assert _section(rows[0][1], "Written responses:") == ["Hackney Local Policing Scrutiny Panel"]
    assert PANEL_MARKER in text and "Minutes of the Living in Hackney Scrutiny Commission" in text
    assert POLICE_MARKER not in text and CSP_MARKER not in text
    assert "Apologies for absence" not in text and "Work programme" not in text
    assert "Still to follow" in text and "Mayor's Office for Policing and Crime (MOPAC)" in text
    assert pack.to_follow == [
        f"Item 4, {TRUST_TITLE}: written response from Mayor's Office for Policing and Crime (MOPAC)"
    ]
    assert "supplementary agenda" in doc.core_properties.title
    assert pack.pdf is not None, "LibreOffice is needed for the PDF pack (scripts/setup.sh installs it)"
    assert set(pack.pages) == {5, 7}
    pages = _page_texts(pack.pdf)
    assert f"5. {STOP_SEARCH_TITLE}" in pages[pack.pages[5] - 1]
    assert rows[0][2].startswith(str(pack.pages[5]))
