"""A flow command says what it is doing as it happens, on stderr; --quiet prints only the result."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from prefect._internal.concurrency.services import QueueService
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker

from cli.main import ENGINE_SERVICE_LOGGERS

pytestmark = pytest.mark.prefect


def _run(home: Path, *args: str) -> tuple[int, list[tuple[float, str]], str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRUTINY_", "PREFECT_API"))}
    env |= {"SCRUTINY_HOME": str(home), "PREFECT_HOME": str(home / ".prefect"), "SCRUTINY_PDF": "false"}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append((time.monotonic() - started, line.rstrip("\n")))

    reader = threading.Thread(target=read)
    reader.start()
    out, _ = process.communicate(timeout=600)
    ended = time.monotonic() - started
    reader.join(timeout=10)
    return process.returncode, lines, out, ended


def test_progress_lines_arrive_while_the_command_works(tmp_path: Path) -> None:
    code, lines, out, ended = _run(tmp_path / "home", "run", "--as-of", "2026-11-21")
    assert code == 0, lines
    texts = [text for _, text in lines]
    assert any("temporary Prefect server" in t for t in texts), texts
    first_step = next(when for when, text in lines if text.startswith("Placing the annual updates"))
    # The last per-letter line (its wording depends on which letter went last; under load lines may merge).
    letters = [when for when, text in lines if text.startswith("Writing letters")][-1]
    assert first_step < letters < ended  # one line per step, as it happens, not all at the end
    assert ended - lines[0][0] > 2  # the first line came well before the command ended
    assert "\x1b[" not in "\n".join(texts)  # not a terminal: plain lines, no escape codes
    assert "Letters written: 5" in out and "Writing letters" not in out  # stdout is the result only


def test_quiet_prints_only_the_result(tmp_path: Path) -> None:
    code, lines, out, _ = _run(tmp_path / "home", "--quiet", "plan", "--as-of", "2026-11-21")
    assert code == 0, lines
    assert [text for _, text in lines if text.strip()] == []
    assert "R15" in out and "R16" in out


def test_the_engines_queue_services_cannot_print_their_exit_warnings() -> None:
    """Prefect's queue services log as their bare class names ("EventsWorker - Still processing
    items" at exit), outside every level Prefect's settings set; the CLI silences exactly those."""
    services = [EventsWorker, APILogWorker]
    assert all(issubclass(service, QueueService) for service in services)
    assert sorted(ENGINE_SERVICE_LOGGERS) == sorted(service.__name__ for service in services)
    assert all(logging.getLogger(name).getEffectiveLevel() == logging.CRITICAL for name in ENGINE_SERVICE_LOGGERS)
