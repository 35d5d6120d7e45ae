"""No page of a letter or chaser ends with a heading or starts with the sign-off (read back page by page from the PDF)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scrutiny.documents.letter_pdf import convert_letter_to_pdf
from scrutiny.documents.libreoffice import libreoffice_session
from scrutiny.letters.context import LETTER_KINDS, LetterContext, LetterKind
from scrutiny.letters.kinds import KINDS
from scrutiny.letters.render import render_letter
from scrutiny.letters.samples import sample_context
from tests.counts import note

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
SIGN_OFF = "Yours sincerely"
FOOTER = "Our ref:"


def _pages(pdf: Path) -> list[list[str]]:
    """Each page's non-empty lines, without the running header and footer."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in text.split("\f"):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        lines = [line for line in lines if not line.startswith(FOOTER) and line != "Overview & Scrutiny"]
        if lines:
            pages.append(lines)
    return pages


def _headings(context: LetterContext) -> set[str]:
    return {"Our request", "CC", *(section.heading for section in context.sections)}


def _check(pdf: Path, context: LetterContext) -> int:
    pages = _pages(pdf)
    headings = _headings(context)
    for number, lines in enumerate(pages, start=1):
        assert not any(lines[-1].startswith(h) for h in headings), f"page {number} ends with the heading {lines[-1]!r}"
        if number > 1:
            assert not lines[0].startswith(SIGN_OFF), f"page {number} starts with the sign-off"
    return len(pages)


def _longer(context: LetterContext, repeat: int) -> LetterContext:
    """The same letter with longer sections, so headings and the sign-off fall near page ends."""
    data = context.model_dump()
    for section in data["sections"]:
        section["context_paragraphs"] = section["context_paragraphs"] * repeat
    return LetterContext.model_validate(data)


@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_no_page_ends_with_a_heading_or_starts_with_the_sign_off(tmp_path: Path, kind: LetterKind) -> None:
    checked = 0
    with libreoffice_session():
        # Lengthen the letter step by step: each step moves the page breaks to new places.
        for repeat in range(1, 7):
            context = _longer(sample_context(kind), repeat)
            docx = tmp_path / f"{kind}-{repeat}.docx"
            render_letter(TEMPLATES / KINDS[kind].template, context, docx)
            pdf = convert_letter_to_pdf(docx, tmp_path)
            assert pdf is not None
            checked += _check(pdf, context)
    note(f"{kind}: {checked} pages checked")
