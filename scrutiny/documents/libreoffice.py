"""Run LibreOffice headless to convert documents (DOCX to PDF; legacy .doc/.odt/.rtf to DOCX or PDF).

Every conversion uses its own throw-away profile, so parallel conversions do not fight over
one user profile, and runs in its own process group so a timeout stops LibreOffice and its
helpers together. The result appears whole or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.errors import ScrutinyError

TargetFormat = Literal["pdf", "docx"]

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
DOCX_FILTER = "docx:MS Word 2007 XML"
_FILTERS: dict[TargetFormat, str] = {"pdf": PDF_FILTER, "docx": DOCX_FILTER}
_MAGIC: dict[TargetFormat, bytes] = {"pdf": b"%PDF", "docx": b"PK\x03\x04"}


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


def convert(
    source: Path,
    target: TargetFormat,
    out_dir: Path,
    *,
    timeout_s: float = 120,
    soffice: str | None = None,
) -> Path:
    """Write ``out_dir/<source stem>.<target>`` and return its path.

    Raises ScrutinyError when LibreOffice is not installed, fails, produces something that is
    not a ``target`` file, or takes longer than ``timeout_s``.
    """
    executable = soffice or find_soffice()
    if executable is None:
        raise ScrutinyError(f"cannot convert {source.name} to {target.upper()}: LibreOffice is not installed")
    if not source.is_file():
        raise ScrutinyError(f"cannot convert {source} to {target.upper()}: file not found")
    destination = out_dir / f"{source.stem}.{target}"
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
            _FILTERS[target],
            "--outdir",
            str(produced_dir),
            str(source.resolve()),  # absolute, so a name starting with "-" is not an option
        ]
        try:
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
                f"LibreOffice took longer than {timeout_s:g} s to convert {source.name} to {target.upper()}"
            ) from None
        produced = produced_dir / destination.name
        data = produced.read_bytes() if produced.is_file() else b""
        if process.returncode != 0 or not data.startswith(_MAGIC[target]):
            raise ScrutinyError(
                f"LibreOffice could not convert {source.name} to {target.upper()} "
                f"(exit {process.returncode}): {_last_line(output)}"
            )
    write_bytes_atomic(destination, data)
    return destination
