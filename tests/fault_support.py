"""What the fault trials share: an SMTP sink that can drop connections mid-message, and checks of the
state a run left (every e-mail sent or pending, every recorded file whole, each message received once)."""

from __future__ import annotations

import asyncio
import contextlib
import email
import hashlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from sqlalchemy import create_engine
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
        assert isinstance(self.transport, asyncio.Transport)
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


def responses() -> list[models.Response]:
    with _session() as session:
        return list(session.exec(select(models.Response).order_by(col(models.Response.id))))


def inbound_outcomes() -> dict[str, str]:
    """Message-ID (or file key) -> what `responses collect` made of it."""
    with _session() as session:
        return {row.message_id: row.outcome for row in session.exec(select(models.InboundMessage))}


def letter_requests(letter_ids: list[str]) -> set[str]:
    with _session() as session:
        rows = session.exec(
            select(models.LetterRequest.request_id).where(col(models.LetterRequest.letter_id).in_(letter_ids))
        )
        return set(rows)


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


class CuttingProxy:
    """A TCP proxy in front of a server that, on the ``nth`` client line matching ``pattern`` (counted
    over every connection), calls ``cut`` (which kills the server) before that line reaches it, then
    drops the connection. Until ``arm`` is called, or once it has cut, it only forwards."""

    def __init__(self, upstream: Callable[[], int]) -> None:
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._pattern: re.Pattern[bytes] | None = None
        self._nth = 0
        self._seen = 0
        self._cut: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self.lines: list[bytes] = []  # every client line, for a failing trial's message
        self.cuts = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, pattern: bytes, nth: int, cut: Callable[[], None]) -> None:
        with self._lock:
            self._pattern, self._nth, self._seen, self._cut = re.compile(pattern), nth, 0, cut

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self._upstream()), timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            threading.Thread(target=self._pump_down, args=(server, client), daemon=True).start()
            threading.Thread(target=self._pump_up, args=(client, server), daemon=True).start()

    def _pump_down(self, server: socket.socket, client: socket.socket) -> None:
        try:
            while data := server.recv(65536):
                client.sendall(data)
        except OSError:
            pass
        finally:
            _shut(client)

    def _pump_up(self, client: socket.socket, server: socket.socket) -> None:
        pending = b""
        try:
            while data := client.recv(65536):
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    self.lines.append(line)
                    if self._fires(line):
                        self.cuts += 1
                        return  # the line is never forwarded: the server died before it arrived
                    server.sendall(line + b"\n")
        except OSError:
            pass
        finally:
            _shut(server)
            _shut(client)

    def _fires(self, line: bytes) -> bool:
        with self._lock:
            if self._pattern is None or not self._pattern.search(line):
                return False
            self._seen += 1
            if self._seen < self._nth or self._cut is None:
                return False
            cut, self._pattern, self._cut = self._cut, None, None
        cut()
        return True


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class PrivatePostgres:
    """A PostgreSQL instance of this test's own (initdb + pg_ctl in a temporary folder, a free port on
    127.0.0.1), so a trial can restart it without touching the server other tests share. PostgreSQL
    refuses to run as root, so under root it runs as the ``postgres`` system user."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
        if not found:
            raise RuntimeError("PostgreSQL's server programs are needed: scripts/setup.sh installs postgresql")
        self.bin = found[-1].parent
        self.root = Path(tempfile.mkdtemp(prefix="scrutiny-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.restarts = 0
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)

    def _run(self, *args: str, timeout_s: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr.strip()} {log}")

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", action, "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, *extra)

    def start(self) -> str:
        """Create and start the instance; returns the URL of its empty database ``scrutiny``."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        self._pg_ctl("start")
        admin = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql('CREATE DATABASE "scrutiny"')
        finally:
            admin.dispose()
        return self.url("scrutiny")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def restart(self) -> None:
        """What an operator's `pg_ctl restart -m fast` does: every session is cut off at once."""
        self._pg_ctl("restart", "-m", "fast")
        self.restarts += 1

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    def start_again(self) -> None:
        self._pg_ctl("start")
        self.restarts += 1

    def wait_ready(self, timeout_s: float = 60) -> None:
        """Until it accepts connections again (an operator runs the command again once it is back)."""
        deadline = time.monotonic() + timeout_s
        ready = [str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
        while subprocess.run(ready, check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not come back within {timeout_s:g} s")
            time.sleep(0.2)

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)
