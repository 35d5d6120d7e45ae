"""No process outlives its command (issue 14): the temporary Prefect server dies with the command,
even under SIGKILL and even while it is still starting; read-only commands start no server; a flow
command uses the home's running server; Prefect's own ephemeral server can never start."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from scrutiny.runtime.server_state import ProcessRecord, ServerState, process_start_ticks, save_server_state
from scrutiny.runtime.temporary_server import ANNOUNCEMENT, READY_PREFIX
from tests.counts import note
from tests.product_processes import (
    alive,
    descendants,
    leftover_files,
    listening_ports,
    port_listening,
    prefect_server,
    run_command,
    start_command,
    wait_until_gone,
)

SEED = 14
TRIALS_PER_DATABASE = 10
AS_OF = "2026-11-21"  # the letter window of the 25 January 2027 meeting is open
PACK_AS_OF = "2027-01-15"
SETTLE_S = 3.0  # "after a few seconds": then nothing of the command may be left
# Cycled through the trials while the commands cycle by three, so every pairing occurs.
KILL_POINTS = ["starting", "running", "starting", "running", "early"]


def _sqlite_url(home: Path) -> str:
    return f"sqlite:///{home / 'state' / 'scrutiny.db'}"


def _init(home: Path, database_url: str, tmp: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    done = run_command(["init"], home, database_url, tmp)
    assert done.returncode == 0, done.stderr


def _assert_nothing_left(marker: str, seen: list, ports: set[int], tmpdir: Path, what: str) -> None:
    time.sleep(SETTLE_S)
    left = wait_until_gone(marker, timeout_s=5)
    assert not left, f"{what}: processes left behind: {[(p.pid, p.cmdline[:80]) for p in left]}"
    survivors = [p for p in seen if alive(p)]
    assert not survivors, f"{what}: descendants still alive: {[(p.pid, p.cmdline[:80]) for p in survivors]}"
    still = [port for port in ports if port_listening(port)]
    assert not still, f"{what}: ports still listening: {still}"
    assert leftover_files(tmpdir) == [], f"{what}: left in its TMPDIR: {leftover_files(tmpdir)}"


def test_read_only_commands_start_no_server(tmp_path: Path) -> None:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    _init(home, _sqlite_url(home), tmp)
    for args in (["meetings", "list"], ["timetable"], ["responses", "due", "--as-of", AS_OF], ["programme"]):
        done = run_command(args, home, _sqlite_url(home), tmp)
        assert done.returncode == 0, done.stderr
        assert done.stderr == "", f"{args}: {done.stderr}"
    # A server, temporary or Prefect's own, would have created Prefect's database in the home.
    assert not (home / ".prefect" / "prefect.db").exists()


def test_a_flow_command_refusing_its_input_starts_no_server(tmp_path: Path) -> None:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    _init(home, _sqlite_url(home), tmp)
    done = run_command(["letters", "--meeting", "no-such-meeting"], home, _sqlite_url(home), tmp)
    assert done.returncode == 2
    assert done.stderr.startswith("scrutiny: error: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (home / ".prefect" / "prefect.db").exists()


def test_prefect_cannot_start_its_own_ephemeral_server(tmp_path: Path) -> None:
    """Without an API, Prefect's client refuses instead of starting a server that would outlive us."""
    script = (
        "from scrutiny.settings import get_settings, prepare_prefect_environment\n"
        "prepare_prefect_environment(get_settings())\n"
        "from prefect.client.orchestration import get_client\n"
        "try:\n"
        "    get_client(sync_client=True)\n"
        "except ValueError as exc:\n"
        "    print('refused:', exc)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SCRUTINY_"))}
    env["SCRUTINY_HOME"] = str(tmp_path / "home")
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused: No Prefect API URL provided"), done.stdout + done.stderr
    assert not (tmp_path / "home" / ".prefect" / "prefect.db").exists()


