"""The table of contents of a backup: what it holds, with a hash of each file, as manifest.json.

A restore trusts nothing in an archive it has not checked against the manifest, and the
manifest itself is checked here: every path it names must be a plain relative path under one
of the document folders, so an archive can never write outside the home or over its database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Any

from scrutiny.errors import ScrutinyError

FORMAT = "scrutiny-backup"
VERSION = 1
MANIFEST_MEMBER = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/scrutiny.sqlite", "postgresql": "database/scrutiny.pgdump"}
FILES_PREFIX = "files/"
# The folders of a home that hold what the database refers to, and the committee files.
DOCUMENT_FOLDERS = ("committees", "letters", "packs", "responses", "minutes", "outbox", "inbox")
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the home, e.g. "letters/lih-2027-01-25/lih-2027-01-25-mopac-v1.docx"
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    created: str  # ISO 8601, UTC
    schema_revision: str
    dialect: str  # sqlite or postgresql
    database_sha256: str
    database_size: int
    committees: list[dict[str, str]]
    files: list[FileEntry]
    home: str = ""  # where the home was, for the reader; a restore may go anywhere
    not_included: list[str] = field(default_factory=list)  # referenced files outside the home's folders

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.dialect]

    def to_json(self) -> bytes:
        body = {"format": FORMAT, "version": VERSION, **asdict(self)}
        return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_manifest(data: bytes, where: str) -> Manifest:
    """The manifest of an archive, or one line saying why it is not one."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise ScrutinyError(f"{where}: manifest.json is larger than {MAX_MANIFEST_BYTES >> 20} MB: not a backup")
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ScrutinyError(f"{where}: manifest.json is not JSON ({type(exc).__name__})") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ScrutinyError(f"{where}: not a scrutiny backup (manifest.json has no format {FORMAT!r})")
    if body.get("version") != VERSION:
        raise ScrutinyError(
            f"{where}: backup format version {body.get('version')!r}; this scrutiny reads version {VERSION}"
        )
    try:
        manifest = Manifest(
            created=_text(body, "created"),
            schema_revision=_text(body, "schema_revision"),
            dialect=_text(body, "dialect"),
            database_sha256=_sha(body.get("database_sha256"), "database_sha256"),
            database_size=_size(body.get("database_size"), "database_size"),
            committees=[_committee(c) for c in _list(body, "committees")],
            files=[_file_entry(f) for f in _list(body, "files")],
            home=str(body.get("home", "")),
            not_included=[str(p) for p in body.get("not_included", []) or []],
        )
    except (TypeError, ValueError, KeyError) as exc:
        raise ScrutinyError(f"{where}: manifest.json is malformed ({exc})") from None
    if manifest.dialect not in DATABASE_MEMBERS:
        raise ScrutinyError(f"{where}: manifest.json names an unknown database kind {manifest.dialect!r}")
    paths = [entry.path for entry in manifest.files]
    if len(set(paths)) != len(paths):
        raise ScrutinyError(f"{where}: manifest.json lists a file twice")
    return manifest


def check_relative_path(path: str) -> str:
    """A stored file path, refused unless it is plain, relative and under a document folder."""
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
        raise ValueError(f"file path {path!r} is not a plain relative path")
    pure = PurePosixPath(path)
    parts = pure.parts
    if pure.is_absolute() or any(part in ("", ".", "..") for part in parts) or pure.as_posix() != path:
        raise ValueError(f"file path {path!r} is not a plain relative path")
    if len(parts) < 2 or parts[0] not in DOCUMENT_FOLDERS:
        raise ValueError(f"file path {path!r} is not under one of {', '.join(DOCUMENT_FOLDERS)}")
    return path


def _text(body: dict[str, Any], key: str) -> str:
    value = body[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} is not text")
    return value


def _list(body: dict[str, Any], key: str) -> list[Any]:
    value = body[key]
    if not isinstance(value, list):
        raise ValueError(f"{key} is not a list")
    return value


def _sha(value: object, what: str) -> str:
    if not isinstance(value, str) or not _SHA256.match(value):
        raise ValueError(f"{what} is not a SHA-256")
    return value


def _size(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what} is not a size")
    return value


def _committee(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError("a committee is not an object")
    return {str(k): str(v) for k, v in value.items()}


def _file_entry(value: object) -> FileEntry:
    if not isinstance(value, dict):
        raise ValueError("a file entry is not an object")
    return FileEntry(
        path=check_relative_path(value["path"]),
        sha256=_sha(value.get("sha256"), "sha256"),
        size=_size(value.get("size"), "size"),
    )
