"""Documents and readers the agenda-pack tests share: responses (Word and PDF), a pack spec
shaped like the 9 December 2024 meeting, and per-page readings of the finished PDF."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.shared import Cm
from pypdf import PdfReader

from scrutiny.documents.pdf import convert_to_pdf
from scrutiny.pack.spec import PackItem, PackResponse, PackSpec, Presenter, WorkProgrammeRow, standard_agenda

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"
COMMITTEE = "Living in Hackney Scrutiny Commission"
TRUST_TITLE = "Trust and Confidence in Local Policing"
STOP_SEARCH_TITLE = "Stop and search: annual update"
CSP_MARKER = "The Confidence and Satisfaction Board met four times this year"
MPS_MARKER = "Quillwort tribunal saw forty-seven encounters reviewed"
PANEL_MARKER = "Marigold panel verdict on stop and search grounds"


def word_response(path: Path, title: str, marker: str, *, pages: int = 1, landscape: bool = False) -> Path:
    """A response of ``pages`` pages, each starting with ``marker`` and its page number."""
    doc = Document()
    if landscape:
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(27.94), Cm(21.59)  # US Letter, landscape
    doc.add_paragraph(title, style="Title")
    for page in range(1, pages + 1):
        if page > 1:
            doc.add_page_break()
        doc.add_paragraph(f"Section {page}", style="Heading 1")
        doc.add_paragraph(f"{marker} (response page {page}).")
        doc.add_paragraph("Partnership working continues across the Central East BCU. " * 8)
    doc.save(str(path))
    return path


def pdf_response(folder: Path, name: str, title: str, marker: str, *, pages: int, landscape: bool = False) -> Path:
    """A PDF response made the way a respondent's office would: Word, exported by LibreOffice."""
    source = word_response(folder / f"{name}.docx", title, marker, pages=pages, landscape=landscape)
    pdf = convert_to_pdf(source, folder)
    if pdf is None:
        raise RuntimeError("LibreOffice is needed to make the PDF responses (scripts/setup.sh installs it)")
    source.unlink()
    return pdf


def base_spec(docs: Path, *, with_pdf: bool = True) -> PackSpec:
    """The 9 December 2024 meeting with Word and PDF responses, long enough to fill page 1."""
    trust = PackItem(
        TRUST_TITLE,
        "substantive",
        purpose="To receive an update on the Hackney Trust and Confidence in Policing Action Plan.",
        presenters=[
            Presenter("Jason Davis", "Head of Community Safety", "Hackney Community Safety Partnership"),
            Presenter("Cllr Susan Fajana-Thomas OBE", "Cabinet Member for Community Safety"),
        ],
        source="Recommendation 16 of the 2019 Serious Violence review",
        responses=[
            PackResponse(
                "Hackney Community Safety Partnership",
                word_response(docs / "csp.docx", "CSP response", CSP_MARKER, pages=2),
                date(2024, 11, 20),
            ),
            PackResponse("Mayor's Office for Policing and Crime (MOPAC)"),
        ],
    )
    police = (
        pdf_response(docs, "mps", "Central East BCU: stop and search", MPS_MARKER, pages=3)
        if with_pdf
        else word_response(docs / "mps.docx", "Central East BCU: stop and search", MPS_MARKER, pages=3)
    )
    stop_search = PackItem(
        STOP_SEARCH_TITLE,
        "substantive",
        purpose="To receive the annual update on stop and search activity and the engagement with the monitoring groups.",
        presenters=[
            Presenter("Chief Superintendent James Conway", "BCU Commander", "Metropolitan Police Service"),
            Presenter("The Chair", "", "Hackney Local Policing Scrutiny Panel"),
        ],
        source="Recommendation 15 of the 2019 Serious Violence review",
        responses=[
            PackResponse("Metropolitan Police Service", police, date(2024, 11, 22)),
            PackResponse("Hackney Local Policing Scrutiny Panel"),
            PackResponse("Young People's Stop and Search Monitoring Group"),
        ],
    )
    question_time = PackItem(
        "Cabinet Question Time",
        "substantive",
        purpose="Questions to the Cabinet Member for Community Safety and Regulatory Services.",
        presenters=["Cllr Susan Fajana-Thomas OBE, Cabinet Member for Community Safety and Regulatory Services"],
        source="Cabinet Question Time",
    )
    return PackSpec(
        committee_name=COMMITTEE,
        council_name="London Borough of Hackney",
        meeting_title=f"{COMMITTEE}: Monday 9 December 2024",
        meeting_date=date(2024, 12, 9),
        start_time_text="7.00 pm",
        venue="Council Chamber, Hackney Town Hall, Mare Street, London E8 1EA",
        members=["Cllr Sharon Patrick (Chair)", "Cllr Sade Etti (Vice Chair)", "Cllr Ian Rathbone"],
        contact_officer="Tracey Anderson",
        contact_email="tracey.anderson@hackney.example",
        published_on=date(2024, 11, 29),
        statutory_publication_date=date(2024, 11, 29),
        items=standard_agenda([trust, stop_search, question_time], previous_meeting_date=date(2024, 11, 11)),
        work_programme=[
            WorkProgrammeRow(date(2024, 12, 9), TRUST_TITLE, "Recommendation 16", "this meeting", "1 of 2 received"),
            WorkProgrammeRow(date(2025, 1, 20), None),
        ],
        municipal_year="2024/25",
    )


