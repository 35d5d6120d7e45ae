"""No password reaches a log line, an artifact, a file of the home, the database or a terminal.

Full cycles (`scrutiny run`, as an officer's shell runs it) against a real Prefect server, a
PostgreSQL database whose URL carries a password, an SMTP server that requires a login (the
password from the environment, then from a Prefect Secret block), and a Dovecot mailbox with its
own password; then runs that fail on a wrong password and an unreachable database. Afterwards
everything is searched for every configured secret, as typed and as a URL would quote it: both
commands' stdout and stderr, every file under the home (Prefect's own folder included), the
Prefect server's log, every log line, artifact, flow run and task run the API holds, and every
row of the state database. The server's own database is not searched: the Secret block is where
the SMTP password is meant to be.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import sqlalchemy
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from scrutiny.settings import BUNDLED_CONFIG
from tests.conftest import TEST_POSTGRES_ADMIN_URL
from tests.counts import note
from tests.imap_server import ImapAccount
from tests.product_processes import SCRUTINY, command_environment, free_port, prefect_server
from tests.state_dump import database_rows

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

SMTP_USER = "scrutiny"
BLOCK = "scrutiny-smtp-password"

_API_DUMP = """
import asyncio, json
from prefect.client.orchestration import get_client

async def main():
    out = {"logs": [], "artifacts": [], "flow_runs": [], "task_runs": []}
    async with get_client() as client:
        for key, read in (("logs", client.read_logs), ("artifacts", client.read_artifacts),
                          ("flow_runs", client.read_flow_runs), ("task_runs", client.read_task_runs)):
            offset = 0
            while True:
                page = await read(limit=200, offset=offset)
                out[key] += [item.model_dump(mode="json") for item in page]
                if len(page) < 200:
                    break
                offset += 200
    print(json.dumps(out))

