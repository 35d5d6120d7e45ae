"""Writes the Word-editable pack templates (front sheet, cover sheet) with python-docx.

Every Jinja tag sits whole inside one run, so docxtpl sees it intact and an officer can
reword the text around it in Word. ``scripts/build_pack_templates.py`` calls this.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from scrutiny.pack.ooxml import add_field, set_default_language, set_widths

FRONT_SHEET = "front_sheet.docx"
COVER_SHEET = "cover_sheet.docx"
BLACK = RGBColor(0, 0, 0)


def _base_document(title: str) -> DocxDocument:
    doc = Document()
    set_default_language(doc, "en-GB")
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    for name, size in (("Title", 24), ("Heading 1", 16), ("Heading 2", 13), ("Subtitle", 13)):
        style = doc.styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = BLACK
        style.font.bold = name != "Subtitle"
        _drop_theme_fonts(style.element)
    for section in doc.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
        section.left_margin = section.right_margin = Cm(2.2)
        section.top_margin = section.bottom_margin = Cm(2.0)
    props = doc.core_properties
    props.title = title
    props.author = "Overview and Scrutiny"
    props.comments = "Agenda pack template: edit the wording in Word, keep every Jinja tag whole (docxtpl renders these properties too)."
    _footer_with_page_number(doc)
    return doc


def _drop_theme_fonts(style_element: object) -> None:
    # Theme font attributes win over w:ascii in Word and LibreOffice, so Arial would not show.
    for fonts in style_element.iter(qn("w:rFonts")):  # type: ignore[attr-defined]
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)


def _footer_with_page_number(doc: DocxDocument) -> None:
    footer = doc.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("Page ")
    add_field(paragraph, "PAGE")


def _para(
    doc_or_cell: DocxDocument | object, text: str = "", *, style: str | None = None, bold: bool = False
) -> Paragraph:
    paragraph: Paragraph = doc_or_cell.add_paragraph(style=style)  # type: ignore[attr-defined]
    if text:
        paragraph.add_run(text).bold = bold or None
    return paragraph


def _cell_lines(cell: object, lines: list[tuple[str, bool] | list[tuple[str, bool]]]) -> None:
    """Fill a table cell: each entry is one paragraph of (text, bold) runs (first reuses the cell's paragraph)."""
    for index, line in enumerate(lines):
        runs = line if isinstance(line, list) else [line]
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()  # type: ignore[attr-defined]
        for text, bold in runs:
            paragraph.add_run(text).bold = bold or None


def _label_table(doc: DocxDocument, rows: list[tuple[str, str]], *, style: str | None) -> Table:
    table = doc.add_table(rows=0, cols=2)
    if style:
        table.style = doc.styles[style]
    for label, value in rows:
        cells = table.add_row().cells
        _cell_lines(cells[0], [(label, True)])
        _cell_lines(cells[1], [(value, False)])
    set_widths(table, (Cm(3.5), Cm(13.1)))
    return table


def build_front_sheet(path: Path) -> Path:
    doc = _base_document("Agenda pack front sheet")
    _para(doc, "{{ council_name }}", bold=True)
    _para(doc, "{{ committee_name }}", style="Title")
    _para(doc, "{%p if supplementary %}")
    _para(doc, "Supplementary agenda", style="Subtitle", bold=True)
    _para(
        doc,
        "This supplementary agenda adds to agenda pack version {{ supplementary_of }}. "
        "It lists only the documents that have arrived since that pack was published.",
    )
    _para(doc, "{%p endif %}")
    _para(doc, "{{ meeting_title }}", style="Subtitle")
    _label_table(
        doc,
        [
            ("Date", "{{ meeting_date }}"),
            ("Time", "{{ start_time }}"),
            ("Venue", "{{ venue }}"),
            ("Published", "{{ publication_date }}"),
            ("Contact", "{{ contact_officer }}, {{ contact_email }}"),
        ],
        style=None,
    )
    _para(doc)
    _para(doc, "Membership", bold=True)
    _para(doc, "{{ members | join(', ') }}")
    _para(doc, "{% if supplementary %}Supplementary agenda{% else %}Agenda{% endif %}", style="Heading 1")
    _para(doc, "Page numbers are those at the foot of each page of this pack.")

    table = doc.add_table(rows=4, cols=3)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, loop_open, body, loop_close = table.rows
    for cell, text in zip(header.cells, ("Item", "Business", "Pages")):
        _cell_lines(cell, [(text, True)])
    _cell_lines(loop_open.cells[0], [("{%tr for item in items %}", False)])
    _cell_lines(body.cells[0], [("{{ item.number }}", True)])
    _cell_lines(
        body.cells[1],
        [
            ("{{ item.title }}", True),
            ("{%p if item.purpose %}", False),
            ("{{ item.purpose }}", False),
            ("{%p endif %}", False),
            ("{%p if item.presenters %}", False),
            ("Presenting: {{ item.presenters | join(', ') }}", False),
            ("{%p endif %}", False),
            ("{%p if item.to_follow %}", False),
            ("To follow", True),
            ("{%p endif %}", False),
            ("{%p for r in item.responses %}", False),
            [("Written response: {{ r.organisation }}", False), ("{% if r.to_follow %} – to follow{% endif %}", True)],
            ("{%p endfor %}", False),
        ],
    )
    _cell_lines(body.cells[2], [("{{ item.pages }}", False)])
    _cell_lines(loop_close.cells[0], [("{%tr endfor %}", False)])
    # A page column wide enough for "888–888" keeps the front sheet's length fixed when the
    # real page numbers replace the first pass's blanks.
    set_widths(table, (Cm(1.5), Cm(12.6), Cm(2.5)))
    # Repeat the header row if the item list runs onto a second page; keep each item whole.
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    body._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))

    _para(doc, "{%p if still_to_follow %}")
    _para(doc, "Still to follow", bold=True).paragraph_format.space_before = Pt(12)
    _para(doc, "{%p for line in still_to_follow %}")
    _para(doc, "{{ line }}", style="List Bullet")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endif %}")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def build_cover_sheet(path: Path) -> Path:
    doc = _base_document("Agenda item cover sheet")
    # The first Heading 1 is the item's bookmark and the title the front sheet's page number
    # is found by: keep it first and keep it a Heading 1 when editing.
    _para(doc, "{{ number }}. {{ title }}", style="Heading 1")
    _para(doc, "{%p if supplementary %}")
    _para(
        doc,
        "Supplementary: documents for this item that arrived after agenda pack version {{ supplementary_of }}.",
        bold=True,
    )
    _para(doc, "{%p endif %}")
    _label_table(
        doc,
        [
            ("Meeting", "{{ committee_name }}, {{ meeting_date }}"),
            ("Item", "{{ number }}"),
            ("Purpose", "{{ purpose }}"),
            ("Presenting", "{{ presenters | join(', ') }}"),
            ("Source", "{{ source }}"),
        ],
        style="Table Grid",
    )
    _para(doc)
    _para(doc, "Written responses", bold=True)
    _para(doc, "{%p for r in responses %}")
    paragraph = doc.add_paragraph(style="List Bullet")
    paragraph.add_run("{{ r.organisation }}")
    paragraph.add_run(
        "{% if r.to_follow %}: to follow{% else %}: attached{% if r.received_on %} (received {{ r.received_on }}){% endif %}{% endif %}"
    ).bold = True
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p if not responses %}")
    _para(doc, "No written responses were requested for this item.")
    _para(doc, "{%p endif %}")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def build_pack_templates(templates_dir: Path) -> list[Path]:
    """Write both pack templates into ``templates_dir`` and return their paths."""
    return [build_front_sheet(templates_dir / FRONT_SHEET), build_cover_sheet(templates_dir / COVER_SHEET)]
