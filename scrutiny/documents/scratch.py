"""Scratch folders that a killed command cannot leave behind for good.

``tempfile.TemporaryDirectory`` removes its folder in a ``finally``, which never runs under
SIGKILL or the OOM killer. Here the folder's name carries its owner's PID and kernel start
time, so the next command that opens a scratch folder of the same kind in the same place
removes the folders of owners that are gone (a reused PID has another start time).
"""

from __future__ import annotations

import contextlib
import glob
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
    remove_abandoned(prefix, base)
    me = os.getpid()
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{me}-{process_start_time(me) or '0'}-", dir=base))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_abandoned_temporaries() -> list[Path]:
    """Remove every kind's abandoned scratch folders from the temporary folder (a few globs)."""
    base = Path(tempfile.gettempdir())
    return [folder for prefix in TEMPORARY_KINDS for folder in remove_abandoned(prefix, base)]


def remove_abandoned(prefix: str, base: Path) -> list[Path]:
    """Delete the ``prefix`` scratch folders in ``base`` whose owning process has ended."""
    removed = []
    for folder in base.glob(f"{glob.escape(prefix)}*"):
        if owner_alive(folder.name[len(prefix) :]) is not False:
            continue  # its owner is still at work, or the name is not one of ours
        try:
            info = folder.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
