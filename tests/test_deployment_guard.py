"""A deployment run never works on a database nobody configured (issue 15).

Against a real Prefect server and worker: a run on a worker with no SCRUTINY_* settings fails with
one line and creates no database file; the same deployment with the pinned job variables completes
against PostgreSQL (role and database made by the commands in docs/operations.md, run verbatim)
and names the database with the password masked; a different schema revision or committee set is
refused the same way. The checks themselves are also tested directly, without Prefect.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrutiny.errors import ScrutinyError
from scrutiny.runtime.guard import RunEnvironment, check_expectations, describe_environment, require_explicit_settings
from scrutiny.settings import Settings
from tests.server_helpers import (
    REPO,
    background_process,
    clean_env,
    free_port,
    prefect_api,
    run_deployment,
    scrutiny,
    wait_for,
)

PREFECT = [sys.executable, "-m", "prefect"]
OPERATIONS = REPO / "docs" / "operations.md"
TEST_POSTGRES_ADMIN_URL = os.environ.get(
    "SCRUTINY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


# The checks, without Prefect


def test_missing_home_and_database_are_named_in_one_line() -> None:
    with pytest.raises(ScrutinyError) as refused:
        require_explicit_settings({"SCRUTINY_HOME": "", "PATH": "/usr/bin"})
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("deployment run refused, nothing was written: ")
    assert "SCRUTINY_HOME is not set" in message and "no database is named" in message


def test_a_home_that_is_not_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScrutinyError, match="is not a folder on this worker"):
        require_explicit_settings(
            {"SCRUTINY_HOME": str(tmp_path / "not-mounted"), "SCRUTINY_DATABASE_URL": "sqlite:///x.db"}
        )


def test_explicit_home_and_url_pass(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state/scrutiny.db"
    assert require_explicit_settings({"SCRUTINY_HOME": str(tmp_path), "SCRUTINY_DATABASE_URL": url}) is None


def test_describing_a_new_home_creates_no_file(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    described = describe_environment(settings)
    assert described.revision == "" and described.committees == ("living-in-hackney",)
    assert not (tmp_path / "home").exists()


def test_other_revision_or_committees_are_refused(tmp_path: Path) -> None:
    found = RunEnvironment(
        home=str(tmp_path),
        database="sqlite:///x",
        committees=("living-in-hackney",),
        revision="0002",
        deployment_id="d",
    )
    with pytest.raises(ScrutinyError, match="is at schema revision 0002, the deployment expects 0001"):
        check_expectations(found, Settings(home=tmp_path, expect_revision="0001"))
    with pytest.raises(ScrutinyError, match="committees living-in-hackney differ from the deployment's other"):
        check_expectations(found, Settings(home=tmp_path, expect_committees="other"))


# Against a real Prefect server, worker and PostgreSQL


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    prefect_home = tmp_path / "prefect-server-home"
    env = clean_env(tmp_path / "unused") | {
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",
    }
    api = f"http://127.0.0.1:{port}/api"
    argv = [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with background_process(argv, env, tmp_path / "server.log", tmp_path) as server:
        from scrutiny.runtime.server_state import api_healthy

        wait_for(lambda: api_healthy(api) or server.poll() is not None, timeout=180, what="the Prefect server")
        assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
        yield api, tmp_path / "client-prefect"


def _database_files(*roots: Path) -> set[Path]:
    return {p for root in roots if root.exists() for p in root.rglob("*.db*") if ".prefect" not in p.parts}


def _docs_postgres_block() -> str:
    text = OPERATIONS.read_text(encoding="utf-8")
    found = re.search(r"<!-- postgres-setup[^>]*-->\s*```sh\n(.*?)```", text, re.S)
    assert found, "docs/operations.md has no marked PostgreSQL set-up block"
    return found.group(1)


@pytest.fixture
def docs_role_and_database() -> Iterator[tuple[str, str]]:
    """Run the docs' commands verbatim; yields the URL they export and the password."""
    import sqlalchemy

    suffix = uuid.uuid4().hex[:10]
    role, database, password = f"scrutiny_role_{suffix}", f"scrutiny_db_{suffix}", uuid.uuid4().hex
    admin = sqlalchemy.engine.make_url(TEST_POSTGRES_ADMIN_URL)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PGHOST": admin.host or "127.0.0.1",
        "PGPORT": str(admin.port or 5432),
        "PGUSER": admin.username or "postgres",
        "SCRUTINY_DB_ROLE": role,
        "SCRUTINY_DB_NAME": database,
        "SCRUTINY_DB_PASSWORD": password,
    }
    script = _docs_postgres_block() + '\nprintf "%s\\n" "$SCRUTINY_DATABASE_URL"\n'
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, capture_output=True, text=True)
    try:
        assert done.returncode == 0, done.stderr
        yield done.stdout.strip().splitlines()[-1], password
    finally:
        engine = sqlalchemy.create_engine(TEST_POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        engine.dispose()


def test_unconfigured_worker_refuses_then_pinned_run_completes_on_postgres(
    prefect_server: tuple[str, Path], docs_role_and_database: tuple[str, str], tmp_path: Path
) -> None:
    api, client = prefect_server
    url, password = docs_role_and_database
    assert f":{password}@" in url and url.startswith("postgresql+psycopg://")

    # Deployed by hand with nothing pinned, run by a worker started in a bare shell.
    deploy_env = clean_env(tmp_path / "unused") | {"PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "deployer")}
    deploy_env.pop("SCRUTINY_HOME")
    deploy_env["PWD"] = str(REPO)
    for argv in (["work-pool", "create", "scrutiny", "--type", "process"], ["--no-prompt", "deploy", "--all"]):
        done = subprocess.run([*PREFECT, *argv], cwd=REPO, env=deploy_env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    worker_cwd = tmp_path / "worker-cwd"
    worker_cwd.mkdir()
    before = _database_files(REPO, worker_cwd, tmp_path)
    bare = {k: v for k, v in deploy_env.items() if not k.startswith("SCRUTINY_")} | {"PREFECT_LOGGING_LEVEL": "INFO"}
    worker_argv = [*PREFECT, "worker", "start", "--pool", "scrutiny", "--type", "process", "--name", "bare"]
    with background_process(worker_argv, bare, tmp_path / "bare-worker.log", worker_cwd):
        refused = run_deployment(api, client, "plan-annual-updates/plan-on-demand", parameters={"as_of": "2026-11-21"})
    assert refused["state_type"] == "FAILED", refused
    reason = refused["message"]
    assert "deployment run refused, nothing was written: SCRUTINY_HOME is not set" in reason, reason
    assert "Secret block 'scrutiny-database-url' does not exist" in reason
    assert _database_files(REPO, worker_cwd, tmp_path) == before  # no SQLite file anywhere

    # `scrutiny server start` against that server (PREFECT_API_URL wins) pins the settings and runs a worker.
    home = tmp_path / "home"
    env = clean_env(home, PREFECT_API_URL=api, SCRUTINY_DATABASE_URL=url, SCRUTINY_PDF="false")
    started = scrutiny(env, "server", "start")
    try:
        assert started.returncode == 0, started.stderr + started.stdout
        assert f"PREFECT_API_URL is set: using the Prefect server at {api}" in started.stdout
        deployment = prefect_api(api, client, "deployment", name="plan-annual-updates/plan-on-demand")
        assert password not in str(deployment["job_variables"])  # the URL stays in the Secret block
        assert deployment["job_variables"]["env"]["SCRUTINY_HOME"] == str(home)

        completed = run_deployment(
            api, client, "plan-annual-updates/plan-on-demand", parameters={"as_of": "2026-11-21"}
        )
        assert completed["state_type"] == "COMPLETED", completed
        masked = url.replace(f":{password}@", ":***@")
        where = {a["key"]: a for a in prefect_api(api, client, "artifacts", id=completed["id"])}["run-environment"]
        assert f"`{masked}`" in where["data"] and password not in where["data"]
        logs = prefect_api(api, client, "logs", id=completed["id"])
        assert any(masked in line for line in logs if line.startswith("scrutiny run environment"))
        assert not any(password in line for line in logs)

        # A run whose database is not the one the deployment expects is refused, writing nothing.
        pinned = deployment["job_variables"]["env"]
        for change, expected in (
            ({"SCRUTINY_EXPECT_REVISION": "0001"}, "the deployment expects 0001"),
            ({"SCRUTINY_EXPECT_COMMITTEES": "another-committee"}, "differ from the deployment's another-committee"),
        ):
            other = run_deployment(
                api,
                client,
                "plan-annual-updates/plan-on-demand",
                parameters={"as_of": "2026-11-21"},
                job_variables={"env": pinned | change},
            )
            assert other["state_type"] == "FAILED" and expected in other["message"], other
        status = scrutiny(env, "server", "status").stdout
        assert "(PREFECT_API_URL; not started here)" in status and "worker: PID" in status
    finally:
        stopped = scrutiny(env, "server", "stop", timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert "Stopped worker" in stopped.stdout
