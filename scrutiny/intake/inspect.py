"""The intake of one response document: copy it privately, recognise it by content, check it, convert it."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scrutiny.documents.atomic import file_sha256
from scrutiny.errors import ScrutinyError
from scrutiny.intake.convert import convert_to_docx
from scrutiny.intake.legacy import check_ole, check_rtf
from scrutiny.intake.model import AcceptedDocument, DetectedType, IntakeLimits, RefusedDocument, describe_bytes
from scrutiny.intake.pdf_check import check_pdf
from scrutiny.intake.sniff import describe_unknown, detect_container
from scrutiny.intake.zipped import check_zipped_document

_HEAD_BYTES = 8192
_CHUNK = 1024 * 1024
_ASK = "ask for the response as .docx or .pdf"


@dataclass(frozen=True)
class _Snapshot:
    path: Path
    head: bytes
    sha256: str


def inspect_response(path: Path, limits: IntakeLimits, *, work_dir: Path, name: str | None = None) -> AcceptedDocument:
    """Accept a response document or refuse it with a one-line ``RefusedDocument``.

    The original is only ever read: everything is checked on a private copy inside a new
    folder under ``work_dir``, and that copy (or its conversion to DOCX) is what the result
    points at. On refusal the folder is removed again. ``name`` is how messages name the
    file (an e-mail attachment's file name, say); by default the path's own name.
    """
    display = name or path.name
    try:
        work_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="intake-", dir=work_dir))
    except OSError as exc:
        raise ScrutinyError(f"intake work folder {work_dir}: cannot be created ({exc.strerror or exc})") from None
    try:
        return _inspect(path, limits, folder, display)
    except OSError as exc:  # the disk under the work folder, not the document
        shutil.rmtree(folder, ignore_errors=True)
        raise ScrutinyError(f"{display}: could not be copied for checking ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _inspect(path: Path, limits: IntakeLimits, folder: Path, display: str) -> AcceptedDocument:
    snapshot = _take_snapshot(path, folder / "source" / "original", limits, display)
    container = detect_container(snapshot.head)
    if container is None:
        raise RefusedDocument(f"{display}: not a Word document or PDF ({describe_unknown(snapshot.head)}); {_ASK}")
    stem = _safe_stem(display)
    if container == "pdf":
        pages = check_pdf(snapshot.path, limits, display)
        stored = snapshot.path.rename(folder / f"{stem}.pdf")
        return AcceptedDocument("pdf", stored, snapshot.sha256, display, "pdf", pages, converted=False)
    detected: DetectedType
    if container == "zip":
        detected = check_zipped_document(snapshot.path, limits, display)
    elif container == "ole":
        check_ole(snapshot.path, display)
        detected = "doc"
    else:
        check_rtf(snapshot.path, display)
        detected = "rtf"
    if detected == "docx":
        stored = snapshot.path.rename(folder / f"{stem}.docx")
        return AcceptedDocument("docx", stored, snapshot.sha256, display, "docx", None, converted=False)
    # LibreOffice picks its import filter partly by extension: give the copy the right one.
    source = snapshot.path.rename(snapshot.path.parent / f"{stem}.{detected}")
    converted = convert_to_docx(source, folder, detected, limits, display)
    if check_zipped_document(converted, limits, f"{display} (converted to DOCX)") != "docx":
        raise RefusedDocument(f"{display}: LibreOffice did not produce a Word document")
    return AcceptedDocument("docx", converted, file_sha256(converted), display, detected, None, converted=True)


def _take_snapshot(path: Path, target: Path, limits: IntakeLimits, display: str) -> _Snapshot:
    """Copy at most the size limit of the original, refusing what is not a regular, non-empty file."""
    try:
        # O_NONBLOCK: opening a FIFO must not hang waiting for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise RefusedDocument(f"{display}: file not found ({path})") from None
    except IsADirectoryError:
        raise RefusedDocument(f"{display}: a folder, not a document") from None
    except OSError as exc:
        raise RefusedDocument(f"{display}: cannot be read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RefusedDocument(
                f"{display}: a folder, not a document"
                if stat.S_ISDIR(info.st_mode)
                else f"{display}: not a regular file"
            )
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as source:
        if info.st_size > limits.max_file_bytes:
            raise RefusedDocument(f"{display}: {_too_large(info.st_size, limits)}")
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        head = b""
        copied = 0
        with target.open("wb") as copy:
            while chunk := source.read(_CHUNK):
                copied += len(chunk)
                if copied > limits.max_file_bytes:  # it grew while we read it
                    raise RefusedDocument(f"{display}: {_too_large(copied, limits)}")
                if len(head) < _HEAD_BYTES:
                    head += chunk[: _HEAD_BYTES - len(head)]
                digest.update(chunk)
                copy.write(chunk)
    if copied == 0:
        raise RefusedDocument(f"{display}: the file is empty")
    return _Snapshot(target, head, digest.hexdigest())


def _too_large(size: int, limits: IntakeLimits) -> str:
    return f"the file is {describe_bytes(size)}, more than the limit of {describe_bytes(limits.max_file_bytes)}"


def _safe_stem(name: str) -> str:
    stem = Path(name.replace("\\", "/")).stem
    cleaned = re.sub(r"[^\w.\- ]+", "_", stem).strip(" ._-")[:100]
    return cleaned or "response"
