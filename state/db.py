"""Engine, sessions and schema upgrades for the state database."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlmodel import Session, SQLModel, create_engine

from scrutiny.errors import ScrutinyError

MIGRATIONS = Path(__file__).parent / "migrations"


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScrutinyError(f"database {url}: cannot create the folder {folder} ({exc.strerror})") from None
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ValueError, ModuleNotFoundError) as exc:
        raise ScrutinyError(f"database URL {redact(url)}: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def redact(url: str) -> str:
    """Hide a password in a URL before it is shown to anyone."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


_MIGRATION_LOCK = 7_318_402  # any constant: the PostgreSQL advisory lock that serialises migrations


def upgrade_schema(url: str, *, home: Path | None = None) -> str:
    """Create or upgrade the schema to the newest migration; returns the revision.

    Two processes starting at once on an empty database must not both create the tables, so
    migrations are serialised: a PostgreSQL advisory lock, or a lock file beside a SQLite file
    (SQLite runs CREATE TABLE outside the transaction, so its own locking is not enough).
    ``home`` is the SCRUTINY_HOME that stored absolute paths are made relative to.
    """
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head() or ""
    try:
        revision = current_revision(url)
    except OperationalError as exc:
        raise ScrutinyError(f"database {redact(url)}: cannot connect ({_first_line(exc)})") from None
    try:
        if revision == head:
            return head
        with _sqlite_migration_lock(url), get_engine(url).begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            else:
                # Python's sqlite3 runs ALTER/CREATE outside any transaction unless one is open: open
                # it ourselves, so a migration that fails half-way leaves the schema as it was.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            config = alembic_config(url)
            config.attributes["connection"] = connection
            config.attributes["home"] = str(home.resolve()) if home else ""  # 0003 makes paths relative to it
            command.upgrade(config, "head")  # a no-op when the lock's previous holder already did it
        return current_revision(url)
    except SQLAlchemyError as exc:
        raise ScrutinyError(
            f"database {redact(url)}: schema upgrade failed, nothing changed ({_first_line(exc)})"
        ) from None


@contextmanager
def _sqlite_migration_lock(url: str) -> Iterator[None]:
    if not url.startswith("sqlite:///"):
        yield
        return
    lock_path = Path(url.removeprefix("sqlite:///") + ".migrate.lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def insert_if_absent(session: Session, table: type[SQLModel], values: dict[str, Any], unique: list[str]) -> bool:
    """Insert a row unless one with the same `unique` columns exists; True when this call inserted it.

    One INSERT ... ON CONFLICT DO NOTHING in the session's transaction, so the row commits (or rolls
    back) with the rest of the transaction, and a run inserting the same row at once waits and finds it.
    Not a SAVEPOINT: Python's sqlite3 opens a transaction only at the first write, so a savepoint that
    comes first is the outermost one, and releasing it commits its row alone; a crash before the rest
    of the work would then leave the row claiming work that was never done.
    """
    columns = table.__table__.c  # type: ignore[attr-defined]
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = insert(table.__table__).values(**values).on_conflict_do_nothing(index_elements=unique)  # type: ignore[attr-defined]
    # RETURNING tells an inserted row from a conflict (rowcount does not, with every driver).
    return session.execute(statement.returning(*[columns[name] for name in unique])).first() is not None


def current_revision(url: str) -> str:
    with get_engine(url).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return ""
        row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return str(row[0]) if row else ""


def known_revisions(url: str) -> set[str]:
    """Every schema revision this version's migrations know (a newer database's is not among them)."""
    return {script.revision for script in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()}


def require_schema(url: str) -> None:
    try:
        revision = current_revision(url)
    except OperationalError as exc:
        raise ScrutinyError(f"database {redact(url)}: cannot connect ({_first_line(exc)})") from None
    if not revision:
        raise ScrutinyError(f"database {redact(url)} has no schema yet: run 'scrutiny init' first")


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


_DISK_FULL = ("disk is full", "no space left on device", "could not extend file")


def is_disk_full(exc: BaseException) -> bool:
    """Whether a database error says the disk under it is full (SQLite and PostgreSQL word it differently)."""
    text = _first_line(exc).lower()
    return any(marker in text for marker in _DISK_FULL)


def database_failure(exc: BaseException) -> ScrutinyError | None:
    """A database that failed under a running command, as the one line a user is shown; None otherwise.

    The fault trials found a full disk (SQLite: "database or disk is full") and a restarted
    PostgreSQL ("terminating connection due to administrator command") reaching the user as an
    internal error. Both are the machine's, not the product's: each transaction rolled back, the
    steps already committed stay, and running the command again finishes the work.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OperationalError | InterfaceError):
            text = _first_line(seen)
            if is_disk_full(seen):
                return ScrutinyError(
                    f"the disk holding the database is full (ENOSPC: {text}): the step being saved was not "
                    "saved and what was saved before it is kept; free some space and run the command again"
                )
            return ScrutinyError(
                f"the database stopped answering ({text}): the step being saved was not saved and what was "
                "saved before it is kept; run the command again once the database is back"
            )
        seen = seen.__cause__ or seen.__context__
    return None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)) or type(exc).__name__
    return text.strip().splitlines()[0]
