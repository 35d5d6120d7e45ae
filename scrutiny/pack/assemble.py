"""Assemble the agenda pack: front sheet, items, cover sheets and appended responses.

The front sheet quotes the page each item starts on. Those numbers come from LibreOffice's
own layout: the pack is composed once, converted to PDF, each item's page is read from the
PDF bookmarks its heading makes, then the pack is composed again with the numbers filled in
and converted again to check nothing moved.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.shared import Cm
from docxcompose.composer import Composer
from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.sandbox import SecurityError

from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.documents.docx_zip import normalise_docx
from scrutiny.documents.pdf import convert_to_pdf, libreoffice_available
from scrutiny.errors import ScrutinyError
from scrutiny.letters.render import make_jinja_env
from scrutiny.pack.context import (
    NumberedItem,
    cover_sheet_context,
    front_sheet_context,
    included_items,
    short_date,
    to_follow_lines,
)
from scrutiny.pack.ooxml import (
    first_heading_text,
    set_default_language,
    set_widths,
    start_on_new_page,
    unrestart_page_numbers,
)
from scrutiny.pack.pdf_pages import heading_pages, page_ranges
from scrutiny.pack.spec import PackSpec
from scrutiny.pack.template_builder import COVER_SHEET, FRONT_SHEET

# Wide enough for any real label, so the first pass lays the front sheet out at full length.
_PLACEHOLDER_PAGES = "888–888"
_MAX_PASSES = 3


@dataclass(frozen=True)
class AssembledPack:
    docx: Path
    pdf: Path | None
    sha256: str
    pages: dict[int, int] = field(default_factory=dict)  # item number -> first page in the PDF
    to_follow: list[str] = field(default_factory=list)


def pack_stem(spec: PackSpec) -> str:
    kind = "supplementary-agenda" if spec.is_supplementary else "agenda-pack"
    return f"{spec.meeting_date.isoformat()}-{kind}-v{spec.version}"


def assemble_pack(spec: PackSpec, templates_dir: Path, out_dir: Path, *, with_pdf: bool = True) -> AssembledPack:
    """Write ``<date>-agenda-pack-v<N>.docx`` (and ``.pdf`` when LibreOffice is installed)
    into ``out_dir`` and return where, its SHA-256, item start pages and what is to follow."""
    _validate(spec, templates_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = pack_stem(spec)
    docx_path, pdf_path = out_dir / f"{stem}.docx", out_dir / f"{stem}.pdf"

    if not with_pdf or not libreoffice_available():
        data, _ = _compose(spec, templates_dir, {})
        write_bytes_atomic(docx_path, data)
        return AssembledPack(docx_path, None, hashlib.sha256(data).hexdigest(), {}, to_follow_lines(spec))

    with tempfile.TemporaryDirectory(prefix=f".{stem}.", dir=out_dir) as scratch_name:
        scratch = Path(scratch_name)
        labels = {entry.number: _PLACEHOLDER_PAGES for entry in included_items(spec)}
        for attempt in range(1, _MAX_PASSES + 1):
            data, headings = _compose(spec, templates_dir, labels)
            pass_dir = scratch / f"pass{attempt}"
            pass_dir.mkdir()
            draft = pass_dir / f"{stem}.docx"
            draft.write_bytes(data)
            pdf = convert_to_pdf(draft, pass_dir)
            if pdf is None:
                # LibreOffice went away between the check and the run: still give the DOCX.
                data, _ = _compose(spec, templates_dir, {})
                write_bytes_atomic(docx_path, data)
                return AssembledPack(docx_path, None, hashlib.sha256(data).hexdigest(), {}, to_follow_lines(spec))
            starts, page_count = heading_pages(pdf, headings)
            found = page_ranges(starts, page_count)
            if found == labels:  # the front sheet already quotes this PDF's pages: done
                write_bytes_atomic(docx_path, data)
                write_bytes_atomic(pdf_path, pdf.read_bytes())
                return AssembledPack(
                    docx_path, pdf_path, hashlib.sha256(data).hexdigest(), starts, to_follow_lines(spec)
                )
            labels = found
    raise ScrutinyError(
        f"agenda pack {stem}: page numbers did not settle after {_MAX_PASSES} LibreOffice passes; "
        "does the front sheet change length when page numbers are filled in?"
    )


def _validate(spec: PackSpec, templates_dir: Path) -> None:
    if not spec.items:
        raise ScrutinyError(f"agenda pack for {spec.meeting_date}: no agenda items")
    for number, item in enumerate(spec.items, start=1):
        if not item.title.strip():
            raise ScrutinyError(f"agenda item {number}: title is empty")
        for response in item.responses:
            if response.document is not None:
                _check_docx(response.document, f"item {number} response from {response.organisation}")
    if spec.previous_minutes is not None:
        _check_docx(spec.previous_minutes, "previous_minutes")
        if not any(item.role == "minutes" for item in spec.items):
            raise ScrutinyError("previous_minutes given but no agenda item has role 'minutes' (use standard_agenda())")
    if spec.work_programme and not any(item.role == "work_programme" for item in spec.items):
        raise ScrutinyError(
            "work_programme rows given but no agenda item has role 'work_programme' (use standard_agenda())"
        )
    if spec.version < 1:
        raise ScrutinyError(f"agenda pack version {spec.version}: must be 1 or more")
    if spec.supplementary_of is not None:
        if not 1 <= spec.supplementary_of < spec.version:
            raise ScrutinyError(
                f"supplementary_of {spec.supplementary_of}: must be an earlier pack version than {spec.version}"
            )
        if not included_items(spec):
            raise ScrutinyError(
                f"supplementary agenda v{spec.version}: nothing to add (no received response and no minutes)"
            )
    for name in (FRONT_SHEET, COVER_SHEET):
        if not (templates_dir / name).is_file():
            raise ScrutinyError(f"template {templates_dir / name}: not found (run scripts/build_pack_templates.py)")


def _check_docx(path: Path, what: str) -> None:
    if not path.is_file():
        raise ScrutinyError(f"{what}: {path} does not exist")
    if path.suffix.lower() != ".docx" or not zipfile.is_zipfile(path):
        raise ScrutinyError(f"{what}: {path} is not a Word .docx file")


def _render(template: Path, context: dict[str, Any]) -> DocxDocument:
    try:
        tpl = DocxTemplate(str(template))
        tpl.render(context, jinja_env=make_jinja_env())
        buffer = io.BytesIO()
        tpl.save(buffer)
    except SecurityError as exc:
        raise ScrutinyError(f"template {template}: refused unsafe expression ({exc})") from exc
    except TemplateError as exc:
        raise ScrutinyError(f"template {template}: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # an officer-edited file can break python-docx or lxml in many ways
        raise ScrutinyError(f"template {template}: could not be rendered ({type(exc).__name__}: {exc})") from exc
    buffer.seek(0)
    return Document(buffer)


def _open_docx(path: Path, what: str) -> DocxDocument:
    try:
        return Document(str(path))
    except Exception as exc:  # python-docx raises many types for a damaged package
        raise ScrutinyError(f"{what}: {path} is not a readable Word document ({type(exc).__name__}: {exc})") from exc


class _Builder:
    """One composition of the pack; records each item's heading for the page lookup."""

    def __init__(self, spec: PackSpec, templates_dir: Path, master: DocxDocument) -> None:
        self.spec = spec
        self.templates_dir = templates_dir
        self.composer = Composer(master)
        self.doc = master
        self.headings: list[tuple[int, str]] = []
        self.new_page_next = True  # the first item starts after the front sheet

    def heading(self, text: str, level: int, *, new_page: bool) -> None:
        try:
            paragraph = self.doc.add_paragraph(text, style=f"Heading {level}")
        except KeyError as exc:
            raise ScrutinyError(
                f"template {self.templates_dir / FRONT_SHEET}: has no 'Heading {level}' style; "
                "the pack's item headings and PDF bookmarks need it"
            ) from exc
        if new_page:
            paragraph.paragraph_format.page_break_before = True

    def para(self, text: str) -> None:
        self.doc.add_paragraph(text)

    def append(self, part: DocxDocument, what: str) -> None:
        try:
            self.composer.append(part)
        except (KeyError, ValueError, AttributeError, TypeError, IndexError) as exc:
            # docxcompose walks the appended file's parts; a malformed one fails in many ways.
            raise ScrutinyError(f"{what}: could not be appended to the pack ({type(exc).__name__}: {exc})") from exc

    def short_item(self, entry: NumberedItem) -> None:
        text = f"{entry.number}. {entry.item.title}"
        self.heading(text, 1, new_page=self.new_page_next)
        self.headings.append((entry.number, text))
        if entry.item.purpose:
            self.para(entry.item.purpose)
        self.new_page_next = False

    def item_with_cover(self, entry: NumberedItem) -> None:
        cover_template = self.templates_dir / COVER_SHEET
        cover = _render(cover_template, cover_sheet_context(self.spec, entry))
        heading = first_heading_text(cover)
        if not heading:
            raise ScrutinyError(f"template {cover_template}: needs a Heading 1 paragraph for the item title")
        start_on_new_page(cover)
        self.append(cover, f"cover sheet for item {entry.number}")
        self.headings.append((entry.number, heading))
        received = [r for r in entry.responses if r.document is not None]
        for index, response in enumerate(received, start=1):
            assert response.document is not None
            what = f"item {entry.number} response from {response.organisation}"
            when = f" (received {short_date(response.received_on)})" if response.received_on else ""
            self.heading(
                f"{entry.number}.{index} Written response from {response.organisation}{when}", 2, new_page=True
            )
            self.append(_open_docx(response.document, what), what)
        self.new_page_next = True

    def minutes(self, entry: NumberedItem) -> None:
        text = f"{entry.number}. {entry.item.title}"
        self.heading(text, 1, new_page=True)
        self.headings.append((entry.number, text))
        if entry.item.purpose:
            self.para(entry.item.purpose)
        if self.spec.previous_minutes is None:
            self.para("The minutes are to follow.")
            self.new_page_next = False
            return
        self.append(_open_docx(self.spec.previous_minutes, "previous_minutes"), "previous_minutes")
        self.new_page_next = True

    def work_programme(self, entry: NumberedItem) -> None:
        text = f"{entry.number}. {entry.item.title}"
        self.heading(text, 1, new_page=True)
        self.headings.append((entry.number, text))
        if entry.item.purpose:
            self.para(entry.item.purpose)
        rows = self.spec.work_programme
        if not rows:
            self.para("No items are scheduled.")
            self.new_page_next = False
            return
        table = self.doc.add_table(rows=1, cols=4)
        try:
            table.style = self.doc.styles["Table Grid"]
        except KeyError:
            pass  # an edited front sheet without the style still gets a plain table
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, label in zip(table.rows[0].cells, ("Meeting", "Item", "Source", "Status")):
            cell.paragraphs[0].add_run(label).bold = True
        # Repeat the header row on every page the table runs onto.
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for row in rows:
            added = table.add_row()
            added._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            cells = added.cells
            for cell, value in zip(cells, (short_date(row.meeting_date), row.item, row.source, row.status)):
                cell.text = value
        set_widths(table, (Cm(3.2), Cm(6.0), Cm(4.6), Cm(2.8)))
        self.new_page_next = False


