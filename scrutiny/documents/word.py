"""Checking a Word document a user hands in (a response, minutes) before it is copied anywhere."""

from __future__ import annotations

import zipfile
from pathlib import Path

from docx import Document as open_docx

from scrutiny.errors import ScrutinyError


def check_word_document(path: Path, *, what: str, hint: str = "") -> None:
    """Refuse anything but a readable, non-empty .docx: the agenda pack appends Word documents."""
    if not path.exists():
        raise ScrutinyError(f"{path}: {what} file not found")
    if not path.is_file():
        raise ScrutinyError(f"{path}: not a file")
    if path.suffix.lower() != ".docx":
        advice = f"; {hint}" if hint else ""
        raise ScrutinyError(
            f"{path}: the {what} must be a Word document (.docx), not {path.suffix or 'a file without extension'}{advice}"
        )
    if path.stat().st_size == 0:
        raise ScrutinyError(f"{path}: the file is empty")
    try:
        document = open_docx(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ScrutinyError(f"{path}: not a readable Word document ({type(exc).__name__})") from None
    except Exception as exc:  # python-docx raises several private errors for broken parts
        raise ScrutinyError(f"{path}: not a readable Word document ({type(exc).__name__})") from None
    if not any(p.text.strip() for p in document.paragraphs) and not document.tables:
        raise ScrutinyError(f"{path}: the Word document has no text")
