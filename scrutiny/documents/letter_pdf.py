"""A letter's PDF in which no heading is left at the foot of a page and no page starts with the sign-off.

The templates mark headings "keep with next" and the sign-off "keep together with the paragraph
before", which Word honours. LibreOffice does not when the next paragraph is longer than the
room left and widow control stops it splitting: it leaves the heading alone at the foot of the
page. So the PDF is checked page by page and, where that happened, the stranded heading (or the
paragraph before the sign-off) starts the next page in the copy LibreOffice lays out. The DOCX
itself is not changed: Word lays it out correctly.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from scrutiny.documents import scratch
from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.documents.pdf import convert_to_pdf
from scrutiny.documents.scratch import scratch_directory

SIGN_OFF = "Yours sincerely"
_RUNNING = re.compile(r"^(Our ref:.*|Page \d+ of \d+|Overview & Scrutiny)$")
_MAX_PASSES = 4


def page_lines(pdf: Path | bytes) -> list[list[str]]:
    """Each page's text lines, without the running header and footer."""
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else str(pdf))
    pages = []
    for page in reader.pages:
        lines = [" ".join(line.split()) for line in (page.extract_text() or "").splitlines()]
        pages.append([line for line in lines if line and not _RUNNING.match(line)])
    return pages


def _keeps_with_next(paragraph: Paragraph) -> bool:
    style = paragraph.style
    while style is not None:
        if style.paragraph_format.keep_with_next:
            return True
        style = style.base_style
    return bool(paragraph.paragraph_format.keep_with_next)


def _break_before(paragraph: Paragraph) -> None:
    properties = paragraph._p.get_or_add_pPr()
    if properties.find(qn("w:pageBreakBefore")) is None:
        properties.insert(0, OxmlElement("w:pageBreakBefore"))


def _ends_a_page(text: str, pages: list[list[str]]) -> bool:
    """Whether the paragraph's last line is the last line of a page."""
    return any(lines and (text == lines[-1] or (len(lines[-1]) >= 12 and text.endswith(lines[-1]))) for lines in pages)


def _fix_pass(document: object, pages: list[list[str]]) -> bool:
    """Mark what LibreOffice stranded in this layout; False when nothing is."""
    paragraphs = [p for p in document.paragraphs if p.text.strip()]  # type: ignore[attr-defined]
    texts = [" ".join(p.text.split()) for p in paragraphs]
    sign = next((i for i, text in enumerate(texts) if text == SIGN_OFF), None)
    block = set(range(sign, len(texts))) if sign is not None else set()
    changed = False
    for index, paragraph in enumerate(paragraphs):
        if index not in block and _keeps_with_next(paragraph) and _ends_a_page(texts[index], pages):
            _break_before(paragraph)
            changed = True
    if sign is not None:
        signature = [i for i in block if i == sign or _keeps_with_next(paragraphs[i])]
        lone = any(_ends_a_page(texts[i], pages) for i in signature)
        lone = lone or any(lines and lines[0].startswith(SIGN_OFF) for lines in pages[1:])
        if lone and sign > 0:
            _break_before(paragraphs[sign - 1])  # the closing paragraph takes the sign-off with it
            changed = True
    return changed


def convert_letter_to_pdf(docx: Path, out_dir: Path, *, timeout_s: float = 120) -> Path | None:
    """Like `convert_to_pdf`, then move stranded headings and a lone sign-off to the next page.

    ``timeout_s`` bounds each LibreOffice pass.
    """
    pdf = convert_to_pdf(docx, out_dir, timeout_s)
    if pdf is None:
        return None
    with scratch_directory(scratch.LETTER_PDF) as work:
        draft = Path(work) / docx.name
        shutil.copyfile(docx, draft)
        for _ in range(_MAX_PASSES):
            document = Document(str(draft))
            if not _fix_pass(document, page_lines(pdf)):
                return pdf
            document.save(str(draft))
            redone = convert_to_pdf(draft, Path(work), timeout_s)
            if redone is None:
                return pdf
            write_bytes_atomic(pdf, redone.read_bytes())
    return pdf