def test_a_flow_command_uses_the_homes_running_server(tmp_path: Path) -> None:
    """What `scrutiny server start` records is found: no variable to set, no temporary server."""
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    _init(home, _sqlite_url(home), tmp)
    with prefect_server(home / ".prefect", tmp_path / "server.log") as (api, server):
        ticks = process_start_ticks(server.pid)
        assert ticks is not None
        record = ProcessRecord(name="server", pid=server.pid, pgid=os.getpgid(server.pid), start_ticks=ticks)
        save_server_state(
            home,
            ServerState(
                api_url=api,
                ui_url=api.removesuffix("/api"),
                prefect_home=str(home / ".prefect"),
                work_pool="scrutiny",
                processes=[record],
            ),
        )
        done = run_command(["plan", "--as-of", AS_OF, "--json"], home, _sqlite_url(home), tmp)
        assert done.returncode == 0, done.stderr
        assert ANNOUNCEMENT not in done.stderr and "temporary Prefect server" not in done.stderr, done.stderr
        assert {row["commitment"] for row in json.loads(done.stdout)} == {"R15", "R16"}
        flows = _post(f"{api}/flows/filter", {})
        assert "plan-annual-updates" in {flow["name"] for flow in flows}


def _post(url: str, body: dict) -> list[dict]:
    request = Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urlopen(request, timeout=30) as response:
        return list(json.loads(response.read()))


def test_seeded_sigkills_leave_no_process_behind(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    _init(home, database_url, tmp / "init")
    # Warm-up: the first start creates Prefect's database; it also shows the announcement and a clean end.
    warm = start_command(["plan", "--as-of", AS_OF, "--json"], home, database_url, tmp / "warm")
    assert warm.finish(timeout_s=300) == 0, warm.stderr
    lines = warm.stderr.splitlines()
    assert lines[0] == ANNOUNCEMENT and lines[1].startswith(READY_PREFIX), warm.stderr
    assert not [line for line in lines[2:] if line.startswith("scrutiny:")], warm.stderr  # then only progress
    _assert_nothing_left(warm.marker, [], set(), tmp / "warm", "a command that ended normally")
    meeting = next(row["meeting_id"] for row in _plan_rows(home, database_url, tmp))

    commands = [["run", "--as-of", AS_OF], ["letters", "--as-of", AS_OF], ["pack", meeting, "--as-of", PACK_AS_OF]]
    engine = database_url.split(":", 1)[0].split("+", 1)[0]
    rng = random.Random(f"{SEED}-{engine}")
    phases: Counter[str] = Counter()
    for trial in range(TRIALS_PER_DATABASE):
        args = commands[trial % len(commands)]
        trial_tmp = tmp / f"trial-{trial}"
        command = start_command(args, home, database_url, trial_tmp)
        aim = KILL_POINTS[trial % len(KILL_POINTS)]
        if aim == "early":  # parsing, imports, opening the database
            time.sleep(rng.uniform(0.0, 3.0))
        elif aim == "starting":  # the temporary server is still starting
            assert command.wait_for_line(ANNOUNCEMENT, timeout_s=120), command.stderr
            time.sleep(rng.uniform(0.0, 1.5))
        else:  # the flows are running
            command.wait_for_line(READY_PREFIX, timeout_s=120)
            time.sleep(rng.uniform(0.0, 2.5))
        seen = descendants(command.process.pid)
        ports = listening_ports([p.pid for p in seen])
        phase = (
            "after it ended"
            if command.process.poll() is not None
            else "server ready"
            if command.has_line(READY_PREFIX)
            else "server starting"
            if command.has_line(ANNOUNCEMENT)
            else "before the server"
        )
        phases[phase] += 1
        if command.process.poll() is None:
            command.process.send_signal(signal.SIGKILL)  # the command only: its children must go by themselves
        command.finish(timeout_s=30)
        _assert_nothing_left(command.marker, seen, ports, trial_tmp, f"trial {trial} ({' '.join(args)}, {phase})")

    summary = ", ".join(f"{count} {phase}" for phase, count in sorted(phases.items()))
    note(f"{TRIALS_PER_DATABASE} seeded SIGKILL trials on {engine}: {summary}")
    assert phases["server starting"] >= 2, phases

    # The home survives the crashes: the whole cycle runs to the end, and leaves nothing either.
    final = start_command(["run", "--as-of", AS_OF], home, database_url, tmp / "final")
    assert final.finish(timeout_s=300) == 0, final.stderr
    _assert_nothing_left(final.marker, [], set(), tmp / "final", "the run after the crashes")


def _plan_rows(home: Path, database_url: str, tmp: Path) -> list[dict]:
    """The plan as the product reports it (read-only: `responses due` lists what was planned)."""
    done = run_command(["responses", "due", "--as-of", AS_OF, "--json"], home, database_url, tmp / "read")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows, "the warm-up plan placed nothing"
    return rows
