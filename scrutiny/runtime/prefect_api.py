"""Which Prefect API a command talks to, and a clean end to Prefect's clients when it is done.

In order: the API the user configured (PREFECT_API_URL, or a Prefect profile); else the home's
server started by `scrutiny server start`; else a temporary server that this module starts and
that dies with the command (see `temporary_server` and docs/operations-temporary-server.md).
Prefect's own ephemeral server is never allowed: it outlives a killed command.

The CLI opens `prefect_api_on_demand` around every command; a flow command calls
`require_prefect_api()` just before its first flow, so read-only commands and commands that
fail on their input never start a server.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from scrutiny.runtime.interrupts import interrupts_deferred, received_signal
from scrutiny.runtime.server_state import running_api_url
from scrutiny.runtime.temporary_server import temporary_server
from scrutiny.settings import Settings

ApiSource = Literal["configured", "home server", "temporary server"]
DRAIN_TIMEOUT_S = 5.0  # a normal end: the last events and logs reach a live server well within this
DRAIN_TIMEOUT_INTERRUPTED_S = 1.5  # after Ctrl-C the whole exit must fit in a few seconds
EPHEMERAL_OFF = {"PREFECT_SERVER_EPHEMERAL_ENABLED": "false"}


@dataclass(frozen=True)
class ApiInfo:
    url: str
    source: ApiSource
    startup_seconds: float = 0.0  # only a temporary server takes time to start


def forbid_prefect_ephemeral_server() -> None:
    """Prefect must fail rather than start its own server, which survives a killed command.

    Effective for settings read after this call; `prefect_api` also sets it in Prefect's context.
    """
    os.environ.update(EPHEMERAL_OFF)


def prefect_home(settings: Settings) -> Path:
    return Path(os.environ.get("PREFECT_HOME") or settings.home / ".prefect")


@contextmanager
def prefect_api(settings: Settings, *, announce: TextIO | None = None) -> Iterator[ApiInfo]:
    """A Prefect API for the block; on the way out Prefect's clients are drained and a server we started stops.

    Start it from the main thread. `announce` (the CLI passes stderr) gets the temporary server's
    first line and its start-up time.
    """
    forbid_prefect_ephemeral_server()
    with ExitStack() as stack:
        try:
            info = _enter_api(settings, stack, announce)
            # Runs first on the way out: what the clients hold is sent while the server still answers.
            stack.callback(stop_engine_services)
        except BaseException:
            with interrupts_deferred():
                stack.close()
            raise
        try:
            yield info
        finally:
            with interrupts_deferred():
                stack.close()


def _enter_api(settings: Settings, stack: ExitStack, announce: TextIO | None) -> ApiInfo:
    configured = _configured_api_url()
    if configured:
        stack.enter_context(_engine_settings(None))
        return ApiInfo(configured, "configured")
    home_url = running_api_url(settings.home)
    if home_url:
        stack.enter_context(_engine_settings(home_url))
        return ApiInfo(home_url, "home server")
    server = stack.enter_context(temporary_server(prefect_home(settings), announce=announce))
    stack.enter_context(_engine_settings(server.api_url))
    return ApiInfo(server.api_url, "temporary server", server.startup_seconds)


def _configured_api_url() -> str | None:
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    from prefect.settings import get_current_settings

    # A Prefect profile, or a settings context such as the test harness's.
    url = get_current_settings().api.url
    return str(url) if url else None


@contextmanager
def _engine_settings(url: str | None) -> Iterator[None]:
    """Prefect's settings for a command's flows; with `url`, pointed at that API (also in the
    environment, for child processes).

    No flow-run heartbeats: the heartbeat thread sleeps in one-second steps and each flow run
    waits for it at its end (up to a second per flow, several in `scrutiny run`), while a command
    lasts seconds. Deployments run by a worker are not affected.
    """
    from prefect.settings import temporary_settings

    updates: dict[str, object] = {"server.ephemeral.enabled": False, "flows.heartbeat_frequency": None}
    saved = os.environ.get("PREFECT_API_URL")
    if url is not None:
        updates["api.url"] = url
        os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates=updates):
            yield
    finally:
        if url is not None:
            if saved is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = saved


def stop_engine_services(timeout_s: float | None = None) -> bool:
    """Stop Prefect's events and API-log workers, sending what they hold within `timeout_s`.

    Returns False when something was still unsent at the bound (the server is gone or slow); the
    CLI then bounds its own exit, since Prefect's at-exit hooks would otherwise wait for it.
    """
    if "prefect" not in sys.modules:
        return True
    if timeout_s is None:
        timeout_s = DRAIN_TIMEOUT_INTERRUPTED_S if received_signal() is not None else DRAIN_TIMEOUT_S
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    deadline = time.monotonic() + timeout_s
    drained = True
    for service in (APILogWorker, EventsWorker):
        result = service.drain_all(timeout=max(0.05, deadline - time.monotonic()))
        if isinstance(result, tuple):
            _done, pending = result
            drained = drained and not pending
    return drained


class _OnDemand:
    """The API a command may ask for; opened by the CLI, closed when the command ends."""

    def __init__(self, settings: Settings, announce: TextIO | None) -> None:
        self.settings = settings
        self.announce = announce
        self.stack = ExitStack()
        self.info: ApiInfo | None = None

    def require(self) -> ApiInfo:
        if self.info is None:
            self.info = self.stack.enter_context(prefect_api(self.settings, announce=self.announce))
        return self.info


_current: list[_OnDemand] = []


@contextmanager
def prefect_api_on_demand(settings: Settings, *, announce: TextIO | None = None) -> Iterator[None]:
    """Nothing starts here; `require_prefect_api()` inside the block gets (and starts) the API once."""
    session = _OnDemand(settings, announce)
    _current.append(session)
    try:
        with session.stack:
            yield
    finally:
        _current.remove(session)


def require_prefect_api() -> ApiInfo:
    """The API for the flows about to run, started now if needed. Call it right before a flow.

    Outside `prefect_api_on_demand` (a script calling a command's handler) the API is kept until
    the process ends.
    """
    if not _current:
        from scrutiny.settings import get_settings

        session = _OnDemand(get_settings(), sys.stderr)
        _current.append(session)
        import atexit

        atexit.register(session.stack.close)
    return _current[-1].require()


__all__ = [
    "ApiInfo",
    "forbid_prefect_ephemeral_server",
    "prefect_api",
    "prefect_api_on_demand",
    "require_prefect_api",
    "stop_engine_services",
]
