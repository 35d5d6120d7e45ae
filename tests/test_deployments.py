"""prefect.yaml against a real Prefect server: deployments, schedules, and a run picked up by a worker."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
PREFECT = str(Path(sys.executable).parent / "prefect")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path_factory.mktemp("server-home")),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL", None)
    log = (tmp_path_factory.mktemp("server-log") / "server.log").open("w")
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urlopen(f"{api}/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prefect server did not start; see {log.name}")
            time.sleep(0.5)
    try:
        yield {**env, "PREFECT_API_URL": api}
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()


def _prefect(env: dict[str, str], *args: str, cwd: Path = REPO, timeout: float = 180) -> str:
    done = subprocess.run(
        [PREFECT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _inspect(env: dict[str, str], name: str) -> dict:
    script = (
        "import asyncio, json, sys\n"
        "from prefect.client.orchestration import get_client\n"
        "async def main():\n"
        "    async with get_client() as client:\n"
        f"        d = await client.read_deployment_by_name({name!r})\n"
        "        runs = await client.read_flow_runs()\n"
        "        print(json.dumps({'schedules': [s.schedule.model_dump(mode='json') | {'active': s.active} for s in d.schedules],\n"
        "                          'pull_steps': d.pull_steps, 'entrypoint': d.entrypoint,\n"
        "                          'runs': [(str(r.deployment_id), r.state_type.value, str(r.expected_start_time)) for r in runs],\n"
        "                          'id': str(d.id)}))\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _deployment(env: dict[str, str], name: str) -> dict:
    script = (
        "import json\n"
        "from prefect.client.orchestration import get_client\n"
        "with get_client(sync_client=True) as client:\n"
        f"    print(client.read_deployment_by_name({name!r}).model_dump_json())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_deployments_schedules_and_a_worker_run(prefect_server: dict[str, str], tmp_path: Path) -> None:
    env = prefect_server
    home = tmp_path / "home"
    home.mkdir()
    _prefect(env, "work-pool", "create", "scrutiny", "--type", "process")
    # The deployments' job variables are filled from this variable when they are deployed.
    _prefect(env, "variable", "set", "scrutiny_home", str(home))
    _prefect(env, "--no-prompt", "deploy", "--all")

    config = yaml.safe_load((REPO / "prefect.yaml").read_text())
    for deployment in config["deployments"]:
        flow_name = {
            "flows/cycle.py:scrutiny_cycle_flow": "scrutiny-cycle",
            "flows/chase.py:chase_responses_flow": "chase-responses",
            "flows/plan.py:plan_annual_updates_flow": "plan-annual-updates",
            "flows/letters.py:issue_request_letters_flow": "issue-request-letters",
            "flows/pack.py:assemble_agenda_pack_flow": "assemble-agenda-pack",
            "flows/responses.py:record_response_flow": "record-response",
        }[deployment["entrypoint"]]
        found = _inspect(env, f"{flow_name}/{deployment['name']}")
        assert found["entrypoint"] == deployment["entrypoint"]
        assert found["pull_steps"][0]["prefect.deployments.steps.set_working_directory"]["directory"] == str(REPO)

    daily = _inspect(env, "scrutiny-cycle/daily")
    assert daily["schedules"] == [
        {"cron": "0 7 * * 1-5", "timezone": "Europe/London", "day_or": True, "active": True}
    ] or (daily["schedules"][0]["cron"], daily["schedules"][0]["timezone"]) == ("0 7 * * 1-5", "Europe/London")
    chasers = _inspect(env, "chase-responses/daily-chasers")
    assert (chasers["schedules"][0]["cron"], chasers["schedules"][0]["timezone"]) == ("0 9 * * *", "Europe/London")

    # One chase and one cycle at a time; a second run waits for a slot, it is not dropped.
    for name in ("scrutiny-cycle/daily", "chase-responses/daily-chasers"):
        found = _deployment(env, name)
        assert found["global_concurrency_limit"]["limit"] == 1, name
        assert found["concurrency_options"]["collision_strategy"] == "ENQUEUE", name
        assert "scrutiny" in found["tags"] and "scheduled" in found["tags"]
    for deployment in config["deployments"]:
        assert deployment["tags"], f"{deployment['name']} has no tags"
    # Every parameter of every deployed flow has a description the UI shows.
    for name in ("scrutiny-cycle/daily", "chase-responses/daily-chasers", "record-response/record-response"):
        properties = _deployment(env, name)["parameter_openapi_schema"]["properties"]
        assert properties and all(p.get("description") for p in properties.values()), (name, properties)
    # Each run is told its home (pinned from the variable) and reads its database from a block, never a file.
    pinned = _deployment(env, "plan-annual-updates/plan-on-demand")["job_variables"]["env"]
    assert pinned["SCRUTINY_HOME"] == str(home)
    assert pinned["SCRUTINY_DATABASE_URL_BLOCK"] == "scrutiny-database-url"
    assert "SCRUTINY_DATABASE_URL" not in pinned

    # The scheduler turns the schedule into runs at 07:00 London time on working days.
    deadline = time.monotonic() + 60
    while True:
        runs = [r for r in _inspect(env, "scrutiny-cycle/daily")["runs"] if r[0] == daily["id"]]
        if runs or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert runs, "the scheduler created no runs for scrutiny-cycle/daily"
    assert all(r[1] == "SCHEDULED" for r in runs)

    # An officer's on-demand run, executed by a worker that names the database in its environment.
    _prefect(env, "deployment", "run", "plan-annual-updates/plan-on-demand", "--param", "as_of=2026-11-21")
    worker_env = {**env, "SCRUTINY_HOME": str(home), "SCRUTINY_DATABASE_URL": f"sqlite:///{home}/state/scrutiny.db"}
    _prefect(worker_env, "worker", "start", "--pool", "scrutiny", "--run-once", timeout=240)
    listing = subprocess.run(
        [sys.executable, "-m", "cli", "plan", "--as-of", "2026-11-21", "--json"],
        env=worker_env,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
        cwd=home,
    )
    placed = {(row["committee"], row["commitment"]): row["meeting_id"] for row in json.loads(listing.stdout)}
    assert placed == {("living-in-hackney", "R15"): "lih-2027-01-25", ("living-in-hackney", "R16"): "lih-2027-01-25"}
    assert (home / "state" / "scrutiny.db").exists()
    # The worker's run found a new home and installed the bundled committee in it.
    assert (home / "committees" / "living-in-hackney" / "committee.yaml").is_file()
