"""`scrutiny server start | stop | status`: one Prefect server, work pool, deployments and worker per home.

`start` leaves the server and the worker running detached from the terminal, records them (PID,
process group and kernel start time) in $SCRUTINY_HOME/.prefect/server.json, and returns once the
API answers, the deployments exist and the worker is online. `stop` ends exactly those processes
and their children. A PREFECT_API_URL set by the user wins: `start` then uses that server and
manages only the work pool, the deployments and a worker.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from scrutiny.errors import ScrutinyError
from scrutiny.runtime import server_prefect as api
from scrutiny.runtime.server_processes import free_port, port_free, port_listening, spawn_detached, terminate
from scrutiny.runtime.server_state import (
    ProcessRecord,
    ServerState,
    api_healthy,
    clear_server_state,
    load_server_state,
    save_server_state,
)
from scrutiny.settings import Settings

DEFAULT_PORT = 4200
STARTUP_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class StartResult:
    state: ServerState
    deployments: list[str]
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        worker = next(p for p in self.state.processes if p.name == "worker")
        lines = [*self.notes]
        lines.append(f"Prefect UI: {self.state.ui_url}")
        lines.append(f"API: {self.state.api_url}")
        lines.append(
            f"Work pool '{self.state.work_pool}' with a worker (PID {worker.pid}); logs in {self.state.logs_dir}"
        )
        lines.append(f"{len(self.deployments)} deployments: {', '.join(self.deployments)}")
        lines.append("Stop it all with 'scrutiny server stop'.")
        return "\n".join(lines)


@dataclass(frozen=True)
class ProcessStatus:
    name: str
    pid: int
    running: bool


@dataclass(frozen=True)
class StatusResult:
    home: str
    state: ServerState | None
    processes: list[ProcessStatus]
    api_answering: bool

    @property
    def running(self) -> bool:
        return bool(self.processes) and all(p.running for p in self.processes) and self.api_answering

    @property
    def stale(self) -> bool:
        return self.state is not None and not any(p.running for p in self.processes)

    def as_dict(self) -> dict[str, object]:
        return {
            "home": self.home,
            "running": self.running,
            "stale": self.stale,
            "api_answering": self.api_answering,
            "ui_url": self.state.ui_url if self.state else None,
            "api_url": self.state.api_url if self.state else None,
            "external_api": self.state.external_api if self.state else False,
            "work_pool": self.state.work_pool if self.state else None,
            "logs_dir": self.state.logs_dir if self.state else None,
            "started_at": self.state.started_at if self.state else None,
            "processes": [asdict(p) for p in self.processes],
        }

    def text(self) -> str:
        if self.state is None:
            return f"No Prefect server is recorded for {self.home}: 'scrutiny server start' starts one."
        if self.stale:
            gone = ", ".join(f"{p.name} PID {p.pid}" for p in self.processes)
            return (
                f"Not running: the record from {self.state.started_at} is stale ({gone} gone). "
                "'scrutiny server start' starts it again."
            )
        verdict = "running" if self.running else "partly running"
        lines = [f"Prefect server for {self.home}: {verdict}"]
        answering = "answering" if self.api_answering else "NOT answering"
        source = " (PREFECT_API_URL; not started here)" if self.state.external_api else ""
        lines.append(f"  UI:  {self.state.ui_url}")
        lines.append(f"  API: {self.state.api_url} ({answering}){source}")
        lines.append(f"  work pool: {self.state.work_pool}")
        for process in self.processes:
            lines.append(f"  {process.name}: PID {process.pid} {'running' if process.running else 'gone'}")
        lines.append(f"  logs: {self.state.logs_dir}; started {self.state.started_at}")
        if not self.running:
            lines.append("'scrutiny server stop' then 'scrutiny server start' restarts it.")
        return "\n".join(lines)


@dataclass(frozen=True)
class StopResult:
    home: str
    state: ServerState | None
    leftover: list[int]

    def text(self) -> str:
        if self.state is None:
            return f"No Prefect server is recorded for {self.home}: nothing to stop."
        names = ", ".join(f"{p.name} (PID {p.pid})" for p in self.state.processes)
        return f"Stopped {names}." if names else "Nothing was running; the record was cleared."


def start_server(settings: Settings, environ: Mapping[str, str] | None = None) -> StartResult:
    environ = dict(os.environ if environ is None else environ)
    home = settings.home.resolve()
    notes: list[str] = []
    existing = load_server_state(home)
    if existing is not None:
        if any(p.alive() for p in existing.processes):
            raise ScrutinyError(
                f"a Prefect server for {home} is already running (UI {existing.ui_url}): "
                "see 'scrutiny server status', or 'scrutiny server stop' first"
            )
        clear_server_state(home)
        notes.append(f"Cleared a stale record of a server started {existing.started_at}.")
    external = environ.get("PREFECT_API_URL", "").strip().rstrip("/")
    # Everything that can refuse does so before anything is written or started.
    port = None if external else _choose_port(settings)
    if external:
        if not api_healthy(external):
            raise ScrutinyError(
                f"PREFECT_API_URL {external} does not answer: start that server, or unset PREFECT_API_URL "
                "so that 'scrutiny server start' runs one for this home"
            )
        notes.append(
            f"PREFECT_API_URL is set: using the Prefect server at {external}; only the work pool, "
            "the deployments and a worker are started here."
        )
    revision, committees = _prepare_home()
    prefect_home = home / ".prefect"
    logs = prefect_home / "logs"
    child_env = {
        **environ,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": environ.get("DO_NOT_TRACK", "1"),  # the worker and its flow runs send no SDK telemetry
    }
    state = ServerState(
        api_url=external,
        ui_url=external.removesuffix("/api"),
        prefect_home=str(prefect_home),
        work_pool=api.WORK_POOL,
        home=str(home),
        logs_dir=str(logs),
        started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        external_api=bool(external),
    )
    started: list[ProcessRecord] = []
    try:
        if port is not None:
            state, server = _start_prefect_server(settings.server_host, port, state, child_env, logs)
            started.append(server)
        api_url = state.api_url
        api.ensure_work_pool(api_url)
        api.pin_run_settings(
            api_url, home=home, database_url=settings.effective_database_url, revision=revision, committees=committees
        )
        deployments = api.deploy_all(api_url, env=child_env, log=logs / "deploy.log")
        worker_name = f"scrutiny-{socket.gethostname()}-{os.getpid()}"
        worker_env = {**child_env, "PREFECT_API_URL": api_url, "SCRUTINY_HOME": str(home)}
        worker_env["PREFECT_LOGGING_LEVEL"] = "INFO"  # the CLI's CRITICAL would keep run logs from the UI
        worker = spawn_detached(
            "worker", api.worker_command(worker_name), env=worker_env, log_path=logs / "worker.log", cwd=home
        )
        started.append(worker)
        state = replace(state, processes=[*state.processes, worker])
        save_server_state(home, state)
        api.wait_until(
            lambda: api.worker_online(api_url, worker_name),
            timeout_s=STARTUP_TIMEOUT_S,
            still_starting=worker.alive,
            what=f"the worker (log: {logs / 'worker.log'})",
        )
    except BaseException:
        # Whatever went wrong (or Ctrl-C), nothing half-started is left running.
        terminate(started, grace_s=10)
        clear_server_state(home)
        raise
    return StartResult(state=state, deployments=deployments, notes=notes)


def _start_prefect_server(
    host: str, port: int, state: ServerState, env: dict[str, str], logs: Path
) -> tuple[ServerState, ProcessRecord]:
    reach = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    api_url, ui_url = f"http://{reach}:{port}/api", f"http://{reach}:{port}"
    server_env = {key: value for key, value in env.items() if key != "PREFECT_API_URL"}
    # The UI is told where its API is; by default it would look on port 4200.
    server_env |= {"PREFECT_UI_API_URL": api_url, "PREFECT_SERVER_API_HOST": host, "PREFECT_SERVER_API_PORT": str(port)}
    server = spawn_detached(
        "server", api.server_command(host, port), env=server_env, log_path=logs / "server.log", cwd=Path(state.home)
    )
    state = replace(state, api_url=api_url, ui_url=ui_url, processes=[server])
    save_server_state(Path(state.home), state)  # a start killed from here on can still be stopped
    api.wait_for_api(api_url, timeout_s=STARTUP_TIMEOUT_S, still_starting=server.alive, log=logs / "server.log")
    return state, server


def _choose_port(settings: Settings) -> int:
    host = settings.server_host
    if settings.server_port is not None:
        if not port_free(host, settings.server_port):
            raise ScrutinyError(f"SCRUTINY_SERVER_PORT {settings.server_port}: the port is in use on {host}")
        return settings.server_port
    return DEFAULT_PORT if port_free(host, DEFAULT_PORT) else free_port(host)


def _prepare_home() -> tuple[str, str]:
    """Create or upgrade the home's database first: deployment runs then find what they expect."""
    from scrutiny.runtime.guard import describe_environment
    from scrutiny.services.home import open_workspace

    workspace = open_workspace()
    environment = describe_environment(workspace.settings)
    return environment.revision, ",".join(environment.committees)


