"""`scrutiny server start | status | stop` as a new user runs them: from a clean environment, a real
Prefect server, work pool, deployments and worker; a chase run through the API on that worker; and
nothing left behind by `stop`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from scrutiny.runtime.server_state import ProcessRecord, ServerState, save_server_state
from tests.server_helpers import (
    clean_env,
    free_port,
    port_listening,
    prefect_api,
    processes_referring_to,
    run_deployment,
    scrutiny,
    started_server,
    wait_no_processes,
)


def test_start_chase_status_stop(tmp_path: Path) -> None:
    home = tmp_path / "home"  # does not exist yet: `start` makes it
    port = free_port()
    env = clean_env(home, SCRUTINY_SERVER_PORT=str(port), SCRUTINY_PDF="false")
    with started_server(env, home) as started:
        assert started.returncode == 0, started.stderr + started.stdout
        assert f"Prefect UI: http://127.0.0.1:{port}" in started.stdout
        assert "6 deployments" in started.stdout and "chase-responses/daily-chasers" in started.stdout
        assert (home / ".prefect" / "logs" / "server.log").is_file()
        assert (home / ".prefect" / "logs" / "worker.log").is_file()

        status = json.loads(scrutiny(env, "server", "status", "--json").stdout)
        assert status["running"] is True and status["api_answering"] is True
        assert status["ui_url"] == f"http://127.0.0.1:{port}"
        assert {p["name"] for p in status["processes"]} == {"server", "worker"}
        text = scrutiny(env, "server", "status").stdout
        assert f"UI:  http://127.0.0.1:{port}" in text and "running" in text

        again = scrutiny(env, "server", "start")
        assert again.returncode == 2
        assert "already running" in again.stderr and "Traceback" not in again.stderr

        api, client_home = status["api_url"], tmp_path / "client-prefect"
        plan = run_deployment(
            api, client_home, "plan-annual-updates/plan-on-demand", parameters={"as_of": "2026-11-21"}
        )
        assert plan["state_type"] == "COMPLETED", plan
        letters = run_deployment(
            api, client_home, "issue-request-letters/letters-on-demand", parameters={"as_of": "2026-11-21"}
        )
        assert letters["state_type"] == "COMPLETED", letters
        # Five working days before the response due date (8 January): reminders are due.
        chase = run_deployment(api, client_home, "chase-responses/daily-chasers", parameters={"as_of": "2027-01-04"})
        assert chase["state_type"] == "COMPLETED", chase

        artifacts = {a["key"]: a for a in prefect_api(api, client_home, "artifacts", id=chase["id"])}
        table = artifacts["responses-outstanding"]
        assert table["type"] == "table"
        rows = json.loads(table["data"])
        assert rows and {row["status"] for row in rows} == {"reminded"}
        documents, reminders = _count(home, "document"), _count(home, "reminder")
        assert reminders > 0 and f"{reminders} chaser(s) written" in artifacts["chase-summary"]["data"]
        where = artifacts["run-environment"]["data"]
        assert str(home) in where and "living-in-hackney" in where
        logs = prefect_api(api, client_home, "logs", id=chase["id"])
        ours = [line for line in logs if line.startswith("scrutiny ")]
        assert ours[0].startswith("scrutiny run environment (deployment "), logs
        # The worker ran it in the home (not in the repository, not in its own folder).
        assert len(list((home / "outbox").rglob("*.eml"))) == documents  # each letter and reminder e-mailed
        assert not (Path(__file__).resolve().parent.parent / "state" / "scrutiny.db").exists()

    stopped_status = scrutiny(env, "server", "status")
    assert "No Prefect server is recorded" in stopped_status.stdout
    assert wait_no_processes(str(home)) == [], processes_referring_to(str(home))
    assert not port_listening(port)


def test_stale_record_is_reported_and_cleared(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    gone = ProcessRecord(name="server", pid=999_999_999, pgid=999_999_999, start_ticks=1)
    save_server_state(
        home,
        ServerState(
            api_url="http://127.0.0.1:9/api",
            ui_url="http://127.0.0.1:9",
            prefect_home=str(home / ".prefect"),
            work_pool="scrutiny",
            processes=[gone],
            home=str(home),
            started_at="2026-11-30T08:00:00+00:00",
        ),
    )
    env = clean_env(home)
    status = scrutiny(env, "server", "status")
    assert status.returncode == 0
    assert "stale" in status.stdout and "2026-11-30T08:00:00+00:00" in status.stdout
    assert json.loads(scrutiny(env, "server", "status", "--json").stdout)["stale"] is True
    stopped = scrutiny(env, "server", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert "No Prefect server is recorded" in scrutiny(env, "server", "status").stdout


def test_configured_port_in_use_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = clean_env(tmp_path / "home", SCRUTINY_SERVER_PORT=str(port))
        refused = scrutiny(env, "server", "start")
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"scrutiny: error: SCRUTINY_SERVER_PORT {port}: the port is in use on 127.0.0.1"
    assert not (tmp_path / "home" / ".prefect" / "server.json").exists()


def _count(home: Path, table: str) -> int:
    with sqlite3.connect(home / "state" / "scrutiny.db") as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_a_prefect_api_url_that_does_not_answer_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    home = tmp_path / "home"
    api = f"http://127.0.0.1:{free_port()}/api"
    refused = scrutiny(clean_env(home, PREFECT_API_URL=api), "server", "start")
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"scrutiny: error: PREFECT_API_URL {api} does not answer")
    assert len(refused.stderr.strip().splitlines()) == 1
    assert not (home / "state").exists() and not (home / ".prefect" / "server.json").exists()
