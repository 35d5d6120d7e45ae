"""Small python-docx/OOXML helpers the pack needs and python-docx does not offer."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Length
from docx.table import Table
from docx.text.paragraph import Paragraph

HEADING_STYLES = ("Heading 1", "Heading 2")


def set_default_language(doc: DocxDocument, language: str = "en-GB") -> None:
    """Language of every run without its own: spell-check in Word, /Lang in the tagged PDF."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)
    doc.core_properties.language = language


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> None:
    """Append a complex field (e.g. ``PAGE``) whose cached result is ``placeholder``."""

    def run_with(child: BaseOxmlElement) -> None:
        run = OxmlElement("w:r")
        run.append(child)
        paragraph._p.append(run)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    text = OxmlElement("w:t")
    text.text = placeholder
    run_with(text)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def start_on_new_page(doc: DocxDocument) -> None:
    """Make the first block of ``doc`` start a new page once appended to another document.

    ``pageBreakBefore`` on the first paragraph avoids the blank line a page-break run leaves;
    a leading table gets an empty paragraph carrying the break instead.
    """
    body = doc.element.body
    first = next((child for child in body if child.tag in (qn("w:p"), qn("w:tbl"))), None)
    if first is not None and first.tag == qn("w:p"):
        Paragraph(first, doc._body).paragraph_format.page_break_before = True
        return
    breaker = OxmlElement("w:p")
    if first is None:
        sect_pr = body.find(qn("w:sectPr"))
        if sect_pr is not None:
            sect_pr.addprevious(breaker)
        else:
            body.append(breaker)
    else:
        first.addprevious(breaker)
    Paragraph(breaker, doc._body).paragraph_format.page_break_before = True


def unrestart_page_numbers(doc: DocxDocument) -> None:
    """Drop page-number restarts that appended documents bring, so "Page N" in the footer is
    the PDF page number the front sheet quotes."""
    for pg_num_type in doc.element.body.iter(qn("w:pgNumType")):
        pg_num_type.attrib.pop(qn("w:start"), None)


def first_heading_text(doc: DocxDocument, style_name: str = "Heading 1") -> str | None:
    """Text of the first paragraph in ``style_name`` (body level), whitespace collapsed."""
    for paragraph in doc.paragraphs:
        if paragraph.style is not None and paragraph.style.name == style_name:
            return " ".join(paragraph.text.split())
    return None


def all_text(doc: DocxDocument) -> str:
    """Every paragraph's text in the body, headers and footers (tables included), one a line."""
    roots = [doc.element.body]
    for section in doc.sections:
        roots.extend(hf._element for hf in (section.header, section.footer))
    lines = [
        "".join(node.text or "" for node in paragraph.iter(qn("w:t")))
        for root in roots
        for paragraph in root.iter(qn("w:p"))
    ]
    return "\n".join(lines)


def set_widths(table: Table, widths: tuple[Length, ...]) -> None:
    """Fixed column widths: LibreOffice lays out from the grid, Word from the cells."""
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width
