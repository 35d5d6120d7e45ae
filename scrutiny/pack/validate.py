"""Refuse a pack spec the assembler cannot honour, with one line naming the input."""

from __future__ import annotations

import zipfile
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from scrutiny.errors import ScrutinyError
from scrutiny.pack.context import included_items
from scrutiny.pack.spec import PackSpec
from scrutiny.pack.template_builder import COVER_SHEET, FRONT_SHEET


def validate_spec(spec: PackSpec, templates_dir: Path) -> dict[Path, int]:
    """Check the spec and its files; return the page count of every PDF response."""
    pdf_pages: dict[Path, int] = {}
    if not spec.items:
        raise ScrutinyError(f"agenda pack for {spec.meeting_date}: no agenda items")
    for number, item in enumerate(spec.items, start=1):
        if not item.title.strip():
            raise ScrutinyError(f"agenda item {number}: title is empty")
        for response in item.responses:
            if response.document is None:
                continue
            what = f"item {number} response from {response.organisation}"
            if response.is_pdf:
                pdf_pages[response.document] = pdf_page_count(response.document, what)
            else:
                check_docx(response.document, what)
    if spec.previous_minutes is not None:
        check_docx(spec.previous_minutes, "previous_minutes")
        if not any(item.role == "minutes" for item in spec.items):
            raise ScrutinyError("previous_minutes given but no agenda item has role 'minutes' (use standard_agenda())")
    if spec.work_programme and not any(item.role == "work_programme" for item in spec.items):
        raise ScrutinyError(
            "work_programme rows given but no agenda item has role 'work_programme' (use standard_agenda())"
        )
    _check_versions(spec)
    for name in (FRONT_SHEET, COVER_SHEET):
        if not (templates_dir / name).is_file():
            raise ScrutinyError(f"template {templates_dir / name}: not found (run scripts/build_pack_templates.py)")
    return pdf_pages


def _check_versions(spec: PackSpec) -> None:
    if spec.version < 1:
        raise ScrutinyError(f"agenda pack version {spec.version}: must be 1 or more")
    if spec.supplementary_of is None:
        return
    if not 1 <= spec.supplementary_of < spec.version:
        raise ScrutinyError(
            f"supplementary_of {spec.supplementary_of}: must be an earlier pack version than {spec.version}"
        )
    if spec.supplementary_number is not None and not 1 <= spec.supplementary_number < spec.version:
        raise ScrutinyError(
            f"supplementary_number {spec.supplementary_number}: must be from 1 to {spec.version - 1} "
            f"for pack version {spec.version}"
        )
    if not included_items(spec):
        raise ScrutinyError(
            f"supplementary agenda v{spec.version}: nothing to add (no received response and no minutes)"
        )


def check_docx(path: Path, what: str) -> None:
    if not path.is_file():
        raise ScrutinyError(f"{what}: {path} does not exist")
    if path.suffix.lower() != ".docx" or not zipfile.is_zipfile(path):
        raise ScrutinyError(f"{what}: {path} is not a Word .docx file")


def pdf_page_count(path: Path, what: str) -> int:
    """Pages of a PDF response, refusing one that is missing, unreadable, encrypted or empty."""
    if not path.is_file():
        raise ScrutinyError(f"{what}: {path} does not exist")
    with path.open("rb") as handle:
        if not handle.read(1024).lstrip().startswith(b"%PDF"):
            raise ScrutinyError(f"{what}: {path} is not a PDF file")
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise ScrutinyError(f"{what}: {path} is encrypted (password-protected); ask for an unprotected copy")
        count = len(reader.pages)
        for page in reader.pages:
            page.get_contents()  # a damaged content stream fails here, not half-way through merging
    except ScrutinyError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ScrutinyError(f"{what}: {path} is not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if count == 0:
        raise ScrutinyError(f"{what}: {path} has no pages")
    return count
