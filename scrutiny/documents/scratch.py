"""Scratch folders that a killed command cannot leave behind for good.

``tempfile.TemporaryDirectory`` removes its folder in a ``finally``, which never runs under
SIGKILL or the OOM killer. Here the folder's name carries its owner's PID and kernel start
time, so the next command that opens a scratch folder of the same kind in the same place
removes the folders of owners that are gone (a reused PID has another start time).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scrutiny.documents.office_files import owner_alive, process_start_time

# The kinds of scratch folder made in the temporary folder: every command removes dead owners' ones
# at its start (`remove_abandoned_temporaries`), so a leftover never waits for the same kind of work.
COLLECT = "scrutiny-collect-"
INTAKE = "scrutiny-intake-"
LETTER_PDF = "scrutiny-letter-pdf-"
TEMPORARY_KINDS = (COLLECT, INTAKE, LETTER_PDF)


@contextlib.contextmanager
def scratch_directory(prefix: str, parent: Path | None = None) -> Iterator[Path]:
    """A fresh folder ``<parent>/<prefix><pid>-<start time>-<random>``, removed on the way out.

    ``parent`` defaults to the temporary folder; ``prefix`` names the kind of work, so each kind
    reaps only its own leftovers.
    """
    base = parent if parent is not None else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    remove_abandoned(base, prefix)
    me = os.getpid()
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{me}-{process_start_time(me) or '0'}-", dir=base))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_abandoned_temporaries() -> list[Path]:
    """Remove every kind's abandoned scratch folders from the temporary folder, in one listing of it."""
    return remove_abandoned(Path(tempfile.gettempdir()), *TEMPORARY_KINDS)


def remove_abandoned(base: Path, *prefixes: str) -> list[Path]:
    """Delete the scratch folders in ``base`` named with one of ``prefixes`` whose owning process has ended."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed  # no such folder yet: nothing was left in it
    for entry in entries:
        prefix = next((p for p in prefixes if entry.name.startswith(p)), None)
        if prefix is None or owner_alive(entry.name[len(prefix) :]) is not False:
            continue  # not one of ours, or its owner is still at work
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed
