"""What intake accepts, what it refuses, and the limits it checks before parsing anything."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from scrutiny.errors import ScrutinyError

if TYPE_CHECKING:
    from scrutiny.settings import Settings

MB = 1024 * 1024

StoredKind = Literal["docx", "pdf"]
DetectedType = Literal["docx", "pdf", "doc", "odt", "rtf"]


def describe_bytes(size: float) -> str:
    """A size for a message: "25 MB", "19.5 kB", "12 bytes"."""
    if size >= MB:
        return f"{size / MB:.4g} MB"
    if size >= 1024:
        return f"{size / 1024:.4g} kB"
    return f"{size:.0f} bytes"


class RefusedDocument(ScrutinyError):
    """A response document intake will not take: one line naming the file and the reason."""


@dataclass(frozen=True)
class IntakeLimits:
    """Bounds checked before a document is parsed, so a hostile file costs little to refuse."""

    max_file_bytes: int = 25 * MB
    max_zip_entries: int = 2000
    max_uncompressed_bytes: int = 200 * MB
    max_compression_ratio: float = 100.0
    max_pdf_pages: int = 300
    convert_timeout_s: float = 120.0

    @classmethod
    def from_settings(cls, settings: Settings) -> IntakeLimits:
        return cls(
            max_file_bytes=int(settings.intake_max_mb * MB),
            max_zip_entries=settings.intake_max_zip_entries,
            max_uncompressed_bytes=int(settings.intake_max_uncompressed_mb * MB),
            max_compression_ratio=settings.intake_max_compression_ratio,
            max_pdf_pages=settings.intake_max_pdf_pages,
            convert_timeout_s=settings.intake_convert_timeout_s,
        )


@dataclass(frozen=True)
class AcceptedDocument:
    """A document that passed every check.

    ``path`` is the file to store: a private copy of the original taken before checking (so
    what was checked is what gets stored), or the DOCX LibreOffice converted it to. It lives
    under the ``work_dir`` the caller passed and is the caller's to move or delete.
    """

    kind: StoredKind
    path: Path
    sha256: str
    original_name: str
    detected_type: DetectedType
    pages: int | None
    converted: bool
