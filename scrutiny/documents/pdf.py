"""Convert a DOCX to a tagged, bookmarked PDF with LibreOffice (``soffice --headless``)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.errors import ScrutinyError

# Where LibreOffice lives when it is not on PATH (Debian, the upstream .deb, macOS).
_KNOWN_LOCATIONS = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)

# writer_pdf_Export options as JSON (LibreOffice 7.4 and later): a tagged PDF for screen
# readers, with the headings exported as PDF bookmarks (the outline).
_PDF_OPTIONS = {
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
    "ExportBookmarks": {"type": "boolean", "value": "true"},
    "ExportNotes": {"type": "boolean", "value": "false"},
}
PDF_FILTER = "pdf:writer_pdf_Export:" + json.dumps(_PDF_OPTIONS, separators=(",", ":"))


def find_soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _KNOWN_LOCATIONS:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def libreoffice_available() -> bool:
    return find_soffice() is not None


def _last_line(output: bytes) -> str:
    lines = [line.strip() for line in output.decode("utf-8", "replace").splitlines()]
    # LibreOffice warns about Java on every run; that is never the reason a conversion failed.
    useful = [line for line in lines if line and "javaldx" not in line]
    return useful[-1] if useful else "no output"


def convert_to_pdf(
    docx: Path,
    out_dir: Path,
    timeout_s: float = 120,
    *,
    soffice: str | None = None,
) -> Path | None:
    """Write ``out_dir/<docx stem>.pdf``; None when LibreOffice is not installed.

    Each run uses its own throw-away LibreOffice profile, so parallel conversions (several
    Prefect tasks at once) do not fight over one user profile. The PDF appears whole or not
    at all. A failed or timed-out conversion raises ScrutinyError.
    """
    executable = soffice or find_soffice()
    if executable is None:
        return None
    if not docx.is_file():
        raise ScrutinyError(f"cannot convert {docx} to PDF: file not found")
    if not zipfile.is_zipfile(docx):
        # LibreOffice would happily "convert" any file as plain text; refuse instead.
        raise ScrutinyError(f"cannot convert {docx.name} to PDF: not a Word .docx file")
    target = out_dir / f"{docx.stem}.pdf"

    with tempfile.TemporaryDirectory(prefix="scrutiny-soffice-") as work:
        profile = Path(work) / "profile"
        produced_dir = Path(work) / "out"
        command = [
            executable,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--norestore",
            "--convert-to",
            PDF_FILTER,
            "--outdir",
            str(produced_dir),
            str(docx.resolve()),  # absolute, so a name starting with "-" is not an option
        ]
        try:
            # A new session makes LibreOffice and its helper processes one process group that
            # can be stopped together on timeout.
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            raise ScrutinyError(f"cannot run LibreOffice ({executable}): {exc.strerror or exc}") from exc
        try:
            output, _ = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ScrutinyError(
                f"LibreOffice took longer than {timeout_s:g} s to convert {docx.name} to PDF"
            ) from None

        produced = produced_dir / target.name
        data = produced.read_bytes() if produced.is_file() else b""
        if process.returncode != 0 or not data.startswith(b"%PDF"):
            raise ScrutinyError(
                f"LibreOffice could not convert {docx.name} to PDF "
                f"(exit {process.returncode}): {_last_line(output)}"
            )
    write_bytes_atomic(target, data)
    return target