def server_status(home: Path) -> StatusResult:
    home = home.resolve()
    state = load_server_state(home)
    if state is None:
        return StatusResult(home=str(home), state=None, processes=[], api_answering=False)
    processes = [ProcessStatus(p.name, p.pid, p.alive()) for p in state.processes]
    answering = bool(state.api_url) and api_healthy(state.api_url)
    return StatusResult(home=str(home), state=state, processes=processes, api_answering=answering)


def stop_server(home: Path) -> StopResult:
    home = home.resolve()
    state = load_server_state(home)
    if state is None:
        return StopResult(home=str(home), state=None, leftover=[])
    # The worker first, so it is not left polling a server that has gone.
    ordered = sorted(state.processes, key=lambda p: p.name != "worker")
    # A worker's SIGTERM lets the flow runs it started finish: give them a minute.
    leftover = [
        info.pid for record in ordered for info in terminate([record], grace_s=60 if record.name == "worker" else 20)
    ]
    if leftover:
        raise ScrutinyError(f"processes {', '.join(map(str, leftover))} did not end; the record is kept")
    if not state.external_api and state.api_url:
        _wait_port_closed(state.api_url)
    clear_server_state(home)
    return StopResult(home=str(home), state=state, leftover=[])


def _wait_port_closed(api_url: str, timeout_s: float = 10.0) -> None:
    parts = urlsplit(api_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    deadline = time.monotonic() + timeout_s
    while port_listening(host, port):
        if time.monotonic() > deadline:
            raise ScrutinyError(f"port {port} on {host} still answers after the server was stopped")
        time.sleep(0.2)
