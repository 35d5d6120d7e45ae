"""What the fault trials share: an SMTP sink that can drop connections mid-message, and checks of the
state a run left (every e-mail sent or pending, every recorded file whole, each message received once)."""

from __future__ import annotations

import asyncio
import email
import hashlib
import socket
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from sqlmodel import Session, col, select

from scrutiny.settings import get_settings
from state import models
from state.db import get_engine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SinkHandler:
    """Keeps every message the server accepted, with the envelope's recipients.

    ``on_message`` runs (in the server's thread) after a message is received and before the
    client hears "250": a trial can break something else at exactly that moment.
    """

    def __init__(self) -> None:
        self.received: list[tuple[EmailMessage, list[str]]] = []
        self.drops_left = 0  # DATA transactions still to cut off mid-message
        self.dropped = 0
        self.on_message: Callable[[int], None] | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((message, list(envelope.rcpt_tos)))  # type: ignore[arg-type]
        if self.on_message is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.on_message, len(self.received))
        return "250 Message accepted for delivery"

    def pairs(self) -> list[tuple[str, str]]:
        """(Message-ID, recipient) for each copy received: a duplicate shows as a repeated pair."""
        return [(str(m["Message-ID"]).strip(), rcpt.lower()) for m, rcpts in self.received for rcpt in rcpts]


class DroppingSMTP(SMTP):
    """aiosmtpd's server, except that while ``drops_left`` lasts it answers DATA with 354, reads the
    first part of the message and then closes the connection, as a server that dies mid-message does."""

    async def smtp_DATA(self, arg: str) -> None:
        handler: SinkHandler = self.event_handler
        if handler.drops_left <= 0 or self.envelope is None or not self.envelope.rcpt_tos:
            await super().smtp_DATA(arg)
            return
        handler.drops_left -= 1
        handler.dropped += 1
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        read = 0
        while read < 2048:  # some of the headers and body, never the final dot
            line = await self._reader.readuntil(b"\r\n")
            read += len(line)
        assert self.transport is not None
        self.transport.abort()  # a reset, not a goodbye: the server is gone
        await asyncio.Event().wait()  # until connection_lost cancels this session: read nothing more


class SinkController(Controller):
    def factory(self) -> SMTP:
        return DroppingSMTP(self.handler, **self.SMTP_kwargs)


def start_sink(port: int) -> tuple[SinkController, SinkHandler]:
    handler = SinkHandler()
    controller = SinkController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler


def smtp_environment(monkeypatch: Any, port: int, *, retry_delays: str = "") -> None:
    for name in ("SCRUTINY_SMTP_USERNAME", "SCRUTINY_SMTP_PASSWORD_BLOCK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCRUTINY_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SCRUTINY_SMTP_PORT", str(port))
    monkeypatch.setenv("SCRUTINY_SMTP_STARTTLS", "false")
    monkeypatch.setenv("SCRUTINY_DELIVERY_RETRY_DELAYS", retry_delays)


def _session() -> Session:
    return Session(get_engine(get_settings().effective_database_url))


def deliveries() -> list[models.Delivery]:
    with _session() as session:
        return list(session.exec(select(models.Delivery).order_by(col(models.Delivery.id))))


def documents(kind: str | None = None) -> list[models.Document]:
    with _session() as session:
        query = select(models.Document).order_by(col(models.Document.id))
        if kind is not None:
            query = query.where(models.Document.kind == kind)
        return list(session.exec(query))


def delivery_states() -> dict[str, int]:
    found: dict[str, int] = {}
    for row in deliveries():
        found[row.state] = found.get(row.state, 0) + 1
    return found


def recorded_files_are_whole(home: Path) -> list[str]:
    """Problems with the files the database names: missing, empty, or not what its hash says."""
    problems = []
    with _session() as session:
        rows = [(d.path, d.sha256) for d in session.exec(select(models.Document))]
        rows += [(r.path, r.sha256) for r in session.exec(select(models.Response))]
    for stored, sha256 in rows:
        path = home / stored
        if not path.is_file():
            problems.append(f"{stored}: recorded but missing")
        elif path.stat().st_size == 0:
            problems.append(f"{stored}: empty")
        elif sha256 and hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
            problems.append(f"{stored}: not the recorded file")
    return problems


def empty_or_partial_files(home: Path) -> list[str]:
    """Zero-byte files and the atomic writer's temporary files anywhere in the home (Prefect's own and
    the empty lock file that serialises SQLite migrations aside)."""
    found = []
    for path in home.rglob("*"):
        if ".prefect" in path.parts or not path.is_file() or path.name.endswith(".migrate.lock"):
            continue
        if path.name.endswith(".tmp") or path.stat().st_size == 0:
            found.append(str(path.relative_to(home)))
    return sorted(found)


def one_line_error(code: int, err: str, out: str = "") -> str:
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert code == 2, (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("scrutiny: error: "), err
    assert "Traceback" not in err + out
    return lines[0]
