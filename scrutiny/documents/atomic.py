"""Write a file so that it appears whole or not at all, and hash files."""

from __future__ import annotations

import errno
import glob
import hashlib
import os
import tempfile
from pathlib import Path

from scrutiny.documents.office_files import process_start_time
from scrutiny.errors import ScrutinyError


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    A reader (or a crashed run) never sees a half-written file: the rename is atomic on one
    file system, which is why the temporary file lives next to the target.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_temporaries(path)
    # The writer's PID is in the name, so a later run can tell a SIGKILLed writer's leftover from a live one.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates the file owner-only; a document is an ordinary shared file.
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:  # the one a re-run fixes once space is freed: say so
            raise ScrutinyError(
                f"could not write {path}: no space left on the device (ENOSPC); nothing was half-written: "
                "free some space and run the command again"
            ) from exc
        raise ScrutinyError(f"could not write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _remove_abandoned_temporaries(path: Path) -> None:
    """Delete temporaries of ``path`` left by writers that were killed (no ``finally`` runs under SIGKILL)."""
    prefix = f".{path.name}."
    for stale in path.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = stale.name[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and process_start_time(int(pid)) is None:
            stale.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
