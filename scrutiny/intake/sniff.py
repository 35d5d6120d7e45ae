"""Recognise a file's container by its first bytes, never by its name."""

from __future__ import annotations

from typing import Literal

Container = Literal["zip", "pdf", "ole", "rtf"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Bytes that say what a file is, for a refusal that tells the officer what they were sent.
_NAMED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "an executable program"),
    (b"MZ", "a Windows program"),
    (b"\xfe\xed\xfa", "an executable program"),
    (b"\xcf\xfa\xed\xfe", "an executable program"),
    (b"#!", "a script"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"From ", "an e-mail message"),
)


def detect_container(head: bytes) -> Container | None:
    """The container type of a file starting with ``head`` (its first few kB), or None."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    return None


def describe_unknown(head: bytes) -> str:
    """A few words for what an unrecognised file seems to be."""
    for magic, description in _NAMED_MAGIC:
        if head.startswith(magic):
            return description
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "a web page, HTML"
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return "an XML or HTML file"
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut in half at the end of ``head``
            return "unrecognised binary content"
        decoded = head[: exc.start].decode("utf-8")
    if all(ch.isprintable() or ch in "\r\n\t" for ch in decoded):
        return "plain text"
    return "unrecognised content"
