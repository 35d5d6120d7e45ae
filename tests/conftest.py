"""Shared fixtures: a fresh workspace per test on SQLite and on PostgreSQL, and one Prefect harness."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.imap_server import imap_account, imap_server  # noqa: F401 (the Dovecot fixtures, for every test)

# Tests that start real Prefect servers, workers or temporary servers themselves (not the harness).
_PREFECT_SERVER_MODULES = {
    "test_deployments", "test_deployment_guard", "test_server_cli", "test_server_units", "test_two_workers",
    "test_ui_browser", "test_first_run", "test_interrupt", "test_temporary_server", "test_migration_0003",
    "test_backup_during_run", "test_no_secrets",
}  # fmt: skip
_POSTGRES_MODULES = {"test_two_workers"}


@pytest.fixture(autouse=True)
def _counts_go_to_this_test(request: pytest.FixtureRequest) -> Iterator[None]:
    from tests import counts

    counts._current.append(request.node)
    yield
    counts._current.pop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Every count the trials reported, in one section (the workers of pytest -n send them with their reports)."""
    lines = [
        f"{report.nodeid}: {value}"
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", "") == "call"
        for key, value in getattr(report, "user_properties", [])
        if key == "count"
    ]
    if lines:
        terminalreporter.section("trial counts")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what each test needs, so `-m "not postgres"` or `-m "not prefect"` select what a machine can run."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""  # type: ignore[attr-defined]
        if "prefect_harness" in getattr(item, "fixturenames", ()) or module in _PREFECT_SERVER_MODULES:
            item.add_marker(pytest.mark.prefect)
        if module in _POSTGRES_MODULES or "postgres" in item.name.lower():
            item.add_marker(pytest.mark.postgres)


TEST_POSTGRES_ADMIN_URL = os.environ.get(
    "SCRUTINY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect API for the whole run (it takes ~10 s to start)."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _postgres_database() -> Iterator[str]:
    import sqlalchemy

    name = f"scrutiny_test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(TEST_POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sqlalchemy.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required for the postgres tests and is not reachable: {exc}")
    url = TEST_POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from state.db import get_engine

        get_engine(url).dispose()
        get_engine.cache_clear()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'home' / 'state' / 'scrutiny.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same kind as `database_url`: another home's, e.g. to restore into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'elsewhere' / 'state' / 'scrutiny.db'}"
    else:
        yield from _postgres_database()


def _workspace(home: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None) -> Path:
    """Point the product at an empty SCRUTINY_HOME and re-read its settings."""
    from scrutiny.settings import reset_settings

    home.mkdir(exist_ok=True)
    monkeypatch.setenv("SCRUTINY_HOME", str(home))
    if database_url is None:
        monkeypatch.delenv("SCRUTINY_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("SCRUTINY_DATABASE_URL", database_url)
    for name in ("SCRUTINY_CONFIG", "SCRUTINY_SMTP_HOST", "SCRUTINY_SMTP_PASSWORD", "SCRUTINY_TEMPLATES_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(home)
    reset_settings()
    return home


@pytest.fixture
def home(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty SCRUTINY_HOME with its own database, on SQLite and on PostgreSQL."""
    from scrutiny.settings import reset_settings

    yield _workspace(tmp_path / "home", monkeypatch, database_url)
    reset_settings()


@pytest.fixture
def sqlite_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A workspace on the default SQLite database only, for tests about files and the CLI."""
    from scrutiny.settings import reset_settings

    yield _workspace(tmp_path / "home", monkeypatch, None)
    reset_settings()
