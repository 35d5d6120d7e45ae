"""The people a home has forgotten, so that no committee file brings them back.

The committee files are the officer's own: the product never rewrites one. So forgetting a
person is refused while an installed file still names them, and once they are forgotten the
SHA-256 of their address is kept in ``committees/forgotten.json``: installing or syncing a
file that names them again is refused, with one line saying where. The list holds no address,
only its hash (which turns back into nothing, though anyone who already knows an address can
check whether it is listed: that is what the list is for).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrutiny.config import CommitteeConfig
from scrutiny.delivery.addresses import address_key, address_sha256
from scrutiny.documents.atomic import write_bytes_atomic
from scrutiny.errors import ScrutinyError
from scrutiny.settings import Settings

FORGOTTEN_FILE = "forgotten.json"


@dataclass(frozen=True)
class Forgotten:
    sha256: str
    on: str  # the day, YYYY-MM-DD


def forgotten_path(settings: Settings) -> Path:
    return settings.committees_dir / FORGOTTEN_FILE


def read_forgotten(settings: Settings) -> dict[str, Forgotten]:
    """The forgotten addresses by hash; no file means nobody."""
    path = forgotten_path(settings)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        entries = body["forgotten"]
        return {str(e["sha256"]): Forgotten(str(e["sha256"]), str(e["on"])) for e in entries}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScrutinyError(f"{path}: the list of forgotten people cannot be read ({type(exc).__name__})") from None


def forgotten_bytes(entries: dict[str, Forgotten]) -> bytes:
    body = {
        "about": "SHA-256 of the lower-case e-mail address of each person forgotten by 'scrutiny contacts forget'; "
        "a committee file naming one of them is refused",
        "forgotten": [
            {"sha256": e.sha256, "on": e.on} for e in sorted(entries.values(), key=lambda e: (e.on, e.sha256))
        ],
    }
    return (json.dumps(body, indent=2) + "\n").encode("utf-8")


def add_forgotten(settings: Settings, address: str, day: dt.date) -> bytes | None:
    """Put the address on the list; returns what the file held before (None: no file), to undo with."""
    path = forgotten_path(settings)
    before = path.read_bytes() if path.is_file() else None
    entries = read_forgotten(settings)
    key = address_sha256(address)
    entries.setdefault(key, Forgotten(key, day.isoformat()))
    write_bytes_atomic(path, forgotten_bytes(entries))
    return before


def undo_forgotten(settings: Settings, before: bytes | None) -> None:
    path = forgotten_path(settings)
    if before is None:
        path.unlink(missing_ok=True)
    else:
        write_bytes_atomic(path, before)


def where_named(config: CommitteeConfig, address: str) -> list[str]:
    """Where a committee file gives this address: 'organisations[mopac].contact.email', 'members[Cllr X].email'."""
    wanted = address_key(address)
    return [place for place, value in _strings(config.model_dump(mode="json"), "") if wanted in value.lower()]


def _strings(value: Any, place: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield place, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{place}.{key}" if place else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            label = index
            if isinstance(item, dict):
                label = item.get("id") or item.get("key") or item.get("name") or index
            yield from _strings(item, f"{place}[{label}]")


def check_not_forgotten(settings: Settings, config: CommitteeConfig, source: Path | str) -> None:
    """Refuse a committee file that names someone this home has forgotten."""
    forgotten = read_forgotten(settings)
    if not forgotten:
        return
    for place, value in _strings(config.model_dump(mode="json"), ""):
        for raw in value.replace(",", " ").replace("<", " ").replace(">", " ").split():
            word = raw.strip(".;:()[]'\"")
            if "@" in word and address_sha256(word) in forgotten:
                day = forgotten[address_sha256(word)].on
                raise ScrutinyError(
                    f"{source}: {place} names {word}, who was forgotten on {day} ('scrutiny contacts forget'): "
                    "take them out of the file, nothing was changed"
                )
