"""Repackage a DOCX so the same content always gives the same bytes (and SHA-256)."""

from __future__ import annotations

import io
import zipfile

# The earliest time a zip entry can carry; any fixed value would do.
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def normalise_docx(data: bytes) -> bytes:
    """Rewrite the zip container with fixed entry timestamps, keeping entry order.

    python-docx stamps every entry with the current time, so two renders of the same letter
    would otherwise hash differently and a re-run could not recognise its own output.
    """
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
