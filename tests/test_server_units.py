"""The systemd units in deploy/: valid for systemd, and each one's command stops cleanly on the one
SIGTERM systemd sends (KillMode=mixed: to the main process only), within its TimeoutStopSec and
with nothing of it left running."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.counts import note
from tests.server_helpers import BIN, REPO, background_process, free_port, prefect_api, wait_for

DEPLOY = REPO / "deploy"
UNITS = ["scrutiny-prefect-server.service", "scrutiny-worker.service"]


def _service_section(unit: Path) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    section = ""
    for line in unit.read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def _localised(text: str, home: Path, port: int) -> str:
    """The unit as it would be on this machine: our checkout, a temporary home, a free port."""
    return (
        text.replace("/opt/scrutiny/.venv/bin", str(BIN))
        .replace("/srv/scrutiny", str(home))
        .replace("/etc/scrutiny/scrutiny.env", str(home / "scrutiny.env"))
        .replace("127.0.0.1:4200", f"127.0.0.1:{port}")
        .replace("--port 4200", f"--port {port}")
        .replace("User=scrutiny", "User=root")
        .replace("Group=scrutiny", "Group=root")
    )


@pytest.mark.parametrize("name", UNITS)
def test_unit_is_valid_and_stops_on_one_signal(name: str, tmp_path: Path) -> None:
    service = _service_section(DEPLOY / name)
    assert service["KillSignal"] == ["SIGTERM"] and service["KillMode"] == ["mixed"]
    assert int(service["TimeoutStopSec"][0]) >= 30

    home, port = tmp_path / "srv", free_port()
    home.mkdir()
    (home / "scrutiny.env").write_text(_localised((DEPLOY / "scrutiny.env").read_text(), home, port))
    unit = tmp_path / name
    unit.write_text(_localised((DEPLOY / name).read_text(), home, port))
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: run SCRUTINY_SETUP_TESTS=1 ./scripts/setup.sh"
    verified = subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0 and verified.stderr.strip() == "", verified.stderr

    with _running_server_for_worker(name, home, port, tmp_path):
        _start_and_stop_once(_service_section(unit), home, tmp_path / f"{name}.log", port, name)


def _environment(service: dict[str, list[str]], home: Path) -> dict[str, str]:
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    for line in (home / "scrutiny.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    for assignment in service.get("Environment", []):
        key, value = assignment.split("=", 1)
        env[key] = value
    return env


def _start_and_stop_once(service: dict[str, list[str]], home: Path, log: Path, port: int, name: str) -> None:
    argv = service["ExecStart"][0].replace("%H", socket.gethostname()).split()
    env = _environment(service, home)
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, cwd=service["WorkingDirectory"][0], stdout=out, stderr=out)
    try:
        if name == "scrutiny-prefect-server.service":
            wait_for(lambda: _answers(port), timeout=180, what="the server unit's API")
        else:
            worker = f"scrutiny-worker-{socket.gethostname()}"
            api = f"http://127.0.0.1:{port}/api"
            wait_for(lambda: _online(api, home, worker), timeout=120, what="the worker unit online")
        assert process.poll() is None, log.read_text()[-2000:]
        children = _descendants(process.pid)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)  # what `systemctl stop` sends, once
        process.wait(timeout=float(service["TimeoutStopSec"][0]))
        note(f"{name}: stopped {time.monotonic() - started:.1f} s after one SIGTERM (exit {process.returncode})")
        wait_for(lambda: not any(_alive(pid) for pid in children), timeout=10, what="its children to end")
        if name == "scrutiny-prefect-server.service":
            assert not _answers(port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def _running_server_for_worker(name: str, home: Path, port: int, tmp_path: Path) -> Iterator[None]:
    """The worker unit needs a server to talk to; the server unit is its own."""
    if name != "scrutiny-worker.service":
        yield
        return
    argv = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "PREFECT_HOME": str(tmp_path / "server-prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    with background_process(argv, env, tmp_path / "server.log", tmp_path):
        wait_for(lambda: _answers(port), timeout=180, what="a server for the worker unit")
        yield


def _online(api: str, home: Path, worker: str) -> bool:
    try:
        workers = prefect_api(api, home / "client", "workers", pool="scrutiny")
    except AssertionError:  # the worker has not created its pool yet
        return False
    return any(w["name"] == worker and w["status"] == "ONLINE" for w in workers)


def _answers(port: int) -> bool:
    from scrutiny.runtime.server_state import api_healthy

    return api_healthy(f"http://127.0.0.1:{port}/api")


def _descendants(pid: int) -> list[int]:
    from scrutiny.runtime.server_processes import all_processes

    table = all_processes()
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for info in table:
            if info.ppid == parent:
                found.append(info.pid)
                frontier.append(info.pid)
    return found


def _alive(pid: int) -> bool:
    from scrutiny.runtime.server_state import process_start_ticks

    return process_start_ticks(pid) is not None
