"""Bound a zip container (DOCX, ODT) before anything in it is parsed.

The counts and sizes come from the central directory; the end-of-central-directory record is
read first, so a directory too large to be honest is refused before zipfile builds it. Reading
an entry is bounded again by its declared size and by a budget for the whole document, so a
header that lies about sizes still cannot make us inflate more than the limits allow.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scrutiny.intake.model import MB, IntakeLimits, RefusedDocument, describe_bytes

# Raised by zipfile and zlib on damaged or hostile archives.
ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    struct.error,
)

_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
# A central directory entry is 46 bytes plus its name, extra field and comment; this allows
# long names and extras while keeping a directory that claims few entries from hiding many.
_DIRECTORY_BYTES_PER_ENTRY = 1024
# Small parts compress extremely well (an empty header part); the per-entry ratio is only
# meaningful from this size up. The archive-wide ratio still counts them.
_RATIO_MIN_ENTRY_BYTES = 1 * MB
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Directory:
    entry_count: int
    directory_bytes: int


@dataclass
class ReadBudget:
    """Uncompressed bytes still allowed to be read from one document."""

    remaining: int


def read_end_of_directory(path: Path, name: str) -> Directory:
    """Entry count and directory size from the end-of-central-directory record (zip64 aware)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        tail_size = min(size, _EOCD_SIZE + 65535 + 20)
        handle.seek(size - tail_size)
        tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < _EOCD_SIZE:
        raise RefusedDocument(f"{name}: damaged zip container (no central directory)")
    _sig, _disk, _cd_disk, _on_disk, entries, cd_size, cd_offset, _comment = struct.unpack(
        "<4s4H2LH", tail[at : at + _EOCD_SIZE]
    )
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        locator_at = at - 20
        if locator_at < 0 or tail[locator_at : locator_at + 4] != _ZIP64_LOCATOR:
            raise RefusedDocument(f"{name}: damaged zip container (zip64 directory missing)")
        (zip64_offset,) = struct.unpack("<Q", tail[locator_at + 8 : locator_at + 16])
        if zip64_offset + 56 > size:
            raise RefusedDocument(f"{name}: damaged zip container (zip64 directory out of range)")
        with path.open("rb") as handle:
            handle.seek(zip64_offset)
            record = handle.read(56)
        if len(record) < 56 or record[:4] != _ZIP64_EOCD:
            raise RefusedDocument(f"{name}: damaged zip container (bad zip64 directory)")
        entries, cd_size = struct.unpack("<QQ", record[32:48])
    return Directory(entry_count=entries, directory_bytes=cd_size)


def check_directory(path: Path, limits: IntakeLimits, name: str) -> Directory:
    directory = read_end_of_directory(path, name)
    if directory.entry_count > limits.max_zip_entries:
        raise RefusedDocument(
            f"{name}: the zip container has {directory.entry_count} entries, more than the limit of {limits.max_zip_entries}"
        )
    if directory.directory_bytes > limits.max_zip_entries * _DIRECTORY_BYTES_PER_ENTRY:
        raise RefusedDocument(
            f"{name}: the zip container's directory is {directory.directory_bytes} bytes, too large for "
            f"{limits.max_zip_entries} entries"
        )
    return directory


def check_entries(archive: zipfile.ZipFile, limits: IntakeLimits, name: str) -> list[zipfile.ZipInfo]:
    """Every limit that the central directory alone can show, checked before reading any entry."""
    entries = archive.infolist()
    if len(entries) > limits.max_zip_entries:
        raise RefusedDocument(
            f"{name}: the zip container has {len(entries)} entries, more than the limit of {limits.max_zip_entries}"
        )
    seen: set[str] = set()
    total_uncompressed = 0
    total_compressed = 0
    for info in entries:
        if info.filename in seen:
            raise RefusedDocument(f"{name}: the zip container has two entries named {info.filename!r}")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise RefusedDocument(
                f"{name}: the document is encrypted (password-protected); ask for an unprotected copy"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise RefusedDocument(f"{name}: entry {info.filename!r} uses an unsupported compression method")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise RefusedDocument(f"{name}: damaged zip container (entry {info.filename!r} has inconsistent sizes)")
        total_uncompressed += info.file_size
        total_compressed += info.compress_size
        if total_uncompressed > limits.max_uncompressed_bytes:
            raise RefusedDocument(
                f"{name}: the document would inflate to more than {describe_bytes(limits.max_uncompressed_bytes)} "
                "when unzipped (a zip bomb?)"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= _RATIO_MIN_ENTRY_BYTES and ratio > limits.max_compression_ratio:
            raise RefusedDocument(
                f"{name}: entry {info.filename!r} is compressed {ratio:.0f}:1, more than the limit of "
                f"{limits.max_compression_ratio:g}:1 (a zip bomb?)"
            )
    overall = total_uncompressed / max(total_compressed, 1)
    if total_uncompressed >= _RATIO_MIN_ENTRY_BYTES and overall > limits.max_compression_ratio:
        raise RefusedDocument(
            f"{name}: the document is compressed {overall:.0f}:1, more than the limit of "
            f"{limits.max_compression_ratio:g}:1 (a zip bomb?)"
        )
    return entries


def stream_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: ReadBudget, name: str, *, max_bytes: int | None = None
) -> Iterator[bytes]:
    """The entry's bytes in chunks, never more than it declared, the budget or ``max_bytes`` allow."""
    cap = info.file_size if max_bytes is None else min(info.file_size, max_bytes)
    if info.file_size > cap:
        raise RefusedDocument(
            f"{name}: entry {info.filename!r} is larger than such a part can be ({info.file_size} bytes)"
        )
    read = 0
    try:
        with archive.open(info) as entry:
            while True:
                chunk = entry.read(_CHUNK)
                if not chunk:
                    break
                read += len(chunk)
                budget.remaining -= len(chunk)
                if read > cap:
                    raise RefusedDocument(f"{name}: entry {info.filename!r} inflates beyond its declared size")
                if budget.remaining < 0:
                    raise RefusedDocument(f"{name}: the document inflates beyond the uncompressed size limit")
                yield chunk
    except ZIP_ERRORS as exc:
        raise RefusedDocument(f"{name}: damaged zip container (entry {info.filename!r}: {_short(exc)})") from None


def read_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: ReadBudget, name: str, *, max_bytes: int
) -> bytes:
    return b"".join(stream_entry(archive, info, budget, name, max_bytes=max_bytes))


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:120] if text else type(exc).__name__
