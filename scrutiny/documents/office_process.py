"""The product's side of a guard process: start it, send it requests with deadlines, stop it.

The guard (office_guard.py) is what holds LibreOffice; this side never starts LibreOffice itself,
so whatever happens to this process, the guard notices and cleans up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

from scrutiny.documents import office_files

Engine = Literal["cli", "uno"]
GUARD_SCRIPT = Path(__file__).with_name("office_guard.py")
logger = logging.getLogger(__name__)


class GuardGone(Exception):
    """The guard process ended (it was killed, or LibreOffice crashed and it cleaned up)."""


class GuardStartFailed(Exception):
    def __init__(self, message: str, *, no_uno: bool = False) -> None:
        super().__init__(message)
        self.no_uno = no_uno


def find_uno_python(executable: str) -> str | None:
    """A Python that can import LibreOffice's ``uno``: the one LibreOffice bundles, else the system's.

    Debian's python3-uno serves /usr/bin/python3; the upstream packages ship program/python.
    """
    program = Path(os.path.realpath(executable)).parent
    for candidate in (program / "python", Path("/usr/bin/python3")):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


class GuardProcess:
    """One running guard, and so one LibreOffice (warm) or one at a time (cli)."""

    def __init__(self, process: subprocess.Popen[bytes], ready: dict[str, Any]) -> None:
        self._process = process
        self._buffer = b""
        self.ready = ready

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def engine(self) -> Engine:
        return "uno" if self.ready.get("engine") == "uno" else "cli"

    @property
    def workdir(self) -> Path:
        return Path(self.ready["workdir"])

    @classmethod
    def start(cls, engine: Engine, executable: str, *, python: str | None, start_timeout_s: float) -> GuardProcess:
        interpreter = python or sys.executable or "python3"
        flags = ["-I"] if engine == "uno" else ["-I", "-S"]  # the uno engine needs site-packages for uno
        command = [interpreter, *flags, str(GUARD_SCRIPT), engine, "--parent", str(os.getpid())]
        command += [
            "--soffice",
            executable,
            "--temp-dir",
            tempfile.gettempdir(),
            "--start-timeout",
            str(start_timeout_s),
        ]
        try:
            # Its own session: a Ctrl-C in the terminal reaches us, and we decide; the guard follows us.
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, start_new_session=True
            )
        except OSError as exc:
            raise GuardStartFailed(f"cannot run {interpreter}: {exc.strerror or exc}") from exc
        guard = cls(process, {})
        try:
            line = guard._read_line(time.monotonic() + start_timeout_s + 10)
        except GuardGone:
            guard.stop()
            raise GuardStartFailed(f"the LibreOffice guard exited with {process.returncode}") from None
        if line is None:
            guard.stop()
            raise GuardStartFailed(f"LibreOffice did not start within {start_timeout_s:g} s")
        message = json.loads(line)
        if message.get("event") != "ready":
            guard.stop()
            raise GuardStartFailed(str(message.get("error", "unknown error")), no_uno=bool(message.get("no_uno")))
        guard.ready = message
        logger.debug("LibreOffice guard %d ready: %s engine, work directory %s", process.pid, engine, guard.workdir)
        return guard

    def request(self, payload: dict[str, Any], timeout_s: float) -> dict[str, Any] | None:
        """The guard's reply, or None when none came within ``timeout_s``. Raises GuardGone."""
        stdin = self._process.stdin
        if stdin is None:
            raise GuardGone()
        try:
            stdin.write(json.dumps(payload).encode() + b"\n")
            stdin.flush()
        except (BrokenPipeError, OSError):
            raise GuardGone() from None
        line = self._read_line(time.monotonic() + timeout_s)
        return None if line is None else json.loads(line)

    def _read_line(self, deadline: float) -> bytes | None:
        stdout = self._process.stdout
        if stdout is None:
            raise GuardGone()
        fd = stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(5)
                raise GuardGone()
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def stop(self) -> None:
        """End the guard: end of input first (it cleans up and exits), then SIGTERM, then SIGKILL."""
        process = self._process
        with contextlib.suppress(OSError):
            if process.stdin:
                process.stdin.close()
        for action in (None, signal.SIGTERM, signal.SIGKILL):
            if action is not None and process.poll() is None:
                with contextlib.suppress(OSError):
                    process.send_signal(action)
            try:
                process.wait(10)
                break
            except subprocess.TimeoutExpired:
                continue
        if process.stdout:
            process.stdout.close()
        if self.ready.get("workdir") and self.workdir.exists():
            office_files.reap_stale_workdirs(self.workdir.parent)  # a SIGKILLed guard could not clean up

    def kill_for_timeout(self) -> None:
        """A conversion hangs: SIGTERM makes the guard kill LibreOffice at once and clean up."""
        with contextlib.suppress(OSError):
            self._process.send_signal(signal.SIGTERM)
        self.stop()
