"""Real response documents made at test time, and intake run in a child process whose memory is measured.

The documents are what respondents send: a Word file (python-docx), its print to PDF, and its
saves as .doc, .odt and .rtf, each made by LibreOffice. Nothing is stored in git.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from docx import Document

from scrutiny.documents.libreoffice import find_soffice

RESPONSE_TEXT = (
    "The Central East BCU welcomes the Commission's continued interest in stop and search. "
    "This response sets out activity over the year and the engagement with the monitoring groups."
)


# --- real documents -------------------------------------------------------------------------


def word_docx(folder: Path, name: str = "response.docx", *, paragraphs: int = 3) -> Path:
    """A small Word response, as python-docx writes it."""
    document = Document()
    document.add_heading("Response to the Living in Hackney Scrutiny Commission", level=1)
    for number in range(1, paragraphs + 1):
        document.add_paragraph(f"{number}. {RESPONSE_TEXT}")
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def libreoffice_export(source: Path, folder: Path, extension: str, filter_name: str, *, timeout_s: float = 180) -> Path:
    """Save ``source`` in another format with LibreOffice (Word's "Save as" / "Print to PDF")."""
    soffice = find_soffice()
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is needed to build these test documents: run scripts/setup.sh")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hostile-soffice-") as work:
        command = [
            soffice,
            f"-env:UserInstallation={(Path(work) / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            f"{extension}:{filter_name}",
            "--outdir",
            str(Path(work) / "out"),
            str(source.resolve()),
        ]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        try:
            output, _ = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
        produced = Path(work) / "out" / f"{source.stem}.{extension}"
        if not produced.is_file():
            raise RuntimeError(f"LibreOffice did not write {produced.name}: {output.decode(errors='replace')[-300:]}")
        target = folder / produced.name
        shutil.copyfile(produced, target)
    return target


def printed_pdf(docx: Path, folder: Path) -> Path:
    return libreoffice_export(docx, folder, "pdf", "writer_pdf_Export")


def legacy_doc(docx: Path, folder: Path) -> Path:
    return libreoffice_export(docx, folder, "doc", "MS Word 97")


def opendocument_text(docx: Path, folder: Path) -> Path:
    return libreoffice_export(docx, folder, "odt", "writer8")


def rich_text(docx: Path, folder: Path) -> Path:
    return libreoffice_export(docx, folder, "rtf", "Rich Text Format")


def blank_pdf(folder: Path, *, pages: int, name: str = "blank.pdf") -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    target = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        writer.write(out)
    return target


# --- running intake in a measured child process ----------------------------------------------

_PROBE = r"""
import json, sys
from pathlib import Path
from scrutiny.errors import ScrutinyError
from scrutiny.intake import IntakeLimits, inspect_response
path, work, limits = Path(sys.argv[1]), Path(sys.argv[2]), IntakeLimits(**json.loads(sys.argv[3]))
try:
    accepted = inspect_response(path, limits, work_dir=work)
except ScrutinyError as exc:
    print(json.dumps({"outcome": "refused", "message": str(exc), "exit_code": exc.exit_code}))
else:
    print(json.dumps({"outcome": "accepted", "message": accepted.detected_type, "exit_code": 0}))
"""


@dataclass(frozen=True)
class ProbeResult:
    outcome: str  # "accepted" or "refused"
    message: str  # the refusal, or the detected type
    exit_code: int
    peak_rss_mb: float  # the child's own peak resident memory, as the kernel accounted it
    stderr: str


def probe_intake(
    path: Path, work_dir: Path, *, limits: dict[str, object] | None = None, timeout_s: float = 300
) -> ProbeResult:
    """Run intake on ``path`` in a fresh interpreter and return its outcome and real peak RSS (via wait4)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-c", _PROBE, str(path), str(work_dir), json.dumps(limits or {})],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    lines = stdout.strip().splitlines()
    if process.returncode != 0 or len(lines) != 1:
        raise AssertionError(f"intake of {path.name} did not finish cleanly (exit {process.returncode}):\n{stderr}")
    result = json.loads(lines[0])
    return ProbeResult(result["outcome"], result["message"], result["exit_code"], usage.ru_maxrss / 1024, stderr)
