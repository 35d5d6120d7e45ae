"""Dump and restore the state database: SQLite through its backup API, PostgreSQL through pg_dump.

Both give a consistent copy while flows write: SQLite's backup API copies one snapshot of the
pages, and pg_dump reads inside one repeatable-read transaction. A restore is one step for the
database: the backup API replaces the destination in one transaction, and psql runs the whole
PostgreSQL restore with --single-transaction, so a failure leaves the database as it was. The
PostgreSQL password goes to the tools in PGPASSWORD, never on a command line others can read.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from scrutiny.errors import ScrutinyError
from state.db import get_engine, redact

TOOL_TIMEOUT_S = 3600.0


def dialect_of(url: str) -> str:
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise ScrutinyError(f"database URL {redact(url)} is not a database URL") from None
    if backend in ("sqlite", "postgresql"):
        return backend
    raise ScrutinyError(f"database {redact(url)}: backups cover SQLite and PostgreSQL, not {backend}")


def sqlite_file(url: str) -> Path:
    name = make_url(url).database
    if not name or name == ":memory:":
        raise ScrutinyError(f"database {url}: an in-memory SQLite database cannot be backed up")
    return Path(name)


def database_tables(url: str) -> list[str]:
    """The tables the database holds now; an SQLite file that does not exist holds none (and is not created)."""
    if dialect_of(url) == "sqlite" and not sqlite_file(url).exists():
        return []
    try:
        with get_engine(url).connect() as connection:
            return sorted(inspect(connection).get_table_names())
    except SQLAlchemyError as exc:
        raise ScrutinyError(f"database {redact(url)}: cannot connect ({_first_line(str(exc))})") from None


def dump_database(url: str, target: Path) -> None:
    """A consistent copy of the whole database in `target` (an SQLite file, or a pg_dump custom archive)."""
    if dialect_of(url) == "sqlite":
        _sqlite_copy(sqlite_file(url), target, what=f"database {url}")
        return
    _run_tool(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *_connection_args(url)],
        url,
        what="pg_dump",
    )


def check_sqlite_copy(path: Path, where: str) -> None:
    """Refuse an SQLite copy that is damaged, before it replaces anything."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise ScrutinyError(f"{where}: its database is not a readable SQLite file ({exc})") from None
    if not result or result[0] != "ok":
        raise ScrutinyError(f"{where}: its database fails SQLite's integrity check ({result[0] if result else '?'})")


def restore_database(url: str, source: Path, work: Path, *, replace: bool) -> None:
    """Put the dumped database in place of what `url` holds (nothing, or with `replace` anything)."""
    if dialect_of(url) == "sqlite":
        target = sqlite_file(url)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScrutinyError(f"database {url}: cannot create the folder {target.parent} ({exc.strerror})") from None
        _sqlite_copy(source, target, what=f"database {url}")
    else:
        script = work / "restore.sql"
        _run_tool(
            ["pg_restore", "--no-owner", "--no-privileges", "--file", str(script), str(source)], url, "pg_restore"
        )
        prelude = work / "prelude.sql"
        existing = database_tables(url) if replace else []
        prelude.write_text("".join(f'DROP TABLE IF EXISTS "{name}" CASCADE;\n' for name in existing), encoding="utf-8")
        _run_tool(
            [
                "psql",
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set",
                "ON_ERROR_STOP=1",
                "--file",
                str(prelude),
                "--file",
                str(script),
                *_connection_args(url),
            ],  # fmt: skip
            url,
            what="psql",
        )
    # Pooled connections of this process must not carry what they cached of the old database.
    get_engine(url).dispose()


def _sqlite_copy(source: Path, target: Path, *, what: str) -> None:
    if not source.is_file():
        raise ScrutinyError(f"{what}: the file {source} does not exist: nothing to copy (run 'scrutiny init' first)")
    try:
        src = sqlite3.connect(source, timeout=30)
        try:
            dst = sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst)  # all pages in one step: one snapshot, one transaction on the destination
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise ScrutinyError(f"{what}: SQLite copy from {source} to {target} failed ({exc})") from None


def _libpq_url(url: str) -> URL:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql", password=None)


def _connection_args(url: str) -> list[str]:
    return ["--dbname", _libpq_url(url).render_as_string(hide_password=False)]


def _run_tool(args: list[str], url: str, what: str) -> None:
    if shutil.which(args[0]) is None:
        raise ScrutinyError(
            f"{args[0]} is not installed: it is needed for a PostgreSQL database (package postgresql-client)"
        )
    env = dict(os.environ)
    password = make_url(url).password
    if password:
        env["PGPASSWORD"] = str(password)
    try:
        result = subprocess.run(
            args,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TOOL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ScrutinyError(
            f"{what} on {redact(url)} took longer than {TOOL_TIMEOUT_S:.0f} s; nothing changed"
        ) from None
    except OSError as exc:
        raise ScrutinyError(f"{what} could not be started ({exc.strerror})") from None
    if result.returncode != 0:
        raise ScrutinyError(f"{what} on {redact(url)} failed: {_first_line(result.stderr)}")


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no message"