def _compose(spec: PackSpec, templates_dir: Path, page_labels: dict[int, str]) -> tuple[bytes, list[tuple[int, str]]]:
    """The pack's DOCX bytes (normalised, so equal inputs hash equal) and its item headings."""
    front_template = templates_dir / FRONT_SHEET
    master = _render(front_template, front_sheet_context(spec, page_labels))
    builder = _Builder(spec, templates_dir, master)
    for entry in included_items(spec):
        role = entry.item.role
        if role == "minutes":
            builder.minutes(entry)
        elif role == "work_programme":
            builder.work_programme(entry)
        elif entry.has_cover_sheet:
            builder.item_with_cover(entry)
        else:
            builder.short_item(entry)
    unrestart_page_numbers(master)
    _set_properties(master, spec)
    buffer = io.BytesIO()
    master.save(buffer)
    return normalise_docx(buffer.getvalue()), builder.headings


def _set_properties(doc: DocxDocument, spec: PackSpec) -> None:
    set_default_language(doc, "en-GB")
    props = doc.core_properties
    kind = "supplementary agenda" if spec.is_supplementary else "agenda pack"
    props.title = f"{spec.committee_name}, {short_date(spec.meeting_date)}: {kind}"
    props.subject = spec.meeting_title
    props.author = spec.contact_officer
    props.last_modified_by = spec.contact_officer
    props.keywords = f"{spec.council_name}; {spec.committee_name}; {kind}"
    props.comments = ""
    props.revision = spec.version
    # Fixed from the spec, not the clock, so the same pack hashes the same on a re-run.
    published = datetime(spec.publication_date.year, spec.publication_date.month, spec.publication_date.day)
    props.created = published
    props.modified = published
