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

# The child reports its own high-water mark, VmHWM, from /proc: it belongs to the memory map the
# interpreter got at exec, so unlike ru_maxrss (which Linux carries over from the parent across
# fork and exec) it is not inflated by the size of the test process that started it.
_PROBE = r"""
import json, sys
from pathlib import Path
from scrutiny.errors import ScrutinyError
from scrutiny.intake import IntakeLimits, inspect_response
path, work, limits = Path(sys.argv[1]), Path(sys.argv[2]), IntakeLimits(**json.loads(sys.argv[3]))
try:
    accepted = inspect_response(path, limits, work_dir=work)
except ScrutinyError as exc:
    result = {"outcome": "refused", "message": str(exc), "exit_code": exc.exit_code}
else:
    result = {"outcome": "accepted", "message": accepted.detected_type, "exit_code": 0}
"""
# Appended to every measured script: report ``result`` with the process's peak memory.
_REPORT = r"""
import json as _json, resource as _resource
with open("/proc/self/status", encoding="ascii") as _status:
    result["peak_kb"] = next(int(line.split()[1]) for line in _status if line.startswith("VmHWM:"))
result["children_kb"] = _resource.getrusage(_resource.RUSAGE_CHILDREN).ru_maxrss  # LibreOffice, if it ran
print(_json.dumps(result))
"""


@dataclass(frozen=True)
class ProbeResult:
    outcome: str  # "accepted" or "refused"
    message: str  # the refusal, or the detected type
    exit_code: int
    peak_rss_mb: float  # the intake process's own peak resident memory (VmHWM)
    children_peak_rss_mb: float  # the largest process it waited for (LibreOffice), 0 if none
    stderr: str


def run_measured(script: str, *args: str, timeout_s: float = 300) -> tuple[dict[str, object], str]:
    """Run ``script`` (which sets a dict ``result``) in a fresh interpreter; return it with peak memory, and stderr."""
    process = subprocess.Popen(
        [sys.executable, "-c", script + _REPORT, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # a timeout stops LibreOffice too, if it was started
    )
    try:
        out, err = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
    lines = stdout.strip().splitlines()
    if process.returncode != 0 or len(lines) != 1:
        raise AssertionError(f"the measured child did not finish cleanly (exit {process.returncode}):\n{stderr}")
    return json.loads(lines[0]), stderr


def probe_intake(
    path: Path, work_dir: Path, *, limits: dict[str, object] | None = None, timeout_s: float = 300
) -> ProbeResult:
    """Run intake on ``path`` in a fresh interpreter; return its outcome and its real peak memory."""
    work_dir.mkdir(parents=True, exist_ok=True)
    result, stderr = run_measured(_PROBE, str(path), str(work_dir), json.dumps(limits or {}), timeout_s=timeout_s)
    return ProbeResult(
        str(result["outcome"]),
        str(result["message"]),
        int(str(result["exit_code"])),
        int(str(result["peak_kb"])) / 1024,
        int(str(result["children_kb"])) / 1024,
        stderr,
    )
