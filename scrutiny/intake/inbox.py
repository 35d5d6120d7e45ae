"""The drop folder: .eml files and bare documents an officer (or a mail rule) saves for collection.

Each file is offered once per sweep; a processed one moves to ``done/`` beside it, under a new
name if one of that name is already there. Nothing is ever deleted or overwritten.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from scrutiny.errors import ScrutinyError
from scrutiny.intake.messages import ReceivedMessage, parse_message
from scrutiny.intake.model import MB, describe_bytes

DONE = "done"
# Files another program is still writing, or keeps for itself.
_IGNORED_PREFIXES = (".", "~$")
_IGNORED_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp")


@dataclass(frozen=True)
class InboxEntry:
    path: Path
    kind: Literal["eml", "document"]
    key: str  # identifies the file for "taken once": the Message-ID, else a hash of the bytes
    message: ReceivedMessage | None = None  # the parsed e-mail, for kind "eml"
    problem: str | None = None  # why an .eml could not be read (too large); the entry is then left alone

    @property
    def name(self) -> str:
        return self.path.name


def iter_inbox(inbox_dir: Path, *, max_message_bytes: int = 51 * MB, min_age_s: float = 0.0) -> Iterator[InboxEntry]:
    """Files directly in ``inbox_dir``, by name; ``done/`` and other folders are not looked into.

    ``min_age_s`` skips files modified more recently than that, so a copy still in progress
    is left for the next sweep.
    """
    if not inbox_dir.exists():
        return
    if not inbox_dir.is_dir():
        raise ScrutinyError(f"inbox {inbox_dir}: not a folder")
    now = time.time()
    for path in sorted(inbox_dir.iterdir(), key=lambda p: p.name):
        if path.name.startswith(_IGNORED_PREFIXES) or path.name.lower().endswith(_IGNORED_SUFFIXES):
            continue
        if path.is_symlink() or not path.is_file():
            continue
        info = path.stat()
        if now - info.st_mtime < min_age_s:
            continue
        if path.suffix.lower() == ".eml":
            yield _eml_entry(path, info.st_size, max_message_bytes)
        else:
            yield InboxEntry(path=path, kind="document", key=f"file:{_sha256(path)}")


def _eml_entry(path: Path, size: int, max_message_bytes: int) -> InboxEntry:
    if size > max_message_bytes:
        return InboxEntry(
            path=path,
            kind="eml",
            key=f"file:{_sha256(path)}",
            problem=f"the e-mail is {describe_bytes(size)}, more than the limit of {describe_bytes(max_message_bytes)}",
        )
    message = parse_message(path.read_bytes())
    return InboxEntry(path=path, kind="eml", key=message.key, message=message)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def move_to_done(path: Path, inbox_dir: Path) -> Path:
    """Move a processed file into ``inbox_dir/done/``, never replacing a file already there."""
    done = inbox_dir / DONE
    try:
        done.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScrutinyError(f"inbox: cannot move {path.name} to {done} ({exc.strerror or exc})") from None
    for number in range(1, 10_000):
        candidate = done / (path.name if number == 1 else f"{path.stem}-{number}{path.suffix}")
        try:
            # Claim the name first (O_EXCL fails if it exists), then move the file over the claim.
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        except OSError as exc:
            raise ScrutinyError(f"inbox: cannot move {path.name} to {done} ({exc.strerror or exc})") from None
        try:
            os.replace(path, candidate)
        except OSError as exc:
            candidate.unlink(missing_ok=True)
            raise ScrutinyError(f"inbox: cannot move {path.name} to {done} ({exc.strerror or exc})") from None
        return candidate
    raise ScrutinyError(f"inbox: {done} already holds 9,999 files named like {path.name}")
