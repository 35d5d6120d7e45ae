"""Compose the pack's Word document: front sheet, items, cover sheets, appended responses.

One composition is made per LibreOffice pass. It records, in document order, where each item
and each received response begins (a heading to find in the PDF's bookmarks, or the pages
reserved for a PDF response), so the assembler can tell on which page each one starts.

The ``"docx"`` variant is the Word pack officers and members open: a PDF response is one
placeholder page naming it. The ``"pdf"`` variant is what LibreOffice converts: a PDF response
is that many empty pages (footer only), onto which its pages are later laid, so every page of
the PDF pack, inserted ones included, carries its own pack page number.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Length
from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError

from scrutiny.documents.docx_zip import normalise_docx
from scrutiny.errors import ScrutinyError
from scrutiny.letters.render import make_jinja_env
from scrutiny.pack.context import (
    NumberedItem,
    cover_sheet_context,
    front_sheet_context,
    included_items,
    short_date,
)
from scrutiny.pack.fast_styles import pack_composer
from scrutiny.pack.ooxml import first_heading_text, set_default_language, start_on_new_page, unrestart_page_numbers
from scrutiny.pack.spec import PackResponse, PackSpec
from scrutiny.pack.template_builder import COVER_SHEET, FRONT_SHEET
from scrutiny.pack.work_programme import add_work_programme

Variant = Literal["docx", "pdf"]
# (item number, 0) for an item; (item number, n) for its n-th received response.
MarkKey = tuple[int, int]


@dataclass(frozen=True)
class Mark:
    """Where an item or response begins: a heading LibreOffice bookmarks, or reserved pages."""

    key: MarkKey
    title: str  # the heading text, also the PDF outline entry
    reserved_pages: int = 0  # > 0: a PDF response occupying this many pages (pdf variant)
    document: Path | None = None


@dataclass(frozen=True)
class Composition:
    data: bytes  # normalised DOCX, so equal inputs hash equal
    marks: list[Mark]
    bottom_margin: Length  # the footer's band, kept clear when PDF pages are laid on


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


def open_docx(path: Path, what: str) -> DocxDocument:
    try:
        return Document(str(path))
    except Exception as exc:  # python-docx raises many types for a damaged package
        raise ScrutinyError(f"{what}: {path} is not a readable Word document ({type(exc).__name__}: {exc})") from exc


def page_label(start: int, count: int) -> str:
    return f"page {start}" if count == 1 else f"pages {start}–{start + count - 1}"


class _Builder:
    """One composition of the pack."""

    def __init__(
        self,
        spec: PackSpec,
        templates_dir: Path,
        master: DocxDocument,
        variant: Variant,
        pdf_pages: dict[Path, int],
        response_starts: dict[MarkKey, int],
    ) -> None:
        self.spec = spec
        self.templates_dir = templates_dir
        self.composer = pack_composer(master)
        self.doc = master
        self.variant = variant
        self.pdf_pages = pdf_pages
        self.response_starts = response_starts
        self.marks: list[Mark] = []
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

    def para(self, text: str, *, new_page: bool = False) -> None:
        paragraph = self.doc.add_paragraph(text)
        if new_page:
            paragraph.paragraph_format.page_break_before = True

    def append(self, part: DocxDocument, what: str) -> None:
        try:
            self.composer.append(part)
        except (KeyError, ValueError, AttributeError, TypeError, IndexError) as exc:
            # docxcompose walks the appended file's parts; a malformed one fails in many ways.
            raise ScrutinyError(f"{what}: could not be appended to the pack ({type(exc).__name__}: {exc})") from exc

    def titled_item(self, entry: NumberedItem, *, new_page: bool) -> None:
        text = f"{entry.number}. {entry.item.title}"
        self.heading(text, 1, new_page=new_page)
        self.marks.append(Mark((entry.number, 0), text))
        if entry.item.purpose:
            self.para(entry.item.purpose)

    def short_item(self, entry: NumberedItem) -> None:
        self.titled_item(entry, new_page=self.new_page_next)
        self.new_page_next = False

    def item_with_cover(self, entry: NumberedItem) -> None:
        cover_template = self.templates_dir / COVER_SHEET
        cover = _render(cover_template, cover_sheet_context(self.spec, entry))
        heading = first_heading_text(cover)
        if not heading:
            raise ScrutinyError(f"template {cover_template}: needs a Heading 1 paragraph for the item title")
        start_on_new_page(cover)
        self.append(cover, f"cover sheet for item {entry.number}")
        self.marks.append(Mark((entry.number, 0), heading))
        received = [r for r in entry.responses if r.document is not None]
        for index, response in enumerate(received, start=1):
            self.response(entry.number, index, response)
        self.new_page_next = True

    def response(self, number: int, index: int, response: PackResponse) -> None:
        document = response.document
        if document is None:
            return
        what = f"item {number} response from {response.organisation}"
        when = f" (received {short_date(response.received_on)})" if response.received_on else ""
        title = f"{number}.{index} Written response from {response.organisation}{when}"
        if not response.is_pdf:
            self.heading(title, 2, new_page=True)
            self.marks.append(Mark((number, index), title))
            self.append(open_docx(document, what), what)
            return
        count = self.pdf_pages[document]
        if self.variant == "pdf":
            # Empty pages, one per page of the PDF; the response's pages are laid onto them.
            for _ in range(count):
                self.para("", new_page=True)
            self.marks.append(Mark((number, index), title, reserved_pages=count, document=document))
            return
        self.heading(title, 2, new_page=True)
        self.marks.append(Mark((number, index), title))
        start = self.response_starts.get((number, index))
        where = f", {page_label(start, count)}" if start else ""
        self.para(
            f"Written response from {response.organisation}: supplied as a PDF "
            f"({count} page{'s' if count != 1 else ''}), included in the PDF agenda pack{where}."
        )

    def minutes(self, entry: NumberedItem) -> None:
        self.titled_item(entry, new_page=True)
        if self.spec.previous_minutes is None:
            self.para("The minutes are to follow.")
            self.new_page_next = False
            return
        self.append(open_docx(self.spec.previous_minutes, "previous_minutes"), "previous_minutes")
        self.new_page_next = True

    def work_programme(self, entry: NumberedItem) -> None:
        self.titled_item(entry, new_page=True)
        add_work_programme(self.doc, self.spec)
        self.new_page_next = False


def compose(
    spec: PackSpec,
    templates_dir: Path,
    page_labels: dict[int, str],
    *,
    variant: Variant = "docx",
    pdf_pages: dict[Path, int] | None = None,
    response_starts: dict[MarkKey, int] | None = None,
    late_warning: str | None = None,
) -> Composition:
    """The pack as DOCX bytes with its marks. ``pdf_pages`` gives each PDF response's page
    count; ``response_starts`` (docx variant) where each response starts in the PDF pack."""
    front_template = templates_dir / FRONT_SHEET
    master = _render(front_template, front_sheet_context(spec, page_labels, late_warning))
    bottom_margin = master.sections[0].bottom_margin or Length(0)
    builder = _Builder(spec, templates_dir, master, variant, pdf_pages or {}, response_starts or {})
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
    set_pack_properties(master, spec)
    buffer = io.BytesIO()
    master.save(buffer)
    return Composition(normalise_docx(buffer.getvalue()), builder.marks, Length(bottom_margin))


def pack_title(spec: PackSpec) -> str:
    """The document title, in the DOCX properties and the PDF's metadata."""
    kind = f"supplementary agenda {spec.supplementary_sequence}" if spec.is_supplementary else "agenda pack"
    return f"{spec.committee_name}, {short_date(spec.meeting_date)}: {kind}"


def set_pack_properties(doc: DocxDocument, spec: PackSpec) -> None:
    set_default_language(doc, "en-GB")
    props = doc.core_properties
    kind = "supplementary agenda" if spec.is_supplementary else "agenda pack"
    props.title = pack_title(spec)
    props.subject = spec.meeting_title
    props.author = spec.contact_officer
    props.last_modified_by = spec.contact_officer
    props.keywords = f"{spec.council_name}; {spec.committee_name}; {kind}"
    props.comments = ""
    props.revision = spec.version
    # Fixed from the spec, not the clock, so the same pack hashes the same on a re-run.
    published = datetime(spec.published_on.year, spec.published_on.month, spec.published_on.day)
    props.created = published
    props.modified = published
