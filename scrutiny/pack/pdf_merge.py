"""Finish the PDF pack with pypdf: lay PDF responses onto their reserved pages, rebuild the
outline (one entry per item, nested one per response), set title and language.

The LibreOffice PDF is cloned whole (``PdfWriter(clone_from=...)``), so its catalog keeps
its structure tree, ``/MarkInfo``, ``/Lang`` and every page's ``/StructParents``: the pack's
own tagging survives. Each PDF response page is drawn onto an empty page LibreOffice made
for it (scaled to clear the footer band), so every page keeps the pack's "Page N" footer.
"""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import PyPdfError
from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject

from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.errors import ScrutinyError
from scrutiny.pack.compose import Mark, MarkKey
from scrutiny.pack.pdf_graft import graft_structure


def lay_onto(target: PageObject, source: PageObject, bottom_band: float) -> None:
    """Draw ``source`` on ``target``, as large as fits above the footer band, centred."""
    if source.rotation:
        source.transfer_rotation_to_content()
    box = source.cropbox
    width, height = float(box.width), float(box.height)
    area_width = float(target.mediabox.width)
    area_height = float(target.mediabox.height) - bottom_band
    scale = min(1.0, area_width / width, area_height / height)
    x = float(target.mediabox.left) + (area_width - width * scale) / 2
    y = float(target.mediabox.bottom) + bottom_band + (area_height - height * scale) / 2
    placement = Transformation().translate(-float(box.left), -float(box.bottom)).scale(scale, scale).translate(x, y)
    target.merge_transformed_page(source, placement)


def _version(header: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in header.removeprefix("%PDF-").split("."))
    except ValueError:
        return (1, 4)


def _outline(writer: PdfWriter, marks: list[Mark], pages: dict[MarkKey, int]) -> None:
    """Replace LibreOffice's outline (every heading, those inside responses too) with the agenda's."""
    writer.root_object.pop(NameObject("/Outlines"), None)
    parent = None
    for mark in marks:
        page_index = pages[mark.key] - 1
        if mark.key[1] == 0:
            parent = writer.add_outline_item(mark.title, page_index)
        else:
            writer.add_outline_item(mark.title, page_index, parent=parent)
    writer.page_mode = "/UseOutlines"


def finish_pack_pdf(
    converted: Path,
    out: Path,
    marks: list[Mark],
    pages: dict[MarkKey, int],
    *,
    title: str,
    language: str = "en-GB",
    bottom_band: float = 0.0,
) -> list[MarkKey]:
    """Write ``out``: ``converted`` (LibreOffice's PDF of the pdf variant) with every PDF
    response laid onto its reserved pages, the agenda outline, title and language. Returns the
    PDF responses whose structure tree was grafted into the pack's."""
    try:
        pack = PdfReader(str(converted))
        writer = PdfWriter(clone_from=pack)
        headers = [pack.pdf_header]
        tagged: list[MarkKey] = []
        for mark in marks:
            if not mark.reserved_pages or mark.document is None:
                continue
            source = PdfReader(str(mark.document))
            headers.append(source.pdf_header)
            first = pages[mark.key] - 1
            targets = [writer.pages[first + offset] for offset in range(mark.reserved_pages)]
            for target, page in zip(targets, source.pages):
                lay_onto(target, page, bottom_band)
            if graft_structure(writer, source, targets, mark.title):
                tagged.append(mark.key)
        _outline(writer, marks, pages)
        # The newest version any part needs (pypdf would write 1.3, older than tagged PDF).
        writer.pdf_header = max(headers, key=_version)
        root = writer.root_object
        root[NameObject("/Lang")] = TextStringObject(language)
        preferences = root.get("/ViewerPreferences")
        preferences = preferences.get_object() if preferences is not None else DictionaryObject()
        preferences[NameObject("/DisplayDocTitle")] = BooleanObject(True)
        root[NameObject("/ViewerPreferences")] = preferences
        writer.add_metadata({"/Title": title})
        buffer = io.BytesIO()
        writer.write(buffer)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise ScrutinyError(
            f"PDF pack {out.name}: could not insert the PDF responses ({type(exc).__name__}: {exc})"
        ) from exc
    write_bytes_atomic(out, buffer.getvalue())
    return tagged
