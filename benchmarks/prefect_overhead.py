"""task_overhead_ms: what Prefect adds to each task, under a real local Prefect server.

The benchmark starts ``prefect server start`` on a free port of 127.0.0.1 with its own
PREFECT_HOME, then, in a fresh process pointed at it, runs one flow that does the same work
both ways, alternately: ``n`` letters rendered by plain calls, and ``n`` letters rendered by a
``@task`` each (the unit the letters and chase flows use: one task per letter). The overhead is
the difference per task, the best round of each. The server is stopped at the end, whatever
happens. Usage: python benchmarks/prefect_overhead.py [--tasks 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(api: str) -> bool:
    try:
        with urlopen(f"{api}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _prefect_environment(prefect_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        {
            "PREFECT_HOME": str(prefect_home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
    )
    return env


@contextmanager
def prefect_server(prefect_home: Path, timeout: float = 180) -> Iterator[str]:
    """A Prefect server of our own for the duration; yields its API URL."""
    port = _free_port()
    prefect_home.mkdir(parents=True, exist_ok=True)
    api = f"http://127.0.0.1:{port}/api"
    with (prefect_home / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=_prefect_environment(prefect_home),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group, stopped as a whole below
        )
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(api):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"prefect server did not start; see {log.name}")
                time.sleep(0.5)
            yield api
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()


def _child(tasks: int, rounds: int, out_dir: Path) -> dict[str, Any]:
    """Runs inside the process pointed at the server: the flow times both ways itself."""
    from prefect import flow, task

    from scrutiny.letters.render import render_letter
    from scrutiny.letters.samples import sample_context

    template, context = ROOT / "templates" / "request_letter.docx", sample_context("request")

    def work(number: int) -> str:
        return render_letter(template, context, out_dir / f"letter-{number:03d}.docx").sha256

    @task(name="render-letter", task_run_name="letter-{number}")
    def work_task(number: int) -> str:
        return work(number)

    @flow(name="task-overhead-benchmark")
    def timed() -> dict[str, list[float]]:
        times: dict[str, list[float]] = {"plain": [], "task": []}
        work(0)  # warm: imports, template analysis, compiled parts
        work_task(0)
        for _ in range(rounds):
            started = time.perf_counter()
            for number in range(tasks):
                work(number)
            times["plain"].append(time.perf_counter() - started)
            started = time.perf_counter()
            for number in range(tasks):
                work_task(number)
            times["task"].append(time.perf_counter() - started)
        return times

    started = time.perf_counter()
    times = timed()
    flow_seconds = time.perf_counter() - started
    plain, tasked = min(times["plain"]), min(times["task"])
    return {
        "tasks": tasks,
        "rounds": rounds,
        "plain_ms_per_call": plain / tasks * 1e3,
        "task_ms_per_call": tasked / tasks * 1e3,
        "task_overhead_ms": (tasked - plain) / tasks * 1e3,
        "flow_seconds": flow_seconds,
    }


def measure_task_overhead(tasks: int = 20, rounds: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="scrutiny-bench-prefect-") as scratch_name:
        scratch = Path(scratch_name)
        started = time.perf_counter()
        with prefect_server(scratch / "prefect") as api:
            server_start = time.perf_counter() - started
            env = _prefect_environment(scratch / "prefect") | {"PREFECT_API_URL": api}
            command = [sys.executable, __file__, "--child", "--tasks", str(tasks), "--rounds", str(rounds)]
            command += ["--out", str(scratch / "letters")]
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the Prefect overhead run failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result | {"server_start_seconds": server_start}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.out.mkdir(parents=True, exist_ok=True)
        print(json.dumps(_child(args.tasks, args.rounds, args.out)))
        return 0
    result = measure_task_overhead(args.tasks, args.rounds)
    print(f"Prefect server started in {result['server_start_seconds']:.1f} s")
    print(f"plain call {result['plain_ms_per_call']:.1f} ms, as a task {result['task_ms_per_call']:.1f} ms")
    print(f"task_overhead_ms={result['task_overhead_ms']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