asyncio.run(main())
"""

_SAVE_BLOCK = """
import sys
from prefect.blocks.system import Secret
Secret(value=sys.stdin.read()).save(sys.argv[1], overwrite=True)
"""


class _Smtp:
    def __init__(self, password: str) -> None:
        self.password = password
        self.logins: list[bool] = []
        self.messages = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        return "250 Message accepted for delivery"

    def check(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data == (SMTP_USER.encode(), self.password.encode())
        self.logins.append(ok)
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def database_with_password() -> Iterator[tuple[str, str]]:
    """A PostgreSQL role with a password, owning a fresh database; the URL carries the password."""
    suffix = uuid.uuid4().hex[:10]
    role, name = f"scrutiny_secret_{suffix}", f"scrutiny_secret_{suffix}"
    password = "pg-" + secrets.token_urlsafe(18)
    admin = sqlalchemy.create_engine(TEST_POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER "{role}"')
    host = TEST_POSTGRES_ADMIN_URL.rsplit("@", 1)[1].rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{role}:{quote(password, safe='')}@{host}/{name}", password
    finally:
        from state.db import get_engine

        get_engine.cache_clear()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret)}


def _run(args: list[str], env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRUTINY, *args], env=env, cwd=home, capture_output=True, text=True, timeout=600, check=False
    )


def _python(script: str, api: str, *args: str, stdin: str = "") -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_API_URL"] = api
    result = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, input=stdin, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _unmatched_message() -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = "someone@elsewhere.example", "scrutiny@hackney.example"
    message["Subject"], message["Message-ID"] = "Not a response", "<not-a-response@elsewhere.example>"
    message.set_content("Nothing to do with any letter.")
    return bytes(message)


def test_no_secret_reaches_a_log_an_artifact_a_file_or_a_terminal_postgres(
    tmp_path: Path, database_with_password: tuple[str, str], imap_account: ImapAccount
) -> None:
    url, pg_password = database_with_password
    smtp_password = "smtp-" + secrets.token_urlsafe(18)
    wrong_password = "wrong-" + secrets.token_urlsafe(18)
    home = tmp_path / "home"
    home.mkdir()
    handler = _Smtp(smtp_password)
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=handler.check,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    imap_account.append(_unmatched_message())
    results: list[subprocess.CompletedProcess[str]] = []
    try:
        with prefect_server(tmp_path / "prefect-server", tmp_path / "prefect-server.log") as (api, _server):
            _python(_SAVE_BLOCK, api, BLOCK, stdin=smtp_password)
            base = command_environment(home, url, tmp_path / "tmp", uuid.uuid4().hex, api) | {
                "PREFECT_LOGGING_LEVEL": "DEBUG",  # as much logging as there can be: more places to leak
                "SCRUTINY_SMTP_HOST": "127.0.0.1",
                "SCRUTINY_SMTP_PORT": str(port),
                "SCRUTINY_SMTP_STARTTLS": "false",
                "SCRUTINY_SMTP_USERNAME": SMTP_USER,
                "SCRUTINY_DELIVERY_RETRY_DELAYS": "",
                "SCRUTINY_IMAP_HOST": imap_account.host,
                "SCRUTINY_IMAP_PORT": str(imap_account.port),
                "SCRUTINY_IMAP_USER": imap_account.user,
                "SCRUTINY_IMAP_PASSWORD": imap_account.password,
                "SCRUTINY_IMAP_SSL": "false",
            }
            # The letters' day, the SMTP password from the environment; the reminders' day, from the block.
            results.append(
                _run(["run", "--as-of", "2026-11-21"], base | {"SCRUTINY_SMTP_PASSWORD": smtp_password}, home)
            )
            assert results[-1].returncode == 0, results[-1].stderr
            results.append(_run(["run", "--as-of", "2027-01-04"], base | {"SCRUTINY_SMTP_PASSWORD_BLOCK": BLOCK}, home))
            assert results[-1].returncode == 0, results[-1].stderr
            # Failures say what is wrong, not what the secret was.
            refused = _run(["remind", "--as-of", "2027-01-11"], base | {"SCRUTINY_SMTP_PASSWORD": wrong_password}, home)
            results.append(refused)
            assert refused.returncode == 2 and "rejected the login for 'scrutiny'" in refused.stderr, refused.stderr
            unreachable = url.replace(url.rsplit("@", 1)[1].split("/", 1)[0], f"127.0.0.1:{free_port()}")
            results.append(_run(["responses", "due"], base | {"SCRUTINY_DATABASE_URL": unreachable}, home))
            assert results[-1].returncode == 2 and "cannot connect" in results[-1].stderr, results[-1].stderr
            api_dump = _python(_API_DUMP, api)
    finally:
        controller.stop()

    assert handler.logins.count(True) >= 2 and handler.messages >= 2, "the password was used to send"
    assert False in handler.logins, "the wrong password was tried"
    assert imap_account.messages("Scrutiny/Unmatched"), "the mailbox was logged in to and swept"
    dump = json.loads(api_dump)
    assert dump["artifacts"] and dump["logs"] and dump["flow_runs"]

    searched: dict[str, str] = {}
    for number, result in enumerate(results):
        searched[f"run {number} stdout"], searched[f"run {number} stderr"] = result.stdout, result.stderr
    files = [path for path in home.rglob("*") if path.is_file()]
    for path in files:
        searched[str(path.relative_to(home))] = path.read_bytes().decode("utf-8", "replace")
    searched["prefect server log"] = (tmp_path / "prefect-server.log").read_bytes().decode("utf-8", "replace")
    searched["prefect API"] = api_dump
    searched["state database"] = json.dumps(database_rows(url))
    configured = {
        "SMTP password": smtp_password,
        "wrong SMTP password": wrong_password,
        "PostgreSQL password": pg_password,
        "IMAP password": imap_account.password,
    }
    found = [
        f"{what} in {where}"
        for what, secret in configured.items()
        for where, text in searched.items()
        if any(form in text for form in _forms(secret))
    ]
    assert not found, found
    people = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", BUNDLED_CONFIG.read_text(encoding="utf-8")))
    assert people and not sorted(a for a in people if a in api_dump), "no person's address in Prefect's logs"
    assert "scrutiny run environment" in api_dump and ":***@" in api_dump  # the URL is there, masked
    lines = sum(text.count("\n") for text in searched.values())
    note(
        f"secrets: {len(configured)} configured (SMTP from the environment and a Prefect Secret block, a wrong one, "
        f"IMAP, PostgreSQL URL), {len(results)} runs, {len(files)} files of the home, {len(dump['logs'])} log records, "
        f"{len(dump['artifacts'])} artifacts, {len(dump['flow_runs'])} flow runs, {lines} lines searched: none found"
    )
