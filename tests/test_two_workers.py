"""Scale-out on an existing engine: a Prefect server whose own database is the local PostgreSQL, the
state database on PostgreSQL, two workers, and the chase and cycle deployments triggered several
times at once. Every letter, chaser and e-mail exists once."""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from tests.counts import note
from tests.server_helpers import (
    background_process,
    clean_env,
    free_port,
    prefect_api,
    scrutiny,
    started_server,
    wait_for,
)

ADMIN_URL = os.environ.get("SCRUTINY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RUNS_EACH = 3


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """A PostgreSQL database for Prefect (asyncpg) and one for the state (psycopg), dropped afterwards."""
    suffix = uuid.uuid4().hex[:10]
    names = [f"prefect_test_{suffix}", f"scrutiny_test_{suffix}"]
    admin = sqlalchemy.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield base.replace("+psycopg", "+asyncpg") + f"/{names[0]}", f"{base}/{names[1]}"
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class _Inbox:
    """Every message the SMTP server accepted."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.deliveries: list[tuple[str, str]] = []  # (Message-ID, envelope recipient)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.messages.append(envelope.content)
            message_id = str(message_from_bytes(envelope.content)["Message-ID"]).strip()
            self.deliveries += [(message_id, recipient) for recipient in envelope.rcpt_tos]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Inbox]]:
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def _trigger(api: str, client: Path, as_of: str) -> list[str]:
    """RUNS_EACH cycles and RUNS_EACH chases, all created before any starts."""
    ids: list[str] = []
    for name in ("scrutiny-cycle/daily", "chase-responses/daily-chasers"):
        ids += prefect_api(api, client, "create", name=name, parameters={"as_of": as_of}, count=RUNS_EACH)
    return ids


def test_two_workers_make_each_letter_chaser_and_email_once(
    databases: tuple[str, str], smtp: tuple[int, _Inbox], tmp_path: Path
) -> None:
    prefect_db, state_db = databases
    smtp_port, inbox = smtp
    home = tmp_path / "home"
    env = clean_env(
        home,
        SCRUTINY_SERVER_PORT=str(free_port()),
        SCRUTINY_DATABASE_URL=state_db,
        SCRUTINY_PDF="false",
        SCRUTINY_SMTP_HOST="127.0.0.1",
        SCRUTINY_SMTP_PORT=str(smtp_port),
        SCRUTINY_SMTP_STARTTLS="false",
        PREFECT_API_DATABASE_CONNECTION_URL=prefect_db,
        # Quicker polling than the defaults, so the queued runs follow each other promptly.
        PREFECT_WORKER_QUERY_SECONDS="2",
        PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS="2",
    )
    with started_server(env, home) as started:
        assert started.returncode == 0, started.stderr + started.stdout
        status = scrutiny(env, "server", "status", "--json")
        api, client = json.loads(status.stdout)["api_url"], tmp_path / "client-prefect"
        second_env = env | {"PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "second-worker-prefect")}
        second_env["PREFECT_LOGGING_LEVEL"] = "INFO"
        argv = [sys.executable, "-m", "prefect", "worker", "start", "--pool", "scrutiny", "--name", "second-worker"]
        with background_process(argv, second_env, tmp_path / "second-worker.log", tmp_path):
            wait_for(
                lambda: (
                    len([w for w in prefect_api(api, client, "workers", pool="scrutiny") if w["status"] == "ONLINE"])
                    == 2
                ),
                timeout=120,
                what="two workers online",
            )
            # Letters are due on 21 November; reminders on 4 January (five working days before 8 January).
            for as_of in ("2026-11-21", "2027-01-04"):
                ids = _trigger(api, client, as_of)
                states = prefect_api(api, client, "wait", ids=ids, timeout=900)
                assert [s["state_type"] for s in states] == ["COMPLETED"] * len(ids), states
        submitted = _runs_submitted_per_worker(home, tmp_path)
        note(f"flow runs submitted per worker: {submitted}")
        # Queued runs are offered again and again while they wait for a slot; each starts once.
        assert sum(submitted.values()) == 4 * RUNS_EACH and min(submitted.values()) > 0, submitted

    engine = sqlalchemy.create_engine(state_db)
    with engine.connect() as connection:
        requests = connection.exec_driver_sql("SELECT count(*) FROM request").scalar_one()
        letters = connection.exec_driver_sql(
            "SELECT letter_id, count(*) FROM document WHERE kind = 'request' GROUP BY letter_id"
        ).all()
        chasers = connection.exec_driver_sql(
            "SELECT letter_id, kind, due_date, count(*) FROM reminder GROUP BY 1, 2, 3"
        ).all()
        recipients = connection.exec_driver_sql("SELECT count(*) FROM delivery WHERE state = 'sent'").scalar_one()
        correspondence = "kind IN ('request', 'reminder', 'overdue', 'escalation')"
        documents = connection.exec_driver_sql(f"SELECT count(*) FROM document WHERE {correspondence}").scalar_one()
        paths = connection.exec_driver_sql(f"SELECT path FROM document WHERE {correspondence}").scalars().all()
    engine.dispose()
    assert requests > 0 and letters and chasers
    assert all(count == 1 for *_key, count in letters), letters
    assert all(count == 1 for *_key, count in chasers), chasers
    assert len(set(paths)) == documents
    sent = Counter(inbox.deliveries)
    assert sent and max(sent.values()) == 1, sent  # nobody got any e-mail twice
    assert len({message_id for message_id, _ in sent}) == documents  # each letter and chaser e-mailed
    assert len(sent) == recipients  # to each of its recipients, once


def _runs_submitted_per_worker(home: Path, tmp_path: Path) -> dict[str, int]:
    logs = {"started": home / ".prefect" / "logs" / "worker.log", "second": tmp_path / "second-worker.log"}
    return {name: log.read_text(errors="replace").count("submitted to infrastructure") for name, log in logs.items()}
