"""Helpers for the tests that run `scrutiny server start` and real Prefect workers: a clean
environment, the CLI in a subprocess, calls to the Prefect API in a subprocess, and a look at
the process table for anything left behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """What a new user's shell has: no SCRUTINY_* or PREFECT_* setting but the home (and `extra`)."""
    env = {
        "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "SCRUTINY_HOME": str(home),
    }
    env.update(extra)
    return env


def scrutiny(env: dict[str, str], *args: str, timeout: float = 400) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "cli", *args],
        env=env,
        cwd=Path(env.get("SCRUTINY_HOME", str(REPO))).parent,  # anywhere but the repository
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


_API_SCRIPT = r"""
import json, sys, time
from uuid import UUID
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId

op, args = sys.argv[1], json.loads(sys.argv[2])

def state(client, run_id):
    run = client.read_flow_run(UUID(run_id))
    return {"id": run_id, "name": run.name, "state_type": run.state_type.value if run.state_type else None,
            "state_name": run.state_name, "message": run.state.message if run.state else None}

def wait(client, ids, timeout):
    deadline = time.monotonic() + timeout
    while True:
        states = [state(client, i) for i in ids]
        final = [s for s in states if s["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")]
        if len(final) == len(states) or time.monotonic() > deadline:
            return states
        time.sleep(1)

with get_client(sync_client=True) as client:
    if op == "create":
        deployment = client.read_deployment_by_name(args["name"])
        out = []
        for _ in range(args.get("count", 1)):
            run = client.create_flow_run_from_deployment(
                deployment.id, parameters=args.get("parameters", {}), job_variables=args.get("job_variables"))
            out.append(str(run.id))
    elif op == "wait":
        out = wait(client, args["ids"], args["timeout"])
    elif op == "artifacts":
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(args["id"])])))
        out = [{"key": a.key, "type": a.type, "data": a.data, "description": a.description} for a in found]
    elif op == "logs":
        found = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(args["id"])])))
        out = [log.message for log in sorted(found, key=lambda log: log.timestamp)]
    elif op == "deployment":
        d = client.read_deployment_by_name(args["name"])
        out = json.loads(d.model_dump_json(include={"id", "job_variables", "concurrency_limit", "concurrency_options",
            "tags", "parameter_openapi_schema", "pull_steps", "entrypoint", "schedules", "global_concurrency_limit"}))
    elif op == "workers":
        out = [{"name": w.name, "status": w.status.value} for w in client.read_workers_for_work_pool(args["pool"])]
    else:
        raise SystemExit(f"unknown op {op}")
print(json.dumps(out, default=str))
"""


def prefect_api(api_url: str, prefect_home: Path, op: str, **args: Any) -> Any:
    """One call to the Prefect API, from a separate process (this one keeps no Prefect settings)."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root")}
    env |= {"PREFECT_API_URL": api_url, "PREFECT_HOME": str(prefect_home), "PREFECT_LOGGING_LEVEL": "ERROR"}
    timeout = float(args.get("timeout", 60)) + 60
    done = subprocess.run(
        [PYTHON, "-c", _API_SCRIPT, op, json.dumps(args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"Prefect API call {op} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_deployment(api_url: str, prefect_home: Path, name: str, timeout: float = 300, **create: Any) -> dict[str, Any]:
    ids = prefect_api(api_url, prefect_home, "create", name=name, **create)
    return dict(prefect_api(api_url, prefect_home, "wait", ids=ids, timeout=timeout)[0])


def processes_referring_to(text: str) -> list[tuple[int, str]]:
    """Live processes whose command line or environment mentions `text` (e.g. a test's home)."""
    found = []
    needle = text.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            status = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if status.rsplit(")", 1)[1].split()[0] == "Z":
            continue
        if needle in cmdline or needle in environ:
            found.append((int(entry), cmdline.replace(b"\0", b" ").decode(errors="replace")[:200]))
    return found


def wait_no_processes(text: str, timeout: float = 15) -> list[tuple[int, str]]:
    deadline = time.monotonic() + timeout
    while (left := processes_referring_to(text)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def port_listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def started_server(env: dict[str, str], home: Path) -> Iterator[subprocess.CompletedProcess[str]]:
    """`scrutiny server start`; on the way out `scrutiny server stop`, and a last resort if that failed."""
    started = scrutiny(env, "server", "start")
    try:
        yield started
    finally:
        stopped = scrutiny(env, "server", "stop", timeout=120)
        if stopped.returncode != 0:
            _kill_recorded(home)


def _kill_recorded(home: Path) -> None:
    from scrutiny.runtime.server_processes import terminate
    from scrutiny.runtime.server_state import load_server_state

    state = load_server_state(home)
    if state is not None:
        terminate(state.processes, grace_s=5)


@contextmanager
def background_process(argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process of the test's own (a second worker, a plain Prefect server), ended with its group."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_for(predicate: Any, *, timeout: float, what: str, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
