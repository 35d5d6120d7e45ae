"""The front sheet's layout (rendered with poppler and looked at as pixels) and the work programme."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table

from scrutiny.pack.assemble import AssembledPack, assemble_pack
from scrutiny.pack.spec import PackSpec, Presenter, WorkProgrammeRow
from tests.pack_fixtures import COMMITTEE, TEMPLATES, TRUST_TITLE, base_spec, front_rows, layout_lines, page_text

A4_HEIGHT_CM = 29.7
BOTTOM_MARGIN_CM = 2.0


@pytest.fixture(scope="module")
def front_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[PackSpec, AssembledPack, Path]:
    docs = tmp_path_factory.mktemp("responses")
    spec = base_spec(docs)
    pack = assemble_pack(spec, TEMPLATES, tmp_path_factory.mktemp("pack"))
    return spec, pack, tmp_path_factory.mktemp("png")


def _render(pdf: Path, out: Path, *, first: int, last: int, gray: bool) -> list[Path]:
    """Render pages with pdftoppm: PNG to look at, PGM (grey, no compression) to measure."""
    kind = ["-gray"] if gray else ["-png"]
    prefix = out / ("measure" if gray else "page")
    subprocess.run(
        ["pdftoppm", *kind, "-r", "50", "-f", str(first), "-l", str(last), str(pdf), str(prefix)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return sorted(out.glob(f"{prefix.name}-*.{'pgm' if gray else 'png'}"))


def _ink_rows(pgm: Path) -> tuple[int, list[int]]:
    """Height and the rows holding any dark pixel of a binary PGM (P5) image."""
    data = pgm.read_bytes()
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:  # magic, width, height, maxval
        while data[position : position + 1].isspace():
            position += 1
        end = position
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    width, height = int(fields[1]), int(fields[2])
    pixels = data[position + 1 :]
    rows = [y for y in range(height) if min(pixels[y * width : (y + 1) * width]) < 128]
    return height, rows


def test_first_pages_render_to_png_and_page_one_is_full(front_pack: tuple[PackSpec, AssembledPack, Path]) -> None:
    _, pack, out = front_pack
    assert pack.pdf is not None
    pngs = _render(pack.pdf, out, first=1, last=3, gray=False)
    assert len(pngs) == 3
    for png in pngs:
        data = png.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (abs(width - 595.3 / 72 * 50) < 1, abs(height - 841.9 / 72 * 50) < 1) == (True, True)  # A4, 50 dpi
    # Page 1 is filled down to its bottom margin: the item table breaks between rows rather
    # than moving a whole tall item, and half the page with it, onto page 2.
    height, rows = _ink_rows(_render(pack.pdf, out, first=1, last=1, gray=True)[0])
    body_bottom = height * (1 - BOTTOM_MARGIN_CM / A4_HEIGHT_CM)
    lowest_body_ink = max(y for y in rows if y < body_bottom)
    assert lowest_body_ink > 0.85 * body_bottom, (lowest_body_ink, body_bottom)
    # ...and the table carries on at the top of page 2 under its repeated header row.
    assert layout_lines(pack.pdf, 2, 2)[:2] == ["Item Business Pages", "Written responses:"]


def test_committee_named_once_and_one_presenter_a_line(front_pack: tuple[PackSpec, AssembledPack, Path]) -> None:
    _, pack, _ = front_pack
    assert pack.pdf is not None
    first = page_text(pack.pdf, 1)
    assert first.count(COMMITTEE) == 1  # the title; the meeting title adds nothing, so is not printed
    assert first.startswith(f"London Borough of Hackney {COMMITTEE} Date Monday 9 December 2024")
    lines = layout_lines(pack.pdf, 1, 2)
    # Each presenter starts a line of its own (a long one wraps), nothing run together.
    for presenter in (
        "Jason Davis, Head of Community Safety (Hackney",
        "Cllr Susan Fajana-Thomas OBE, Cabinet Member for",
        "Chief Superintendent James Conway, BCU Commander",
        "The Chair (Hackney Local Policing Scrutiny Panel)",
    ):
        assert presenter in lines, presenter
    assert lines.count("Presenting:") == 3
    flowing = " ".join(lines)
    assert (
        "Presenting: Jason Davis, Head of Community Safety (Hackney Community Safety Partnership) "
        "Cllr Susan Fajana-Thomas OBE, Cabinet Member for Community Safety Written responses:"
    ) in flowing
    # In the Word pack too: one paragraph per presenter.
    paragraphs = [p.text for cell in _items_table(pack).columns[1].cells for p in cell.paragraphs]
    start = paragraphs.index("Presenting:")
    assert paragraphs[start : start + 3] == [
        "Presenting:",
        "Jason Davis, Head of Community Safety (Hackney Community Safety Partnership)",
        "Cllr Susan Fajana-Thomas OBE, Cabinet Member for Community Safety",
    ]


def _items_table(pack: AssembledPack) -> Table:
    return next(t for t in Document(str(pack.docx)).tables if t.rows[0].cells[0].text.strip() == "Item")


def test_item_rows_never_split_and_only_title_rows_keep_with_the_next(
    front_pack: tuple[PackSpec, AssembledPack, Path],
) -> None:
    _, pack, _ = front_pack
    table = _items_table(pack)
    for index, row in enumerate(table.rows):
        tr_pr = row._tr.trPr
        assert tr_pr is not None and tr_pr.find(qn("w:cantSplit")) is not None, index
        keeps = [p.paragraph_format.keep_with_next for cell in row.cells for p in cell.paragraphs]
        numbered = row.cells[0].text.strip().isdigit()
        assert all(keeps) if numbered else not any(keeps), (index, row.cells[1].text[:40])
    rows = front_rows(Document(str(pack.docx)))
    assert rows[3][1][:2] == [
        TRUST_TITLE,
        "To receive an update on the Hackney Trust and Confidence in Policing Action Plan.",
    ]


def test_free_text_and_composed_presenters() -> None:
    assert Presenter("Jason Davis", "Head of Community Safety", "Hackney CSP").text == (
        "Jason Davis, Head of Community Safety (Hackney CSP)"
    )
    assert Presenter("Cllr Sade Etti").text == "Cllr Sade Etti"
    assert Presenter("The Chair", "", "Hackney Local Policing Scrutiny Panel").text == (
        "The Chair (Hackney Local Policing Scrutiny Panel)"
    )
    assert Presenter("", "", "MOPAC").text == "MOPAC"
    # An organisation already named in the role is not repeated.
    assert (
        Presenter("Natasha Plummer", "Head of Policing, MOPAC", "MOPAC").text
        == "Natasha Plummer, Head of Policing, MOPAC"
    )


# ---------------------------------------------------------------- the work programme


def _year_programme() -> list[WorkProgrammeRow]:
    return [
        WorkProgrammeRow(
            date(2024, 6, 24),
            "Community Safety Partnership annual scrutiny",
            "Statutory",
            "held",
            "2 of 2 responses received",
        ),
        WorkProgrammeRow(date(2024, 7, 15), None),
        WorkProgrammeRow(date(2024, 9, 16), None, meeting_cancelled=True),
        WorkProgrammeRow(date(2024, 11, 11), "Serious violence and gang crime", "Officer request", "held"),
        WorkProgrammeRow(
            date(2024, 12, 9), TRUST_TITLE, "Recommendation 16", "this meeting", "1 of 2 responses received"
        ),
        WorkProgrammeRow(
            date(2024, 12, 9),
            "Stop and search: annual update",
            "Recommendation 15",
            "this meeting",
            "1 of 3 responses received",
        ),
        WorkProgrammeRow(date(2025, 1, 20), "Cabinet Question Time", "Cabinet Question Time", "planned"),
        WorkProgrammeRow(date(2025, 2, 24), "Youth justice", "Officer request", "cancelled", meeting_cancelled=True),
        WorkProgrammeRow(date(2025, 3, 10), None),
    ]


def test_work_programme_shows_the_whole_municipal_year_by_meeting(tmp_path: Path) -> None:
    spec = replace(base_spec(tmp_path), work_programme=_year_programme(), municipal_year="2024/25")
    pack = assemble_pack(spec, TEMPLATES, tmp_path / "out")
    doc = Document(str(pack.docx))
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["Item", "Source", "Status"])
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert rows == [
        ["Monday 24 June 2024"] * 3,
        ["Community Safety Partnership annual scrutiny", "Statutory", "held\n2 of 2 responses received"],
        ["Monday 15 July 2024"] * 3,
        ["No items were taken at this meeting."] * 3,
        ["Monday 16 September 2024 (cancelled)"] * 3,
        ["Cancelled: no items."] * 3,
        ["Monday 11 November 2024"] * 3,
        ["Serious violence and gang crime", "Officer request", "held"],
        ["Monday 9 December 2024 (this meeting)"] * 3,
        [TRUST_TITLE, "Recommendation 16", "this meeting\n1 of 2 responses received"],
        ["Stop and search: annual update", "Recommendation 15", "this meeting\n1 of 3 responses received"],
        ["Monday 20 January 2025"] * 3,
        ["Cabinet Question Time", "Cabinet Question Time", "planned"],
        ["Monday 24 February 2025 (cancelled)"] * 3,
        ["Youth justice", "Officer request", "cancelled"],
        ["Monday 10 March 2025"] * 3,
        ["No items are scheduled for this meeting."] * 3,
    ]
    assert pack.pdf is not None
    page = page_text(pack.pdf, pack.pages[8])
    assert "Every meeting of the municipal year 2024/25, its items and their status." in page
    order = [page.index(day) for day in ("24 June 2024", "16 September 2024", "9 December 2024", "10 March 2025")]
    assert order == sorted(order)


def test_rows_in_the_earlier_shape_still_make_a_programme(tmp_path: Path) -> None:
    # (meeting date, item, source, status), as packs were specified before meetings were grouped.
    spec = replace(
        base_spec(tmp_path, with_pdf=False),
        work_programme=[WorkProgrammeRow(date(2025, 1, 20), "CSP annual scrutiny", "Statutory", "planned")],
    )
    doc = Document(str(assemble_pack(spec, TEMPLATES, tmp_path / "out", with_pdf=False).docx))
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["Item", "Source", "Status"])
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == [
        ["Monday 20 January 2025"] * 3,
        ["CSP annual scrutiny", "Statutory", "planned"],
    ]
