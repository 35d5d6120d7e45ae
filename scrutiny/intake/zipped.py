"""A document in a zip container: bound it, then tell a Word document from an OpenDocument one."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Literal

from scrutiny.intake.model import IntakeLimits, RefusedDocument
from scrutiny.intake.ooxml import CONTENT_TYPES, check_docx
from scrutiny.intake.opendocument import MIMETYPE, check_odt, opendocument_type
from scrutiny.intake.zip_limits import ZIP_ERRORS, ReadBudget, check_directory, check_entries


def check_zipped_document(path: Path, limits: IntakeLimits, name: str) -> Literal["docx", "odt"]:
    """Refuse the file unless it is a safe Word or OpenDocument text; say which it is."""
    check_directory(path, limits, name)
    try:
        archive = zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
        raise RefusedDocument(f"{name}: damaged zip container ({type(exc).__name__})") from None
    with archive:
        entries = check_entries(archive, limits, name)
        budget = ReadBudget(limits.max_uncompressed_bytes)
        names = {info.filename for info in entries}
        if MIMETYPE in names:
            media_type = opendocument_type(archive, archive.getinfo(MIMETYPE), budget, name)
            check_odt(archive, entries, media_type, budget, name)
            return "odt"
        if CONTENT_TYPES in names:
            check_docx(archive, entries, budget, name)
            return "docx"
    raise RefusedDocument(f"{name}: a zip archive, not a Word document or PDF; ask for .docx or .pdf")
