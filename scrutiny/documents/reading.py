"""Read a file a user named, refusing what is not a plain file of a sensible size.

A named pipe would block the command for ever and /dev/zero would fill the memory, so the file
is opened without blocking and checked (a regular file, no larger than the limit) before a
byte is read; the errors are OSErrors with a readable strerror, for the caller's message.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of `path`: FileNotFoundError, IsADirectoryError or OSError (not a regular file,
    too large) when it is not a file to read; ValueError for a name with a NUL byte."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if not stat.S_ISREG(status.st_mode):
            raise OSError(errno.EINVAL, "not a regular file but a pipe, a device or a socket", str(path))
        if status.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {_megabytes(limit)}", str(path))
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise OSError(errno.EFBIG, f"larger than {_megabytes(limit)}", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _megabytes(limit: int) -> str:
    return f"{limit / (1 << 20):g} MB"
