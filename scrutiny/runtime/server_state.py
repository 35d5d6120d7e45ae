"""The record `scrutiny server start` keeps in the home: what it started, and where it listens.

`scrutiny server stop` ends exactly these processes (by PID and start time, never by name),
and flow commands read the API address from here, so no environment variable is needed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from scrutiny.documents.atomic import write_bytes_atomic

STATE_FILE = "server.json"


@dataclass(frozen=True)
class ProcessRecord:
    """One process `server start` started: its PID, process group and kernel start time."""

    name: str
    pid: int
    pgid: int
    start_ticks: int  # field 22 of /proc/PID/stat: tells a reused PID from ours

    def alive(self) -> bool:
        return process_start_ticks(self.pid) == self.start_ticks


@dataclass(frozen=True)
class ServerState:
    api_url: str  # e.g. http://127.0.0.1:4200/api
    ui_url: str
    prefect_home: str
    work_pool: str
    processes: list[ProcessRecord] = field(default_factory=list)
    # Added for `scrutiny server status`; defaults keep older records readable.
    home: str = ""
    logs_dir: str = ""
    started_at: str = ""  # ISO time, UTC
    external_api: bool = False  # PREFECT_API_URL named a server `start` did not start: only the worker is ours

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def state_path(home: Path) -> Path:
    return home / ".prefect" / STATE_FILE


def save_server_state(home: Path, state: ServerState) -> None:
    write_bytes_atomic(state_path(home), state.to_json().encode("utf-8"))


def load_server_state(home: Path) -> ServerState | None:
    """The recorded state, or None when there is none or it cannot be read."""
    try:
        data = json.loads(state_path(home).read_text(encoding="utf-8"))
        processes = [ProcessRecord(**record) for record in data.pop("processes", [])]
        return ServerState(**data, processes=processes)
    except (OSError, ValueError, TypeError):
        return None


def clear_server_state(home: Path) -> None:
    state_path(home).unlink(missing_ok=True)


def process_start_ticks(pid: int) -> int | None:
    """The kernel's start time of a live process, or None when no such process exists."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[19]) if fields[0] != "Z" else None


def api_healthy(api_url: str, timeout_s: float = 2.0) -> bool:
    try:
        with urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout_s) as response:
            return bool(response.status == 200)
    except (URLError, OSError, ValueError):
        return False


def running_api_url(home: Path) -> str | None:
    """The API of the home's server when `server start` started it and it still answers."""
    state = load_server_state(home)
    if state is None:
        return None
    server = next((p for p in state.processes if p.name == "server"), None)
    if server is None or not server.alive() or not api_healthy(state.api_url):
        return None
    return state.api_url


__all__ = [
    "ProcessRecord",
    "ServerState",
    "api_healthy",
    "clear_server_state",
    "load_server_state",
    "process_start_ticks",
    "running_api_url",
    "save_server_state",
    "state_path",
]
