"""PDF responses in the agenda pack, checked on the real LibreOffice and poppler output."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from pypdf import PdfReader, PdfWriter

from scrutiny.errors import ScrutinyError
from scrutiny.pack.assemble import AssembledPack, assemble_pack
from scrutiny.pack.ooxml import all_text
from scrutiny.pack.spec import PackResponse, PackSpec
from tests.pack_fixtures import (
    COMMITTEE,
    CSP_MARKER,
    MPS_MARKER,
    STOP_SEARCH_TITLE,
    TEMPLATES,
    TRUST_TITLE,
    base_spec,
    first_page,
    front_rows,
    outline,
    page_count,
    page_text,
    pdf_response,
)


@pytest.fixture(scope="module")
def pdf_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[PackSpec, AssembledPack]:
    docs = tmp_path_factory.mktemp("responses")
    spec = base_spec(docs)
    return spec, assemble_pack(spec, TEMPLATES, tmp_path_factory.mktemp("pack"))


def _front_sheet_pages(pack: AssembledPack) -> int:
    return min(pack.pages.values()) - 1


def test_the_pdf_response_is_inside_the_pdf_pack_at_its_place(pdf_pack: tuple[PackSpec, AssembledPack]) -> None:
    _, pack = pdf_pack
    assert pack.pdf is not None
    start = pack.response_pages[(5, 1)]
    for offset in range(3):  # the response has three pages, each laid onto a page of the pack
        text = page_text(pack.pdf, start + offset)
        assert f"{MPS_MARKER} (response page {offset + 1})" in text
        assert f"Page {start + offset}" in text  # and keeps the pack's own page number
    assert MPS_MARKER not in page_text(pack.pdf, start - 1)
    assert page_text(pack.pdf, start + 3).startswith("6. Cabinet Question Time")
    # The Word response is appended as Word content, not as a PDF.
    assert CSP_MARKER in page_text(pack.pdf, pack.response_pages[(4, 1)])


def test_outline_has_one_entry_per_item_and_one_per_response(pdf_pack: tuple[PackSpec, AssembledPack]) -> None:
    spec, pack = pdf_pack
    assert pack.pdf is not None
    entries = outline(pack.pdf)
    assert [title for title, _, _ in entries] == [f"{n}. {item.title}" for n, item in enumerate(spec.items, 1)]
    children = {title: kids for title, _, kids in entries}
    assert children[f"4. {TRUST_TITLE}"] == [
        (
            "4.1 Written response from Hackney Community Safety Partnership (received 20 November 2024)",
            pack.response_pages[(4, 1)],
        )
    ]
    assert children[f"5. {STOP_SEARCH_TITLE}"] == [
        (
            "5.1 Written response from Metropolitan Police Service (received 22 November 2024)",
            pack.response_pages[(5, 1)],
        )
    ]
    assert sum(len(kids) for kids in children.values()) == 2  # responses to follow have no entry
    assert [page for _, page, _ in entries] == [pack.pages[n] for n in range(1, len(spec.items) + 1)]


def test_every_front_sheet_page_number_is_where_its_item_starts(pdf_pack: tuple[PackSpec, AssembledPack]) -> None:
    spec, pack = pdf_pack
    assert pack.pdf is not None
    total = page_count(pack.pdf)
    texts = {n: page_text(pack.pdf, n) for n in range(1, total + 1)}
    rows = front_rows(Document(str(pack.docx)))
    assert [number for number, _, _ in rows] == list(range(1, len(spec.items) + 1))
    starts = [first_page(label) for _, _, label in rows]
    for (number, lines, label), start in zip(rows, starts):
        heading = f"{number}. {lines[0]}"
        assert texts[start].find(heading) >= 0, (heading, label)
        assert not any(heading in texts[n] for n in range(1, start)), (heading, "appears before page", start)
    # A range ends on the page before the next item starts; the last runs to the end.
    for index, (_, _, label) in enumerate(rows):
        end = int(label.split("–")[1]) if "–" in label else starts[index]
        following = starts[index + 1] if index + 1 < len(starts) else total + 1
        assert end in (following - 1, following), (label, following)
    # Item 5 is its cover sheet and the PDF response's three inserted pages.
    assert rows[4][2] == f"{pack.pages[5]}–{pack.pages[6] - 1}" and pack.pages[6] - pack.pages[5] == 4
    # The Word pack quotes the same numbers as the PDF pack.
    assert {number: first_page(label) for number, _, label in rows} == pack.pages


def _element_texts(structure: str, kind: str) -> list[str]:
    """The first text line of each top-level ``kind`` element in ``pdfinfo -struct-text`` output."""
    texts: list[str] = []
    waiting = False
    for line in structure.splitlines():
        if line == f"  {kind} (block):":
            waiting = True
        elif waiting and line.strip().startswith('"'):
            texts.append(line.strip().strip('"'))
            waiting = False
    return texts


def test_pdf_pack_is_tagged_titled_in_english_and_reads_the_pdf_response(
    pdf_pack: tuple[PackSpec, AssembledPack],
) -> None:
    spec, pack = pdf_pack
    assert pack.pdf is not None
    reader = PdfReader(str(pack.pdf))
    root: Any = reader.trailer["/Root"]  # pypdf's objects are dynamic
    assert root["/Lang"] == "en-GB"
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] and root["/PageMode"] == "/UseOutlines"
    assert reader.metadata is not None and reader.metadata.title == f"{COMMITTEE}, 9 December 2024: agenda pack"
    structure = subprocess.run(
        ["pdfinfo", "-struct-text", str(pack.pdf)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    # The pack's own structure (LibreOffice's) survives: every item heading is an H1 element.
    headings = _element_texts(structure, "H1")
    assert [h for h in headings if h[0].isdigit()] == [f"{n}. {item.title}" for n, item in enumerate(spec.items, 1)]
    # The PDF response's structure is grafted in, under a section named after it.
    assert 'Sect "5.1 Written response from Metropolitan Police Service' in structure
    section = structure.split('Sect "5.1 Written response', 1)[1].split("\n  H1", 1)[0]
    assert MPS_MARKER in " ".join(section.replace('"', " ").split())


def test_word_pack_shows_a_page_naming_the_pdf_response(pdf_pack: tuple[PackSpec, AssembledPack]) -> None:
    _, pack = pdf_pack
    doc = Document(str(pack.docx))
    start = pack.response_pages[(5, 1)]
    heading = next(p for p in doc.paragraphs if p.text.startswith("5.1 Written response"))
    assert heading.style.name == "Heading 2" and heading.paragraph_format.page_break_before
    text = all_text(doc)
    assert (
        "Written response from Metropolitan Police Service: supplied as a PDF (3 pages), "
        f"included in the PDF agenda pack, pages {start}–{start + 2}."
    ) in text
    assert MPS_MARKER not in text  # its content is in the PDF pack only
    assert CSP_MARKER in text


def test_front_sheet_lists_the_pdf_response_like_any_other(pdf_pack: tuple[PackSpec, AssembledPack]) -> None:
    _, pack = pdf_pack
    lines = front_rows(Document(str(pack.docx)))[4][1]
    responses = lines[lines.index("Written responses:") + 1 :]
    assert responses == [
        "Metropolitan Police Service",
        "Hackney Local Policing Scrutiny Panel – to follow",
        "Young People's Stop and Search Monitoring Group – to follow",
    ]


def test_a_landscape_letter_pdf_response_is_scaled_onto_an_a4_page(tmp_path: Path) -> None:
    spec = base_spec(tmp_path, with_pdf=False)
    wide = pdf_response(
        tmp_path, "wide", "Monitoring group table", "Landscape ledger of encounters", pages=1, landscape=True
    )
    items = list(spec.items)
    items[4] = replace(
        items[4], responses=[PackResponse("Young People's Stop and Search Monitoring Group", wide, None)]
    )
    pack = assemble_pack(replace(spec, items=items), TEMPLATES, tmp_path / "out")
    assert pack.pdf is not None
    reader = PdfReader(str(pack.pdf))
    page = reader.pages[pack.response_pages[(5, 1)] - 1]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # still A4
    text = page_text(pack.pdf, pack.response_pages[(5, 1)])
    assert "Landscape ledger of encounters (response page 1)" in text
    assert f"Page {pack.response_pages[(5, 1)]}" in text


# ---------------------------------------------------------------- refused PDF responses


def _with_response(spec: PackSpec, document: Path) -> PackSpec:
    items = list(spec.items)
    items[3] = replace(items[3], responses=[PackResponse("MOPAC", document, date(2024, 11, 25))])
    return replace(spec, items=items)


def test_unreadable_encrypted_or_missing_pdf_responses_are_one_line_errors(tmp_path: Path) -> None:
    spec = base_spec(tmp_path, with_pdf=False)
    renamed = tmp_path / "renamed.pdf"
    renamed.write_bytes(b"PK\x03\x04 a Word file renamed")
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    good = pdf_response(tmp_path, "good", "MOPAC", "Locked text", pages=1)
    locked = tmp_path / "locked.pdf"
    writer = PdfWriter(clone_from=PdfReader(str(good)))
    writer.encrypt("secret", algorithm="AES-256")
    with locked.open("wb") as handle:
        writer.write(handle)
    cases = [
        (tmp_path / "nowhere.pdf", "nowhere.pdf does not exist"),
        (renamed, "renamed.pdf is not a PDF file"),
        (truncated, "truncated.pdf is not a readable PDF"),
        (locked, "locked.pdf is encrypted"),
    ]
    for document, message in cases:
        with pytest.raises(ScrutinyError, match=message) as raised:
            assemble_pack(_with_response(spec, document), TEMPLATES, tmp_path / "out", with_pdf=False)
        assert "\n" not in str(raised.value) and "item 4 response from MOPAC" in str(raised.value)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
