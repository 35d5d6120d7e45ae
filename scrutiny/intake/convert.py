"""Turn a legacy or OpenDocument file into DOCX with LibreOffice, so it is checked and stored like any DOCX."""

from __future__ import annotations

from pathlib import Path

from scrutiny.documents import libreoffice
from scrutiny.errors import ScrutinyError
from scrutiny.intake.model import DetectedType, IntakeLimits, RefusedDocument

_LABELS: dict[DetectedType, str] = {
    "doc": "a legacy Word (.doc) document",
    "odt": "an OpenDocument text (.odt)",
    "rtf": "an RTF document",
    "docx": "a Word document",
    "pdf": "a PDF",
}


def convert_to_docx(source: Path, out_dir: Path, detected: DetectedType, limits: IntakeLimits, name: str) -> Path:
    label = _LABELS[detected]
    if libreoffice.find_soffice() is None:
        raise RefusedDocument(
            f"{name}: {label} is converted to DOCX with LibreOffice, which is not installed; ask for .docx or .pdf"
        )
    try:
        return libreoffice.convert(source, "docx", out_dir, timeout_s=limits.convert_timeout_s)
    except ScrutinyError as exc:
        raise RefusedDocument(f"{name}: {label} that could not be converted to DOCX ({exc})") from None
