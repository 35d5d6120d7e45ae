"""Checks for the formats LibreOffice converts: OLE2 compound files (.doc, encrypted OOXML) and RTF."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msoffcrypto
import olefile

from scrutiny.intake.model import RefusedDocument

_PROTECTED = "the document is password-protected (encrypted); ask for an unprotected copy"
# RTF control words that embed or link OLE objects, the usual way an RTF file carries an exploit.
_RTF_OBJECT = re.compile(rb"\\obj(?:data|emb|link|autlink|ocx|html|sub|pub|icemb)\b")


@contextmanager
def _quiet(*loggers: str) -> Iterator[None]:
    """These libraries log warnings about damaged files; the refusal already says it in one line."""
    saved = [(logging.getLogger(name), logging.getLogger(name).level) for name in loggers]
    for logger, _ in saved:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)


def check_ole(path: Path, name: str) -> None:
    """Accept a legacy Word document without macros or encryption; refuse every other OLE file."""
    with _quiet("olefile", "msoffcrypto"):
        try:
            with olefile.OleFileIO(str(path)) as ole:
                streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=True)}
        except Exception as exc:  # olefile raises OSError, struct.error, IndexError ... on damaged files
            raise RefusedDocument(f"{name}: damaged Office file ({type(exc).__name__})") from None
        if "encryptioninfo" in streams or "encryptedpackage" in streams:
            _refuse_if_encrypted(path, name, assume_encrypted=True)
        if any(stream.startswith("__substg1.0_") for stream in streams):
            raise RefusedDocument(
                f"{name}: an Outlook message (.msg), not a document; save it as .eml, or save its attachments"
            )
        if "worddocument" not in streams:
            raise RefusedDocument(f"{name}: {_describe_ole(streams)}, not a Word document")
        if "macros" in streams or any(stream.startswith("macros/") for stream in streams):
            raise RefusedDocument(f"{name}: the document contains macros; ask for a copy saved as .docx or PDF")
        _refuse_if_encrypted(path, name, assume_encrypted=False)


def _refuse_if_encrypted(path: Path, name: str, *, assume_encrypted: bool) -> None:
    try:
        with path.open("rb") as handle:
            encrypted = msoffcrypto.OfficeFile(handle).is_encrypted()
    except Exception as exc:  # msoffcrypto raises its own errors and whatever the parsers underneath do
        if assume_encrypted:
            raise RefusedDocument(f"{name}: {_PROTECTED}") from None
        raise RefusedDocument(f"{name}: damaged Word document ({type(exc).__name__})") from None
    if encrypted or assume_encrypted:
        raise RefusedDocument(f"{name}: {_PROTECTED}")


def _describe_ole(streams: set[str]) -> str:
    if "workbook" in streams or "book" in streams:
        return "an Excel workbook"
    if "powerpoint document" in streams:
        return "a PowerPoint presentation"
    return "an Office compound file"


def check_rtf(path: Path, name: str) -> None:
    data = path.read_bytes()  # already bounded by the file size limit
    if _RTF_OBJECT.search(data):
        raise RefusedDocument(f"{name}: the RTF document embeds objects (OLE); ask for .docx or PDF")
