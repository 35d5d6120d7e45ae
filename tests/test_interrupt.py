"""Interrupting is prompt and clean (issue 11): SIGINT (or SIGTERM) to the process group at seeded
points of `letters`, `run` and `pack`, with a temporary Prefect server and with a running one.

Each interrupted command exits 130 within 5 s with one line on stderr and no engine noise, leaves
no half-written file and no process; the re-run then finishes the job, with each letter, e-mail
and pack once: the same as one uninterrupted run in a fresh home."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from scrutiny.runtime.temporary_server import ANNOUNCEMENT, READY_PREFIX
from state import models
from state.db import get_engine
from tests.counts import note
from tests.product_processes import (
    RunningCommand,
    half_written_files,
    prefect_server,
    run_command,
    start_command,
    wait_until_gone,
)

SEED = 11
AS_OF = "2026-11-21"  # the letter window of the 25 January 2027 meeting is open
MEETING = "lih-2027-01-25"
PACK_AS_OF = "2027-01-15"
EXIT_WITHIN_S = 5.0
# A command that has printed its result ignores a late signal; one still working must not go on.
FINISHING_S = 1.0
COMMANDS = {
    "letters": ["letters", "--as-of", AS_OF],
    "run": ["run", "--as-of", AS_OF],
    "pack": ["pack", MEETING, "--as-of", PACK_AS_OF],
}
COUNTED = (models.AgendaItem, models.Request, models.Document, models.Reminder, models.Response, models.Pack)


@pytest.fixture(scope="module")
def running_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Prefect server of its own, as `scrutiny server start` keeps one (outside the command's group)."""
    root = tmp_path_factory.mktemp("interrupt-server")
    with prefect_server(root / "prefect-home", root / "server.log") as (api, _server):
        yield api


@pytest.fixture(scope="module")
def reference_counts(tmp_path_factory: pytest.TempPathFactory, running_server: str) -> dict[str, dict[str, int]]:
    """What one uninterrupted run of each command leaves in a fresh home."""
    counts = {}
    for kind, args in COMMANDS.items():
        home = _prepared_home(tmp_path_factory.mktemp(f"reference-{kind}"), kind, running_server)
        done = run_command(args, home, _url(home), home.parent / "tmp", api_url=running_server)
        assert done.returncode == 0, done.stderr
        counts[kind] = _state_counts(home)
    return counts


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'state' / 'scrutiny.db'}"


def _prepared_home(root: Path, kind: str, api: str | None) -> Path:
    """A home initialised and, for letters and packs, planned (items and requests on the meeting).

    With no `api` the plan runs on a temporary server, which also creates Prefect's database in
    the home (its first start takes longest, and is not what the interrupted runs should meet);
    re-planning as of the same day changes nothing, so `run` homes are planned then too.
    """
    home = root / "home"
    home.mkdir(parents=True)
    steps = [["init"]] + ([["plan", "--as-of", AS_OF]] if kind in ("letters", "pack") or api is None else [])
    for step in steps:
        done = run_command(step, home, _url(home), root / "tmp", api_url=api)
        assert done.returncode == 0, done.stderr
    return home


def _state_counts(home: Path) -> dict[str, int]:
    engine = get_engine(_url(home))
    with Session(engine) as session:
        counts = {table.__name__: session.exec(select(func.count()).select_from(table)).one() for table in COUNTED}
    for folder in ("letters", "outbox", "packs", "responses"):
        root = home / folder
        counts[f"files:{folder}"] = sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0
    return counts