def late_responses(spec: PackSpec, panel: Path) -> PackSpec:
    """The supplementary spec: only the panel's response arrived since; MOPAC still owes one."""
    items = []
    for item in spec.items:
        if item.title == STOP_SEARCH_TITLE:
            item = replace(
                item,
                responses=[
                    PackResponse("Hackney Local Policing Scrutiny Panel", panel, date(2024, 12, 3)),
                    PackResponse("Young People's Stop and Search Monitoring Group"),
                ],
            )
        elif item.title == TRUST_TITLE:
            item = replace(item, responses=[r for r in item.responses if r.document is None])
        else:
            item = replace(item, responses=[])
        items.append(item)
    return replace(spec, items=items)


# ---------------------------------------------------------------- reading the results


def page_text(pdf: Path, page: int) -> str:
    """One page's text as poppler's pdftotext reads it, whitespace collapsed."""
    result = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return " ".join(result.stdout.split())


def layout_lines(pdf: Path, first: int, last: int) -> list[str]:
    """The non-empty lines of pages ``first`` to ``last`` as laid out (``pdftotext -layout``)."""
    result = subprocess.run(
        ["pdftotext", "-layout", "-f", str(first), "-l", str(last), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return [" ".join(line.split()) for line in result.stdout.splitlines() if line.strip()]


def page_count(pdf: Path) -> int:
    return len(PdfReader(str(pdf)).pages)


def outline(pdf: Path) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """(title, page) of each top-level entry with its nested (title, page) entries."""
    reader = PdfReader(str(pdf))
    entries: list[tuple[str, int, list[tuple[str, int]]]] = []
    for node in reader.outline:
        if isinstance(node, list):
            children = [(str(child.title), _page_number(reader, child)) for child in node]
            title, page, _ = entries[-1]
            entries[-1] = (title, page, children)
        else:
            entries.append((str(node.title), _page_number(reader, node), []))
    return entries


def _page_number(reader: PdfReader, destination: Any) -> int:
    number = reader.get_destination_page_number(destination)
    assert number is not None, f"bookmark {destination.title!r} points at no page"
    return number + 1


def front_rows(doc: DocxDocument) -> list[tuple[int, list[str], str]]:
    """(item number, business lines, pages) from the front sheet: an item is its numbered title
    row and the unnumbered rows under it (presenters, written responses)."""
    table = next(t for t in doc.tables if t.rows[0].cells[0].text.strip() == "Item")
    items: list[tuple[int, list[str], str]] = []
    for row in table.rows[1:]:
        number, business, pages = (cell.text.strip() for cell in row.cells)
        if number:
            items.append((int(number), business.splitlines(), pages))
        else:
            items[-1][1].extend(business.splitlines())
    return items


def first_page(label: str) -> int:
    """7 from "7" or "7–12"."""
    found = re.match(r"\d+", label)
    if found is None:
        raise AssertionError(f"no page number in {label!r}")
    return int(found.group())
