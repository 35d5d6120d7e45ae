"""Assemble the agenda pack: the Word pack and the tagged, bookmarked PDF pack.

The front sheet quotes the page each item starts on. Those numbers come from the PDF pack
itself: the pack is composed (PDF responses as reserved empty pages), converted by
LibreOffice, PDF responses are laid onto their pages with pypdf, and each item's page is
read; the pack is then composed again with the numbers filled in and converted again to check
nothing moved. The Word pack is composed last with the same numbers, PDF responses shown as a
page naming them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.documents.pdf import convert_to_pdf, libreoffice_available
from scrutiny.documents.scratch import scratch_directory
from scrutiny.errors import ScrutinyError
from scrutiny.pack.compose import Composition, MarkKey, compose, pack_title
from scrutiny.pack.context import included_items, to_follow_lines
from scrutiny.pack.pdf_merge import finish_pack_pdf
from scrutiny.pack.pdf_pages import item_starts, mark_pages, page_ranges, read_bookmarks
from scrutiny.pack.publication import late_publication_warning
from scrutiny.pack.spec import PackSpec
from scrutiny.pack.validate import validate_spec

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
    # The late-publication line (also on the front sheet), for the command and the flow to print.
    late_warning: str | None = None
    # (item number, response index from 1) -> first page of that response in the PDF pack.
    response_pages: dict[MarkKey, int] = field(default_factory=dict)


def pack_stem(spec: PackSpec) -> str:
    kind = "supplementary-agenda" if spec.is_supplementary else "agenda-pack"
    return f"{spec.meeting_date.isoformat()}-{kind}-v{spec.version}"


def _compose(
    spec: PackSpec, templates_dir: Path, page_labels: dict[int, str], pdf_pages: dict[Path, int] | None = None
) -> tuple[bytes, list[tuple[int, str]]]:
    """The Word pack's bytes and its item headings (kept for callers of the earlier API)."""
    composition = compose(
        spec, templates_dir, page_labels, pdf_pages=pdf_pages, late_warning=late_publication_warning(spec)
    )
    return composition.data, [(m.key[0], m.title) for m in composition.marks if m.key[1] == 0]


def assemble_pack(spec: PackSpec, templates_dir: Path, out_dir: Path, *, with_pdf: bool = True) -> AssembledPack:
    """Write ``<date>-agenda-pack-v<N>.docx`` (and ``.pdf`` when LibreOffice is installed)
    into ``out_dir`` and return where, its SHA-256, item start pages and what is to follow."""
    pdf_pages = validate_spec(spec, templates_dir)
    warning = late_publication_warning(spec)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = pack_stem(spec)
    docx_path, pdf_path = out_dir / f"{stem}.docx", out_dir / f"{stem}.pdf"

    def word_only() -> AssembledPack:
        composition = compose(spec, templates_dir, {}, pdf_pages=pdf_pages, late_warning=warning)
        write_bytes_atomic(docx_path, composition.data)
        sha = hashlib.sha256(composition.data).hexdigest()
        return AssembledPack(docx_path, None, sha, {}, to_follow_lines(spec), warning)

    if not with_pdf or not libreoffice_available():
        return word_only()

    with scratch_directory(f".{stem}.", out_dir) as scratch:
        labels = {entry.number: _PLACEHOLDER_PAGES for entry in included_items(spec)}
        for attempt in range(1, _MAX_PASSES + 1):
            for_pdf = compose(spec, templates_dir, labels, variant="pdf", pdf_pages=pdf_pages, late_warning=warning)
            pass_dir = scratch / f"pass{attempt}"
            pass_dir.mkdir()
            draft = pass_dir / f"{stem}.docx"
            draft.write_bytes(for_pdf.data)
            converted = convert_to_pdf(draft, pass_dir)
            if converted is None:
                return word_only()  # LibreOffice went away between the check and the run
            pages, page_count = mark_pages(converted, for_pdf.marks)
            found = page_ranges(item_starts(pages), page_count)
            if found != labels:
                labels = found
                continue
            merged = pass_dir / f"{stem}.merged.pdf"
            finish_pack_pdf(
                converted,
                merged,
                for_pdf.marks,
                pages,
                title=pack_title(spec),
                bottom_band=for_pdf.bottom_margin.pt,
            )
            _check_merged(merged, pages, page_count)
            word = _word_pack(spec, templates_dir, labels, pdf_pages, pages, for_pdf, warning)
            write_bytes_atomic(docx_path, word.data)
            write_bytes_atomic(pdf_path, merged.read_bytes())
            return AssembledPack(
                docx_path,
                pdf_path,
                hashlib.sha256(word.data).hexdigest(),
                item_starts(pages),
                to_follow_lines(spec),
                warning,
                {key: page for key, page in pages.items() if key[1] > 0},
            )
    raise ScrutinyError(
        f"agenda pack {stem}: page numbers did not settle after {_MAX_PASSES} LibreOffice passes; "
        "does the front sheet change length when page numbers are filled in?"
    )


def _word_pack(
    spec: PackSpec,
    templates_dir: Path,
    labels: dict[int, str],
    pdf_pages: dict[Path, int],
    pages: dict[MarkKey, int],
    for_pdf: Composition,
    warning: str | None,
) -> Composition:
    """The Word pack: the PDF variant itself unless a PDF response needs its placeholder page."""
    if not pdf_pages:
        return for_pdf
    return compose(
        spec, templates_dir, labels, variant="docx", pdf_pages=pdf_pages, response_starts=pages, late_warning=warning
    )


def _check_merged(merged: Path, pages: dict[MarkKey, int], page_count: int) -> None:
    """The finished PDF's own outline must put every item and response where the front sheet says."""
    bookmarks, merged_count = read_bookmarks(merged)
    if merged_count != page_count or sorted(b.page for b in bookmarks) != sorted(pages.values()):
        raise ScrutinyError(
            f"PDF pack {merged.name}: pages moved while the PDF responses were inserted "
            f"({merged_count} pages, expected {page_count})"
        )
