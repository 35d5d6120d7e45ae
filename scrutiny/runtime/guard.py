"""The first call of every flow: say where this run works, and refuse a deployment run that would
work on implicit defaults (a stray SQLite file in whatever folder the worker happened to start in).

Interactive use (the CLI, or a flow called from Python) keeps the embedded defaults. A run from a
deployment needs its home and its database named explicitly, by the deployment's job variables or
the worker's environment, and fails at once, with one line and before anything is written, when
they are missing or when the database is not the one the deployment was made for.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from scrutiny.config import load_committee_config
from scrutiny.errors import ScrutinyError
from scrutiny.settings import BUNDLED_CONFIG, Settings, get_settings, reset_settings
from scrutiny.workspace import installed_committee_files
from state.db import alembic_config, current_revision, get_engine, redact

ARTIFACT_KEY = "run-environment"


@dataclass(frozen=True)
class RunEnvironment:
    """Where a run works: shown in its first log line and in a markdown artifact."""

    home: str
    database: str  # the URL with any password masked
    committees: tuple[str, ...]
    revision: str  # "" when the database has no schema yet
    deployment_id: str | None

    def line(self) -> str:
        source = f"deployment {self.deployment_id}" if self.deployment_id else "interactive run"
        return (
            f"scrutiny run environment ({source}): home {self.home}; database {self.database}; "
            f"committees {', '.join(self.committees) or 'none yet'}; schema revision {self.revision or 'none yet'}"
        )

    def markdown(self) -> str:
        return (
            "### Where this run worked\n\n"
            "| | |\n|---|---|\n"
            f"| Home | `{self.home}` |\n"
            f"| Database | `{self.database}` |\n"
            f"| Committees | {', '.join(self.committees) or 'none yet'} |\n"
            f"| Schema revision | {self.revision or 'none yet'} |\n"
            f"| Started by | {'deployment ' + self.deployment_id if self.deployment_id else 'an interactive command'} |\n"
        )


def check_run_environment() -> RunEnvironment:
    """Refuse a badly configured deployment run; otherwise log and record where this run works."""
    deployment_id = _deployment_id()
    if deployment_id is not None:
        pinned_url = require_explicit_settings(os.environ)
        if pinned_url is not None:
            os.environ["SCRUTINY_DATABASE_URL"] = pinned_url
        reset_settings()  # read the settings this run was actually given
    settings = get_settings()
    environment = describe_environment(settings, deployment_id)
    if deployment_id is not None:
        check_expectations(environment, settings)
    _announce(environment)
    return environment


def require_explicit_settings(environ: Mapping[str, str]) -> str | None:
    """Check that a deployment run names its home and database; returns the URL read from a block.

    Raises one ScrutinyError naming everything that is missing.
    """
    problems: list[str] = []
    home = environ.get("SCRUTINY_HOME", "").strip()
    if not home:
        problems.append("SCRUTINY_HOME is not set (Prefect variable 'scrutiny_home' or the worker's environment)")
    elif not Path(home).is_dir():
        problems.append(f"SCRUTINY_HOME {home} is not a folder on this worker (mount the shared home there)")
    url = environ.get("SCRUTINY_DATABASE_URL", "").strip()
    block = environ.get("SCRUTINY_DATABASE_URL_BLOCK", "").strip()
    # The worker's own SCRUTINY_DATABASE_URL is explicit enough; a block that exists must agree with it.
    pinned = _read_secret_block(block, problems, required=not url) if block else None
    if pinned and url and pinned != url:
        problems.append(
            f"the worker's SCRUTINY_DATABASE_URL {redact(url)} differs from {redact(pinned)} in the "
            f"deployment's Secret block {block!r}"
        )
    if not url and not block:
        problems.append("no database is named (SCRUTINY_DATABASE_URL or SCRUTINY_DATABASE_URL_BLOCK)")
    if problems:
        raise ScrutinyError("deployment run refused, nothing was written: " + "; ".join(problems))
    return pinned


def _read_secret_block(name: str, problems: list[str], *, required: bool) -> str | None:
    from prefect.blocks.system import Secret

    try:
        value = str(cast("Secret[str]", Secret.load(name)).get()).strip()
    except ValueError:
        if required:
            problems.append(f"the database's Prefect Secret block {name!r} does not exist")
        return None
    if not value:
        problems.append(f"the database's Prefect Secret block {name!r} is empty")
        return None
    return value


def describe_environment(settings: Settings, deployment_id: str | None = None) -> RunEnvironment:
    """Read the home, database, committees and schema revision without writing anything."""
    url = settings.effective_database_url
    revision, stored = _database_facts(url)
    configured = configured_committees(settings)
    committees = tuple(sorted(set(stored) | set(configured)))
    return RunEnvironment(
        home=str(settings.home.resolve()),
        database=redact(url),
        committees=committees,
        revision=revision,
        deployment_id=deployment_id,
    )


def configured_committees(settings: Settings) -> tuple[str, ...]:
    """The committees installed in the home (their files), read without touching the database; a new
    home is given the bundled committee when it is first opened, so that is what it has."""
    files = installed_committee_files(settings) or [BUNDLED_CONFIG]
    return tuple(sorted(load_committee_config(path).committee.id for path in files))


def code_revision(url: str) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head() or ""


def check_expectations(environment: RunEnvironment, settings: Settings) -> None:
    """A database or committee set other than the one the deployment was made for is refused."""
    problems: list[str] = []
    expected_revision = (settings.expect_revision or "").strip()
    if expected_revision:
        if environment.revision != expected_revision:
            problems.append(
                f"database {environment.database} is at schema revision {environment.revision or 'none (empty)'}, "
                f"the deployment expects {expected_revision}"
            )
        head = code_revision(settings.effective_database_url)
        if head != expected_revision:
            problems.append(
                f"this worker's code is at schema revision {head}, the deployment expects {expected_revision}"
            )
    expected_committees = sorted({c.strip() for c in (settings.expect_committees or "").split(",") if c.strip()})
    if expected_committees and list(environment.committees) != expected_committees:
        problems.append(
            f"committees {', '.join(environment.committees) or 'none'} differ from the deployment's "
            f"{', '.join(expected_committees)}"
        )
    if problems:
        raise ScrutinyError("deployment run refused, nothing was written: " + "; ".join(problems))


def _database_facts(url: str) -> tuple[str, tuple[str, ...]]:
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return "", ()  # connecting would create the file
    try:
        revision = current_revision(url)
        if not revision:
            return "", ()
        with get_engine(url).connect() as connection:
            if not inspect(connection).has_table("committee"):
                return revision, ()
            rows = connection.exec_driver_sql("SELECT id FROM committee ORDER BY id").all()
    except SQLAlchemyError as exc:
        reason = (str(getattr(exc, "orig", exc)).strip().splitlines() or [type(exc).__name__])[0]
        raise ScrutinyError(f"database {redact(url)}: cannot connect ({reason})") from None
    return revision, tuple(str(row[0]) for row in rows)


def _deployment_id() -> str | None:
    """What prefect.runtime.deployment.id says, without its API call for runs that have none."""
    import prefect.context
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    if context is None:
        return None
    if context.flow_run is not None and context.flow_run.deployment_id:
        return str(context.flow_run.deployment_id)
    inherited = getattr(prefect.context, "_deployment_id", None)  # a subflow of a deployment run
    value = inherited.get() if inherited is not None else None
    return str(value) if value else None


def _announce(environment: RunEnvironment) -> None:
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is None:
        return  # called outside a flow run: nothing to log to, no run to attach an artifact to
    from prefect import get_run_logger
    from prefect.artifacts import create_markdown_artifact

    get_run_logger().info(environment.line())
    create_markdown_artifact(
        environment.markdown(), key=ARTIFACT_KEY, description="Home, database, committees and schema revision"
    )
