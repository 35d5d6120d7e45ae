"""The archive file: a gzipped tar of manifest.json, the database dump and the documents.

Writing goes to a temporary file beside the target, renamed over it only when complete, so a
backup is whole or absent. Reading is one pass that lets through only the members the format
has (regular files, plain names), hashes each while it is written to a staging folder, and then
checks the lot against the manifest: a corrupt, truncated or tampered archive is refused before
anything of the home is touched.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from scrutiny.backup.manifest import (
    DATABASE_MEMBERS,
    FILES_PREFIX,
    MANIFEST_MEMBER,
    FileEntry,
    Manifest,
    check_relative_path,
    parse_manifest,
)
from scrutiny.errors import ScrutinyError

_BLOCK = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    relative: str  # as stored, e.g. "letters/lih-2027-01-25/x.docx"
    path: Path  # where it is now


class _HashingReader(io.RawIOBase):
    """Reads a file for tarfile and hashes what it hands over, so the manifest states the bytes archived."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.digest.update(data)
        self.count += len(data)
        return data


# Given the database's SHA-256 and size and the documents archived, the manifest that describes them.
ManifestFactory = Callable[[str, int, list[FileEntry]], Manifest]


def write_archive(
    target: Path,
    *,
    database_copy: Path,
    database_member: str,
    files: Iterable[SourceFile],
    manifest_for: ManifestFactory,
) -> Manifest:
    """Write the archive atomically; `manifest_for` turns the archived entries into the manifest."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
                with database_copy.open("rb") as handle:
                    database_sha, database_size = _add_stream(tar, database_member, handle)
                entries = [
                    FileEntry(source.relative, *added)
                    for source in files
                    if (added := _add_optional(tar, source)) is not None
                ]
                manifest = manifest_for(database_sha, database_size, entries)
                _add_bytes(tar, MANIFEST_MEMBER, manifest.to_json())
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o600)  # it holds personal data: readable by its owner only
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ScrutinyError(
            f"could not write the backup {target}: {exc.strerror or exc}; nothing was written"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return manifest


def _add_optional(tar: tarfile.TarFile, source: SourceFile) -> tuple[str, int] | None:
    """Archive one document; a file gone since it was listed (an inbox file moved) is left out."""
    try:
        handle = source.path.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        return _add_stream(tar, FILES_PREFIX + source.relative, handle)


def _add_stream(tar: tarfile.TarFile, name: str, handle: IO[bytes]) -> tuple[str, int]:
    info = tarfile.TarInfo(name)
    status = os.fstat(handle.fileno())
    info.size, info.mtime, info.mode = status.st_size, int(status.st_mtime), 0o600
    reader = _HashingReader(handle)
    tar.addfile(info, reader)  # reads exactly info.size bytes; the product replaces files, never edits them
    return reader.digest.hexdigest(), info.size


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    tar.addfile(info, io.BytesIO(data))


@dataclass(frozen=True)
class Extracted:
    manifest: Manifest
    database: Path  # the dump, in the staging folder
    files: Path  # the staging folder's files/, laid out as the home is


def extract_archive(source: Path, staging: Path) -> Extracted:
    """Unpack `source` into `staging` and check every byte against the manifest (one line if anything is off)."""
    where = str(source)
    seen: dict[str, tuple[str, int]] = {}
    manifest_bytes: bytes | None = None
    try:
        with tarfile.open(source, mode="r|gz") as tar:
            for member in tar:
                name = _allowed_member(member, where)
                if name is None:
                    continue
                if name in seen or (name == MANIFEST_MEMBER and manifest_bytes is not None):
                    raise ScrutinyError(f"{where}: the archive holds {name!r} twice")
                handle = tar.extractfile(member)
                if handle is None:
                    raise ScrutinyError(f"{where}: the member {name!r} cannot be read")
                if name == MANIFEST_MEMBER:
                    manifest_bytes = handle.read(member.size)
                    continue
                seen[name] = _copy_member(handle, staging / name)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise ScrutinyError(f"{where}: not a readable backup archive ({type(exc).__name__}: {exc})") from None
    except OSError as exc:
        raise ScrutinyError(f"{where}: not a readable backup archive ({exc.strerror or exc})") from None
    if manifest_bytes is None:
        raise ScrutinyError(f"{where}: not a scrutiny backup (it has no manifest.json)")
    manifest = parse_manifest(manifest_bytes, where)
    _check_against_manifest(manifest, seen, where)
    return Extracted(manifest, staging / manifest.database_member, staging / "files")


def _allowed_member(member: tarfile.TarInfo, where: str) -> str | None:
    """The member's name if it is one the format has; directories are skipped, anything else refused."""
    name = member.name
    if member.isdir():
        return None
    if not member.isfile():
        raise ScrutinyError(f"{where}: the archive holds {name!r}, which is not a regular file: not a backup")
    if name == MANIFEST_MEMBER or name in DATABASE_MEMBERS.values():
        return name
    if name.startswith(FILES_PREFIX):
        try:
            check_relative_path(name.removeprefix(FILES_PREFIX))
        except ValueError as exc:
            raise ScrutinyError(f"{where}: {exc}") from None
        return name
    raise ScrutinyError(f"{where}: the archive holds {name!r}, which a scrutiny backup does not have")


def _copy_member(handle: IO[bytes], target: Path) -> tuple[str, int]:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with target.open("xb") as out:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
            size += len(block)
            out.write(block)
    return digest.hexdigest(), size


def _check_against_manifest(manifest: Manifest, seen: dict[str, tuple[str, int]], where: str) -> None:
    expected = {FILES_PREFIX + entry.path: (entry.sha256, entry.size) for entry in manifest.files}
    expected[manifest.database_member] = (manifest.database_sha256, manifest.database_size)
    missing = sorted(set(expected) - set(seen))
    extra = sorted(set(seen) - set(expected))
    if missing:
        raise ScrutinyError(
            f"{where}: damaged backup: {len(missing)} file(s) of the manifest are missing, e.g. {missing[0]}"
        )
    if extra:
        raise ScrutinyError(f"{where}: damaged backup: {extra[0]} is not in the manifest")
    for name, (sha, size) in expected.items():
        if seen[name] != (sha, size):
            raise ScrutinyError(f"{where}: damaged backup: {name} does not match its SHA-256 in the manifest")
