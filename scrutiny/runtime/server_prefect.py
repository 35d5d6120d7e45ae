"""What `scrutiny server start` asks of a Prefect server: wait for its API, create the work pool, pin
the settings every deployment run must use, deploy prefect.yaml, and wait for a worker."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from scrutiny.errors import ScrutinyError
from scrutiny.runtime.server_state import api_healthy

WORK_POOL = "scrutiny"
DATABASE_URL_BLOCK = "scrutiny-database-url"  # named in prefect.yaml's job variables
# Prefect variables prefect.yaml's job variables are filled from (at `prefect deploy` time).
HOME_VARIABLE = "scrutiny_home"
REVISION_VARIABLE = "scrutiny_schema_revision"
COMMITTEES_VARIABLE = "scrutiny_committees"
PREFECT = [sys.executable, "-m", "prefect"]


def repository_root() -> Path:
    """The checkout holding prefect.yaml and flows/, which deployments run from (beside this package)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "prefect.yaml").is_file():
        raise ScrutinyError(f"{root}: no prefect.yaml here; 'scrutiny server start' needs the repository checkout")
    return root


@contextmanager
def prefect_api(api_url: str) -> Iterator[None]:
    """Point this process's Prefect client at `api_url` for the calls inside."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        yield


def wait_until(ready: Callable[[], bool], *, timeout_s: float, still_starting: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not ready():
        if not still_starting():
            raise ScrutinyError(f"{what} stopped while starting")
        if time.monotonic() > deadline:
            raise ScrutinyError(f"{what} did not become ready within {timeout_s:.0f} s")
        time.sleep(0.5)


def wait_for_api(api_url: str, *, timeout_s: float, still_starting: Callable[[], bool], log: Path) -> None:
    wait_until(
        lambda: api_healthy(api_url),
        timeout_s=timeout_s,
        still_starting=still_starting,
        what=f"the Prefect server at {api_url} (log: {log})",
    )


def ensure_work_pool(api_url: str, name: str = WORK_POOL) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.workers.process import ProcessWorker

    with prefect_api(api_url), get_client(sync_client=True) as client:
        try:
            client.create_work_pool(
                WorkPoolCreate(
                    name=name, type="process", base_job_template=ProcessWorker.get_default_base_job_template()
                )
            )
        except ObjectAlreadyExists:
            pool = client.read_work_pool(name)
            if pool.type != "process":
                raise ScrutinyError(f"work pool {name!r} exists with type {pool.type!r}, not 'process'") from None


def pin_run_settings(api_url: str, *, home: Path, database_url: str, revision: str, committees: str) -> None:
    """Store what deployment runs must use: variables for the home and expectations, a Secret for the URL."""
    from prefect.blocks.system import Secret
    from prefect.variables import Variable

    with prefect_api(api_url):
        Variable.set(HOME_VARIABLE, str(home), overwrite=True)
        Variable.set(REVISION_VARIABLE, revision, overwrite=True)
        Variable.set(COMMITTEES_VARIABLE, committees, overwrite=True)
        Secret(value=database_url).save(DATABASE_URL_BLOCK, overwrite=True)


def deploy_all(api_url: str, *, env: Mapping[str, str], log: Path, timeout_s: float = 600) -> list[str]:
    """`prefect deploy --all` from the repository root; returns the deployments' full names."""
    root = repository_root()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        try:
            done = subprocess.run(
                [*PREFECT, "--no-prompt", "deploy", "--all"],
                cwd=root,
                # prefect.yaml's pull step reads {{ $PWD }}: the environment's, not the process's cwd.
                env={**env, "PREFECT_API_URL": api_url, "PWD": str(root)},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ScrutinyError(f"'prefect deploy --all' took longer than {timeout_s:.0f} s (log: {log})") from None
    if done.returncode != 0:
        raise ScrutinyError(f"'prefect deploy --all' failed with exit {done.returncode} (log: {log})")
    return deployment_names(api_url)


def deployment_names(api_url: str) -> list[str]:
    from prefect.client.orchestration import get_client

    with prefect_api(api_url), get_client(sync_client=True) as client:
        flows = {f.id: f.name for f in client.read_flows()}
        return sorted(f"{flows.get(d.flow_id, '?')}/{d.name}" for d in client.read_deployments())


def worker_online(api_url: str, worker_name: str, pool: str = WORK_POOL) -> bool:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import WorkerStatus

    try:
        with prefect_api(api_url), get_client(sync_client=True) as client:
            workers = client.read_workers_for_work_pool(pool)
    except Exception:  # the API is briefly busy: not ready yet
        return False
    return any(w.name == worker_name and w.status == WorkerStatus.ONLINE for w in workers)


def server_command(host: str, port: int) -> list[str]:
    return [*PREFECT, "server", "start", "--host", host, "--port", str(port)]


def worker_command(worker_name: str, pool: str = WORK_POOL) -> list[str]:
    return [*PREFECT, "worker", "start", "--pool", pool, "--type", "process", "--name", worker_name]
