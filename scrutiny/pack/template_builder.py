"""Writes the Word-editable pack templates (front sheet, cover sheet) with python-docx.

Every Jinja tag sits whole inside one run, so docxtpl sees it intact and an officer can
reword the text around it in Word. ``scripts/build_pack_templates.py`` calls this.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
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
    for name, size in (("Title", 20), ("Heading 1", 16), ("Heading 2", 13), ("Subtitle", 13)):
        style = doc.styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = BLACK
        style.font.bold = name != "Subtitle"
        style.font.italic = False  # the built-in Subtitle is italic: hard to read in a long line
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
    doc_or_cell: DocxDocument | _Cell, text: str = "", *, style: str | None = None, bold: bool = False
) -> Paragraph:
    paragraph: Paragraph = doc_or_cell.add_paragraph(style=style)
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


def _label_table(doc: DocxDocument, rows: list[tuple[str, list[str]]], *, style: str | None) -> Table:
    """Two columns, label and value; a value of several strings is one paragraph each."""
    table = doc.add_table(rows=0, cols=2)
    if style:
        table.style = doc.styles[style]
    for label, values in rows:
        cells = table.add_row().cells
        _cell_lines(cells[0], [(label, True)])
        _cell_lines(cells[1], [(value, False) for value in values])
    set_widths(table, (Cm(3.5), Cm(13.1)))
    return cast(Table, table)


def _set_cell_border(cell: object, edge: str, value: str) -> None:
    """One edge of a cell's border (``single`` or ``nil``), overriding the table's borders."""
    tc_pr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    border = OxmlElement(f"w:{edge}")
    border.set(qn("w:val"), value)
    if value != "nil":
        border.set(qn("w:sz"), "4")
        border.set(qn("w:space"), "0")
        border.set(qn("w:color"), "auto")
    borders.append(border)


def _no_inside_horizontal_borders(table: Table) -> None:
    """Drop the lines between rows: each item draws its own top line, so an item's rows read as one box."""
    tbl_pr = table._tbl.tblPr
    borders = tbl_pr.find(qn("w:tblBorders"))
    if borders is None:
        borders = OxmlElement("w:tblBorders")
        tbl_pr.append(borders)
    for edge in ("top", "left", "bottom", "right", "insideV"):
        element = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "auto")):
            element.set(qn(key), value)
        borders.append(element)
    inside = OxmlElement("w:insideH")
    inside.set(qn("w:val"), "nil")
    borders.append(inside)


def _cant_split(row: object) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # type: ignore[attr-defined]


def _keep_with_next(cell: object) -> None:
    for paragraph in cell.paragraphs:  # type: ignore[attr-defined]
        paragraph.paragraph_format.keep_with_next = True


def _agenda_table(doc: DocxDocument) -> None:
    """The numbered items: a title row per item, then a row for its presenters and one for its
    written responses. Each row stays whole (cantSplit) but the table may break between rows,
    so a long item does not push the whole row, and half a page, onto the next page. Only the
    title row keeps with the row after it, so no chain holds the table together."""
    table = doc.add_table(rows=10, cols=3)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    (
        header,
        loop_open,
        title,
        if_presenters,
        presenters,
        end_presenters,
        if_responses,
        responses,
        end_responses,
        loop_close,
    ) = table.rows
    for cell, text in zip(header.cells, ("Item", "Business", "Pages")):
        _cell_lines(cell, [(text, True)])
    _cell_lines(loop_open.cells[0], [("{%tr for item in items %}", False)])
    _cell_lines(title.cells[0], [("{{ item.number }}", True)])
    _cell_lines(
        title.cells[1],
        [
            ("{{ item.title }}", True),
            ("{%p if item.purpose %}", False),
            ("{{ item.purpose }}", False),
            ("{%p endif %}", False),
            ("{%p if item.to_follow %}", False),
            ("To follow", True),
            ("{%p endif %}", False),
        ],
    )
    _cell_lines(title.cells[2], [("{{ item.pages }}", False)])
    _cell_lines(if_presenters.cells[0], [("{%tr if item.presenters %}", False)])
    _cell_lines(
        presenters.cells[1],
        [
            ("Presenting:", True),
            ("{%p for p in item.presenters %}", False),
            ("{{ p }}", False),
            ("{%p endfor %}", False),
        ],
    )
    _cell_lines(end_presenters.cells[0], [("{%tr endif %}", False)])
    _cell_lines(if_responses.cells[0], [("{%tr if item.responses %}", False)])
    _cell_lines(
        responses.cells[1],
        [
            ("Written responses:", True),
            ("{%p for r in item.responses %}", False),
            [("{{ r.organisation }}", False), ("{% if r.to_follow %} – to follow{% endif %}", True)],
            ("{%p endfor %}", False),
        ],
    )
    _cell_lines(end_responses.cells[0], [("{%tr endif %}", False)])
    _cell_lines(loop_close.cells[0], [("{%tr endfor %}", False)])
    # A page column wide enough for "888–888" keeps the front sheet's length fixed when the
    # real page numbers replace the first pass's blanks.
    set_widths(table, (Cm(1.5), Cm(12.6), Cm(2.5)))
    _no_inside_horizontal_borders(table)
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeated on every page
    for cell in (*header.cells, *title.cells):
        _set_cell_border(cell, "bottom" if cell in header.cells else "top", "single")
    for row in (header, title, presenters, responses):
        _cant_split(row)
    for cell in title.cells:
        _keep_with_next(cell)
    for row in (presenters, responses):
        _indent(row.cells[1])


