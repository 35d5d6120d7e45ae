"""What one LibreOffice guard leaves on disk and in the process table, and how to reap it.

A guard (scrutiny/documents/office_guard.py) owns one work directory named
``scrutiny-office-<guard pid>-<guard start time>-<random>`` in the temporary folder: the
LibreOffice profile, its temporary files and the converted output. LibreOffice also binds Unix
sockets in /tmp that are named after the profile. When a guard cannot clean up (it was itself
SIGKILLed together with LibreOffice), the next guard start reaps the leftovers of every dead
guard: processes still using that profile, its sockets, its directory.

Standard library only: the guard imports this file under the system Python that has ``uno``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import tempfile
from pathlib import Path

WORKDIR_PREFIX = "scrutiny-office-"
_PROC = Path("/proc")


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (tells a live process from a reused pid); None when gone."""
    if not _PROC.is_dir():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "0"
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields after the last ")" are fixed.
    fields = text.rsplit(")", 1)[1].split()
    return fields[19] if fields[0] not in ("Z", "X") else None


def parent_pid_of(pid: int) -> int | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return int(text.rsplit(")", 1)[1].split()[1])


def workdir_prefix(pid: int) -> str:
    return f"{WORKDIR_PREFIX}{pid}-{process_start_time(pid) or '0'}-"


def workdir_owner_alive(workdir: Path) -> bool:
    """Whether the guard that created ``workdir`` is still running."""
    return owner_alive(workdir.name[len(WORKDIR_PREFIX) :]) is True


def owner_alive(tag: str) -> bool | None:
    """For a name's ``<pid>-<start time>-<random>`` part: whether that process still runs, None when
    ``tag`` has not that shape (not a name of ours). A reused PID has another start time."""
    parts = tag.split("-")
    if len(parts) < 3 or not parts[0].isdigit():
        return None
    started = process_start_time(int(parts[0]))
    return started is not None and (parts[1] == "0" or started == parts[1])


def _socket_dir() -> Path:
    # LibreOffice's sal puts its pipes in /tmp, or /var/tmp when /tmp is not writable; never TMPDIR.
    return Path("/tmp") if os.access("/tmp", os.W_OK) else Path("/var/tmp")


def office_socket_paths(profile_url: str, pipe_name: str | None = None) -> list[Path]:
    """The Unix sockets a LibreOffice with this profile binds: its single-instance pipe, and ours.

    LibreOffice names the single-instance pipe after an MD5 of the profile URL (as UTF-16, each
    byte in hex without padding); a killed LibreOffice leaves both behind.
    """
    digest = hashlib.md5(profile_url.encode("utf-16-le"), usedforsecurity=False).digest()
    names = ["SingleOfficeIPC_" + "".join(f"{byte:x}" for byte in digest)]
    if pipe_name:
        names.append(pipe_name)
    return [_socket_dir() / f"OSL_PIPE_{os.getuid()}_{name}" for name in names]


def accept_pipe_name(workdir: Path) -> str:
    return workdir.name.replace("-", "_")


def profiles_in(workdir: Path) -> list[Path]:
    try:
        return sorted(p for p in workdir.iterdir() if p.name.startswith("profile"))
    except OSError:
        return []


def remove_sockets(workdir: Path, profiles: list[Path] | None = None) -> None:
    """Remove the sockets LibreOffice bound for the profiles in ``workdir`` (call once it is dead)."""
    for profile in profiles if profiles is not None else profiles_in(workdir):
        for path in office_socket_paths(profile.as_uri(), accept_pipe_name(workdir)):
            try:
                if stat.S_ISSOCK(path.lstat().st_mode):
                    path.unlink()
            except OSError:
                pass


def processes_using(path: Path) -> list[int]:
    """Our processes whose command line names ``path`` (a LibreOffice started with that profile)."""
    needle = str(path).encode()
    found = []
    for entry in _PROC.glob("[0-9]*") if _PROC.is_dir() else []:
        try:
            if entry.stat().st_uid != os.getuid() or int(entry.name) == os.getpid():
                continue
            if needle in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


def kill_quietly(pid: int, signum: int = signal.SIGKILL) -> None:
    try:
        os.kill(pid, signum)
    except OSError:
        pass


def reap_stale_workdirs(temp_dir: Path | None = None) -> list[Path]:
    """Remove what dead guards left: their LibreOffice processes, sockets and work directories."""
    base = temp_dir or Path(tempfile.gettempdir())
    reaped = []
    for workdir in base.glob(WORKDIR_PREFIX + "*"):
        try:
            info = workdir.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or workdir_owner_alive(workdir):
            continue
        for pid in processes_using(workdir):
            kill_quietly(pid)
        remove_sockets(workdir)
        shutil.rmtree(workdir, ignore_errors=True)
        reaped.append(workdir)
    return reaped
