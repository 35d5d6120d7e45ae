"""Write a file so that it appears whole or not at all, and hash files."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path

from scrutiny.errors import ScrutinyError


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    A reader (or a crashed run) never sees a half-written file: the rename is atomic on one
    file system, which is why the temporary file lives next to the target.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