def _wait_for_point(
    command: RunningCommand, aim: str, kind: str, temporary: bool, home: Path, rng: random.Random
) -> None:
    if aim == "server starting":
        assert command.wait_for_line(ANNOUNCEMENT, timeout_s=120), command.stderr
    elif aim == "early":  # imports, the database, the start of the first flow
        time.sleep(rng.uniform(0.3, 1.2))
    elif kind == "pack":  # mid-flow: nothing on disk marks it before the pack itself
        if temporary:
            command.wait_for_line(READY_PREFIX, timeout_s=120)
        else:
            time.sleep(1.5)
    else:  # mid-flow: the letters are being written
        before = set(_written(home))
        deadline = time.monotonic() + 120
        while command.process.poll() is None and time.monotonic() < deadline and not set(_written(home)) - before:
            time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 1.0))


def _written(home: Path) -> list[Path]:
    return [p for p in (home / "letters").rglob("*.docx")] if (home / "letters").exists() else []


@pytest.mark.parametrize("server", ["temporary", "running"])
@pytest.mark.parametrize("kind", list(COMMANDS))
def test_interrupt_is_prompt_and_clean_and_a_rerun_finishes(
    kind: str,
    server: str,
    tmp_path: Path,
    running_server: str,
    reference_counts: dict[str, dict[str, int]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    api = running_server if server == "running" else None
    home = _prepared_home(tmp_path, kind, api)
    rng = random.Random(f"{SEED}-{kind}-{server}")
    aims = ["server starting", "mid-flow"] if api is None else ["early", "mid-flow"]
    # A service manager stops a whole group with SIGTERM; the terminal's Ctrl-C is SIGINT.
    signals = [signal.SIGINT, signal.SIGTERM if kind == "pack" else signal.SIGINT]
    interrupted = 0
    exits: list[str] = []
    for attempt, (aim, signum) in enumerate(zip(aims, signals)):
        command = start_command(COMMANDS[kind], home, _url(home), tmp_path / f"tmp-{attempt}", api_url=api)
        _wait_for_point(command, aim, kind, api is None, home, rng)
        if command.process.poll() is not None:
            assert command.finish(timeout_s=10) == 0, command.stderr  # it finished before the signal
            continue
        sent = time.monotonic()
        os.killpg(command.process.pid, signum)
        code = command.finish(timeout_s=60)
        took = time.monotonic() - sent
        what = f"{kind} ({server} server), {signal.Signals(signum).name} at '{aim}'"
        if code == 0 and took < FINISHING_S:
            continue  # the signal came as it was finishing (after its output): it ends 0, correctly
        assert code == 130, f"{what}: exit {code}\n{command.stderr}"
        assert took < EXIT_WITHIN_S, f"{what}: took {took:.1f} s to exit\n{command.stderr}"
        # Progress lines may come first; of the command's own messages, the interruption is the one and the last.
        lines = [line for line in command.stderr.splitlines() if line.strip()]
        ours = [
            line for line in lines if line.startswith("scrutiny:") and not line.startswith((ANNOUNCEMENT, READY_PREFIX))
        ]
        assert len(ours) == 1 and ours[0].startswith("scrutiny: interrupted"), f"{what}:\n{command.stderr}"
        assert lines[-1] == ours[0], f"{what}: something came after the interruption line\n{command.stderr}"
        assert "Traceback" not in command.stderr and "EventsWorker" not in command.stderr, command.stderr
        assert half_written_files(home) == [], f"{what}: half-written files {half_written_files(home)}"
        left = wait_until_gone(command.marker, timeout_s=5)
        assert not left, f"{what}: left running: {[(p.pid, p.cmdline[:80]) for p in left]}"
        interrupted += 1
        exits.append(f"{signal.Signals(signum).name} at '{aim}' exited in {took:.1f} s")
    assert interrupted >= 1, f"{kind} ({server} server) finished before every signal: no interruption was tested"
    with capsys.disabled():
        note(f"{kind} ({server} server): " + "; ".join(exits))

    again = run_command(COMMANDS[kind], home, _url(home), tmp_path / "tmp-rerun", api_url=api)
    assert again.returncode == 0, again.stderr
    assert _state_counts(home) == reference_counts[kind]
    assert not [p for p in (home / "letters").rglob("*-v2.*")], "a letter was written twice"