def _indent(cell: object) -> None:
    for paragraph in cell.paragraphs:  # type: ignore[attr-defined]
        paragraph.paragraph_format.left_indent = Cm(0.4)


def build_front_sheet(path: Path) -> Path:
    doc = _base_document("Agenda pack front sheet")
    _para(doc, "{{ council_name }}", bold=True)
    _para(doc, "{{ committee_name }}", style="Title")
    _para(doc, "{%p if supplementary %}")
    _para(
        doc,
        "Supplementary agenda {{ supplementary_number }} — adding to the "
        "{% if original_publication_date %}agenda pack published on {{ original_publication_date }}"
        "{% else %}original agenda pack{% endif %}",
        style="Subtitle",
        bold=True,
    )
    _para(
        doc,
        "It contains only the documents that have arrived since that pack was published; "
        "items keep their numbers from the original agenda.",
    )
    _para(doc, "{%p endif %}")
    # The meeting's title only when it says more than the committee's name already printed above.
    _para(doc, "{%p if committee_name not in meeting_title %}")
    _para(doc, "{{ meeting_title }}", style="Subtitle")
    _para(doc, "{%p endif %}")
    _label_table(
        doc,
        [
            ("Date", ["{{ meeting_date }}"]),
            ("Time", ["{{ start_time }}"]),
            ("Venue", ["{{ venue }}"]),
            ("Published", ["{{ publication_date }}"]),
            ("Contact", ["{{ contact_officer }}, {{ contact_email }}"]),
        ],
        style=None,
    )
    _para(doc, "{%p if late_publication_warning %}")
    _para(doc, "{{ late_publication_warning }}", bold=True).paragraph_format.space_before = Pt(6)
    _para(doc, "{%p endif %}")
    membership = _para(doc, "Membership", bold=True)
    membership.paragraph_format.space_before = Pt(6)
    _para(doc, "{{ members | join(', ') }}")
    _para(doc, "{% if supplementary %}Supplementary agenda{% else %}Agenda{% endif %}", style="Heading 1")
    _para(doc, "Page numbers are those at the foot of each page of this pack.")
    _agenda_table(doc)

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
        "Supplementary agenda {{ supplementary_number }}: documents for this item that arrived after the "
        "{% if original_publication_date %}agenda pack published on {{ original_publication_date }}"
        "{% else %}original agenda pack{% endif %}.",
        bold=True,
    )
    _para(doc, "{%p endif %}")
    _label_table(
        doc,
        [
            ("Meeting", ["{{ committee_name }}, {{ meeting_date }}"]),
            ("Item", ["{{ number }}"]),
            ("Purpose", ["{{ purpose }}"]),
            ("Presenting", ["{%p for p in presenters %}", "{{ p }}", "{%p endfor %}"]),
            ("Source", ["{{ source }}"]),
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
