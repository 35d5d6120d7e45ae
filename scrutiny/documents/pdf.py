"""Convert a DOCX the product wrote to a tagged, bookmarked PDF with LibreOffice.

Inside ``libreoffice_session()`` the conversion goes to one warm LibreOffice; otherwise each
call starts a fresh one (see scrutiny/documents/libreoffice.py).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from scrutiny.documents.libreoffice import (
    PDF_FILTER,
    convert,
    find_soffice,
    libreoffice_available,
    libreoffice_session,
)
from scrutiny.errors import ScrutinyError

__all__ = ["PDF_FILTER", "convert_to_pdf", "find_soffice", "libreoffice_available", "libreoffice_session"]


def convert_to_pdf(docx: Path, out_dir: Path, timeout_s: float = 120, *, soffice: str | None = None) -> Path | None:
    """Write ``out_dir/<docx stem>.pdf``; None when LibreOffice is not installed.

    A failed or timed-out conversion raises ScrutinyError.
    """
    executable = soffice or find_soffice()
    if executable is None:
        return None
    if not docx.is_file():
        raise ScrutinyError(f"cannot convert {docx} to PDF: file not found")
    if not zipfile.is_zipfile(docx):
        # LibreOffice would happily "convert" any file as plain text; refuse instead.
        raise ScrutinyError(f"cannot convert {docx.name} to PDF: not a Word .docx file")
    return convert(docx, "pdf", out_dir, timeout_s=timeout_s, soffice=executable)
