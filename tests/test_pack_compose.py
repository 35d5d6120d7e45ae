"""The pack's composer (docxcompose with a cheap style listing) gives exactly docxcompose's result."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docxcompose.composer import Composer

from scrutiny.pack.fast_styles import pack_composer
from tests.pack_fixtures import TEMPLATES, word_response


def _custom_style_response(path: Path) -> Path:
    doc = Document()
    style = doc.styles.add_style("Response Body", WD_STYLE_TYPE.PARAGRAPH)
    style.font.bold = True
    doc.add_paragraph("Text in a style the pack does not have.", style="Response Body")
    doc.add_paragraph("A numbered point", style="List Number")
    doc.save(str(path))
    return path


def _foreign_style_ids(path: Path) -> Path:
    """Heading 1 under a German style id, as Word writes it in a German document."""
    doc = Document()
    doc.add_paragraph("Überschrift", style="Heading 1")
    doc.add_paragraph("Absatz.")
    for element in doc.styles.element.iterchildren(qn("w:style")):
        if element.get(qn("w:styleId")) == "Heading1":
            element.set(qn("w:styleId"), "berschrift1")
    for p_style in doc.element.body.iter(qn("w:pStyle")):
        if p_style.get(qn("w:val")) == "Heading1":
            p_style.set(qn("w:val"), "berschrift1")
    doc.save(str(path))
    return path


def _compose(make: type[Composer] | None, parts: list[Path]) -> tuple[bytes, bytes]:
    master = Document(str(TEMPLATES / "front_sheet.docx"))
    composer = Composer(master) if make is Composer else pack_composer(master)
    for part in parts:
        composer.append(Document(str(part)))
    return _xml(master)


def _xml(doc: DocxDocument) -> tuple[bytes, bytes]:
    buffer = io.BytesIO()
    doc.save(buffer)
    reread = Document(buffer)
    return reread.element.xml.encode(), reread.styles.element.xml.encode()


def test_pack_composer_matches_docxcompose(tmp_path: Path) -> None:
    parts = [
        word_response(tmp_path / "a.docx", "First", "Alpha marker", pages=2),
        _custom_style_response(tmp_path / "b.docx"),
        _foreign_style_ids(tmp_path / "c.docx"),
        _custom_style_response(tmp_path / "d.docx"),  # the same new style again: added once
    ]
    plain_body, plain_styles = _compose(Composer, parts)
    ours_body, ours_styles = _compose(None, parts)
    assert ours_body == plain_body
    assert ours_styles == plain_styles
    assert plain_styles.count(b'w:styleId="ResponseBody"') == 1
    assert b"berschrift1" not in plain_body  # mapped to the pack's own Heading 1 by name
