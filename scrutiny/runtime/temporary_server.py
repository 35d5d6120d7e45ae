"""A Prefect API server for one command, used when no server is running: started, awaited, stopped.

The server process (see `server_child`) dies with this process even under SIGKILL. It listens
on a socket this process binds on 127.0.0.1 (port chosen by the kernel) and hands over, and it
sits in its own session so a Ctrl-C at the terminal reaches the command, which stops it last,
after Prefect's clients have sent what they had queued.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

from scrutiny.errors import ScrutinyError
from scrutiny.runtime.interrupts import interrupts_deferred, received_signal
from scrutiny.runtime.server_state import api_healthy

ANNOUNCEMENT = (
    "scrutiny: starting a temporary Prefect server; 'scrutiny server start' keeps one running and makes commands faster"
)
READY_PREFIX = "scrutiny: temporary Prefect server ready in "
STARTUP_TIMEOUT_S = 120.0
STOP_GRACE_S = 3.0
STOP_GRACE_INTERRUPTED_S = 1.0
# What Prefect's own SubprocessASGIServer sets: no UI, only the services an ephemeral server needs.
SERVER_ENVIRONMENT = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}


@dataclass(frozen=True)
class TemporaryServer:
    api_url: str
    pid: int
    startup_seconds: float


@contextmanager
def temporary_server(prefect_home: Path, *, announce: TextIO | None = None) -> Iterator[TemporaryServer]:
    """Start a server on PREFECT_HOME's database, wait until it answers, and stop it on the way out."""
    if threading.current_thread() is not threading.main_thread():
        # The kernel's parent-death signal follows the thread that forked the child.
        raise RuntimeError("start the temporary Prefect server from the main thread")
    if announce is not None:
        print(ANNOUNCEMENT, file=announce, flush=True)
    started = time.monotonic()
    # The server's messages go to a file with no name (nothing to clean up, even after SIGKILL);
    # only a failed start reads it back.
    with tempfile.TemporaryFile() as log:
        process: subprocess.Popen[bytes] | None = None
        ready = False
        try:
            with interrupts_deferred():  # once spawned, the process is always ours to stop
                process, api_url = _spawn(prefect_home, os.environ, log)
            _wait_until_healthy(process, api_url, prefect_home, log)
            ready = True
            seconds = time.monotonic() - started
            if announce is not None:
                print(f"{READY_PREFIX}{seconds:.1f} s", file=announce, flush=True)
            yield TemporaryServer(api_url=api_url, pid=process.pid, startup_seconds=seconds)
        finally:
            if process is not None:
                with interrupts_deferred():
                    stop_process(process, grace_s=_grace(ready))


def _grace(ready: bool) -> float:
    """How long a stopping server may take: a ready one writes the events it still buffers."""
    if not ready:
        return 0.0  # half-started: nothing in it worth waiting for
    return STOP_GRACE_INTERRUPTED_S if received_signal() is not None else STOP_GRACE_S


def _spawn(prefect_home: Path, environment: Mapping[str, str], log: IO[bytes]) -> tuple[subprocess.Popen[bytes], str]:
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listening.bind(("127.0.0.1", 0))
        port = int(listening.getsockname()[1])
        env = {**environment, **SERVER_ENVIRONMENT, "PREFECT_HOME": str(prefect_home)}
        env.pop("PREFECT_API_URL", None)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scrutiny.runtime.server_child",
                "--parent-pid",
                str(os.getpid()),
                "--fd",
                str(listening.fileno()),
            ],
            env=env,
            pass_fds=(listening.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # the terminal's Ctrl-C is the command's to handle, not the server's
        )
    finally:
        listening.close()  # the child holds its own copy
    return process, f"http://127.0.0.1:{port}/api"


def _wait_until_healthy(process: subprocess.Popen[bytes], api_url: str, prefect_home: Path, log: IO[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not api_healthy(api_url, timeout_s=1.0):
        if process.poll() is not None:
            detail = _last_line(log)
            raise ScrutinyError(
                f"the temporary Prefect server (PREFECT_HOME {prefect_home}) exited with code "
                f"{process.returncode} while starting{': ' + detail if detail else ''}"
            )
        if time.monotonic() > deadline:
            raise ScrutinyError(
                f"the temporary Prefect server (PREFECT_HOME {prefect_home}) did not answer within "
                f"{STARTUP_TIMEOUT_S:.0f} s; 'scrutiny server start' runs one that stays up"
            )
        time.sleep(0.1)


def _last_line(log: IO[bytes]) -> str:
    log.seek(0)
    lines = log.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else ""


def stop_process(process: subprocess.Popen[bytes], grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM, a short grace, then SIGKILL; always reaped. Safe to call on a process that has exited."""
    if process.poll() is None:
        if grace_s > 0:
            process.terminate()
            try:
                process.wait(timeout=grace_s)
                return
            except subprocess.TimeoutExpired:
                pass
        process.kill()
        process.wait()
